import type { FileUsageType } from './hubspot/messages'

/**
 * The one table of media kinds, read both ways: Botpress's message type and the payload key of its
 * URL, the label an agent reads when only the link can be shown, the HubSpot file usage that shows
 * it inline (video has none), the MIME type assumed when a download does not say, and how an agent's
 * HubSpot attachment is recognised as this kind (its usage, or its file name). Order matters for the
 * latter: the first kind that matches wins, `file` takes the rest.
 */
export const MEDIA_KINDS = {
  image: {
    urlKey: 'imageUrl',
    label: 'Image',
    fileUsageType: 'IMAGE',
    defaultMime: 'image/png',
    incomingUsages: ['IMAGE', 'STICKER'],
    extensions: /\.(png|jpe?g|gif|webp|bmp|svg)$/i,
  },
  audio: {
    urlKey: 'audioUrl',
    label: 'Audio',
    fileUsageType: 'AUDIO',
    defaultMime: 'audio/mpeg',
    incomingUsages: ['AUDIO', 'VOICE_RECORDING'],
    extensions: /\.(mp3|wav|ogg|m4a|aac|oga|opus)$/i,
  },
  video: {
    urlKey: 'videoUrl',
    label: 'Video',
    fileUsageType: 'OTHER',
    defaultMime: 'video/mp4',
    incomingUsages: [],
    extensions: /\.(mp4|mov|webm|mkv|avi|m4v)$/i,
  },
  file: {
    urlKey: 'fileUrl',
    label: 'File',
    fileUsageType: 'OTHER',
    defaultMime: 'application/octet-stream',
    incomingUsages: [],
    extensions: undefined,
  },
} as const satisfies Record<
  string,
  {
    urlKey: string
    label: string
    fileUsageType: FileUsageType
    defaultMime: string
    incomingUsages: readonly FileUsageType[]
    extensions: RegExp | undefined
  }
>

export type MediaKind = keyof typeof MEDIA_KINDS
type UrlKey = (typeof MEDIA_KINDS)[MediaKind]['urlKey']

/** A Botpress media message (or bloc item): its type says which payload key holds the URL. */
export type MediaItem = {
  [K in MediaKind]: { type: K; payload: { [P in (typeof MEDIA_KINDS)[K]['urlKey']]: string } & { title?: string | undefined } }
}[MediaKind]

export const isMediaKind = (type: string): type is MediaKind => Object.hasOwn(MEDIA_KINDS, type)

// The mapped type pairs each kind with its key; indexing by a union of kinds only loses that pairing.
export const mediaUrlOf = (item: MediaItem): string => (item.payload as Record<UrlKey, string>)[MEDIA_KINDS[item.type].urlKey]

export const mediaItem = (kind: MediaKind, url: string, title: string): MediaItem =>
  ({ type: kind, payload: { [MEDIA_KINDS[kind].urlKey]: url, title } }) as MediaItem

/** The kind of an agent's HubSpot attachment, from its file usage or else its file name. */
export const mediaKindOf = (usage: string | undefined, name: string): MediaKind => {
  for (const [kind, k] of Object.entries(MEDIA_KINDS) as [MediaKind, (typeof MEDIA_KINDS)[MediaKind]][]) {
    if ((k.incomingUsages as readonly string[]).includes(usage ?? '') || k.extensions?.test(name)) return kind
  }
  return 'file'
}
