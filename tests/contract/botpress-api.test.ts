import { Client, ResourceNotFoundError } from '@botpress/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBotpressStandIn, type BotpressStandIn } from '../../dev/botpress-stand-in'
import type { InProcessApi } from '../../dev/botpress-stand-in/in-process-client'
import { MESSAGE_PAGE_SIZE } from '../../dev/botpress-stand-in/store'
import { isNotFound } from '../../src/botpress-errors'
import { FakeBotpress } from '../helpers/fake-botpress'

/**
 * The contract of the Botpress API that every test relies on, run against the one model of it
 * both ways it is used: in process (FakeBotpress, unit tests) and over HTTP through the real
 * `@botpress/client` (the stand-in, end-to-end tests and the sandbox). The semantics pinned here
 * are the real API's, from `@botpress/client` 1.35.0's documented types and Botpress's own code:
 * - getOrCreate*: `discriminateByTags` lists the tags that must match (others are ignored);
 *   without it, all given tags must match. getOrCreateConversation looks within the channel,
 *   getOrCreateMessage within the conversation.
 * - tags: posting an empty value unsets a key.
 * - listMessages: newest first, paginated with `meta.nextToken` (the HITL plugin relies on it).
 * - states are keyed by (type, id, name); a missing one is a ResourceNotFound, which is what
 *   src/botpress-errors.ts isNotFound() recognises.
 * - listUsers / listConversations: every given tag must match.
 */
let standIn: BotpressStandIn

beforeAll(async () => {
  // No integration behind it: these tests only speak the chat API (nothing is sent to 127.0.0.1:9).
  standIn = await startBotpressStandIn({ integrationUrl: 'http://127.0.0.1:9', configuration: {}, botId: 'bot_contract' })
})
afterAll(async () => {
  await standIn?.close()
})

const models: [string, () => InProcessApi][] = [
  ['in process (FakeBotpress)', () => new FakeBotpress().api],
  ['over HTTP (stand-in + @botpress/client)', () => new Client({ apiUrl: standIn.url, botId: 'bot_contract' })],
]

