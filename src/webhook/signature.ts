import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_MAX_AGE_MS = 5 * 60 * 1000

export type HeaderBag = Record<string, string | string[] | undefined>
export type VerifyInput = {
  method: string
  /** The full public URI HubSpot called, query string included. */
  url: string
  rawBody: string
  headers: HeaderBag
  clientSecret: string | undefined
  /** Epoch ms; injectable for tests. */
  now?: number
}
export type VerifyFailure = 'missing-secret' | 'missing-signature' | 'bad-timestamp' | 'stale-timestamp' | 'future-timestamp' | 'mismatch'
export type VerifyResult = { ok: true; version: 'v3' | 'v2' | 'v1' } | { ok: false; reason: VerifyFailure }

const V3_HEADER = 'x-hubspot-signature-v3'
const TIMESTAMP_HEADER = 'x-hubspot-request-timestamp'
const LEGACY_HEADER = 'x-hubspot-signature'
const VERSION_HEADER = 'x-hubspot-signature-version'

const V3_DECODED: Readonly<Record<string, string>> = {
  '3A': ':',
  '2F': '/',
  '3F': '?',
  '40': '@',
  '21': '!',
  '24': '$',
  '27': "'",
  '28': '(',
  '29': ')',
  '2A': '*',
  '2C': ',',
  '3B': ';',
}
const V3_ESCAPE = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi

/**
 * Decodes only the escapes HubSpot's v3 table lists (any hex case); everything else, `%20` and
 * `%25` included, stays encoded. One pass, so `%253A` is not turned into `:`.
 * @see https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
 */
export function decodeUriForV3(url: string): string {
  return String(url).replace(V3_ESCAPE, (match, hex: string) => V3_DECODED[hex.toUpperCase()] ?? match)
}

/**
 * v3: base64 HMAC-SHA256, keyed with the app's client secret, of METHOD + decoded URI + raw body +
 * the `X-HubSpot-Request-Timestamp` value.
 * @see https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
 */
export function computeV3Signature(args: { clientSecret: string; method: string; url: string; rawBody: string; timestamp: string | number }): string {
  const source = `${String(args.method).toUpperCase()}${decodeUriForV3(args.url)}${args.rawBody}${args.timestamp}`
  return createHmac('sha256', args.clientSecret).update(source, 'utf8').digest('base64')
}

/**
 * v2: hex SHA-256 of client secret + METHOD + URI (exactly as called, not decoded) + raw body.
 * @see https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
 */
export function computeV2Signature(args: { clientSecret: string; method: string; url: string; rawBody: string }): string {
  const source = `${args.clientSecret}${String(args.method).toUpperCase()}${args.url}${args.rawBody}`
  return createHash('sha256').update(source, 'utf8').digest('hex')
}

/**
 * v1: hex SHA-256 of client secret + raw body (what Webhooks API subscriptions send).
 * @see https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
 */
export function computeV1Signature(args: { clientSecret: string; rawBody: string }): string {
  return createHash('sha256').update(`${args.clientSecret}${args.rawBody}`, 'utf8').digest('hex')
}

/**
 * Checks a HubSpot request: v3 when its header is present, else v1/v2. Never throws: whatever
 * arrives, the answer is a verdict.
 * @see https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
 */
export function verifyHubspotSignature(input: VerifyInput): VerifyResult {
  try {
    return verify(input)
  } catch {
    // Defensive only: a malformed request must become a 401 upstream, never a 500.
    return fail('mismatch')
  }
}

const verify = (input: VerifyInput): VerifyResult => {
  const clientSecret = typeof input.clientSecret === 'string' ? input.clientSecret : ''
  if (clientSecret.trim() === '') return fail('missing-secret')

  const method = typeof input.method === 'string' ? input.method : ''
  const url = typeof input.url === 'string' ? input.url : ''
  const rawBody = typeof input.rawBody === 'string' ? input.rawBody : ''
  const headers = input.headers

  const checkV3 = (signature: string): VerifyResult => {
    const timestamp = headerOf(headers, TIMESTAMP_HEADER) ?? ''
    if (!/^\d{1,15}$/.test(timestamp)) return fail('bad-timestamp')
    const now = typeof input.now === 'number' && Number.isFinite(input.now) ? input.now : Date.now()
    const age = now - Number(timestamp)
    if (age > SIGNATURE_MAX_AGE_MS) return fail('stale-timestamp')
    if (-age > SIGNATURE_MAX_AGE_MS) return fail('future-timestamp')
    const expected = computeV3Signature({ clientSecret, method, url, rawBody, timestamp })
    return safeEqual(signature, expected) ? { ok: true, version: 'v3' } : fail('mismatch')
  }

  const v3 = headerOf(headers, V3_HEADER)
  if (v3 !== undefined) return checkV3(v3)

  const legacy = headerOf(headers, LEGACY_HEADER)
  if (legacy === undefined) return fail('missing-signature')
  const version = (headerOf(headers, VERSION_HEADER) ?? 'v1').toLowerCase()
  // A version header of v3 without the v3 header (not seen; project apps send both headers): the legacy header is
  // read as the v3 signature, timestamp rules included (UNCONFIRMED; docs/hubspot.md, "Conversation webhooks"). A v1
  // hash labelled v3 stays refused, like a hash under any label but its own.
  if (version === 'v3') return checkV3(legacy)
  if (version === 'v1') {
    return safeEqual(legacy, computeV1Signature({ clientSecret, rawBody })) ? { ok: true, version: 'v1' } : fail('mismatch')
  }
  if (version === 'v2') {
    const expected = computeV2Signature({ clientSecret, method, url, rawBody })
    return safeEqual(legacy, expected) ? { ok: true, version: 'v2' } : fail('mismatch')
  }
  return fail('mismatch')
}

const fail = (reason: VerifyFailure): VerifyResult => ({ ok: false, reason })

/** Case-insensitive lookup; the first value of a repeated header; empty counts as absent. */
const headerOf = (headers: HeaderBag | undefined, name: string): string | undefined => {
  if (!headers || typeof headers !== 'object') return undefined
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== name) continue
    const raw = headers[key]
    const value = Array.isArray(raw) ? raw[0] : raw
    if (typeof value === 'string' && value !== '') return value
  }
  return undefined
}

/** Compares the encoded strings' bytes, so a signature of another length or alphabet is just unequal. */
const safeEqual = (given: string, expected: string): boolean => {
  const a = Buffer.from(given, 'utf8')
  const b = Buffer.from(expected, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}
