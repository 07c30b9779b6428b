import * as http from 'node:http'
import * as https from 'node:https'
import { signatureHeaders } from './signing'
import type { DeliveryKind, DeliveryRecord } from './types'

const USER_AGENT = 'HubSpot Connect 2.0 (http://dev.hubspot.com/) - HubSpot Emulator'

type PostResult = { status: number; error?: string }

const post = (target: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> =>
  new Promise((resolve) => {
    let url: URL
    try {
      url = new URL(target)
    } catch {
      resolve({ status: 0, error: 'invalid URL' })
      return
    }
    const transport = url.protocol === 'https:' ? https : http
    const req = transport.request(
      url,
      { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, timeout: timeoutMs },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }))
        res.on('error', (err) => resolve({ status: res.statusCode ?? 0, error: err.message }))
      }
    )
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', (err) => resolve({ status: 0, error: err.message }))
    req.end(body)
  })

export type DispatcherOptions = { clientSecret: string; signatureNow: () => number; now: () => number; timeoutMs: number }

/** Sends signed webhooks, keeps a log of every attempt, and tracks the ones sent in the background. */
export class WebhookDispatcher {
  public readonly log: DeliveryRecord[] = []
  private _last: { kind: DeliveryKind; target: string; body: string } | undefined
  private readonly _pending = new Set<Promise<unknown>>()

  public constructor(private readonly _opts: DispatcherOptions) {}

  /** Custom-channel events: one JSON object, v3 signature. App events: a JSON array, v3 and v1. */
  public async deliver(kind: Exclude<DeliveryKind, 'raw'>, target: string, payload: unknown): Promise<number> {
    const body = JSON.stringify(payload)
    this._last = { kind, target, body }
    return this._send(kind, target, body, true, {})
  }

  public async redeliverLast(): Promise<number> {
    if (!this._last) throw new Error('redeliverLast: nothing was delivered yet')
    const { kind, target, body } = this._last
    return this._send(kind, target, body, true, {})
  }

  public async deliverRaw(target: string, body: string, sign: boolean, headers: Record<string, string>): Promise<number> {
    return this._send('raw', target, body, sign, headers)
  }

  /** Runs a delivery without making the caller wait (HubSpot sends events asynchronously). */
  public background(task: () => Promise<unknown>): void {
    const p: Promise<unknown> = task()
      .catch(() => undefined)
      .finally(() => this._pending.delete(p))
    this._pending.add(p)
  }

  public async settle(): Promise<void> {
    while (this._pending.size > 0) await Promise.all([...this._pending])
  }

  private async _send(kind: DeliveryKind, target: string, body: string, sign: boolean, extra: Record<string, string>): Promise<number> {
    const withV1 = kind === 'app' || (kind === 'raw' && body.trimStart().startsWith('['))
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': USER_AGENT,
      ...(sign ? signatureHeaders(this._opts.clientSecret, target, body, this._opts.signatureNow(), withV1) : {}),
      ...extra,
    }
    const at = this._opts.now()
    const result = await post(target, body, headers, this._opts.timeoutMs)
    this.log.push({ kind, target, body, headers, status: result.status, at, ...(result.error ? { error: result.error } : {}) })
    return result.status
  }
}
