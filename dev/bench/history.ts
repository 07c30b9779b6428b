import type integration from '../../src/index'

type HistoryElement = Parameters<typeof integration.actions.startHitl>[0]['input']['messageHistory'][number]

/** One element of every history type the hitl interface allows (12), in a plausible order. */
const cycle = (userId: string, i: number): HistoryElement[] => {
  const user = { type: 'user', userId } as const
  const bot = { type: 'bot' } as const
  const cdn = 'https://cdn.example.com'
  return [
    { source: user, type: 'text', payload: { text: `Hi, I was charged twice for order #${4100 + i}. Can someone help?` } },
    { source: bot, type: 'markdown', payload: { markdown: `**Sorry** about that. Let me look up order _#${4100 + i}_.` } },
    { source: user, type: 'image', payload: { imageUrl: `${cdn}/receipt-${i}.png`, title: 'Receipt' } },
    {
      source: bot,
      type: 'choice',
      payload: {
        text: 'Which payment?',
        options: [
          { label: 'Visa …42', value: 'v42' },
          { label: 'PayPal', value: 'pp' },
        ],
      },
    },
    { source: user, type: 'text', payload: { text: 'The Visa one. It shows up twice on my statement.' } },
    {
      source: bot,
      type: 'card',
      payload: {
        title: 'Refund policy',
        subtitle: '5–7 business days',
        imageUrl: `${cdn}/refund.png`,
        actions: [{ action: 'url', label: 'Read', value: 'https://example.com/refunds' }],
      },
    },
    { source: user, type: 'audio', payload: { audioUrl: `${cdn}/voice-${i}.mp3` } },
    {
      source: bot,
      type: 'carousel',
      payload: {
        items: [
          { title: 'Basic', actions: [{ action: 'say', label: 'Basic', value: 'basic' }] },
          { title: 'Pro', subtitle: 'Best value', actions: [] },
        ],
      },
    },
    { source: user, type: 'file', payload: { fileUrl: `${cdn}/statement-${i}.pdf`, title: 'Statement' } },
    {
      source: bot,
      type: 'dropdown',
      payload: {
        text: 'Country?',
        options: [
          { label: 'Canada', value: 'CA' },
          { label: 'France', value: 'FR' },
        ],
      },
    },
    { source: user, type: 'location', payload: { latitude: 45.5017, longitude: -73.5673, title: 'Store', address: '1 Main St, Montréal' } },
    {
      source: bot,
      type: 'bloc',
      payload: {
        items: [
          { type: 'text', payload: { text: 'Here is what I found:' } },
          { type: 'video', payload: { videoUrl: `${cdn}/howto-${i}.mp4`, title: 'How refunds work' } },
        ],
      },
    },
  ]
}

/** `n` history messages, oldest first, cycling through all 12 types. */
export const mixedHistory = (userId: string, n = 50): HistoryElement[] => {
  const out: HistoryElement[] = []
  for (let i = 0; out.length < n; i++) out.push(...cycle(userId, i))
  return out.slice(0, n)
}

export const historyTypes = (history: HistoryElement[]): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const h of history) counts[h.type] = (counts[h.type] ?? 0) + 1
  return counts
}
