import { describe, expect, it } from 'vitest'
import { hitlMessageSchemas } from '../../definitions/hitl-interface'
import type { MediaKind } from '../media-kinds'
import { fileUsageTypeFor, mediaFallbackText, toOutgoingParts, type HitlMessage } from './outgoing'

const URL = 'https://cdn.example.com/a.bin'

describe('toOutgoingParts', () => {
  it('a text message is one text part (hitl-only fields are accepted and dropped)', () => {
    expect(toOutgoingParts({ type: 'text', payload: { text: 'Hello', userId: 'u1', additionalData: 'x' } })).toStrictEqual([
      { kind: 'text', text: 'Hello' },
    ])
  })

  it.each([
    ['image', { imageUrl: URL, title: 'Screen' }],
    ['audio', { audioUrl: URL, title: 'Voice' }],
    ['video', { videoUrl: URL, title: 'Clip' }],
    ['file', { fileUrl: URL, title: 'Doc' }],
  ] as const)('a %s message is one media part with its url and title', (type, payload) => {
    expect(toOutgoingParts({ type, payload })).toStrictEqual([{ kind: 'media', media: type, url: URL, title: payload.title }])
    expect(toOutgoingParts({ type, payload: { ...payload, title: undefined } })).toStrictEqual([{ kind: 'media', media: type, url: URL }])
  })

  it('a bloc keeps item order, merges consecutive text/markdown, renders locations as text', () => {
    const payload = {
      items: [
        { type: 'text', payload: { text: 'First' } },
        { type: 'markdown', payload: { markdown: '**Second**' } },
        { type: 'image', payload: { imageUrl: 'https://cdn.example.com/1.png', title: 'One' } },
        { type: 'text', payload: { text: 'Third' } },
        { type: 'location', payload: { latitude: 45.5, longitude: -73.6, title: 'Shop', address: '1 Main St' } },
        { type: 'file', payload: { fileUrl: 'https://cdn.example.com/2.pdf' } },
        { type: 'markdown', payload: { markdown: '_Fourth_' } },
        { type: 'text', payload: { text: '   ' } },
        { type: 'text', payload: { text: 'Fifth' } },
        { type: 'audio', payload: { audioUrl: 'https://cdn.example.com/3.mp3' } },
        { type: 'video', payload: { videoUrl: 'https://cdn.example.com/4.mp4' } },
      ],
    }
    expect(hitlMessageSchemas.bloc.safeParse(payload).success).toBe(true)
    const maps = 'https://www.google.com/maps?q=45.5,-73.6'
    expect(toOutgoingParts({ type: 'bloc', payload })).toStrictEqual([
      { kind: 'text', text: 'First\n\n**Second**' },
      { kind: 'media', media: 'image', url: 'https://cdn.example.com/1.png', title: 'One' },
      { kind: 'text', text: 'Third' },
      {
        kind: 'text',
        text: `Location: Shop, 1 Main St (45.5, -73.6) — ${maps}`,
        richText: `<p>Location: Shop, 1 Main St (45.5, -73.6) — <a href="${maps}">${maps}</a></p>`,
      },
      { kind: 'media', media: 'file', url: 'https://cdn.example.com/2.pdf' },
      { kind: 'text', text: '_Fourth_\n\nFifth' },
      { kind: 'media', media: 'audio', url: 'https://cdn.example.com/3.mp3' },
      { kind: 'media', media: 'video', url: 'https://cdn.example.com/4.mp4' },
    ])
  })

  it('escapes location names in richText and renders bare coordinates without a name', () => {
    const [part] = toOutgoingParts({
      type: 'bloc',
      payload: { items: [{ type: 'location', payload: { latitude: 0, longitude: 0, address: '<b>"x"</b>' } }] },
    })
    expect(part).toMatchObject({ kind: 'text', text: 'Location: <b>"x"</b> (0, 0) — https://www.google.com/maps?q=0,0' })
    expect(part?.kind === 'text' && part.richText).toContain('Location: &lt;b&gt;&quot;x&quot;&lt;/b&gt; (0, 0)')
    const [bare] = toOutgoingParts({ type: 'bloc', payload: { items: [{ type: 'location', payload: { latitude: 1, longitude: 2 } }] } })
    expect(bare).toMatchObject({ text: 'Location: 1, 2 — https://www.google.com/maps?q=1,2' })
  })

  it('an empty bloc, or one of blank texts, produces nothing to publish', () => {
    expect(toOutgoingParts({ type: 'bloc', payload: { items: [] } })).toEqual([])
    expect(toOutgoingParts({ type: 'bloc', payload: { items: [{ type: 'text', payload: { text: ' \n ' } }] } })).toEqual([])
  })

  it.each([
    ['text', { text: 42 }, /"text".*text/],
    ['image', { url: URL }, /"image".*imageUrl/],
    ['audio', null, /"audio"/],
    ['video', { videoUrl: URL, additionalData: 'x'.repeat(501) }, /"video".*additionalData/],
    ['file', {}, /"file".*fileUrl/],
    ['bloc', { items: [{ type: 'sticker', payload: {} }] }, /"bloc".*items/],
  ] as const)('rejects an invalid %s payload with an error naming the type', (type, payload, error) => {
    expect(() => toOutgoingParts({ type, payload })).toThrow(error)
  })

  it('rejects a message type the hitl channel does not have', () => {
    expect(() => toOutgoingParts({ type: 'carousel', payload: {} } as unknown as HitlMessage)).toThrow(/Unsupported hitl message type "carousel"/)
  })
})

describe('fileUsageTypeFor', () => {
  it.each([
    ['image', undefined, 'IMAGE'],
    ['image', 'image/png', 'IMAGE'],
    ['image', 'IMAGE/JPEG; charset=binary', 'IMAGE'],
    ['image', 'application/octet-stream', 'IMAGE'],
    ['image', 'text/html; charset=utf-8', 'OTHER'],
    ['audio', undefined, 'AUDIO'],
    ['audio', 'audio/mpeg', 'AUDIO'],
    ['audio', 'video/mp4', 'OTHER'],
    ['video', undefined, 'OTHER'],
    ['video', 'video/mp4', 'OTHER'],
    ['file', 'application/pdf', 'OTHER'],
    ['file', 'image/png', 'OTHER'],
  ] as const)('%s with mime %s → %s', (media: MediaKind, mime: string | undefined, expected) => {
    expect(fileUsageTypeFor(media, mime)).toBe(expected)
  })
})

describe('mediaFallbackText', () => {
  it('names the media, its title and the link', () => {
    expect(mediaFallbackText({ kind: 'media', media: 'image', url: URL, title: 'Broken screen' })).toBe(`Image: Broken screen — ${URL}`)
    expect(mediaFallbackText({ kind: 'media', media: 'file', url: URL })).toBe(`File: ${URL}`)
    expect(mediaFallbackText({ kind: 'media', media: 'audio', url: URL, title: '  ' })).toBe(`Audio: ${URL}`)
  })
})
