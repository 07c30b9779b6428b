import { createHash, createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import {
  computeV1Signature,
  computeV2Signature,
  computeV3Signature,
  decodeUriForV3,
  SIGNATURE_MAX_AGE_MS,
  verifyHubspotSignature,
  type HeaderBag,
  type VerifyInput,
} from './signature'

const timingSafeEqual = vi.hoisted(() => vi.fn())
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>()
  timingSafeEqual.mockImplementation(actual.timingSafeEqual)
  return { ...actual, timingSafeEqual }
})

const SECRET = 'c1a2b3c4-0000-4000-8000-secretsecret'
const URL = 'https://webhook.botpress.test/wh_123'
const NOW = 1_763_719_200_000
const BODY = '{"type":"OUTGOING_CHANNEL_MESSAGE_CREATED","message":{"id":"m1","text":"Hi"}}'

/** Signs like HubSpot, written apart from the module: the caller passes the already-decoded URI. */
const sign = (
  o: { body?: string; secret?: string; method?: string; signedUri?: string; timestamp?: string | number; encoding?: BufferEncoding } = {}
) =>
  createHmac('sha256', o.secret ?? SECRET)
    .update(`${o.method ?? 'POST'}${o.signedUri ?? URL}${o.body ?? BODY}${o.timestamp ?? NOW}`, o.encoding ?? 'utf8')
    .digest('base64')

const v3Request = (o: Partial<VerifyInput> & { signature?: string; timestamp?: string } = {}): VerifyInput => ({
  method: o.method ?? 'POST',
  url: o.url ?? URL,
  rawBody: o.rawBody ?? BODY,
  clientSecret: 'clientSecret' in o ? o.clientSecret : SECRET,
  now: o.now ?? NOW,
  headers: o.headers ?? {
    'x-hubspot-signature-v3': o.signature ?? sign({ body: o.rawBody }),
    'x-hubspot-request-timestamp': o.timestamp ?? String(NOW),
  },
})

const verify = (input: VerifyInput) => verifyHubspotSignature(input)
const rejected = (reason: string) => ({ ok: false, reason })
const V3_OK = { ok: true, version: 'v3' }

