/**
 * Fuzzing the real webhook handler (src/webhook/handler.ts) with FakeBotpress and no reachable
 * HubSpot. Over 10 000 generated and mutated requests with a signature that is not valid: always
 * a 401 (405 for other methods), never a 5xx, never an exception or unhandled rejection, and no
 * side effect at all. Then validly signed random bodies: 200 or 400, never a 5xx, never an exception.
 */
import { createHash, createHmac } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import fc from 'fast-check'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { resetCaches } from '../../src/cache'
import { handler } from '../../src/webhook/handler'
import { seedEndUser, seedHitlConversation, seedSetup } from '../helpers/hitl-fixtures'
import { HUBSPOT, makeProps, SECRETS, WEBHOOK_URL } from '../helpers/props'
import { begin, finish, type Instrumentation } from './harness'
import { propertyChange as change } from '../helpers/webhook-events'

type Req = { method: string; path: string; query: string; headers: Record<string, string | undefined>; body?: string }

const SECRET = SECRETS.clientSecret
const THREADS = ['9001', '7741038265', '7741038300']

// ---------------------------------------------------------------------------------------------
// Independent signing (HubSpot's documented algorithms), so a "valid" request is valid by construction.
// ---------------------------------------------------------------------------------------------

const v3 = (secret: string, method: string, url: string, body: string, ts: string) =>
  createHmac('sha256', secret).update(`${method}${url}${body}${ts}`, 'utf8').digest()
const v2 = (secret: string, method: string, url: string, body: string) =>
  createHash('sha256').update(`${secret}${method}${url}${body}`, 'utf8').digest('hex')
const v1 = (secret: string, body: string) => createHash('sha256').update(`${secret}${body}`, 'utf8').digest('hex')

// ---------------------------------------------------------------------------------------------
// Payloads: the recorded fixtures plus events about this bot's threads, then mutations of them.
// ---------------------------------------------------------------------------------------------

const fixturesDir = path.join(__dirname, '../fixtures/webhooks')
const FIXTURES: unknown[] = readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(fixturesDir, f), 'utf8')) as unknown)

const OWN: unknown[] = [
  {
    type: 'OUTGOING_CHANNEL_MESSAGE_CREATED',
    portalId: '243842089',
    channelId: 'ch1',
    eventId: 'evt-1',
    channelIntegrationThreadIds: ['it-1'],
    message: {
      id: 'hs-msg-1',
      conversationsThreadId: '9001',
      channelId: 'ch1',
      channelAccountId: 'acc1',
      direction: 'OUTGOING',
      senders: [{ actorId: 'A-77', name: 'Maya Agent' }],
      recipients: [],
      text: 'Hi',
      richText: '<p>Hi <b>there</b></p>',
      attachments: [{ type: 'FILE', fileId: 'f1', name: 'a.png', fileUsageType: 'IMAGE' }],
    },
  },
  [change(1, 'assignedTo', '12'), change(2, 'status', 'CLOSED'), change(3, 'assignedTo', '')],
  { type: 'CHANNEL_ACCOUNT_UPDATED', portalId: 1, channelId: 'ch1', channelAccountId: 'acc1', authorized: false },
  { type: 'CHANNEL_ACCOUNT_PURGED', portalId: 1, channelId: 'ch1', channelAccountId: 'acc2' },
]
const BASES = [...FIXTURES, ...OWN]

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

const pathsOf = (value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] => {
  out.push(prefix)
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out))
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out)
  return out
}

type Op = 'replace' | 'delete' | 'null' | 'number' | 'string' | 'array' | 'object' | 'thread'
const OPS: Op[] = ['replace', 'delete', 'null', 'number', 'string', 'array', 'object', 'thread']

