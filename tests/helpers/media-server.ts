import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { ALLOW_PRIVATE_MEDIA_ENV } from '../../src/hitl/url-guard'

const TYPES: Record<string, string> = { png: 'image/png', mp3: 'audio/mpeg', mp4: 'video/mp4', pdf: 'application/pdf' }

export type MediaServer = { url: string; close: () => Promise<void> }

/**
 * Serves end-user media on 127.0.0.1 (the only host tests may reach): `/missing…` answers 404,
 * `/trickle…` sends its headers, then one byte every 100 ms for 10 s (a slow or hostile server),
 * anything else `body` with a content type from the extension. The SSRF guard refuses loopback
 * downloads, so its dev switch is on while the server runs, and restored on close.
 */
export const startMediaServer = async (body: (path: string) => Buffer = () => Buffer.from('fake-bytes')): Promise<MediaServer> => {
  const previous = process.env[ALLOW_PRIVATE_MEDIA_ENV]
  process.env[ALLOW_PRIVATE_MEDIA_ENV] = 'true'
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/'
    if (path.startsWith('/missing')) return void res.writeHead(404).end()
    const type = TYPES[path.split('.').pop() ?? ''] ?? 'application/octet-stream'
    if (path.startsWith('/trickle')) return trickle(res, type)
    res.writeHead(200, { 'content-type': type }).end(body(path))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      if (previous === undefined) delete process.env[ALLOW_PRIVATE_MEDIA_ENV]
      else process.env[ALLOW_PRIVATE_MEDIA_ENV] = previous
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const trickle = (res: http.ServerResponse, type: string): void => {
  res.writeHead(200, { 'content-type': type })
  res.flushHeaders()
  let sent = 0
  const timer = setInterval(() => {
    res.write('x')
    if (++sent === 100) res.end()
  }, 100)
  res.on('close', () => clearInterval(timer))
}
