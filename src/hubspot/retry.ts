export type RetryPolicy = {
  /** Retries after the first attempt. */
  maxRetries: number
  baseDelayMs: number
  maxDelayMs: number
  /** No retry starts once this much time has passed since the first attempt. */
  maxTotalMs: number
  /** HubSpot's TEN_SECONDLY_ROLLING window: waiting it out is the only thing that helps. */
  tenSecondlyWaitMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 5,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxTotalMs: 30_000,
  tenSecondlyWaitMs: 10_000,
}

const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND'])
/** The request never reached HubSpot: safe to resend even when it is not idempotent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND'])

export type AttemptOutcome = { kind: 'status'; status: number; retryAfter?: string; policyName?: string } | { kind: 'network'; code: string }

export type RetryDecisionInput = {
  outcome: AttemptOutcome
  /** 0 for the first retry. */
  retryIndex: number
  elapsedMs: number
  /** Whether resending cannot duplicate a side effect (GET, PUT, PATCH, DELETE, or a keyed POST). */
  idempotent: boolean
  policy: RetryPolicy
  random?: () => number
  now?: number
}

/** Parses Retry-After (seconds or an HTTP date) into ms. */
export const parseRetryAfter = (value: string | undefined, now = Date.now()): number | undefined => {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

const backoff = (retryIndex: number, policy: RetryPolicy, random: () => number): number => {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex)
  const jitter = 0.75 + random() * 0.5 // ±25 %, so concurrent callers do not retry in lockstep
  return Math.round(exp * jitter)
}

/** How long to wait before the next attempt, or undefined to give up. */
export const retryDelay = (input: RetryDecisionInput): number | undefined => {
  const { outcome, retryIndex, elapsedMs, idempotent, policy } = input
  const random = input.random ?? Math.random
  if (retryIndex >= policy.maxRetries) return undefined

  let delay: number | undefined
  if (outcome.kind === 'network') {
    if (!RETRYABLE_NETWORK_CODES.has(outcome.code)) return undefined
    if (!idempotent && !NOT_SENT_CODES.has(outcome.code)) return undefined
    delay = backoff(retryIndex, policy, random)
  } else if (outcome.status === 429) {
    // A 429 was not processed, so even a non-idempotent request may be resent.
    if (outcome.policyName === 'DAILY') return undefined
    delay =
      parseRetryAfter(outcome.retryAfter, input.now) ??
      (outcome.policyName === 'TEN_SECONDLY_ROLLING' ? policy.tenSecondlyWaitMs : backoff(retryIndex, policy, random))
  } else if (outcome.status >= 500 && outcome.status <= 599) {
    if (!idempotent) return undefined
    delay = backoff(retryIndex, policy, random)
  } else {
    return undefined
  }
  return elapsedMs + delay > policy.maxTotalMs ? undefined : delay
}
