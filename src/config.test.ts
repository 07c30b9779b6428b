import * as sdk from '@botpress/sdk'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_API_BASE_URL, parseConfiguration, secretsOf } from './config'

const SECRETS = {
  developerApiKey: 'dev-key-0f9e8d7c6b5a4321',
  clientSecret: 'client-secret-aa11bb22cc33dd44',
  refreshToken: 'refresh-token-9a8b7c6d5e4f3a2b',
}
const VALID = { ...SECRETS, appId: '424242', clientId: 'client-id-1234', inboxId: '1001' }

/** The error parseConfiguration throws, checked to be a RuntimeError with no secret in it. */
const failure = (raw: unknown): string => {
  let thrown: unknown
  try {
    parseConfiguration(raw)
  } catch (err) {
    thrown = err
  }
  expect(thrown).toBeInstanceOf(sdk.RuntimeError)
  const err = thrown as Error
  for (const text of [err.message, String(err.stack), JSON.stringify(err)]) {
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret)
  }
  return err.message
}

const savedEnv = process.env.HUBSPOT_API_BASE_URL
beforeEach(() => {
  delete process.env.HUBSPOT_API_BASE_URL
})
afterEach(() => {
  if (savedEnv === undefined) delete process.env.HUBSPOT_API_BASE_URL
  else process.env.HUBSPOT_API_BASE_URL = savedEnv
})

