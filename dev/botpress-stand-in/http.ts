import * as http from 'node:http'

export type RawResponse = { status: number; headers: Record<string, string>; body: Buffer }

/** The whole request body as bytes (decode once, so multi-byte characters survive chunking). */
export const readBody = (req: http.IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })

/** Header names lowercased; repeated headers joined with ", " (as node does for most headers). */
export const flattenRawHeaders = (raw: string[]): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase()
    const value = raw[i + 1] ?? ''
    out[name] = name in out ? `${out[name]}, ${value}` : value
  }
  return out
}

export const sendJson = (res: http.ServerResponse, status: number, value: unknown): void => {
  const body = Buffer.from(JSON.stringify(value), 'utf8')
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length })
  res.end(body)
}

export type OutgoingRequest = {
  method: string
  headers: Record<string, string>
  body?: string | Buffer
  agent: http.Agent
  timeoutMs: number
}

/** One HTTP exchange with raw bytes both ways. */
export const httpRequest = (url: URL, opts: OutgoingRequest): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8')
    const headers: Record<string, string | number> = { ...opts.headers }
    if (body) headers['content-length'] = body.length
    const req = http.request(url, { method: opts.method, headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: flattenRawHeaders(res.rawHeaders), body: Buffer.concat(chunks) }))
    })
    req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`${opts.method} ${url.href} timed out after ${opts.timeoutMs} ms`)))
    req.on('error', reject)
    req.end(body)
  })

/** Listens on host:port (0 = any free port) and resolves with the bound port. */
export const listen = (server: http.Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address()
      if (address && typeof address === 'object') resolve(address.port)
      else reject(new Error('The server has no TCP address'))
    })
  })

/**
 * Stops accepting, drops idle keep-alive sockets (the Botpress client keeps them open), lets
 * requests in flight finish for up to `graceMs`, then cuts what is left.
 */
export const closeServer = (server: http.Server, graceMs = 1000): Promise<void> =>
  new Promise((resolve, reject) => {
    if (!server.listening) return resolve()
    const timer = setTimeout(() => server.closeAllConnections(), graceMs)
    timer.unref()
    server.close((err) => {
      clearTimeout(timer)
      if (err) reject(err)
      else resolve()
    })
    server.closeIdleConnections()
  })