/** Applies one structural mutation at the path chosen by `pick`. */
const mutate = (root: Json, pick: number, op: Op, junk: Json): Json => {
  const paths = pathsOf(root)
  const target = paths[pick % paths.length]!
  const replacement: Json | undefined =
    op === 'replace'
      ? junk
      : op === 'null'
        ? null
        : op === 'number'
          ? (pick % 7) - 3 + 0.5
          : op === 'string'
            ? 'x'.repeat(pick % 5000)
            : op === 'array'
              ? [junk]
              : op === 'object'
                ? { junk }
                : op === 'thread'
                  ? THREADS[pick % THREADS.length]!
                  : undefined
  if (target.length === 0) return replacement === undefined ? null : replacement
  let parent: Json = root
  for (const key of target.slice(0, -1)) parent = (parent as Record<string | number, Json>)[key] as Json
  const last = target[target.length - 1]!
  if (Array.isArray(parent)) {
    if (replacement === undefined) parent.splice(Number(last), 1)
    else parent[Number(last)] = replacement
  } else if (parent && typeof parent === 'object') {
    if (replacement === undefined) delete parent[last]
    else parent[last] = replacement
  }
  return root
}

const mutatedPayload: fc.Arbitrary<string> = fc
  .tuple(
    fc.nat({ max: BASES.length - 1 }),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...OPS), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>), { minLength: 1, maxLength: 4 })
  )
  .map(([base, mutations]) => {
    let value = structuredClone(BASES[base]) as Json
    for (const [pick, op, junk] of mutations) value = mutate(value, pick, op, junk)
    return JSON.stringify(value) ?? ''
  })

/** Byte-level damage to a valid payload: truncation, insertion, replacement. */
const damagedPayload: fc.Arbitrary<string> = fc
  .tuple(fc.nat({ max: BASES.length - 1 }), fc.nat(), fc.constantFrom('truncate', 'insert', 'replace'), fc.string({ minLength: 1, maxLength: 3 }))
  .map(([base, at, kind, s]) => {
    const raw = JSON.stringify(BASES[base])
    const i = at % (raw.length + 1)
    if (kind === 'truncate') return raw.slice(0, i)
    if (kind === 'insert') return raw.slice(0, i) + s + raw.slice(i)
    return raw.slice(0, i) + s + raw.slice(i + s.length)
  })

const bodyArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 5, arbitrary: mutatedPayload },
  { weight: 2, arbitrary: damagedPayload },
  { weight: 1, arbitrary: fc.constantFrom(...BASES.map((b) => JSON.stringify(b))) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', '\u0000', 'null', 'true', '0', '[]', '{}', '[{}]', '[[[[', '{"type":null}', '\ufeff{}', undefined),
  }
)

/** Rare, expensive bodies: megabytes, 1000+ event batches, deep nesting. */
const hugeBodyArb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 200_000, max: 2_000_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1_001, max: 1_200 }).map((n) => JSON.stringify(Array.from({ length: n }, (_, i) => change(i, 'status', 'CLOSED')))),
  fc.integer({ min: 1_000, max: 100_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => `{"type":"OUTGOING_CHANNEL_MESSAGE_CREATED","message":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`),
  fc
    .integer({ min: 10_000, max: 300_000 })
    .map((n) => JSON.stringify({ ...(OWN[0] as object), message: { ...(OWN[0] as { message: object }).message, text: '\u{1F600}'.repeat(n) } }))
)

// ---------------------------------------------------------------------------------------------
// Headers.
// ---------------------------------------------------------------------------------------------

const CASINGS = ['lower', 'canonical', 'upper', 'duplicated'] as const
type Casing = (typeof CASINGS)[number]
const canonical = (name: string) => name.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase()).replace('Hubspot', 'HubSpot')

/** Sets a header under the chosen spelling; "duplicated" adds a second spelling holding `twin`. */
const put = (headers: Record<string, string | undefined>, name: string, value: string | undefined, casing: Casing, twin: string | undefined) => {
  if (value === undefined && casing !== 'duplicated') return
  if (casing === 'lower' || casing === 'duplicated') headers[name] = value
  if (casing === 'canonical') headers[canonical(name)] = value
  if (casing === 'upper') headers[name.toUpperCase()] = value
  if (casing === 'duplicated') headers[canonical(name)] = twin
}

const garbage = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.base64String({ maxLength: 60 }),
  fc.hexaString({ maxLength: 64 }),
  fc.constantFrom('null', 'undefined', '0', '=', 'sha256=abc', 'v3', '\u0000', ' ')
)

