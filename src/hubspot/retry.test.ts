import { describe, expect, it } from 'vitest'
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, type AttemptOutcome, type RetryPolicy } from './retry'

const policy: RetryPolicy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 8_000, maxTotalMs: 30_000, tenSecondlyWaitMs: 10_000 }
const mid = () => 0.5 // jitter factor exactly 1
const decide = (
  outcome: AttemptOutcome,
  over: { retryIndex?: number; elapsedMs?: number; idempotent?: boolean; random?: () => number; now?: number } = {}
) =>
  retryDelay({
    outcome,
    retryIndex: over.retryIndex ?? 0,
    elapsedMs: over.elapsedMs ?? 0,
    idempotent: over.idempotent ?? true,
    policy,
    random: over.random ?? mid,
    now: over.now,
  })

describe('parseRetryAfter', () => {
  it('reads seconds, fractional seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000)
    expect(parseRetryAfter(' 1.5 ')).toBe(1500)
    expect(parseRetryAfter('1.25')).toBe(1250)
    expect(parseRetryAfter('0')).toBe(0)
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:07 GMT', now)).toBe(7000)
    // A date in the past means "now", never a negative wait.
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0)
  })

  it('ignores missing or garbage values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined()
    expect(parseRetryAfter('')).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
    // A number followed by anything else is neither form (and must never become NaN).
    expect(parseRetryAfter('2x')).toBeUndefined()
    // Never a negative wait, whatever Date.parse makes of it.
    expect(parseRetryAfter('-3') ?? 0).toBeGreaterThanOrEqual(0)
  })
})

describe('retryDelay', () => {
  it('backs off exponentially up to maxDelayMs', () => {
    const delays = [0, 1, 2, 3, 4].map((retryIndex) => decide({ kind: 'status', status: 503 }, { retryIndex }))
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000])
    const capped = retryDelay({
      outcome: { kind: 'status', status: 503 },
      retryIndex: 9,
      elapsedMs: 0,
      idempotent: true,
      policy: { ...policy, maxRetries: 20, maxTotalMs: 1e9 },
      random: mid,
    })
    expect(capped).toBe(8000)
  })

  it('applies ±25 % jitter', () => {
    expect(decide({ kind: 'status', status: 500 }, { retryIndex: 1, random: () => 0 })).toBe(750)
    expect(decide({ kind: 'status', status: 500 }, { retryIndex: 1, random: () => 0.999999 })).toBe(1250)
  })

  it('gives up once maxRetries retries were made', () => {
    expect(decide({ kind: 'status', status: 503 }, { retryIndex: 4 })).toBeDefined()
    expect(decide({ kind: 'status', status: 503 }, { retryIndex: 5 })).toBeUndefined()
  })

  it('gives up when the wait would pass maxTotalMs', () => {
    expect(decide({ kind: 'status', status: 503 }, { elapsedMs: 29_500 })).toBe(500)
    expect(decide({ kind: 'status', status: 503 }, { elapsedMs: 29_501 })).toBeUndefined()
    expect(decide({ kind: 'status', status: 429, retryAfter: '20' }, { elapsedMs: 10_001 })).toBeUndefined()
  })

  it('retries 5xx only when resending is safe', () => {
    expect(decide({ kind: 'status', status: 500 }, { idempotent: true })).toBe(500)
    expect(decide({ kind: 'status', status: 599 }, { idempotent: true })).toBe(500)
    expect(decide({ kind: 'status', status: 500 }, { idempotent: false })).toBeUndefined()
    expect(decide({ kind: 'status', status: 503 }, { idempotent: false })).toBeUndefined()
  })

  it('retries 429 even for non-idempotent requests, honouring Retry-After', () => {
    expect(decide({ kind: 'status', status: 429, retryAfter: '2' }, { idempotent: false })).toBe(2000)
    expect(decide({ kind: 'status', status: 429 }, { idempotent: false, retryIndex: 2 })).toBe(2000)
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(decide({ kind: 'status', status: 429, retryAfter: 'Thu, 01 Jan 2026 00:00:03 GMT' }, { now })).toBe(3000)
  })

  it('waits out the ten-secondly window when HubSpot names it, Retry-After first', () => {
    expect(decide({ kind: 'status', status: 429, policyName: 'TEN_SECONDLY_ROLLING' })).toBe(10_000)
    expect(decide({ kind: 'status', status: 429, policyName: 'TEN_SECONDLY_ROLLING', retryAfter: '1' })).toBe(1000)
  })

  it('never retries the daily limit', () => {
    expect(decide({ kind: 'status', status: 429, policyName: 'DAILY' })).toBeUndefined()
    expect(decide({ kind: 'status', status: 429, policyName: 'DAILY', retryAfter: '1' })).toBeUndefined()
  })

  it('never retries other statuses', () => {
    for (const status of [300, 302, 400, 401, 403, 404, 409, 422, 600]) expect(decide({ kind: 'status', status })).toBeUndefined()
  })

  it('retries network failures when resending is safe', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE']) {
      expect(decide({ kind: 'network', code }, { idempotent: true })).toBe(500)
      // The request may have reached HubSpot: a plain POST must not be sent twice.
      expect(decide({ kind: 'network', code }, { idempotent: false })).toBeUndefined()
    }
  })

  it('resends even a non-idempotent request when it never left (DNS, refused)', () => {
    for (const code of ['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND']) expect(decide({ kind: 'network', code }, { idempotent: false })).toBe(500)
  })

  it('does not retry unknown network errors', () => {
    expect(decide({ kind: 'network', code: 'ERR_BAD_RESPONSE' })).toBeUndefined()
    expect(decide({ kind: 'network', code: 'ENETWORK' })).toBeUndefined()
  })

  it('has production defaults within HubSpot guidance', () => {
    expect(DEFAULT_RETRY_POLICY.tenSecondlyWaitMs).toBe(10_000)
    expect(DEFAULT_RETRY_POLICY.maxRetries).toBeGreaterThanOrEqual(3)
    expect(DEFAULT_RETRY_POLICY.maxTotalMs).toBeGreaterThan(DEFAULT_RETRY_POLICY.tenSecondlyWaitMs)
  })
})
