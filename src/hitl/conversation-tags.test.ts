import * as sdk from '@botpress/sdk'
import { Client } from '@botpress/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeBotpress } from '../../tests/helpers/fake-botpress'
import { cacheOf, resetCaches } from '../cache'
import { DEFAULT_TIMEOUT_MS } from '../hubspot/http'
import { DEFAULT_RETRY_POLICY } from '../hubspot/retry'
import {
  BOTPRESS_CALL_MAX_MS,
  findThread,
  FOREIGN_THREAD_AFTER_MS,
  isForeignThread,
  isRecentlyUnknown,
  readHitlTags,
  rememberThread,
  TAG_WRITE_BOUND_MS,
  threadEntryOf,
  threadMemoryClock,
  UNKNOWN_THREAD_TTL_MS,
} from './conversation-tags'

const TAGS = { hubspotThreadId: '9001', integrationThreadId: 'it-1', channelId: 'ch1', channelAccountId: 'acc1', inboxId: '1001', userId: 'user_1' }

beforeEach(() => resetCaches())

describe('readHitlTags', () => {
  it('returns the ids of a HITL conversation (the channel may be absent from what the caller holds)', () => {
    expect(readHitlTags({ id: 'conv_1', channel: 'hitl', tags: TAGS })).toEqual(TAGS)
    expect(readHitlTags({ id: 'conv_1', tags: TAGS })).toEqual(TAGS)
  })

  it('an optional tag that is absent reads as empty', () => {
    const { inboxId: _i, userId: _u, ...required } = TAGS
    expect(readHitlTags({ id: 'conv_1', channel: 'hitl', tags: required })).toEqual({ ...required, inboxId: '', userId: '' })
  })

  it.each([
    [{ channel: 'hitl', tags: { ...TAGS, hubspotThreadId: '' } }, 'missing hubspotThreadId'],
    [{ channel: 'hitl', tags: { inboxId: '1001' } }, 'missing hubspotThreadId, integrationThreadId, channelId, channelAccountId'],
    [{ channel: 'hitl', tags: { ...TAGS, channelAccountId: undefined } }, 'missing channelAccountId'],
    [{ channel: 'channel-web', tags: TAGS }, 'missing hitl channel'],
    [{ channel: 'channel-web', tags: { ...TAGS, channelId: '' } }, 'missing channelId'],
  ])('refuses a conversation startHitl did not open (%j): %s', (conversation, missing) => {
    const read = () => readHitlTags({ id: 'conv_9', ...conversation })
    expect(read).toThrow(sdk.RuntimeError)
    expect(read).toThrow(`Conversation conv_9 is not a HubSpot HITL conversation (${missing}); pass the conversationId returned by startHitl.`)
  })
})

describe('threadEntryOf', () => {
  it.each([
    [{}, {}],
    [{ openedAt: '1700000000000' }, { openedAt: 1_700_000_000_000 }],
    [{ openedAt: '0' }, {}],
    [{ openedAt: '-5' }, {}],
    [{ openedAt: 'Infinity' }, {}],
    [{ openedAt: 'soon' }, {}],
  ])('tags %j give the entry fields %j', (tags, fields) => {
    expect(threadEntryOf({ id: 'conv_1', tags })).toStrictEqual({ conversationId: 'conv_1', ...fields })
  })
})

