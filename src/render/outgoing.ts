import type { z } from '@botpress/sdk'
import { hitlMessageSchemas } from '../../definitions/hitl-interface'
import { inlineHtml, inlineText, locationInline, type LocationPayload } from './common'
import type { BlocItem } from './history-blocks'

export type HitlMessage = { type: 'text' | 'image' | 'audio' | 'video' | 'file' | 'bloc'; payload: unknown }
export type MediaKind = 'image' | 'audio' | 'video' | 'file'
export type MediaPart = { kind: 'media'; media: MediaKind; url: string; title?: string }
export type OutgoingPart = { kind: 'text'; text: string; richText?: string } | MediaPart
export type FileUsageType = 'IMAGE' | 'AUDIO' | 'VOICE_RECORDING' | 'OTHER'

const MEDIA_LABEL: Record<MediaKind, string> = { image: 'Image', audio: 'Audio', video: 'Video', file: 'File' }

const parse = <S extends z.ZodTypeAny>(type: string, schema: S, payload: unknown): z.infer<S> => {
  const result = schema.safeParse(payload)
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')
    throw new Error(`Invalid hitl "${type}" message payload: ${issues}`)
  }
  return result.data
}

const media = (kind: MediaKind, url: string, title?: string): MediaPart => ({
  kind: 'media',
  media: kind,
  url,
  ...(title?.trim() ? { title } : {}),
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
    if (item.type === 'location') parts.push(locationPart(item.payload))
    else if (item.type === 'image') parts.push(media('image', item.payload.imageUrl, item.payload.title))
    else if (item.type === 'audio') parts.push(media('audio', item.payload.audioUrl, item.payload.title))
    else if (item.type === 'video') parts.push(media('video', item.payload.videoUrl, item.payload.title))
    else parts.push(media('file', item.payload.fileUrl, item.payload.title))
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
    case 'image': {
      const p = parse(type, hitlMessageSchemas.image, payload)
      return [media('image', p.imageUrl, p.title)]
    }
    case 'audio': {
      const p = parse(type, hitlMessageSchemas.audio, payload)
      return [media('audio', p.audioUrl, p.title)]
    }
    case 'video': {
      const p = parse(type, hitlMessageSchemas.video, payload)
      return [media('video', p.videoUrl, p.title)]
    }
    case 'file': {
      const p = parse(type, hitlMessageSchemas.file, payload)
      return [media('file', p.fileUrl, p.title)]
    }
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
  const expected = media === 'image' ? 'IMAGE' : media === 'audio' ? 'AUDIO' : 'OTHER'
  if (expected === 'OTHER') return expected
  const mime = mimeType?.split(';')[0]?.trim().toLowerCase() ?? ''
  const contradicts = mime !== '' && !GENERIC_MIME.test(mime) && !mime.startsWith(`${media}/`)
  return contradicts ? 'OTHER' : expected
}

/** The link as text, for when the file could not be attached. */
export function mediaFallbackText(part: MediaPart): string {
  const title = part.title?.trim()
  return `${MEDIA_LABEL[part.media]}: ${title ? `${title} — ` : ''}${part.url}`
}
