import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startRecordingProxy, type RecordingProxy } from '../../tests/helpers/recording-proxy'
import { HubspotHttp } from './http'
import { DEFAULT_RETRY_POLICY } from './retry'
import { channelSchema } from './schemas'

const TOKEN = 'CNbXoc-access-token-proxy-2222bbbb'

/**
 * The HubSpot client never goes through HTTP(S)_PROXY: a proxy on the way would see every bearer
 * token and developer key, and the integration's platform gives no reason to use one (the media
 * downloader refuses it too, hitl/media.ts).
 */
describe('HubspotHttp ignores HTTP_PROXY and HTTPS_PROXY', () => {
  let proxy: RecordingProxy
  beforeAll(async () => {
    proxy = await startRecordingProxy()
  })
  afterAll(() => proxy.close())
  // No nock in this file: it would answer a request sent to the proxy with the full URL as its path
  // (or fail it), and could not show where the request went.
  beforeEach(() => proxy.useAsEnvProxy())
  afterEach(() => proxy.restore())

  // A stand-in HubSpot on 127.0.0.1. http only: the transport is the same for https, and `proxy: false` turns off both.
  it('a request goes to HubSpot directly, never to the proxy', async () => {
    const seen: string[] = []
    const hubspot = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'ch1', name: 'Bot' }))
    })
    await new Promise<void>((resolve) => hubspot.listen(0, '127.0.0.1', resolve))
    const baseUrl = `http://127.0.0.1:${(hubspot.address() as AddressInfo).port}`
    const client = new HubspotHttp({
      baseUrl,
      developerApiKey: 'devkey-proxy-test',
      appId: '1',
      tokens: { getAccessToken: async () => TOKEN },
      retryPolicy: { ...DEFAULT_RETRY_POLICY, maxRetries: 0 },
      sleep: async () => {},
    })
    const channel = await client
      .request({
        method: 'GET',
        path: '/conversations/custom-channels/2026-09/ch1',
        auth: 'oauth',
        schema: channelSchema,
        operation: 'read channel ch1',
      })
      .finally(() => new Promise<void>((resolve) => hubspot.close(() => resolve())))
    expect(channel).toMatchObject({ id: 'ch1' })
    expect(seen).toEqual([`GET /conversations/custom-channels/2026-09/ch1 Bearer ${TOKEN}`])
    expect(proxy.hits).toEqual([])
  })
})