describe('v3 signatures', () => {
  it('accepts a correctly signed request', () => {
    expect(verify(v3Request())).toEqual(V3_OK)
  })

  it('rejects a tampered body and a wrong secret', () => {
    expect(verify(v3Request({ rawBody: BODY.replace('Hi', 'Ho'), signature: sign() }))).toEqual(rejected('mismatch'))
    expect(verify(v3Request({ signature: sign({ secret: 'another-secret' }) }))).toEqual(rejected('mismatch'))
  })

  it('rejects stale and future timestamps, accepts the edges of the window', () => {
    const at = (ts: number) => v3Request({ timestamp: String(ts), signature: sign({ timestamp: ts }) })
    expect(verify(at(NOW - SIGNATURE_MAX_AGE_MS - 1))).toEqual(rejected('stale-timestamp'))
    expect(verify(at(NOW + SIGNATURE_MAX_AGE_MS + 1))).toEqual(rejected('future-timestamp'))
    expect(verify(at(NOW - SIGNATURE_MAX_AGE_MS))).toEqual(V3_OK)
    expect(verify(at(NOW + SIGNATURE_MAX_AGE_MS))).toEqual(V3_OK)
    expect(SIGNATURE_MAX_AGE_MS).toBe(300_000)
  })

  it('treats a timestamp in seconds as stale (HubSpot sends milliseconds)', () => {
    const seconds = String(Math.floor(NOW / 1000))
    expect(verify(v3Request({ timestamp: seconds, signature: sign({ timestamp: seconds }) }))).toEqual(rejected('stale-timestamp'))
  })

  it('uses the real clock when none is injected', () => {
    const ts = Date.now()
    const input = { ...v3Request({ timestamp: String(ts), signature: sign({ timestamp: ts }) }), now: undefined }
    expect(verify(input)).toEqual(V3_OK)
  })

  it.each(['abc', '12.5', '-1', '1e12', ' 1763719200000', '0x1A', '9'.repeat(16)])('rejects the non-numeric timestamp %j', (ts) => {
    expect(verify(v3Request({ timestamp: ts, signature: sign({ timestamp: ts }) }))).toEqual(rejected('bad-timestamp'))
  })

  it('requires the timestamp header next to a v3 signature', () => {
    expect(verify(v3Request({ headers: { 'x-hubspot-signature-v3': sign() } }))).toEqual(rejected('bad-timestamp'))
  })

  it('rejects signatures of the wrong length without throwing', () => {
    const good = sign()
    for (const bad of [good.slice(0, -1), `${good}A`, 'x', good.repeat(2)]) {
      expect(verify(v3Request({ signature: bad }))).toEqual(rejected('mismatch'))
    }
  })

  it('compares with crypto.timingSafeEqual, and only buffers of equal length', () => {
    timingSafeEqual.mockClear()
    expect(verify(v3Request())).toEqual(V3_OK)
    expect(verify(v3Request({ signature: sign({ secret: 'other' }) }))).toEqual(rejected('mismatch'))
    expect(timingSafeEqual).toHaveBeenCalledTimes(2)
    timingSafeEqual.mockClear()
    expect(verify(v3Request({ signature: sign().slice(0, -1) }))).toEqual(rejected('mismatch'))
    expect(timingSafeEqual).not.toHaveBeenCalled()
  })

  it('rejects the right HMAC in the wrong encoding (hex, base64url)', () => {
    const digest = createHmac('sha256', SECRET).update(`POST${URL}${BODY}${NOW}`, 'utf8').digest()
    const hex = digest.toString('hex')
    const base64url = digest.toString('base64url')
    expect(verify(v3Request({ signature: hex }))).toEqual(rejected('mismatch'))
    expect(base64url).not.toBe(sign())
    expect(verify(v3Request({ signature: base64url }))).toEqual(rejected('mismatch'))
  })

  it('signs an empty body, and that signature does not cover a non-empty one', () => {
    expect(verify(v3Request({ rawBody: '', signature: sign({ body: '' }) }))).toEqual(V3_OK)
    expect(verify(v3Request({ rawBody: '[]', signature: sign({ body: '' }) }))).toEqual(rejected('mismatch'))
  })

  it('hashes a multi-byte unicode body as UTF-8', () => {
    const body = '{"text":"Grüße, 日本語, emoji 👋🏽"}'
    expect(verify(v3Request({ rawBody: body, signature: sign({ body }) }))).toEqual(V3_OK)
    expect(verify(v3Request({ rawBody: body, signature: sign({ body, encoding: 'latin1' }) }))).toEqual(rejected('mismatch'))
  })

  it('validates a percent-encoded URL against the signature over the decoded URI; %20 stays encoded', () => {
    const url = `${URL}/hook%3Fx%2Fy?next=https%3a%2F%2Fexample.com%2Fcb&who=Ada%20Lovelace%40home%21`
    const decoded = `${URL}/hook?x/y?next=https://example.com/cb&who=Ada%20Lovelace@home!`
    expect(verify(v3Request({ url, signature: sign({ signedUri: decoded }) }))).toEqual(V3_OK)
    expect(verify(v3Request({ url, signature: sign({ signedUri: url }) }))).toEqual(rejected('mismatch'))
    const overDecoded = decoded.replace('%20', ' ')
    expect(verify(v3Request({ url, signature: sign({ signedUri: overDecoded }) }))).toEqual(rejected('mismatch'))
  })

  it('includes the query string, in its order, in the signed URI', () => {
    const url = `${URL}?token=abc&inbox=1`
    expect(verify(v3Request({ url, signature: sign({ signedUri: url }) }))).toEqual(V3_OK)
    expect(verify(v3Request({ url, signature: sign({ signedUri: URL }) }))).toEqual(rejected('mismatch'))
    expect(verify(v3Request({ url, signature: sign({ signedUri: `${URL}?inbox=1&token=abc` }) }))).toEqual(rejected('mismatch'))
  })

  it('upper-cases the method and signs it', () => {
    expect(verify(v3Request({ method: 'post' }))).toEqual(V3_OK)
    expect(verify(v3Request({ signature: sign({ method: 'GET' }) }))).toEqual(rejected('mismatch'))
  })

  it('finds headers in any case and takes the first of repeated values', () => {
    const headers: HeaderBag = { 'X-HubSpot-Signature-V3': [sign(), 'junk'], 'X-HUBSPOT-REQUEST-TIMESTAMP': String(NOW) }
    expect(verify(v3Request({ headers }))).toEqual(V3_OK)
    expect(verify(v3Request({ headers: { ...headers, 'X-HubSpot-Signature-V3': ['junk', sign()] } }))).toEqual(rejected('mismatch'))
  })

  it('prefers v3: a valid v1 signature does not rescue a bad v3 one', () => {
    const headers = {
      'x-hubspot-signature-v3': sign({ secret: 'wrong' }),
      'x-hubspot-request-timestamp': String(NOW),
      'x-hubspot-signature': createHash('sha256')
        .update(SECRET + BODY)
        .digest('hex'),
      'x-hubspot-signature-version': 'v1',
    }
    expect(verify(v3Request({ headers }))).toEqual(rejected('mismatch'))
    expect(verify(v3Request({ headers: { ...headers, 'x-hubspot-signature-v3': sign() } }))).toEqual(V3_OK)
  })

  it('matches the v3 vector of the reference', () => {
    const args = { clientSecret: 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy', method: 'POST', url: 'https://www.example.com/webhook_uri' }
    const rawBody = '{"example_field":"example_value"}'
    const expected = 'rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o='
    expect(computeV3Signature({ ...args, rawBody, timestamp: 1700000000000 })).toBe(expected)
    const headers = { 'X-HubSpot-Signature-v3': expected, 'X-HubSpot-Request-Timestamp': '1700000000000' }
    expect(verify({ ...args, rawBody, headers, now: 1700000000000 + 1000 })).toEqual(V3_OK)
  })
})

describe('fails closed', () => {
  it.each([undefined, '', '   '])('without a client secret (%j), before looking at anything else', (clientSecret) => {
    expect(verify(v3Request({ clientSecret, signature: sign({ secret: clientSecret ?? '' }) }))).toEqual(rejected('missing-secret'))
    expect(verify(v3Request({ clientSecret, headers: {} }))).toEqual(rejected('missing-secret'))
  })

  it('without any signature header, or with empty ones', () => {
    expect(verify(v3Request({ headers: {} }))).toEqual(rejected('missing-signature'))
    expect(verify(v3Request({ headers: { 'x-hubspot-request-timestamp': String(NOW) } }))).toEqual(rejected('missing-signature'))
    expect(verify(v3Request({ headers: { 'x-hubspot-signature-v3': '', 'x-hubspot-signature': [] } }))).toEqual(rejected('missing-signature'))
  })
})

describe('v1 and v2 signatures (HubSpot published vectors)', () => {
  const clientSecret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy'
  const v1Body =
    '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
  const v1Hash = '232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de'
  const uri = 'https://www.example.com/webhook_uri'
  const v2Body = '{"example_field":"example_value"}'
  const v2Post = '9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900'
  const legacy = (o: { body: string; signature: string; version?: string; method?: string; url?: string }): VerifyInput => ({
    method: o.method ?? 'POST',
    url: o.url ?? uri,
    rawBody: o.body,
    clientSecret,
    headers: { 'X-HubSpot-Signature': o.signature, ...(o.version ? { 'X-HubSpot-Signature-Version': o.version } : {}) },
  })

  it('computes the published v1 and v2 hashes', () => {
    expect(computeV1Signature({ clientSecret, rawBody: v1Body })).toBe(v1Hash)
    expect(computeV2Signature({ clientSecret, method: 'GET', url: uri, rawBody: '' })).toBe(
      'eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e'
    )
    expect(computeV2Signature({ clientSecret, method: 'post', url: uri, rawBody: v2Body })).toBe(v2Post)
  })

  it('accepts v1 with the version header, in any case, and without it (v1 is the default)', () => {
    expect(verify(legacy({ body: v1Body, signature: v1Hash, version: 'v1' }))).toEqual({ ok: true, version: 'v1' })
    expect(verify(legacy({ body: v1Body, signature: v1Hash, version: 'V1' }))).toEqual({ ok: true, version: 'v1' })
    expect(verify(legacy({ body: v1Body, signature: v1Hash }))).toEqual({ ok: true, version: 'v1' })
  })

  it('rejects a v1 request whose body was changed', () => {
    expect(verify(legacy({ body: v1Body.replace('123', '124'), signature: v1Hash }))).toEqual(rejected('mismatch'))
  })

  it('accepts v2 and binds it to method and URI, without decoding the URI', () => {
    expect(verify(legacy({ body: v2Body, signature: v2Post, version: 'v2' }))).toEqual({ ok: true, version: 'v2' })
    expect(verify(legacy({ body: v2Body, signature: v2Post, version: 'v2', method: 'PUT' }))).toEqual(rejected('mismatch'))
    expect(verify(legacy({ body: v2Body, signature: v2Post, version: 'v2', url: `${uri}?a=1` }))).toEqual(rejected('mismatch'))
    expect(verify(legacy({ body: v2Body, signature: v2Post, version: 'v2', url: uri.replace('://', '%3A//') }))).toEqual(rejected('mismatch'))
  })

  it('does not accept a v2 hash announced as v1, nor an unknown version', () => {
    expect(verify(legacy({ body: v2Body, signature: v2Post, version: 'v1' }))).toEqual(rejected('mismatch'))
    expect(verify(legacy({ body: v1Body, signature: v1Hash, version: 'v9' }))).toEqual(rejected('mismatch'))
  })
})

describe('headers of the 2026 developer platform (project apps): every combination seen is accepted, nothing weaker', () => {
  // An app batch as a 2026.03 project app's webhooks send it (tests/fixtures/webhooks/batch-project-app.json's shape).
  const body =
    '[{"eventId":1,"subscriptionId":2,"portalId":3,"appId":4,"occurredAt":1763719200000,"subscriptionType":"conversation.propertyChange","attemptNumber":0,"objectId":5,"propertyName":"status","propertyValue":"CLOSED","changeSource":"AGENT","sourceId":"userId:6"}]'
  const v1 = computeV1Signature({ clientSecret: SECRET, rawBody: body })
  const v3 = sign({ body })
  const input = (headers: HeaderBag): VerifyInput => ({ method: 'POST', url: URL, rawBody: body, clientSecret: SECRET, now: NOW, headers })
  const ts = { 'X-HubSpot-Request-Timestamp': String(NOW) }

  it('both signatures with a version header of v3 (as third-party captures show): the v3 one decides', () => {
    expect(verify(input({ 'X-HubSpot-Signature': v1, 'X-HubSpot-Signature-v3': v3, 'X-HubSpot-Signature-Version': 'v3', ...ts }))).toEqual(V3_OK)
    expect(
      verify(input({ 'X-HubSpot-Signature': v1, 'X-HubSpot-Signature-v3': sign({ body: '[]' }), 'X-HubSpot-Signature-Version': 'v3', ...ts }))
    ).toEqual(rejected('mismatch'))
  })

  it('v3 only, without any legacy header', () => {
    expect(verify(input({ 'X-HubSpot-Signature-v3': v3, ...ts }))).toEqual(V3_OK)
  })

  it('a version header of v3 with only the legacy header: its value is read as the v3 signature; a v1 hash there is refused', () => {
    expect(verify(input({ 'X-HubSpot-Signature': v3, 'X-HubSpot-Signature-Version': 'v3', ...ts }))).toEqual(V3_OK)
    expect(verify(input({ 'X-HubSpot-Signature': v1, 'X-HubSpot-Signature-Version': 'v3', ...ts }))).toEqual(rejected('mismatch'))
  })

  it('a version header of v3 with a legacy value that is neither: rejected, for the v3 reason', () => {
    expect(verify(input({ 'X-HubSpot-Signature': sign({ body: '[]' }), 'X-HubSpot-Signature-Version': 'v3', ...ts }))).toEqual(rejected('mismatch'))
    expect(
      verify(
        input({
          'X-HubSpot-Signature': v3,
          'X-HubSpot-Signature-Version': 'v3',
          'X-HubSpot-Request-Timestamp': String(NOW - SIGNATURE_MAX_AGE_MS - 1),
        })
      )
    ).toEqual(rejected('stale-timestamp'))
    expect(verify(input({ 'X-HubSpot-Signature': v3, 'X-HubSpot-Signature-Version': 'v3' }))).toEqual(rejected('bad-timestamp'))
  })
})

describe('decodeUriForV3', () => {
  it('decodes exactly the escapes of HubSpot’s table, in either hex case', () => {
    const table: Record<string, string> = {
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
    for (const [hex, char] of Object.entries(table)) {
      expect(decodeUriForV3(`a%${hex}b`)).toBe(`a${char}b`)
      expect(decodeUriForV3(`a%${hex.toLowerCase()}b`)).toBe(`a${char}b`)
    }
  })

  it('leaves every other escape alone and decodes in a single pass', () => {
    expect(decodeUriForV3('https://h.test/p?q=a%20b%2Bc%25d%26e%3Df%23g')).toBe('https://h.test/p?q=a%20b%2Bc%25d%26e%3Df%23g')
    expect(decodeUriForV3('x%253Ay')).toBe('x%253Ay')
    expect(decodeUriForV3('x%3')).toBe('x%3')
  })
})

describe('never throws', () => {
  const header = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(undefined))
  const headers = fc.record(
    {
      'x-hubspot-signature-v3': header,
      'X-HubSpot-Request-Timestamp': fc.oneof(header, fc.integer({ min: NOW - 600_000, max: NOW + 600_000 }).map(String)),
      'x-hubspot-signature': header,
      'X-HubSpot-Signature-Version': fc.oneof(header, fc.constantFrom('v1', 'v2', 'v3')),
    },
    { requiredKeys: [] }
  )
  const extra = fc.dictionary(fc.string(), header, { maxKeys: 4 })

  it('on random requests, and rejects them all', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.fullUnicodeString(), headers, extra, fc.option(fc.string()), (method, url, rawBody, h, x, secret) => {
        const result = verify({ method, url, rawBody, headers: { ...x, ...h }, clientSecret: secret ?? undefined, now: NOW })
        expect(result.ok).toBe(false)
      }),
      { numRuns: 2_000 }
    )
  })

  it('on inputs that break the declared types', () => {
    const junk = [null, undefined, 42, {}, [], 'str'] as unknown[]
    for (const value of junk) {
      const input = { method: value, url: value, rawBody: value, headers: value, clientSecret: SECRET, now: value } as unknown as VerifyInput
      expect(() => verify(input)).not.toThrow()
      expect(verify(input).ok).toBe(false)
    }
  })

  it('round-trips any body, URL and method it signs', () => {
    fc.assert(
      fc.property(
        fc.fullUnicodeString(),
        fc.webUrl({ withQueryParameters: true, withFragments: false }),
        fc.constantFrom('POST', 'GET', 'put'),
        (rawBody, url, method) => {
          const signature = computeV3Signature({ clientSecret: SECRET, method, url, rawBody, timestamp: NOW })
          const headers = { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(NOW) }
          expect(verify({ method, url, rawBody, headers, clientSecret: SECRET, now: NOW })).toEqual(V3_OK)
        }
      ),
      { numRuns: 300 }
    )
  })
})
