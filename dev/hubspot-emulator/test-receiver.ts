import * as http from 'node:http'
import type { AddressInfo } from 'node:net'

export type ReceivedRequest = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

export type WebhookReceiver = {
  /** Full URL of the receiver, including `path`. */
  url: string
  received: ReceivedRequest[]
  /** Status the next requests get (default 200). */
  respondWith(status: number): void
  close(): Promise<void>
}

/** A tiny HTTP server standing in for the integration's webhook endpoint in tests. */
export const startWebhookReceiver = async (path = '/webhook'): Promise<WebhookReceiver> => {
  const received: ReceivedRequest[] = []
  let status = 200
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(status, { 'Content-Type': 'application/json' })
      res.end('{"message":"ok"}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    respondWith: (s) => {
      status = s
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
