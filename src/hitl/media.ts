import * as path from 'node:path'
import axios from 'axios'
import { MAX_ATTACHMENT_BYTES } from '../setup/capabilities'

export type DownloadedMedia = { name: string; mimeType: string; content: Buffer }

const DOWNLOAD_TIMEOUT_MS = 15_000

const DEFAULT_MIME: Record<string, string> = { image: 'image/png', audio: 'audio/mpeg', video: 'video/mp4', file: 'application/octet-stream' }

/** A readable file name from the URL, or from the title when the URL has none. */
export const fileNameFor = (url: string, kind: string, title?: string): string => {
  let base = ''
  try {
    base = decodeURIComponent(path.posix.basename(new URL(url).pathname))
  } catch {
    base = ''
  }
  const cleaned = (base || title || kind).replace(/[^\w.\- ]+/g, '_').slice(0, 100)
  return cleaned || kind
}

/**
 * Downloads a Botpress media URL for re-upload to HubSpot Files. Throws when the file is over the
 * channel's size limit or unreachable; callers then send the link as text instead.
 */
export const downloadMedia = async (url: string, kind: string, title?: string): Promise<DownloadedMedia> => {
  const res = await axios.get<ArrayBuffer>(url, {
    responseType: 'arraybuffer',
    timeout: DOWNLOAD_TIMEOUT_MS,
    maxContentLength: MAX_ATTACHMENT_BYTES,
    maxRedirects: 3,
    validateStatus: (s) => s >= 200 && s < 300,
  })
  const header: unknown = res.headers['content-type']
  const mimeType = typeof header === 'string' && header ? header.split(';')[0]!.trim() : DEFAULT_MIME[kind] ?? 'application/octet-stream'
  return { name: fileNameFor(url, kind, title), mimeType, content: Buffer.from(res.data) }
}