const STALE_MS = 5 * 60_000
const TIMESTAMPS = ['now', 'stale', 'future', 'non-numeric', 'absent', 'empty', 'mismatched'] as const
const SIGNATURES = [
  'absent',
  'garbage',
  'wrong-secret',
  'truncated',
  'hex',
  'base64url',
  'upper',
  'padded',
  'other-body',
  'other-url',
  'other-method',
  'right-for-its-timestamp',
  'v1-behind-bad-v3',
] as const
const LEGACY = ['none', 'v1-wrong', 'v2-wrong', 'odd-version', 'garbage'] as const

type InvalidCase = {
  body: string | undefined
  method: string
  path: string
  query: string
  timestamp: (typeof TIMESTAMPS)[number]
  signature: (typeof SIGNATURES)[number]
  legacy: (typeof LEGACY)[number]
  casing: [Casing, Casing, Casing]
  junk: string
  twin: string
  offset: number
  nonNumeric: string
  extra: Record<string, string>
}

const invalidCaseArb = (body: fc.Arbitrary<string | undefined>): fc.Arbitrary<InvalidCase> =>
  fc.record({
    body,
    method: fc.oneof(
      { weight: 12, arbitrary: fc.constant('POST') },
      { weight: 1, arbitrary: fc.constantFrom('post', 'Post', 'GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', '') }
    ),
    path: fc.oneof(
      { weight: 8, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom('/', '/x', '/%2F..', '/wh_123') },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }
    ),
    query: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }),
    timestamp: fc.constantFrom(...TIMESTAMPS),
    signature: fc.constantFrom(...SIGNATURES),
    legacy: fc.constantFrom(...LEGACY),
    casing: fc.tuple(fc.constantFrom(...CASINGS), fc.constantFrom(...CASINGS), fc.constantFrom(...CASINGS)),
    junk: garbage,
    twin: garbage,
    offset: fc.integer({ min: 1_000, max: 10 * 365 * 24 * 3600 * 1000 }),
    nonNumeric: fc.oneof(
      fc.constantFrom('abc', '1e12', ' 1763719200000', '1763719200000 ', '-5', '12.5', '0x1A', '１２３', '9'.repeat(16), 'NaN', 'Infinity'),
      fc.string({ maxLength: 20 }).filter((s) => !/^\d{1,15}$/.test(s))
    ),
    extra: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !/hubspot/i.test(k)),
      fc.string({ maxLength: 30 }),
      { maxKeys: 3 }
    ),
  })

