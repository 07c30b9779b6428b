import { RuntimeError } from '@botpress/sdk'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { credentialsOf, modeOf, tryCredentialsOf } from './credentials'

const OWN_APP = { developerApiKey: 'dev-key-own-1234', appId: '424242', clientId: 'own-client', clientSecret: 'own-secret-1234', inboxId: '1001' }
const SECRETS = {
  SECRET_CLIENT_ID: 'pub-client',
  SECRET_CLIENT_SECRET: 'pub-secret-5678',
  SECRET_APP_ID: '777',
  SECRET_DEVELOPER_API_KEY: 'pub-dev-key-5678',
  SECRET_INTEGRATION_WEBHOOK_URL: 'https://webhook.botpress.cloud/integration/global/acme/hubspot-hitl/',
}

const saved: Record<string, string | undefined> = {}
beforeEach(() => {
  for (const [k, v] of Object.entries(SECRETS)) {
    saved[k] = process.env[k]
    process.env[k] = v
  }
})
afterEach(() => {
  for (const k of Object.keys(SECRETS)) {
    if (saved[k] === undefined) delete process.env[k]
    else process.env[k] = saved[k]
  }
})

describe('credentialsOf', () => {
  it('publisher mode (default configuration): the app is the secrets, the bot builder gives only channel options', () => {
    const c = credentialsOf({ configurationType: null, configuration: { channelName: 'Acme', createMissingContacts: false } })
    expect(c).toEqual({
      mode: 'publisher',
      clientId: 'pub-client',
      clientSecret: 'pub-secret-5678',
      appId: '777',
      developerApiKey: 'pub-dev-key-5678',
      integrationWebhookUrl: 'https://webhook.botpress.cloud/integration/global/acme/hubspot-hitl',
      refreshToken: undefined,
      inboxIds: [],
      channelName: 'Acme',
      channelDescription: undefined,
      channelLogoUrl: undefined,
      createMissingContacts: false,
      apiBaseUrl: expect.any(String),
    })
  })

  it('own-app configuration by name, and a default-configuration install saved before publisher mode (own-app keys), stay own-app', () => {
    for (const configurationType of ['ownApp', null]) {
      const c = credentialsOf({ configurationType, configuration: OWN_APP })
      expect(c).toMatchObject({ mode: 'ownApp', clientId: 'own-client', clientSecret: 'own-secret-1234', appId: '424242', inboxIds: ['1001'] })
      expect(c.integrationWebhookUrl).toBeUndefined()
    }
    expect(modeOf({ configurationType: null, configuration: { refreshToken: 'r-123456789' } })).toBe('ownApp')
    expect(modeOf({ configurationType: null, configuration: { clientId: '  ' } })).toBe('publisher')
  })

  it('a missing secret fails with a RuntimeError naming it, never a value', () => {
    delete process.env.SECRET_CLIENT_SECRET
    delete process.env.SECRET_INTEGRATION_WEBHOOK_URL
    let thrown: unknown
    try {
      credentialsOf({ configurationType: null, configuration: {} })
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(RuntimeError)
    const message = (thrown as Error).message
    expect(message).toContain('SECRET_CLIENT_SECRET')
    expect(message).toContain('SECRET_INTEGRATION_WEBHOOK_URL')
    expect(message).not.toContain('SECRET_CLIENT_ID')
    for (const value of Object.values(SECRETS)) expect(message).not.toContain(value)
    expect(tryCredentialsOf({ configurationType: null, configuration: {} })).toBeUndefined()
  })

  it('a non-numeric app id or a plain-http webhook URL is refused without its value', () => {
    process.env.SECRET_APP_ID = 'abc-not-a-number'
    expect(() => credentialsOf({ configurationType: null, configuration: {} })).toThrow(/SECRET_APP_ID must be the numeric id/)
    process.env.SECRET_APP_ID = '777'
    process.env.SECRET_INTEGRATION_WEBHOOK_URL = 'http://example.com/hook'
    expect(() => credentialsOf({ configurationType: null, configuration: {} })).toThrow(
      /SECRET_INTEGRATION_WEBHOOK_URL is not an https URL without query/
    )
  })
})

describe('redaction of the publisher secrets', () => {
  it('createHubspotClient registers the client secret and developer key from env: an error quoting them shows neither', async () => {
    const { createHubspotClient } = await import('./hubspot')
    const { redact } = await import('./hubspot/redact')
    const { makePublisherProps } = await import('../tests/helpers/props')
    const { restore, ...props } = makePublisherProps()
    try {
      createHubspotClient(props)
      const text = redact(`failed with ${process.env.SECRET_CLIENT_SECRET} and key ${process.env.SECRET_DEVELOPER_API_KEY}`)
      expect(text).not.toContain(process.env.SECRET_CLIENT_SECRET)
      expect(text).not.toContain(process.env.SECRET_DEVELOPER_API_KEY)
    } finally {
      restore()
    }
  })
})
