import { beforeEach, describe, expect, it } from 'vitest'
import type { HitlState } from '../../definitions/states'
import { FakeBotpress } from '../../tests/helpers/fake-botpress'
import { seedEndUser, seedHitlConversation } from '../../tests/helpers/hitl-fixtures'
import { releaseHeldAssignment, releaseOnRelay } from './assignment'

let fake: FakeBotpress
let conversationId = ''
beforeEach(async () => {
  fake = new FakeBotpress()
  const user = await seedEndUser(fake)
  conversationId = (await seedHitlConversation(fake, user.id)).id
  await fake.client.updateConversation({ id: conversationId, tags: { assignmentPending: 'true' } })
  // The clear-flag assertions below mean something only if the flag is there to begin with.
  if (pendingTag() !== 'true') throw new Error('fixture: the conversation should start flagged assignmentPending')
  fake.calls.length = 0
})

const assigned = () => fake.events.filter((e) => e.type === 'hitlAssigned')
const stateKey = () => `conversation:${conversationId}:hitl`
const pendingTag = () => fake.conversations.get(conversationId)?.tags.assignmentPending
const HELD = { pendingAssigneeActorId: 'A-12', pendingAgentUserId: 'user_agent' }

describe('releaseHeldAssignment: announces only a complete held assignment of a live session', () => {
  it.each<[string, HitlState]>([
    ['the session was stopped', { status: 'stopped', ...HELD }],
    ['nothing is held', { status: 'open' }],
    ['the agent user is missing', { status: 'open', pendingAssigneeActorId: 'A-12' }],
    ['the actor is missing', { status: 'open', pendingAgentUserId: 'user_agent' }],
  ])('nothing when %s: no event, no write, the same state back', async (_why, state) => {
    expect(await releaseHeldAssignment(fake.client, conversationId, state)).toBe(state)
    expect(assigned()).toHaveLength(0)
    expect(fake.calls).toEqual([])
  })

  it('a held assignment of an open session is announced and recorded, its held time kept', async () => {
    const next = await releaseHeldAssignment(fake.client, conversationId, { status: 'open', ...HELD, lastChangeAt: 1_000 })
    expect(next).toEqual({ status: 'open', assigneeActorId: 'A-12', lastChangeAt: 1_000 })
    expect(assigned().map((e) => e.payload)).toEqual([{ conversationId, userId: 'user_agent' }])
    expect(fake.states.get(stateKey())).toEqual(next)
    expect(pendingTag()).toBeUndefined()
  })
})

describe('releaseOnRelay: a relayed end-user message releases what was held, and unflags the conversation once', () => {
  it('nothing held: reads the state, clears the flag, announces nothing', async () => {
    fake.states.set(stateKey(), { status: 'open', assigneeActorId: 'A-7' })
    await releaseOnRelay(fake.client, conversationId)
    expect(assigned()).toHaveLength(0)
    expect(pendingTag()).toBeUndefined()
    expect(fake.calls).toEqual(['getState', 'updateConversation'])
  })

  it('something held: announces it and clears the flag with one update', async () => {
    fake.states.set(stateKey(), { status: 'open', ...HELD })
    await releaseOnRelay(fake.client, conversationId)
    expect(assigned()).toHaveLength(1)
    expect(fake.states.get(stateKey())).toEqual({ status: 'open', assigneeActorId: 'A-12' })
    expect(pendingTag()).toBeUndefined()
    expect(fake.calls.filter((c) => c === 'updateConversation')).toHaveLength(1)
  })
})