describe('unknown threads', () => {
  let now = 1_000_000
  beforeEach(() => {
    now = 1_000_000
    vi.spyOn(threadMemoryClock, 'now').mockImplementation(() => now)
  })
  afterEach(() => vi.restoreAllMocks())

  it('a thread no conversation has is trusted as unknown until the TTL passes; the entry stays for the foreign rule', async () => {
    const fake = new FakeBotpress()
    expect(await findThread(fake.client, 'bot_1', '4040')).toBeUndefined()
    expect(isRecentlyUnknown('bot_1', '4040', now + UNKNOWN_THREAD_TTL_MS - 1)).toBe(true)
    expect(isRecentlyUnknown('bot_2', '4040', now)).toBe(false) // per bot
    expect(isRecentlyUnknown('bot_1', '4040', now + UNKNOWN_THREAD_TTL_MS)).toBe(false)
    expect(cacheOf('unknownThreads').size).toBe(1) // kept: when it was first found unknown decides "foreign"
    expect(isForeignThread('bot_1', '4040')).toBe(false)
  })

  it('found unknown again by a lookup starting FOREIGN_THREAD_AFTER_MS after the first started: foreign, and never looked up again', async () => {
    const fake = new FakeBotpress()
    const lookups = () => fake.calls.filter((c) => c === 'listConversations').length
    expect(await findThread(fake.client, 'bot_1', '4040')).toBeUndefined()
    now += FOREIGN_THREAD_AFTER_MS - 1
    expect(await findThread(fake.client, 'bot_1', '4040')).toBeUndefined() // inside the window: still only unknown
    expect(isForeignThread('bot_1', '4040')).toBe(false)
    now += 1
    expect(await findThread(fake.client, 'bot_1', '4040')).toBeUndefined()
    expect(isForeignThread('bot_1', '4040')).toBe(true)
    expect(isForeignThread('bot_2', '4040')).toBe(false) // per bot
    expect(cacheOf('unknownThreads').size).toBe(0)
    expect(lookups()).toBe(3)
    now += 86_400_000
    expect(await findThread(fake.client, 'bot_1', '4040')).toBeUndefined()
    expect(lookups()).toBe(3)
  })

  it('the window counts from lookup starts: a lookup that started inside it and answered after it does not make the thread foreign', async () => {
    const fake = new FakeBotpress()
    expect(await findThread(fake.client, 'bot_1', '4040')).toBeUndefined()
    const list = fake.api.listConversations
    fake.api.listConversations = async (input) => {
      now += 10 * 60_000 // the answer arrives long after the window closed; the request may have been read before our tag write
      return list(input)
    }
    now += FOREIGN_THREAD_AFTER_MS - 1
    expect(await findThread(fake.client, 'bot_1', '4040')).toBeUndefined()
    expect(isForeignThread('bot_1', '4040')).toBe(false)
  })

  it('a conversation found for a thread clears nothing it should not, and a thread that is ours is never marked', async () => {
    const fake = new FakeBotpress()
    const { conversation } = await fake.api.getOrCreateConversation({ channel: 'hitl', tags: { hubspotThreadId: '9001' } })
    expect(await findThread(fake.client, 'bot_1', '9001')).toEqual({ conversationId: conversation.id })
    now += 10 * FOREIGN_THREAD_AFTER_MS
    resetCaches('threads') // a cold cache of threads: looked up again, found again
    expect(await findThread(fake.client, 'bot_1', '9001')).toEqual({ conversationId: conversation.id })
    expect(isForeignThread('bot_1', '9001')).toBe(false)
    expect(cacheOf('unknownThreads').size).toBe(0)
  })

  it('rememberThread clears a foreign mark (this process opened it, or found it by its integration thread id)', async () => {
    const fake = new FakeBotpress()
    await findThread(fake.client, 'bot_1', '4040')
    now += FOREIGN_THREAD_AFTER_MS
    await findThread(fake.client, 'bot_1', '4040')
    expect(isForeignThread('bot_1', '4040')).toBe(true)
    rememberThread('bot_1', '4040', { conversationId: 'conv_1', opening: true })
    expect(isForeignThread('bot_1', '4040')).toBe(false)
    expect(await findThread(fake.client, 'bot_1', '4040')).toEqual({ conversationId: 'conv_1', opening: true })
  })

  it('the default clock is monotonic: it does not follow the wall clock', () => {
    vi.restoreAllMocks()
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const before = threadMemoryClock.now()
      vi.setSystemTime(Date.now() + 3_600_000)
      expect(threadMemoryClock.now() - before).toBeLessThan(1_000)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('the foreign-thread window is the real bound of our tag write', () => {
  it('is derived from the production HTTP tuning and the Botpress client timeout', () => {
    const hubspotRequest = DEFAULT_RETRY_POLICY.maxTotalMs + DEFAULT_TIMEOUT_MS // last retry starts by maxTotalMs, lasts up to timeoutMs
    const tokenRefresh = 3 * BOTPRESS_CALL_MAX_MS + hubspotRequest
    const publish = hubspotRequest + tokenRefresh + DEFAULT_TIMEOUT_MS // plus one 401 → refresh → attempt
    expect(TAG_WRITE_BOUND_MS).toBe(publish + BOTPRESS_CALL_MAX_MS)
    expect(FOREIGN_THREAD_AFTER_MS).toBeGreaterThan(TAG_WRITE_BOUND_MS)
    expect(FOREIGN_THREAD_AFTER_MS).toBe(405_000)
  })

  it("BOTPRESS_CALL_MAX_MS is the Botpress client's own default timeout (an upgrade that changes it fails here)", () => {
    expect(new Client({ botId: 'bot_1', retry: { retries: 3 } }).config.timeout).toBe(BOTPRESS_CALL_MAX_MS)
  })
})
