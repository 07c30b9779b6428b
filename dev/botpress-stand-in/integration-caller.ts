import type * as http from 'node:http'
import { httpRequest, type RawResponse } from './http'
import { isRecord, toAsciiJson } from './json'

/** The operations the SDK's integration server dispatches on (`x-bp-operation`). */
export type Operation =
  | 'register'
  | 'unregister'
  | 'webhook_received'
  | 'message_created'
  | 'action_triggered'
  | 'ping'
  | 'create_user'
  | 'create_conversation'

export type IntegrationIdentity = {
  botId: string
  botUserId: string
  integrationId: string
  integrationAlias: string
  webhookId: string
}

/** A non-2xx answer of the integration; `message` is its RuntimeError message when it sent one. */
export class IntegrationOperationError extends Error {
  constructor(
    readonly operation: Operation,
    readonly status: number,
    message: string,
    readonly type: string | undefined,
    readonly body: string
  ) {
    super(message)
    this.name = 'IntegrationOperationError'
  }
}

const DEFAULT_TIMEOUT_MS = 60_000

/**
 * Sends operations to the integration's HTTP server the way the Botpress runtime does. The SDK
 * (5.4.3) reads these headers and answers HTTP 500 `Missing … header` when one is absent or empty:
 * x-bot-id, x-bot-user-id, x-integration-id, x-integration-alias, x-webhook-id, x-bp-operation,
 * x-bp-configuration (base64 of the configuration JSON → ctx.configuration). x-bp-configuration-type
 * is optional: absent gives `ctx.configurationType === null` (the default configuration); an empty
 * string would give `''`, so it is only sent for a named configuration.
 */
export class IntegrationCaller {
  constructor(
    private readonly integrationUrl: URL,
    private readonly identity: IntegrationIdentity,
    private readonly configuration: () => { configuration: Record<string, unknown>; configurationType?: string },
    private readonly agent: http.Agent,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS
  ) {}

  headersFor(operation: Operation): Record<string, string> {
    const { configuration, configurationType } = this.configuration()
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-bot-id': this.identity.botId,
      'x-bot-user-id': this.identity.botUserId,
      'x-integration-id': this.identity.integrationId,
      'x-integration-alias': this.identity.integrationAlias,
      'x-webhook-id': this.identity.webhookId,
      'x-bp-operation': operation,
      'x-bp-configuration': Buffer.from(JSON.stringify(configuration), 'utf8').toString('base64'),
    }
    if (configurationType) headers['x-bp-configuration-type'] = configurationType
    return headers
  }

  /** The raw answer, whatever its status. */
  send(operation: Operation, body: unknown): Promise<RawResponse> {
    return httpRequest(this.integrationUrl, {
      method: 'POST',
      headers: this.headersFor(operation),
      body: toAsciiJson(body),
      agent: this.agent,
      timeoutMs: this.timeoutMs,
    })
  }

  /** The parsed JSON answer (undefined for an empty one); throws IntegrationOperationError on non-2xx. */
  async call(operation: Operation, body: unknown): Promise<unknown> {
    const res = await this.send(operation, body)
    const text = res.body.toString('utf8')
    const parsed = parseJson(text)
    if (res.status < 200 || res.status >= 300) {
      const { message, type } = describeFailure(parsed, text, res.status)
      throw new IntegrationOperationError(operation, res.status, message, type, text)
    }
    return parsed
  }
}

const parseJson = (text: string): unknown => {
  if (!text.trim()) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** SDK errors: `{id, code, type, message}` (400 RuntimeError) or `{error}` (500 from its HTTP layer). */
const describeFailure = (parsed: unknown, text: string, status: number): { message: string; type?: string } => {
  if (isRecord(parsed)) {
    const type = typeof parsed.type === 'string' ? parsed.type : undefined
    if (typeof parsed.message === 'string') return { message: parsed.message, type }
    if (typeof parsed.error === 'string') return { message: parsed.error, type }
  }
  return { message: text.trim() || `The integration answered HTTP ${status}` }
}
