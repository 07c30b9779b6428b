import * as http from 'node:http'
import type { AddressInfo } from 'node:net'

/** The request object Botpress hands an integration's webhook handler. */
export type HandlerRequest = { method: string; path: string; query: string; headers: Record<string, string | undefined>; body: string }
export type HandlerResponse = { status?: number; headers?: Record<string, string>; body?: string } | void

export type Receiver = {
  /** The public webhook URL (what register stores and HubSpot signs): http://127.0.0.1:PORT/<webhookId>. */
  webhookUrl: string
  /** Handler failures (thrown, not answered): any of these fails the bench. */
  errors: unknown[]
  close: () => Promise<void>
}

const flattenHeaders = (headers: http.IncomingHttpHeaders): Record<string, string | undefined> => {
  const out: Record<string, string | undefined> = {}
  for (const [key, value] of Object.entries(headers)) out[key] = Array.isArray(value) ? value.join(', ') : value
  return out
}

/**
 * Stands in for Botpress's webhook gateway on 127.0.0.1: takes HubSpot's HTTP request, strips the
 * webhook id from the path like the runtime does, and calls the integration's handler in-process.
 */
export const startReceiver = async (webhookId: string, handle: (req: HandlerRequest) => Promise<HandlerResponse>): Promise<Receiver> => {
  const errors: unknown[] = []
  const prefix = `/${webhookId}`
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const rest = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname
      const request: HandlerRequest = {
        method: req.method ?? 'GET',
        path: rest || '/',
        query: url.search.replace(/^\?/, ''),
        headers: flattenHeaders(req.headers),
        body: Buffer.concat(chunks).toString('utf8'),
      }
      handle(request).then(
        (answer) => {
          res.writeHead(answer?.status ?? 200, answer?.headers ?? {})
          res.end(answer?.body ?? '')
        },
        (err: unknown) => {
          errors.push(err)
          res.writeHead(500).end()
        }
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    webhookUrl: `http://127.0.0.1:${port}${prefix}`,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
