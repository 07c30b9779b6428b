import type { ClientRequest, IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'
import { OFF_SPEC_HEADER, type Exchange } from './contract'
import { recordExchange } from './recorder'

/**
 * Sees every request nock answers and the reply it gives, and checks both against the specs. nock announces a
 * matched request on its scope (`request`) but no scope-independent event carries the reply's body, so every scope
 * is tapped through `Scope.prototype.emit`, and the reply is read from the response stream as the code reads it.
 */

/** HubSpot's API host: every path called there must be in a spec. Other hosts (media, CDNs, proxies) are checked only on a known path. */
const HUBSPOT_HOSTS = new Set(['api.hubapi.com'])

type NockInterceptor = { basePath?: unknown }
type ScopeClass = { prototype: { emit(event: string | symbol, ...args: unknown[]): boolean } }

const headerOf = (value: unknown): string | undefined => (Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value))

/** nock hands over a body that is not valid UTF-8 (a file upload) as hex. */
const bodyBytes = (body: string | undefined): string | Buffer | undefined => {
  if (body === undefined || body === '' || !/^(?:[0-9a-f]{2})+$/.test(body)) return body
  const bytes = Buffer.from(body, 'hex')
  return bytes.toString('utf8').includes('\uFFFD') ? bytes : body
}

let installed = false

export const installNockTap = (isKnownPath: (method: string, path: string) => boolean): void => {
  if (installed) return
  installed = true
  // nock is CommonJS: its Scope class is the one every `nock(…)` call constructs.
  const { Scope } = createRequire(__filename)('nock/lib/scope') as { Scope: ScopeClass }
  const emit = Scope.prototype.emit
  Scope.prototype.emit = function tapped(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') tap(args[0] as ClientRequest, args[1] as NockInterceptor, args[2] as string | undefined, isKnownPath)
    return emit.call(this, event, ...args)
  }
}

const tap = (
  req: ClientRequest,
  interceptor: NockInterceptor,
  body: string | undefined,
  isKnownPath: (method: string, path: string) => boolean
): void => {
  let base: URL
  try {
    base = new URL(String(interceptor.basePath))
  } catch {
    return
  }
  const url = new URL(req.path, base)
  if (!HUBSPOT_HOSTS.has(base.hostname) && !isKnownPath(req.method, url.pathname)) return
  const exchange: Exchange = {
    method: req.method,
    path: url.pathname,
    query: url.searchParams,
    request: { contentType: headerOf(req.getHeader('content-type')), body: bodyBytes(body) },
  }
  let recorded = false
  const record = (ex: Exchange) => {
    if (recorded) return
    recorded = true
    recordExchange(ex)
  }
  req.once('response', (res: IncomingMessage) => {
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer | string) => chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)))
    res.once('end', () =>
      record({
        ...exchange,
        response: {
          status: res.statusCode ?? 0,
          contentType: headerOf(res.headers['content-type']),
          body: Buffer.concat(chunks),
          offSpec: headerOf(res.headers[OFF_SPEC_HEADER]),
        },
      })
    )
  })
  // A request answered with an error (nock's replyWithError) or aborted before its reply is still checked.
  req.once('error', () => record(exchange))
}
