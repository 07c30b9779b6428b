import type * as bp from '.botpress'
import { FakeBotpress } from './fake-botpress'

export const HUBSPOT = 'https://api.hubapi.com'
export const WEBHOOK_URL = 'https://webhook.botpress.test/wh_123'

export const SECRETS = {
  developerApiKey: 'dev-key-0f9e8d7c6b5a4321',
  clientSecret: 'client-secret-aa11bb22cc33dd44',
  refreshToken: 'refresh-token-9a8b7c6d5e4f3a2b',
}

export const baseConfig = {
  ...SECRETS,
  appId: '424242',
  clientId: 'client-id-1234',
  inboxId: '1001',
}

export type LogLine = { level: string; message: string }

/** A logger that keeps every line, so tests can assert on messages and on secret hygiene. */
export const captureLogger = (lines: LogLine[] = []): { logger: bp.Logger; lines: LogLine[] } => {
  const make = (): Record<string, unknown> => {
    const log =
      (level: string) =>
      (...args: unknown[]) => {
        lines.push({ level, message: args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(' ') })
      }
    const self: Record<string, unknown> = { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') }
    for (const k of ['forBot', 'forBotOnly', 'withUserId', 'withConversationId', 'withMessageId', 'withVisibleToBotOwners', 'with']) {
      self[k] = () => self
    }
    return self
  }
  return { logger: make() as unknown as bp.Logger, lines }
}

export const makeProps = (opts: { configuration?: Record<string, unknown>; bp?: FakeBotpress } = {}) => {
  const fake = opts.bp ?? new FakeBotpress()
  const { logger, lines } = captureLogger()
  const ctx = {
    botId: 'bot_1',
    botUserId: 'botuser_1',
    integrationId: 'int_1',
    integrationAlias: 'hubspot-hitl',
    webhookId: 'wh_123',
    operation: 'test',
    configurationType: null,
    configuration: { ...baseConfig, ...opts.configuration },
  } as unknown as bp.Context
  return { ctx, client: fake.client, logger, lines, fake, webhookUrl: WEBHOOK_URL }
}

export const INTEGRATION_URL = 'https://webhook.botpress.test/integration/global/hubspot-hitl'

/**
 * Sets the publisher app's secrets in env, as `bp deploy --secrets` makes the runtime do (the same values as the
 * own-app tests use, so their nock matchers apply). Returns a function restoring env.
 */
export const usePublisherSecrets = (integrationWebhookUrl = INTEGRATION_URL): (() => void) => {
  const env: Record<string, string> = {
    SECRET_CLIENT_ID: baseConfig.clientId,
    SECRET_CLIENT_SECRET: SECRETS.clientSecret,
    SECRET_APP_ID: baseConfig.appId,
    SECRET_DEVELOPER_API_KEY: SECRETS.developerApiKey,
    SECRET_INTEGRATION_WEBHOOK_URL: integrationWebhookUrl,
  }
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  Object.assign(process.env, env)
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

/** A default-configuration (publisher mode) configuration: channel options only, none of the own-app keys. */
export const PUBLISHER_CONFIGURATION = {
  developerApiKey: undefined,
  appId: undefined,
  clientId: undefined,
  clientSecret: undefined,
  refreshToken: undefined,
  inboxId: undefined,
}

/** Props of an installation in the default configuration (publisher mode), with no secrets set: see usePublisherSecrets. */
export const makePublisherConfigProps = (opts: { configuration?: Record<string, unknown>; bp?: FakeBotpress } = {}) =>
  makeProps({ ...opts, configuration: { ...PUBLISHER_CONFIGURATION, ...opts.configuration } })

/** Publisher mode with its secrets set in env; returns the props and a function restoring env. */
export const makePublisherProps = (opts: { configuration?: Record<string, unknown>; bp?: FakeBotpress; webhookUrl?: string } = {}) => {
  const restore = usePublisherSecrets(opts.webhookUrl)
  return { ...makePublisherConfigProps(opts), restore }
}