/** Builds a request whose signature cannot be valid (by construction), with every kind of damage. */
const buildInvalid = (c: InvalidCase): Req => {
  const body = c.body ?? ''
  const now = Date.now()
  const ts =
    c.timestamp === 'now' || c.timestamp === 'mismatched'
      ? String(now)
      : c.timestamp === 'stale'
        ? String(now - STALE_MS - c.offset)
        : c.timestamp === 'future'
          ? String(now + STALE_MS + 60_000 + c.offset)
          : c.timestamp === 'non-numeric'
            ? c.nonNumeric
            : c.timestamp === 'empty'
              ? ''
              : undefined
  const signedTs = c.timestamp === 'mismatched' ? String(now - 1_000) : (ts ?? '')
  const right = v3(SECRET, 'POST', WEBHOOK_URL, body, signedTs)
  const timestampUsable = c.timestamp === 'now' || c.timestamp === 'mismatched'
  let sig: string | undefined
  switch (c.signature) {
    case 'absent':
      sig = undefined
      break
    case 'garbage':
      sig = c.junk
      break
    case 'wrong-secret':
      sig = v3(`${SECRET}x`, 'POST', WEBHOOK_URL, body, signedTs).toString('base64')
      break
    case 'truncated':
      sig = right.toString('base64').slice(0, c.offset % 44)
      break
    case 'hex':
      sig = right.toString('hex')
      break
    case 'base64url':
      sig = right.toString('base64url')
      break
    case 'upper':
      sig = right.toString('base64').toUpperCase()
      break
    case 'padded':
      sig = ` ${right.toString('base64')}`
      break
    case 'other-body':
      sig = v3(SECRET, 'POST', WEBHOOK_URL, `${body} `, signedTs).toString('base64')
      break
    case 'other-url':
      // Not `${WEBHOOK_URL}/`: the root with a trailing slash is the same target (public-url.ts).
      sig = v3(SECRET, 'POST', `${WEBHOOK_URL}/other`, body, signedTs).toString('base64')
      break
    case 'other-method':
      sig = v3(SECRET, 'PUT', WEBHOOK_URL, body, signedTs).toString('base64')
      break
    // Right for the timestamp it carries, so only a bad timestamp can make it invalid.
    case 'right-for-its-timestamp':
      sig = timestampUsable && c.timestamp !== 'mismatched' ? c.junk : right.toString('base64')
      break
    case 'v1-behind-bad-v3':
      sig = c.junk.trim() ? c.junk : 'not-a-signature'
      break
  }
  const headers: Record<string, string | undefined> = { ...c.extra, 'content-type': 'application/json' }
  put(headers, 'x-hubspot-signature-v3', sig, c.casing[0], c.twin)
  put(headers, 'x-hubspot-request-timestamp', ts, c.casing[1], c.twin)
  const legacySig =
    c.signature === 'v1-behind-bad-v3'
      ? v1(SECRET, body)
      : c.legacy === 'v1-wrong'
        ? v1(`${SECRET}x`, body)
        : c.legacy === 'v2-wrong'
          ? v2(`${SECRET}x`, 'POST', WEBHOOK_URL, body)
          : c.legacy === 'odd-version'
            ? v1(SECRET, body)
            : c.legacy === 'garbage'
              ? c.junk
              : undefined
  if (legacySig !== undefined && (c.legacy !== 'none' || c.signature === 'v1-behind-bad-v3')) {
    put(headers, 'x-hubspot-signature', legacySig, c.casing[2], c.twin)
    const version = c.legacy === 'v2-wrong' ? 'v2' : c.legacy === 'odd-version' ? 'v3' : 'v1'
    headers['x-hubspot-signature-version'] = version
  }
  return { method: c.method, path: c.path, query: c.query, headers, ...(c.body === undefined ? {} : { body: c.body }) }
}

// ---------------------------------------------------------------------------------------------
// Harness: one seeded Botpress, side-effect detection, unhandled rejections.
// ---------------------------------------------------------------------------------------------

const hubspotAttempts: string[] = []
const onNoMatch = (req: { method?: string; path?: string; href?: string }) =>
  hubspotAttempts.push(`${req.method ?? ''} ${req.href ?? req.path ?? ''}`)
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled)
  process.on('uncaughtException', onUnhandled)
})
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
  process.off('uncaughtException', onUnhandled)
})
let inst: Instrumentation
beforeEach(() => {
  inst = begin({ offline: true }) // nock without interceptors: any HubSpot request fails and is recorded
  nock.emitter.on('no match', onNoMatch)
  hubspotAttempts.length = 0
  unhandled.length = 0
})
afterEach(async () => {
  nock.emitter.removeListener('no match', onNoMatch)
  await finish(inst, undefined)
})

const seeded = async () => {
  const props = makeProps()
  inst.watch.watchLogLines(props.lines)
  seedSetup(props.fake)
  const user = await seedEndUser(props.fake)
  for (const thread of THREADS) await seedHitlConversation(props.fake, user.id, thread)
  return props
}
type Props = Awaited<ReturnType<typeof seeded>>

const snapshot = (props: Props) => ({
  messages: props.fake.messages.size,
  events: props.fake.events.length,
  users: props.fake.users.size,
  conversations: props.fake.conversations.size,
  states: JSON.stringify([...props.fake.states]),
  calls: props.fake.calls.length,
  hubspot: hubspotAttempts.length,
})