describe.each(models)('Botpress API contract, %s', (_name, makeApi) => {
  let api: InProcessApi
  beforeAll(() => {
    api = makeApi()
  })
  const run = (s: string) => `${s}-${Math.random().toString(36).slice(2, 10)}`

  it('getOrCreateUser matches on discriminateByTags only, and on all given tags without it', async () => {
    const key = run('actor')
    const { user: a } = await api.getOrCreateUser({ name: 'A', tags: { actor: key, extra: 'x' }, discriminateByTags: ['actor'] })
    const { user: same } = await api.getOrCreateUser({ name: 'B', tags: { actor: key, extra: 'y' }, discriminateByTags: ['actor'] })
    expect(same.id).toBe(a.id)
    const { user: other } = await api.getOrCreateUser({ tags: { actor: run('actor') }, discriminateByTags: ['actor'] })
    expect(other.id).not.toBe(a.id)
    const { user: all } = await api.getOrCreateUser({ tags: { actor: key, extra: 'x' } })
    expect(all.id).toBe(a.id)
    const { user: notAll } = await api.getOrCreateUser({ tags: { actor: key, extra: 'z' } })
    expect(notAll.id).not.toBe(a.id)
  })

  it('getOrCreateConversation matches within the channel', async () => {
    const thread = run('thread')
    const { conversation: a } = await api.getOrCreateConversation({ channel: 'hitl', tags: { thread, n: '1' }, discriminateByTags: ['thread'] })
    const { conversation: same } = await api.getOrCreateConversation({ channel: 'hitl', tags: { thread, n: '2' }, discriminateByTags: ['thread'] })
    const { conversation: elsewhere } = await api.getOrCreateConversation({ channel: 'other', tags: { thread }, discriminateByTags: ['thread'] })
    expect(same.id).toBe(a.id)
    expect(elsewhere.id).not.toBe(a.id)
  })

  it('getOrCreateMessage matches within the conversation', async () => {
    const { user } = await api.createUser({ tags: {} })
    const { conversation: one } = await api.createConversation({ channel: 'hitl', tags: {} })
    const { conversation: two } = await api.createConversation({ channel: 'hitl', tags: {} })
    const msg = (conversationId: string, text: string) =>
      api.getOrCreateMessage({
        conversationId,
        userId: user.id,
        type: 'text',
        payload: { text },
        tags: { remote: 'r-1' },
        discriminateByTags: ['remote'],
      })
    const { message: first } = await msg(one.id, 'a')
    const { message: again } = await msg(one.id, 'b')
    const { message: inTwo } = await msg(two.id, 'c')
    expect(again.id).toBe(first.id)
    expect(again.payload).toEqual({ text: 'a' })
    expect(inTwo.id).not.toBe(first.id)
    expect(inTwo.conversationId).toBe(two.id)
  })

  it('an empty tag value means "not set", at creation and on update', async () => {
    const { conversation } = await api.createConversation({ channel: 'hitl', tags: { a: '1', b: '' } })
    expect(conversation.tags).toEqual({ a: '1' })
    const { conversation: updated } = await api.updateConversation({ id: conversation.id, tags: { a: '', c: '3' } })
    expect(updated.tags).toEqual({ c: '3' })
    const { user } = await api.createUser({ tags: { k: 'v' } })
    expect((await api.updateUser({ id: user.id, tags: { k: '' } })).user.tags).toEqual({})
  })

  it('listMessages lists newest first, one page at a time with meta.nextToken', async () => {
    const { user } = await api.createUser({ tags: {} })
    const { conversation } = await api.createConversation({ channel: 'hitl', tags: {} })
    const texts = Array.from({ length: MESSAGE_PAGE_SIZE + 3 }, (_, i) => `m${i}`)
    for (const text of texts) await api.createMessage({ conversationId: conversation.id, userId: user.id, type: 'text', payload: { text }, tags: {} })
    const first = await api.listMessages({ conversationId: conversation.id })
    expect(first.messages.map((m) => m.payload.text)).toEqual(texts.slice(3).reverse())
    expect(first.meta.nextToken).toEqual(expect.any(String))
    const second = await api.listMessages({ conversationId: conversation.id, nextToken: first.meta.nextToken })
    expect(second.messages.map((m) => m.payload.text)).toEqual(['m2', 'm1', 'm0'])
    expect(second.meta.nextToken).toBeUndefined()
  })

  it('states are keyed by (type, id, name); a missing one is ResourceNotFound; a null payload deletes', async () => {
    const { conversation } = await api.createConversation({ channel: 'hitl', tags: {} })
    const id = conversation.id
    await api.setState({ type: 'conversation', id, name: 'hitl', payload: { v: 1 } })
    await api.setState({ type: 'conversation', id, name: 'other', payload: { v: 2 } })
    await api.setState({ type: 'user', id, name: 'hitl', payload: { v: 3 } })
    expect((await api.getState({ type: 'conversation', id, name: 'hitl' })).state.payload).toEqual({ v: 1 })
    expect((await api.getState({ type: 'user', id, name: 'hitl' })).state.payload).toEqual({ v: 3 })
    const missing: unknown = await api.getState({ type: 'integration', id, name: 'hitl' }).catch((e: unknown) => e)
    expect(isNotFound(missing)).toBe(true)
    await api.setState({ type: 'conversation', id, name: 'hitl', payload: null })
    expect(isNotFound(await api.getState({ type: 'conversation', id, name: 'hitl' }).catch((e: unknown) => e))).toBe(true)
  })

  it('a missing user, conversation or message is a ResourceNotFoundError (what isNotFound detects)', async () => {
    for (const attempt of [api.getUser({ id: 'user_missing' }), api.getConversation({ id: 'conv_missing' }), api.getMessage({ id: 'msg_missing' })]) {
      const err: unknown = await attempt.catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ResourceNotFoundError)
      expect(isNotFound(err)).toBe(true)
    }
  })

  it('listUsers and listConversations keep only the records carrying every given tag', async () => {
    const team = run('team')
    const { user: u1 } = await api.createUser({ tags: { team, role: 'agent' } })
    await api.createUser({ tags: { team, role: 'visitor' } })
    expect((await api.listUsers({ tags: { team, role: 'agent' } })).users.map((u) => u.id)).toEqual([u1.id])
    const { conversation: c1 } = await api.createConversation({ channel: 'hitl', tags: { team, tier: 'gold' } })
    await api.createConversation({ channel: 'hitl', tags: { team, tier: 'silver' } })
    await api.createConversation({ channel: 'other', tags: { team, tier: 'gold' } })
    expect((await api.listConversations({ channel: 'hitl', tags: { team, tier: 'gold' } })).conversations.map((c) => c.id)).toEqual([c1.id])
    expect((await api.listConversations({ tags: { team } })).conversations).toHaveLength(3)
  })
})
