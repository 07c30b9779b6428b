import type { RequestAuth } from '../types'

export const WINDOW_MS = 10_000
/** OAuth apps: 100 requests per 10 s per installed account (docs/hubspot.md#rate-limits-errors-retries). */
export const DEFAULT_RATE_MAX = 100

/** Requests in the last 10 s (wall clock: pacing is real time even when the API clock is injected). */
export class RollingWindow {
  private _hits: number[] = []

  public hit(): number {
    const now = Date.now()
    this._hits = this._hits.filter((t) => now - t < WINDOW_MS)
    this._hits.push(now)
    return this._hits.length
  }
}

export const rateLimitHeaders = (max: number, count: number, auth: RequestAuth): Record<string, string> => ({
  'X-HubSpot-RateLimit-Interval-Milliseconds': String(WINDOW_MS),
  'X-HubSpot-RateLimit-Max': String(max),
  'X-HubSpot-RateLimit-Remaining': String(Math.max(0, max - count)),
  // No daily headers on OAuth calls: OAuth apps have no daily limit.
  ...(auth === 'hapikey' ? { 'X-HubSpot-RateLimit-Daily': '250000', 'X-HubSpot-RateLimit-Daily-Remaining': '249000' } : {}),
})