describe('parseConfiguration', () => {
  it('parses a valid configuration and applies defaults', () => {
    expect(parseConfiguration(VALID)).toEqual({
      ...SECRETS,
      appId: '424242',
      clientId: 'client-id-1234',
      inboxIds: ['1001'],
      channelName: 'Botpress',
      channelDescription: undefined,
      channelLogoUrl: undefined,
      createMissingContacts: true,
      apiBaseUrl: 'https://api.hubapi.com',
    })
  })

  it('keeps explicit optional values', () => {
    const c = parseConfiguration({
      ...VALID,
      channelName: ' Acme support ',
      channelDescription: 'Chat with Acme',
      channelLogoUrl: 'https://acme.test/logo.png',
      createMissingContacts: false,
    })
    expect(c).toMatchObject({
      channelName: 'Acme support',
      channelDescription: 'Chat with Acme',
      channelLogoUrl: 'https://acme.test/logo.png',
      createMissingContacts: false,
    })
  })

  it('trims ids and secrets', () => {
    const c = parseConfiguration({ ...VALID, appId: ' 424242 ', inboxId: '1001\n', refreshToken: ` ${SECRETS.refreshToken} ` })
    expect(c.appId).toBe('424242')
    expect(c.inboxIds).toEqual(['1001'])
    expect(c.refreshToken).toBe(SECRETS.refreshToken)
  })

  it('puts the default inbox first and removes duplicates', () => {
    const c = parseConfiguration({ ...VALID, additionalInboxIds: ['2002', '1001', '3003', '2002', ' 3003 '] })
    expect(c.inboxIds).toEqual(['1001', '2002', '3003'])
  })

  it.each([
    ['developerApiKey', 'Developer API key'],
    ['appId', 'App ID'],
    ['clientId', 'Client ID'],
    ['clientSecret', 'Client secret'],
  ])('names a missing %s by title and key', (key, title) => {
    const raw: Record<string, unknown> = { ...VALID }
    delete raw[key]
    const message = failure(raw)
    expect(message).toContain(`"${title}" (${key}) is required`)
  })

  it.each(['developerApiKey', 'clientId', 'clientSecret', 'appId'])('rejects an empty or blank %s', (key) => {
    expect(failure({ ...VALID, [key]: '' })).toContain(`(${key})`)
    expect(failure({ ...VALID, [key]: '   ' })).toContain(`(${key})`)
  })

  it('lets the Connect flow supply the refresh token and inboxes: missing or blank means "not configured"', () => {
    for (const blank of [undefined, '', '   ', null]) {
      const raw: Record<string, unknown> = { ...VALID, refreshToken: blank, inboxId: blank }
      const c = parseConfiguration(raw)
      expect(c.refreshToken).toBeUndefined()
      expect(c.inboxIds).toEqual([])
    }
    // Additional inboxes alone: the first is the default.
    expect(parseConfiguration({ ...VALID, inboxId: undefined, additionalInboxIds: ['2002', '3003'] }).inboxIds).toEqual(['2002', '3003'])
  })

  it('lists every problem at once', () => {
    const message = failure({ clientSecret: SECRETS.clientSecret })
    for (const key of ['developerApiKey', 'appId', 'clientId']) expect(message).toContain(`(${key})`)
    expect(message).not.toContain('(clientSecret)')
    expect(message).not.toContain('(refreshToken)')
  })

  it('rejects a missing configuration', () => {
    expect(failure(undefined)).toContain('(developerApiKey) is required')
    expect(failure(null)).toContain('(clientSecret) is required')
  })

  it.each([
    ['appId', 'abc', 'App ID must be a numeric HubSpot id'],
    ['appId', '12a', 'App ID must be a numeric HubSpot id'],
    ['inboxId', 'inbox-1', 'Inbox ID must be a numeric HubSpot id'],
    ['inboxId', '-5', 'Inbox ID must be a numeric HubSpot id'],
  ])('rejects a non-numeric %s (%s)', (key, value, reason) => {
    const message = failure({ ...VALID, [key]: value })
    expect(message).toContain(`(${key})`)
    expect(message).toContain(reason)
  })

  it('rejects invalid additional inbox ids', () => {
    expect(failure({ ...VALID, additionalInboxIds: ['2002', 'two'] })).toContain('"Additional inbox IDs" (additionalInboxIds)')
    expect(failure({ ...VALID, additionalInboxIds: '2002' })).toContain('(additionalInboxIds)')
  })

  it('names the field, never the value, when a secret has the wrong type', () => {
    const message = failure({ ...VALID, clientSecret: 12345678901234, refreshToken: { token: SECRETS.refreshToken } })
    expect(message).toContain('"Client secret" (clientSecret)')
    expect(message).toContain('"Refresh token" (refreshToken)')
  })

  it('rejects a bad logo URL, base URL or flag type', () => {
    expect(failure({ ...VALID, channelLogoUrl: 'not a url' })).toContain('(channelLogoUrl)')
    expect(failure({ ...VALID, apiBaseUrl: 'nope' })).toContain('(apiBaseUrl)')
    expect(failure({ ...VALID, createMissingContacts: 'yes' })).toContain('(createMissingContacts)')
  })

  it('treats optional fields left blank (or null) as not set', () => {
    const c = parseConfiguration({
      ...VALID,
      channelName: '',
      channelDescription: '  ',
      channelLogoUrl: '',
      apiBaseUrl: '',
      additionalInboxIds: null,
      createMissingContacts: null,
    })
    expect(c).toMatchObject({
      channelName: 'Botpress',
      channelDescription: undefined,
      channelLogoUrl: undefined,
      apiBaseUrl: DEFAULT_API_BASE_URL,
      inboxIds: ['1001'],
      createMissingContacts: true,
    })
  })

  describe('apiBaseUrl', () => {
    it('defaults to https://api.hubapi.com', () => {
      expect(parseConfiguration(VALID).apiBaseUrl).toBe('https://api.hubapi.com')
    })

    it('comes from HUBSPOT_API_BASE_URL when not configured', () => {
      process.env.HUBSPOT_API_BASE_URL = 'http://localhost:4010/'
      expect(parseConfiguration(VALID).apiBaseUrl).toBe('http://localhost:4010')
      expect(parseConfiguration({ ...VALID, apiBaseUrl: '' }).apiBaseUrl).toBe('http://localhost:4010')
    })

    it('refuses plain http except on this machine, since the secrets are sent there', () => {
      expect(() => parseConfiguration({ ...VALID, apiBaseUrl: 'http://proxy.example.com' })).toThrow(
        /"HubSpot API base URL \(advanced\)" \(apiBaseUrl\) must use https/
      )
      expect(parseConfiguration({ ...VALID, apiBaseUrl: 'http://127.0.0.1:4010' }).apiBaseUrl).toBe('http://127.0.0.1:4010')
    })

    it('prefers the configuration over the environment, without trailing slashes', () => {
      process.env.HUBSPOT_API_BASE_URL = 'http://localhost:4010'
      expect(parseConfiguration({ ...VALID, apiBaseUrl: 'https://proxy.example.com/hubspot//' }).apiBaseUrl).toBe('https://proxy.example.com/hubspot')
    })
  })
})

describe('secretsOf', () => {
  it('lists the developer key, client secret and refresh token, not the ids', () => {
    const secrets = secretsOf(parseConfiguration(VALID))
    expect(new Set(secrets)).toEqual(new Set(Object.values(SECRETS)))
  })
})
