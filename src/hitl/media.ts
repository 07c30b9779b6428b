import * as path from 'node:path'
import axios from 'axios'
import { MEDIA_KINDS, type MediaKind } from '../media-kinds'
import { MAX_ATTACHMENT_BYTES } from '../setup/capabilities'
import { checkFetchableUrl, pinnedLookup } from './url-guard'

export type DownloadedMedia = { name: string; mimeType: string; content: Buffer }

const DOWNLOAD_TIMEOUT_MS = 15_000

/** A readable file name from the URL, or from the title when the URL has none. */
export const fileNameFor = (url: string, kind: MediaKind, title?: string): string => {
  let base = ''
  try {
    base = decodeURIComponent(path.posix.basename(new URL(url).pathname))
  } catch {
    base = ''
  }
  const cleaned = (base || title || kind).replace(/[^\w.\- ]+/g, '_').slice(0, 100)
  return cleaned || kind
}

/** Redirects followed per download; every hop is checked like the first URL. */
export const MAX_MEDIA_REDIRECTS = 3

/**
 * Downloads a Botpress media URL for re-upload to HubSpot Files. Throws when the URL is not http(s)
 * or points at a private or local address (on any redirect hop), when the file is over the
 * channel's size limit, or when it is unreachable; callers then send the link as text instead.
 */
export const downloadMedia = async (url: string, kind: MediaKind, title?: string): Promise<DownloadedMedia> => {
  const deadline = Date.now() + DOWNLOAD_TIMEOUT_MS // one budget for the whole redirect chain
  let current = url
  for (let redirects = 0; ; redirects++) {
    const checked = await checkFetchableUrl(current)
    const res = await axios.get<ArrayBuffer>(checked.url.href, {
      responseType: 'arraybuffer',
      timeout: Math.max(1, deadline - Date.now()),
      maxContentLength: MAX_ATTACHMENT_BYTES,
      maxRedirects: 0, // followed below, so each hop is checked
      validateStatus: (s) => s >= 200 && s < 400,
      ...(checked.addresses ? { lookup: pinnedLookup(checked.addresses) } : {}),
    })
    if (res.status >= 300) {
      const location: unknown = res.headers['location']
      if (typeof location !== 'string' || !location) throw new Error(`media download got HTTP ${res.status} without a Location`)
      if (redirects >= MAX_MEDIA_REDIRECTS) throw new Error(`refusing to follow more than ${MAX_MEDIA_REDIRECTS} redirects`)
      current = new URL(location, checked.url).href
      continue
    }
    const header: unknown = res.headers['content-type']
    const mimeType = typeof header === 'string' && header ? header.split(';')[0]!.trim() : MEDIA_KINDS[kind].defaultMime
    return { name: fileNameFor(url, kind, title), mimeType, content: Buffer.from(res.data) }
  }
}
