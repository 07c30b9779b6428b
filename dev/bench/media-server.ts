import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { ALLOW_PRIVATE_MEDIA_ENV } from '../../src/hitl/url-guard'

/** A valid 1×1 transparent PNG (67 bytes). */
export const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')

export type MediaServer = { url: (name: string) => string; hits: () => number; close: () => Promise<void> }

/** Serves the PNG on 127.0.0.1 for the image forward (standing in for Botpress file storage). */
export const startMediaServer = async (): Promise<MediaServer> => {
  let hits = 0
  const server = http.createServer((_req, res) => {
    hits++
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG_1X1.length) }).end(PNG_1X1)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  // The integration runs in this process and refuses 127.0.0.1 media otherwise (SSRF guard).
  process.env[ALLOW_PRIVATE_MEDIA_ENV] = 'true'
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: (name) => `${base}/${name}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
