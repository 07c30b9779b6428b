import type { HistoryElement } from '../../src/render/history-blocks'

/** Shared test data: history payloads valid per the hitl interface (asserted in transcript.test.ts). */
export const user = { type: 'user', userId: 'user_1' } as const
export const bot = { type: 'bot' } as const
export const MAPS = 'https://www.google.com/maps?q=45.5017,-73.5673'

export const ALL_TYPES: HistoryElement[] = [
  { source: user, type: 'text', payload: { text: 'I was charged twice' } },
  { source: bot, type: 'markdown', payload: { markdown: '**Sorry** about that' } },
  { source: user, type: 'image', payload: { imageUrl: 'https://cdn.example.com/receipt.png', title: 'Receipt' } },
  { source: user, type: 'audio', payload: { audioUrl: 'https://cdn.example.com/note.mp3' } },
  { source: bot, type: 'video', payload: { videoUrl: 'https://cdn.example.com/howto.mp4', title: 'How to' } },
  { source: user, type: 'file', payload: { fileUrl: 'https://cdn.example.com/invoice.pdf', title: 'Invoice' } },
  { source: user, type: 'location', payload: { latitude: 45.5017, longitude: -73.5673, title: 'Store', address: '1 Main St' } },
  {
    source: bot,
    type: 'card',
    payload: {
      title: 'Pro plan',
      subtitle: '$20 a month',
      imageUrl: 'https://cdn.example.com/pro.png',
      actions: [
        { action: 'url', label: 'Compare', value: 'https://example.com/plans' },
        { action: 'postback', label: 'Buy', value: 'buy_pro' },
      ],
    },
  },
  {
    source: bot,
    type: 'carousel',
    payload: {
      items: [
        { title: 'Basic', actions: [{ action: 'say', label: 'Pick basic', value: 'basic' }] },
        { title: 'Premium', subtitle: 'Best value', actions: [] },
      ],
    },
  },
  {
    source: bot,
    type: 'choice',
    payload: {
      text: 'Which order?',
      options: [
        { label: 'Order 41', value: 'o41' },
        { label: 'Order 42', value: 'o42' },
      ],
    },
  },
  { source: bot, type: 'dropdown', payload: { text: 'Pick a country', options: [{ label: 'Canada', value: 'Canada' }] } },
  {
    source: bot,
    type: 'bloc',
    payload: {
      items: [
        { type: 'text', payload: { text: 'Bloc first' } },
        { type: 'image', payload: { imageUrl: 'https://cdn.example.com/bloc.png' } },
        { type: 'location', payload: { latitude: 1, longitude: 2, address: 'Bloc address' } },
        { type: 'file', payload: { fileUrl: 'https://cdn.example.com/bloc.pdf', title: 'Bloc last' } },
      ],
    },
  },
]

export const textEntries = (n: number, size = 100): HistoryElement[] =>
  Array.from({ length: n }, (_, i) => ({ source: i % 2 ? bot : user, type: 'text', payload: { text: `msg#${i}# ${'x'.repeat(size)}` } }))
