import * as path from 'node:path'
import axios from 'axios'
import { MEDIA_KINDS, type MediaKind } from '../media-kinds'
import { MAX_ATTACHMENT_BYTES } from '../setup/capabilities'
import { checkFetchableUrl, pinnedLookup } from './url-guard'

export type DownloadedMedia = { name: string; mimeType: string; content: Buffer }

/**
 * One budget for a whole download: DNS checks, every redirect hop, headers AND body. axios's own
 * `timeout` stops at the response headers; after that a server trickling a byte now and then would
 * hold the handler for as long as it likes. Mutable so tests can shorten it.
 */
export const mediaTuning = { downloadTimeoutMs: 15_000 }

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
 * channel's size limit, when it is unreachable, or when the whole download (every hop and the body)
 * takes longer than mediaTuning.downloadTimeoutMs; callers then send the link as text instead.
 */
export const downloadMedia = async (url: string, kind: MediaKind, title?: string): Promise<DownloadedMedia> => {
  const budgetMs = mediaTuning.downloadTimeoutMs
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), budgetMs)
  try {
    return await downloadWithin(controller.signal, url, kind, title)
  } catch (err) {
    // axios reports an abort as a bare "canceled"; say what happened instead.
    if (controller.signal.aborted) throw new Error(`media download took longer than ${budgetMs} ms`, { cause: err })
    throw err
  } finally {
    clearTimeout(timer)
  }
}

/** Settles with `work`, or rejects as soon as `signal` aborts (a DNS lookup cannot be cancelled, only abandoned). */
const orAbort = <T>(signal: AbortSignal, work: Promise<T>): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'))
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })

const downloadWithin = async (signal: AbortSignal, url: string, kind: MediaKind, title?: string): Promise<DownloadedMedia> => {
  let current = url
  for (let redirects = 0; ; redirects++) {
    const checked = await orAbort(signal, checkFetchableUrl(current))
    const res = await axios.get<ArrayBuffer>(checked.url.href, {
      responseType: 'arraybuffer',
      signal, // aborts the connection, the wait for headers and the body stream alike
      maxContentLength: MAX_ATTACHMENT_BYTES,
      maxRedirects: 0, // followed below, so each hop is checked
      // Never through HTTP(S)_PROXY: a proxy resolves the name again, undoing the address pinning.
      proxy: false,
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
