import type { z } from '@botpress/sdk'
import { hitlMessageSchemas } from '../../definitions/hitl-interface'
import type { FileUsageType } from '../hubspot/messages'
import { MEDIA_KINDS, mediaUrlOf, type MediaItem, type MediaKind } from '../media-kinds'
import { inlineHtml, inlineText, locationInline, type LocationPayload } from './common'
import type { BlocItem } from './history-blocks'

export type HitlMessage = { type: 'text' | 'image' | 'audio' | 'video' | 'file' | 'bloc'; payload: unknown }
export type MediaPart = { kind: 'media'; media: MediaKind; url: string; title?: string }
export type OutgoingPart = { kind: 'text'; text: string; richText?: string } | MediaPart

const parse = <S extends z.ZodTypeAny>(type: string, schema: S, payload: unknown): z.infer<S> => {
  const result = schema.safeParse(payload)
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')
    throw new Error(`Invalid hitl "${type}" message payload: ${issues}`)
  }
  return result.data
}

const media = (item: MediaItem): MediaPart => ({
  kind: 'media',
  media: item.type,
  url: mediaUrlOf(item),
  ...(item.payload.title?.trim() ? { title: item.payload.title } : {}),
})

const locationPart = (loc: LocationPayload): OutgoingPart => {
  const parts = locationInline(loc)
  return { kind: 'text', text: inlineText(parts), richText: `<p>${inlineHtml(parts)}</p>` }
}

/** Consecutive text/markdown items become one message: agents read them as one turn. */
const blocParts = (items: BlocItem[]): OutgoingPart[] => {
  const parts: OutgoingPart[] = []
  let texts: string[] = []
  const flush = () => {
    if (texts.length) parts.push({ kind: 'text', text: texts.join('\n\n') })
    texts = []
  }
  for (const item of items) {
    if (item.type === 'text' || item.type === 'markdown') {
      const text = item.type === 'text' ? item.payload.text : item.payload.markdown
      if (text.trim()) texts.push(text)
      continue
    }
    flush()
    parts.push(item.type === 'location' ? locationPart(item.payload) : media(item))
  }
  flush()
  return parts
}

/** One end-user message on the `hitl` channel → the messages to publish to HubSpot, in order. */
export function toOutgoingParts(message: HitlMessage): OutgoingPart[] {
  const { type, payload } = message
  switch (type) {
    case 'text':
      return [{ kind: 'text', text: parse(type, hitlMessageSchemas.text, payload).text }]
    case 'image':
      return [media({ type, payload: parse(type, hitlMessageSchemas.image, payload) })]
    case 'audio':
      return [media({ type, payload: parse(type, hitlMessageSchemas.audio, payload) })]
    case 'video':
      return [media({ type, payload: parse(type, hitlMessageSchemas.video, payload) })]
    case 'file':
      return [media({ type, payload: parse(type, hitlMessageSchemas.file, payload) })]
    case 'bloc':
      return blocParts(parse(type, hitlMessageSchemas.bloc, payload).items)
    default:
      throw new Error(`Unsupported hitl message type "${String(type satisfies never)}"`)
  }
}

const GENERIC_MIME = /^(application|binary)\/octet-stream$/i

/**
 * HubSpot renders IMAGE/AUDIO attachments inline. The downloaded MIME type only ever downgrades
 * to OTHER, when it clearly contradicts the kind (an "image" that is really an HTML error page),
 * so the inbox never tries to play something it cannot. Video has no inline usage type.
 */
export function fileUsageTypeFor(media: MediaKind, mimeType?: string): FileUsageType {
  const expected = MEDIA_KINDS[media].fileUsageType
  if (expected === 'OTHER') return expected
  const mime = mimeType?.split(';')[0]?.trim().toLowerCase() ?? ''
  const contradicts = mime !== '' && !GENERIC_MIME.test(mime) && !mime.startsWith(`${media}/`)
  return contradicts ? 'OTHER' : expected
}

/** The link as text, for when the file could not be attached. */
export function mediaFallbackText(part: MediaPart): string {
  const title = part.title?.trim()
  return `${MEDIA_KINDS[part.media].label}: ${title ? `${title} — ` : ''}${part.url}`
}
