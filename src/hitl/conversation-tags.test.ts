import * as sdk from '@botpress/sdk'
import { beforeEach, describe, expect, it } from 'vitest'
import { FakeBotpress } from '../../tests/helpers/fake-botpress'
import { cacheOf, resetCaches } from '../cache'
import { findThread, isRecentlyUnknown, readHitlTags, threadEntryOf, UNKNOWN_THREAD_TTL_MS } from './conversation-tags'

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
  it('a thread no conversation has is unknown until the TTL passes, then forgotten', async () => {
    const fake = new FakeBotpress()
    const before = Date.now()
    expect(await findThread(fake.client, 'bot_1', '4040')).toBeUndefined()
    expect(isRecentlyUnknown('bot_1', '4040', before + UNKNOWN_THREAD_TTL_MS - 1_000)).toBe(true)
    expect(isRecentlyUnknown('bot_2', '4040', before)).toBe(false) // per bot
    expect(cacheOf('unknownThreads').size).toBe(1)
    expect(isRecentlyUnknown('bot_1', '4040', Date.now() + UNKNOWN_THREAD_TTL_MS + 1)).toBe(false)
    expect(cacheOf('unknownThreads').size).toBe(0) // the expired entry does not linger
    expect(isRecentlyUnknown('bot_1', '4040', before)).toBe(false)
  })
})
