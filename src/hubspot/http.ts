import type * as sdk from '@botpress/sdk'
import axios, { type AxiosInstance, type AxiosResponse } from 'axios'
import { HubspotApiError, hubspotErrorBodySchema, type AppOwner } from './errors'
import { registerSecret } from './redact'
import { DEFAULT_RETRY_POLICY, retryDelay, type AttemptOutcome, type RetryPolicy } from './retry'

export type AuthMode = 'oauth' | 'developer' | 'none'
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
export type QueryValue = string | number | boolean | string[] | undefined

export type HubspotRequest<T> = {
  method: HttpMethod
  path: string
  query?: Record<string, QueryValue>
  /** JSON body, a FormData (multipart) or a URLSearchParams (form-encoded). */
  body?: unknown
  auth: AuthMode
  /** Parses the response body; omit for endpoints answering 204. */
  schema?: sdk.z.ZodType<T, sdk.z.ZodTypeDef, unknown>
  /** Completes "HubSpot could not …" in error messages. */
  operation: string
  /** A POST that HubSpot de-duplicates (e.g. by integrationIdempotencyId) may be retried after a 5xx. */
  idempotent?: boolean
}

export type AccessTokenProvider = {
  getAccessToken(opts?: { rejected?: string }): Promise<string>
}

export type HubspotHttpOptions = {
  baseUrl: string
  /** Whose app the credentials belong to; default the bot builder's (errors' hints name what they can fix). */
  appOwner?: AppOwner
  developerApiKey?: string
  appId?: string
  tokens?: AccessTokenProvider
  retryPolicy?: RetryPolicy
  timeoutMs?: number
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

export const DEFAULT_TIMEOUT_MS = 15_000

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * One place where HubSpot requests are sent: auth, timeouts, retries, error mapping and response
 * parsing. Sub-clients (channels, messages, …) only describe requests.
 */
export class HubspotHttp {
  private readonly _axios: AxiosInstance
  private readonly _policy: RetryPolicy
  private readonly _sleep: (ms: number) => Promise<void>
  private readonly _now: () => number

  /** Whose app the credentials belong to (see HubspotHttpOptions.appOwner). */
  public get appOwner(): AppOwner {
    return this._opts.appOwner ?? 'builder'
  }

  public constructor(private readonly _opts: HubspotHttpOptions) {
    this._axios = axios.create({
      baseURL: _opts.baseUrl,
      timeout: _opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      // Statuses are handled below; axios must not throw errors that embed the URL and headers.
      validateStatus: () => true,
      transitional: { clarifyTimeoutError: true },
      maxRedirects: 0,
      proxy: false,
    })
    this._policy = _opts.retryPolicy ?? DEFAULT_RETRY_POLICY
    this._sleep = _opts.sleep ?? defaultSleep
    this._now = _opts.now ?? Date.now
    // HubSpot error bodies may echo the key outside a "hapikey=" pattern; scrub it wherever it appears.
    registerSecret(_opts.developerApiKey)
  }

  public async request<T = void>(req: HubspotRequest<T>): Promise<T> {
    const started = this._now()
    const idempotent = req.method !== 'POST' || req.idempotent === true
    let rejectedToken: string | undefined
    let refreshedAfter401 = false

    for (let retryIndex = 0; ; retryIndex++) {
      const token = req.auth === 'oauth' ? await this._token(rejectedToken) : undefined
      const outcome = await this._send(req, token)

      if (outcome.kind === 'response') {
        const { response } = outcome
        if (response.status === 401 && req.auth === 'oauth' && !refreshedAfter401) {
          // An access token can be revoked or expire early: refresh once and try again.
          refreshedAfter401 = true
          rejectedToken = token
          retryIndex--
          continue
        }
        // Redirects are not followed (maxRedirects 0), so a 3xx is not a success either.
        if (response.status >= 200 && response.status < 300) return this._parse(req, response)
        const body = hubspotErrorBodySchema.safeParse(response.data)
        const attempt: AttemptOutcome = {
          kind: 'status',
          status: response.status,
          retryAfter: headerOf(response, 'retry-after'),
          policyName: body.success ? body.data.policyName : undefined,
        }
        const delay = retryDelay({
          outcome: attempt,
          retryIndex,
          elapsedMs: this._now() - started,
          idempotent,
          policy: this._policy,
          now: this._now(),
        })
        if (delay === undefined) {
          throw new HubspotApiError({
            operation: req.operation,
            auth: req.auth,
            ...(this._opts.appOwner ? { appOwner: this._opts.appOwner } : {}),
            status: response.status,
            category: body.success ? (body.data.category ?? body.data.errorType) : undefined,
            subCategory: body.success ? body.data.subCategory : undefined,
            correlationId: body.success ? body.data.correlationId : undefined,
            hubspotMessage: body.success ? body.data.message : undefined,
          })
        }
        await this._sleep(delay)
        continue
      }

      const delay = retryDelay({
        outcome: { kind: 'network', code: outcome.code },
        retryIndex,
        elapsedMs: this._now() - started,
        idempotent,
        policy: this._policy,
      })
      if (delay === undefined) throw new HubspotApiError({ operation: req.operation, networkCode: outcome.code })
      await this._sleep(delay)
    }
  }

  private async _token(rejected: string | undefined): Promise<string> {
    if (!this._opts.tokens) throw new Error('HubspotHttp: OAuth request without a token provider')
    return this._opts.tokens.getAccessToken(rejected ? { rejected } : undefined)
  }

  private async _send(
    req: HubspotRequest<unknown>,
    token: string | undefined
  ): Promise<{ kind: 'response'; response: AxiosResponse } | { kind: 'network'; code: string }> {
    const params: Record<string, QueryValue> = { ...req.query }
    if (req.auth === 'developer') {
      params.hapikey = this._opts.developerApiKey
      params.appId = this._opts.appId
    }
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (token) headers.Authorization = `Bearer ${token}`
    try {
      const response = await this._axios.request({
        method: req.method,
        url: req.path,
        params,
        paramsSerializer: { indexes: null },
        data: req.body,
        headers,
      })
      return { kind: 'response', response }
    } catch (err: unknown) {
      // Only the error code is kept: axios errors carry the URL (hapikey) and headers (token).
      const code = axios.isAxiosError(err) && err.code ? err.code : 'ENETWORK'
      return { kind: 'network', code }
    }
  }

  private _parse<T>(req: HubspotRequest<T>, response: AxiosResponse): T {
    if (!req.schema) return undefined as T
    const parsed = req.schema.safeParse(response.data)
    if (!parsed.success) {
      const where = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; ')
      throw new HubspotApiError({ operation: req.operation, status: response.status, hubspotMessage: `unexpected response (${where})` })
    }
    return parsed.data
  }
}

const headerOf = (response: AxiosResponse, name: string): string | undefined => {
  const value: unknown = response.headers[name]
  return typeof value === 'string' ? value : undefined
}