/** Nothing was written to Botpress and nothing was sent to HubSpot; at most the setup state was read. */
const expectNoSideEffect = (props: Props, before: ReturnType<typeof snapshot>) => {
  const after = snapshot(props)
  expect({ ...after, calls: 0 }).toEqual({ ...before, calls: 0 })
  expect(props.fake.calls.slice(before.calls).filter((c) => c !== 'getState')).toEqual([])
  expect(hubspotAttempts.slice(before.hubspot)).toEqual([])
}

const deliver = async (props: Props, req: Req) => {
  try {
    const res = await handler({ ctx: props.ctx, client: props.client, logger: props.logger, req })
    if (res?.body) inst.watch.add('webhook response', res.body)
    return res
  } catch (err) {
    inst.watch.addError('handler threw', err)
    throw new Error(`handler threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}

const expectNoSecretIn = (text: string | undefined) => {
  for (const secret of Object.values(SECRETS)) expect(text ?? '').not.toContain(secret)
}

let invalidRuns = 0
let signedRuns = 0

describe('fuzz: requests without a valid signature', () => {
  const property = (props: Props, arb: fc.Arbitrary<InvalidCase>) =>
    fc.asyncProperty(arb, async (c) => {
      invalidRuns++
      const req = buildInvalid(c)
      const before = snapshot(props)
      const res = await deliver(props, req)
      expect(res?.status).toBe(req.method.toUpperCase() === 'POST' ? 401 : 405)
      expectNoSecretIn(res?.body)
      expectNoSideEffect(props, before)
    })

  it('generated, mutated and damaged bodies with every kind of bad signature, timestamp and header: 401, no effect', async () => {
    const props = await seeded()
    await fc.assert(property(props, invalidCaseArb(bodyArb)), { numRuns: 10_000 })
    expect(unhandled).toEqual([])
    expect(props.fake.messages.size + props.fake.events.length).toBe(0)
    for (const line of props.lines) expectNoSecretIn(line.message)
  })

  it('huge bodies (megabytes, 1000+ event batches, deep nesting) with bad signatures: 401, no effect', async () => {
    const props = await seeded()
    await fc.assert(property(props, invalidCaseArb(hugeBodyArb)), { numRuns: 120 })
    expect(unhandled).toEqual([])
  })

  it('an integration that is not installed (no setup state) or has no client secret answers 401 to anything', async () => {
    const unconfigured = makeProps({ configuration: { clientSecret: '' } })
    seedSetup(unconfigured.fake)
    const uninstalled = makeProps()
    for (const p of [unconfigured, uninstalled]) inst.watch.watchLogLines(p.lines)
    await fc.assert(
      fc.asyncProperty(bodyArb, fc.boolean(), async (body, v1Signed) => {
        invalidRuns++
        for (const props of [unconfigured, uninstalled]) {
          resetCaches('installations')
          const raw = body ?? ''
          const ts = String(Date.now())
          // Correctly signed for the real secret: still refused, there is nothing to check it against.
          const headers = v1Signed
            ? { 'x-hubspot-signature': v1(SECRET, raw), 'x-hubspot-signature-version': 'v1' }
            : { 'x-hubspot-signature-v3': v3(SECRET, 'POST', WEBHOOK_URL, raw, ts).toString('base64'), 'x-hubspot-request-timestamp': ts }
          const res = await deliver(props as Props, { method: 'POST', path: '', query: '', headers, body: raw })
          expect(res?.status).toBe(401)
          expect(props.fake.calls.filter((c) => c !== 'getState')).toEqual([])
        }
      }),
      { numRuns: 150 }
    )
    expect(hubspotAttempts).toEqual([])
    expect(unhandled).toEqual([])
  })

  it('the side-effect detectors see a HubSpot request and a Botpress write (control)', async () => {
    const props = await seeded()
    const before = snapshot(props)
    const body = JSON.stringify({
      ...(OWN[0] as object),
      message: { ...(OWN[0] as { message: object }).message, senders: [{ actorId: 'A-9' }], attachments: [] },
    })
    const ts = String(Date.now())
    const res = await deliver(props, {
      method: 'POST',
      path: '',
      query: '',
      headers: { 'x-hubspot-signature-v3': v3(SECRET, 'POST', WEBHOOK_URL, body, ts).toString('base64'), 'x-hubspot-request-timestamp': ts },
      body,
    })
    expect(res?.status).toBe(200) // the agent name and the receipt are best effort
    expect(() => expectNoSideEffect(props, before)).toThrow()
    expect(hubspotAttempts.length).toBeGreaterThan(0)
    expect(props.fake.messages.size).toBe(1)
  })

  afterAll(() => {
    expect(invalidRuns).toBeGreaterThanOrEqual(10_000)
  })
})

describe('fuzz: validly signed random bodies', () => {
  /** HubSpot answers whatever a valid event may need, so only bad input can make the handler fail. */
  const FUZZ_TOKEN = 'fuzz-access-token-0123456789'
  const hubspotUp = () => {
    inst.watch.accessTokens.add(FUZZ_TOKEN)
    nock(HUBSPOT).persist().post('/oauth/2026-03/token').reply(200, {
      access_token: FUZZ_TOKEN,
      expires_in: 1800,
      refresh_token: SECRETS.refreshToken,
      token_type: 'bearer',
      token_use: 'access_token',
    })
    nock(HUBSPOT)
      .persist()
      .get(/\/conversations\/conversations\/2026-09\/actors\/.*/)
      .reply(200, { id: 'A-1', type: 'AGENT', name: 'Agent' })
    nock(HUBSPOT)
      .persist()
      .patch(/\/conversations\/custom-channels\/2026-09\/.*\/messages\/.*/)
      .reply(200, {})
    nock(HUBSPOT)
      .persist()
      .get(/\/files\/2026-03\/files\/.*\/signed-url.*/)
      .reply(200, { url: 'https://files.example/f' })
    // A reply to a thread whose session ended closes the thread again.
    nock(HUBSPOT)
      .persist()
      .patch(/\/conversations\/conversations\/2026-09\/threads\/.*/)
      .reply(200, { id: '1', status: 'CLOSED' })
    // CHANNEL_ACCOUNT_CREATED without channel or inbox asks HubSpot which account it is.
    nock(HUBSPOT)
      .persist()
      .get(/\/conversations\/custom-channels\/2026-09\/[^/]+\/channel-accounts.*/)
      .reply(200, { results: [] })
  }

  const signedArb = fc.record({
    body: bodyArb,
    scheme: fc.constantFrom('v3', 'v3', 'v3', 'v1', 'v2'),
    casing: fc.constantFrom('lower', 'canonical', 'upper'),
    skewMs: fc.integer({ min: -4 * 60_000, max: 4 * 60_000 }),
    query: fc.constantFrom('', 'portalId=1', 'a=b&c=%3A'),
  })

  it('never a 5xx or an exception: 200 or 400, and a 400 has no side effect', async () => {
    const props = await seeded()
    hubspotUp()
    const statuses = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(signedArb, async ({ body, scheme, casing, skewMs, query }) => {
        signedRuns++
        const raw = body ?? ''
        const url = `${WEBHOOK_URL}${query ? `?${query}` : ''}`
        const ts = String(Date.now() + skewMs)
        const name = (h: string) => (casing === 'lower' ? h : casing === 'upper' ? h.toUpperCase() : canonical(h))
        const decodedUrl = url.replace(/%3A/gi, ':')
        const headers: Record<string, string> =
          scheme === 'v3'
            ? {
                [name('x-hubspot-signature-v3')]: v3(SECRET, 'POST', decodedUrl, raw, ts).toString('base64'),
                [name('x-hubspot-request-timestamp')]: ts,
              }
            : scheme === 'v2'
              ? { [name('x-hubspot-signature')]: v2(SECRET, 'POST', url, raw), [name('x-hubspot-signature-version')]: 'v2' }
              : { [name('x-hubspot-signature')]: v1(SECRET, raw), [name('x-hubspot-signature-version')]: 'v1' }
        const before = snapshot(props)
        const res = await deliver(props, { method: 'POST', path: '', query, headers, ...(body === undefined ? {} : { body }) })
        const status = res?.status ?? 0
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        // A custom-channel event (JSON object) must carry v3: v1/v2 have no replay window.
        let legacyObject = false
        try {
          legacyObject = scheme !== 'v3' && !Array.isArray(JSON.parse(raw))
        } catch {
          legacyObject = false
        }
        expect(legacyObject ? [400, 401] : [200, 400], `status ${status}: ${res?.body ?? ''}`).toContain(status)
        if (status === 400 || status === 401) expectNoSideEffect(props, before)
        expectNoSecretIn(res?.body)
      }),
      { numRuns: 1_200 }
    )
    expect(unhandled).toEqual([])
    expect(hubspotAttempts).toEqual([]) // every HubSpot call a valid event made was one HubSpot answers
    // The generator reaches both outcomes and real processing.
    expect(statuses.get(200)).toBeGreaterThan(100)
    expect(statuses.get(400)).toBeGreaterThan(100)
    expect(props.fake.messages.size + props.fake.events.length).toBeGreaterThan(0)
    for (const line of props.lines) expectNoSecretIn(line.message)
  })

  it('huge validly signed bodies (megabytes, 1000+ event batches, deep nesting): 200 or 400, never a 5xx', async () => {
    const props = await seeded()
    hubspotUp()
    await fc.assert(
      fc.asyncProperty(hugeBodyArb, async (raw) => {
        signedRuns++
        const ts = String(Date.now())
        const headers = { 'x-hubspot-signature-v3': v3(SECRET, 'POST', WEBHOOK_URL, raw, ts).toString('base64'), 'x-hubspot-request-timestamp': ts }
        const res = await deliver(props, { method: 'POST', path: '', query: '', headers, body: raw })
        expect([200, 400]).toContain(res?.status)
      }),
      { numRuns: 40 }
    )
    expect(unhandled).toEqual([])
    expect(hubspotAttempts).toEqual([])
  })

  afterAll(() => {
    expect(signedRuns).toBeGreaterThanOrEqual(1_240)
  })
})

describe('floods', () => {
  it('a 1000-event signed batch of assignments for unknown threads, sent twice: 1000 lookups the first time, no Botpress call the second', async () => {
    const props = await seeded()
    const body = JSON.stringify(Array.from({ length: 1000 }, (_, i) => change(i, 'assignedTo', i % 3 ? `${i}` : '', 800_000 + i)))
    const signedNow = () => {
      const ts = String(Date.now())
      return { 'x-hubspot-signature-v3': v3(SECRET, 'POST', WEBHOOK_URL, body, ts).toString('base64'), 'x-hubspot-request-timestamp': ts }
    }
    const before = snapshot(props)
    expect((await deliver(props, { method: 'POST', path: '/', query: '', headers: signedNow(), body }))?.status).toBe(200)
    const first = props.fake.calls.slice(before.calls)
    expect(first.filter((c) => c === 'listConversations')).toHaveLength(1000)
    expect(first.filter((c) => c !== 'listConversations' && c !== 'getState')).toEqual([])
    expect((await deliver(props, { method: 'POST', path: '/', query: '', headers: signedNow(), body }))?.status).toBe(200)
    expect(props.fake.calls.slice(before.calls + first.length)).toEqual([])
    expect(hubspotAttempts).toEqual([])
  })

  it('2000 tampered requests write one warning line, not 2000 (the rest are counted for the next line after the minute)', async () => {
    const props = await seeded()
    const body = JSON.stringify([change(1, 'status', 'CLOSED', 9001)])
    const ts = String(Date.now())
    const signature = v3(SECRET, 'POST', WEBHOOK_URL, body, ts).toString('base64')
    const before = snapshot(props)
    for (let i = 0; i < 2000; i++) {
      const tampered = i % 2 === 0 ? body.replace('CLOSED', 'OPEN') : `${body}${' '.repeat(1 + (i % 7))}`
      const headers = { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': ts }
      expect((await deliver(props, { method: 'POST', path: '/', query: '', headers, body: tampered }))?.status).toBe(401)
    }
    expectNoSideEffect(props, before)
    const warnings = props.lines.filter((l) => l.level === 'warn')
    expect(warnings.map((l) => l.message)).toEqual(['Rejected a webhook request: mismatch.'])
  })
})
