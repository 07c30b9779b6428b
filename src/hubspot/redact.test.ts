import nock from 'nock'
import { afterEach, describe, expect, it } from 'vitest'
import { HubspotHttp } from './http'
import { MAX_KNOWN_SECRETS, redact, registerSecret } from './redact'

afterEach(() => nock.cleanAll())

describe('registered secrets', () => {
  it('are bounded: the oldest are forgotten, recently used ones kept', () => {
    registerSecret('first-secret-0000')
    registerSecret('kept-secret-1111')
    for (let i = 0; i < MAX_KNOWN_SECRETS - 1; i++) registerSecret(`filler-secret-${i}`)
    registerSecret('kept-secret-1111') // used again: moves to the newest end
    registerSecret('one-more-secret-2222')
    expect(redact('first-secret-0000')).toBe('first-secret-0000')
    expect(redact('kept-secret-1111 one-more-secret-2222')).toBe('[REDACTED] [REDACTED]')
  })
})

describe('redirects', () => {
  it('a 3xx from HubSpot is an error, not a success (redirects are not followed)', async () => {
    nock.disableNetConnect()
    nock('https://api.hubapi.com')
      .delete('/conversations/custom-channels/2026-09/5')
      .query(true)
      .reply(301, '', { location: 'https://elsewhere.example/' })
    const http = new HubspotHttp({ baseUrl: 'https://api.hubapi.com', developerApiKey: 'dev-key-abcdef123', appId: '1' })
    await expect(
      http.request({ method: 'DELETE', path: '/conversations/custom-channels/2026-09/5', auth: 'developer', operation: 'delete custom channel 5' })
    ).rejects.toThrow(/delete custom channel 5 \[301\]/)
  })
})
