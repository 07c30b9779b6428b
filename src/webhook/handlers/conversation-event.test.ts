/**
 * Stale thread changes (issue 13, point 3): HubSpot does not promise delivery order, and a captured
 * batch can be replayed (v1 signatures carry no timestamp, v3 ones pass for 5 minutes). The
 * conversation's HITL state keeps when the last applied assignment change happened (`lastChangeAt`,
 * from HubSpot's `occurredAt`); older assignments and unassignments are ignored. Also the
 * unassignment branch itself (point 9).
 */
import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { seedEndUser, seedHitlConversation, seedSetup } from '../../../tests/helpers/hitl-fixtures'
import { hubspot, nockTokenRefresh } from '../../../tests/helpers/nock-hubspot'
import { makeProps } from '../../../tests/helpers/props'
import { signedRequest } from '../../../tests/helpers/sign'
import { agentReply, propertyChange } from '../../../tests/helpers/webhook-events'
import { resetCaches } from '../../cache'
import { httpTuning } from '../../hubspot'
import { handler } from '../handler'
import { fakeChannelMessage } from '../../../tests/helpers/hubspot-fakes'

/** HubSpot's occurredAt of the tests' changes: T + n ms. */
const T = 1_800_000_000_000
const at = (event: ReturnType<typeof propertyChange>, occurredAt: number | undefined) => {
  const { occurredAt: _, ...rest } = event
  return occurredAt === undefined ? rest : { ...rest, occurredAt }
}
const assign = (eventId: number, agent: string, occurredAt: number | undefined) => at(propertyChange(eventId, 'assignedTo', agent), occurredAt)
const unassign = (eventId: number, occurredAt: number | undefined) => at(propertyChange(eventId, 'assignedTo', ''), occurredAt)
const close = (eventId: number, occurredAt: number | undefined) => at(propertyChange(eventId, 'status', 'CLOSED'), occurredAt)

const nockActor = (id: string, name: string) =>
  hubspot()
    .get(`/conversations/conversations/2026-09/actors/${id}`)
    .reply(200, { id, type: 'AGENT', name, email: `${name}@corp.example` })

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
})
afterEach(() => nock.cleanAll())

const setup = async () => {
  const props = makeProps()
  seedSetup(props.fake)
  const user = await seedEndUser(props.fake)
  const conversation = await seedHitlConversation(props.fake, user.id)
  const key = `conversation:${conversation.id}:hitl`
  const send = async (req: ReturnType<typeof signedRequest>) => expect((await handler({ ...props, req }))?.status).toBe(200)
  const deliver = (events: object[]) => send(signedRequest(events))
  const hitlState = () => props.fake.states.get(key) as Record<string, unknown> | undefined
  const setHitlState = (state: object) => props.fake.states.set(key, state)
  /** The agents announced with hitlAssigned, by HubSpot actor id, in order. */
  const announced = () =>
    props.fake.events
      .filter((e) => e.type === 'hitlAssigned')
      .map((e) => props.fake.users.get((e.payload as { userId: string }).userId)?.tags.hubspotActorId)
  const staleLines = () =>
    props.lines.filter((l) => l.level === 'debug' && /^Ignoring (un)?assigned of thread 9001 .*before the last applied change/.test(l.message))
  return { props, conversation, send, deliver, hitlState, setHitlState, announced, staleLines }
}

describe('the same agent assigned again later', () => {
  it('moves the bar: the unassignment in between, delivered after it, is stale (the agent stays, and is not announced again)', async () => {
    const { deliver, hitlState, announced } = await setup()
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    await deliver([assign(1, '12', T + 1)])
    // In HubSpot: unassigned at T+2, assigned to Sam again at T+3; delivered out of order.
    await deliver([assign(3, '12', T + 3)])
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-12', lastChangeAt: T + 3 })
    await deliver([unassign(2, T + 2)])
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-12', lastChangeAt: T + 3 })
    await deliver([assign(4, '12', T + 4)])
    expect(announced()).toEqual(['A-12'])
  })

  it('a redelivery (same time) writes nothing', async () => {
    const { props, deliver } = await setup()
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    await deliver([assign(1, '12', T + 1)])
    props.fake.calls.length = 0
    await deliver([assign(1, '12', T + 1)])
    expect(props.fake.calls).not.toContain('setState')
  })
})

describe('an assignment older than the last applied change is ignored', () => {
  it.each([
    ['v3', false],
    ['v1 (no timestamp)', true],
  ])('a captured assignment batch replayed (%s) after a newer assignment announces nobody again; the new agent stays', async (_, v1) => {
    const { send, deliver, hitlState, announced, staleLines, props } = await setup()
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    nockActor('A-13', 'Kim')
    const captured = signedRequest([assign(1, '12', T + 1)], { v1 })
    await send(captured)
    await deliver([assign(2, '13', T + 2)])
    expect(announced()).toEqual(['A-12', 'A-13'])
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-13', lastChangeAt: T + 2 })

    props.fake.calls.length = 0
    await send(captured) // the same bytes, the same (still valid) signature
    expect(announced()).toEqual(['A-12', 'A-13'])
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-13', lastChangeAt: T + 2 })
    expect(staleLines()).toHaveLength(1)
    // Known from the state the change already reads: no agent lookup, no event, no write.
    expect(props.fake.calls.filter((c) => c !== 'getState' && c !== 'listConversations')).toEqual([])
  })

  it('an older assignment delivered after a newer one, in separate deliveries (and on another runtime instance), is ignored', async () => {
    const { deliver, hitlState, announced, staleLines } = await setup()
    nockTokenRefresh()
    nockActor('A-13', 'Kim')
    await deliver([assign(2, '13', T + 2)])
    resetCaches() // another instance: the order lives in Botpress state, not memory
    await deliver([assign(1, '12', T + 1)])
    expect(announced()).toEqual(['A-13'])
    expect(hitlState()).toMatchObject({ assigneeActorId: 'A-13', lastChangeAt: T + 2 })
    expect(staleLines()).toHaveLength(1)
    expect(nock.pendingMocks()).toEqual([]) // the stale agent was not even looked up
  })

  it('within one batch too: the newer assignment wins whatever the order in the array', async () => {
    const { deliver, hitlState, announced } = await setup()
    nockTokenRefresh()
    nockActor('A-13', 'Kim')
    await deliver([assign(2, '13', T + 2), assign(1, '12', T + 1)])
    expect(announced()).toEqual(['A-13'])
    expect(hitlState()).toMatchObject({ assigneeActorId: 'A-13' })
  })

  it('a newer assignment still applies (the bar moves forward)', async () => {
    const { deliver, hitlState, announced } = await setup()
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    nockActor('A-13', 'Kim')
    await deliver([assign(1, '12', T + 1)])
    await deliver([assign(2, '13', T + 5)])
    await deliver([assign(3, '12', T + 9)])
    expect(announced()).toEqual(['A-12', 'A-13', 'A-12'])
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-12', lastChangeAt: T + 9 })
  })

  it('an unassignment older than the last assignment is ignored', async () => {
    const { deliver, hitlState, staleLines } = await setup()
    nockTokenRefresh()
    nockActor('A-13', 'Kim')
    await deliver([assign(2, '13', T + 2)])
    await deliver([unassign(1, T + 1)])
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-13', lastChangeAt: T + 2 })
    expect(staleLines()).toHaveLength(1)
  })
})

describe('what is not stale', () => {
  it('two changes in the same millisecond both apply: an assignment and a close in one batch', async () => {
    const { deliver, props, hitlState } = await setup()
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    await deliver([assign(1, '12', T + 1), close(2, T + 1)])
    expect(props.fake.events.map((e) => e.type)).toEqual(['hitlAssigned', 'hitlStopped'])
    expect(hitlState()).toEqual({ status: 'stopped' })
  })

  it('two assignments in the same millisecond: the later in the batch wins', async () => {
    const { deliver, announced, hitlState } = await setup()
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    nockActor('A-13', 'Kim')
    await deliver([assign(1, '12', T + 1), assign(2, '13', T + 1)])
    expect(announced()).toEqual(['A-12', 'A-13'])
    expect(hitlState()).toMatchObject({ assigneeActorId: 'A-13', lastChangeAt: T + 1 })
  })

  it('a close older than the last assignment still ends the session (ending is final, as in order)', async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    nockActor('A-13', 'Kim')
    await deliver([assign(2, '13', T + 2)])
    await deliver([close(1, T + 1)])
    expect(props.fake.events.map((e) => e.type)).toEqual(['hitlAssigned', 'hitlStopped'])
  })

  it('an event without occurredAt (or with an unreadable one) is applied as before, and does not move the bar', async () => {
    const { deliver, announced, hitlState, props } = await setup()
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    nockActor('A-13', 'Kim')
    nockActor('A-14', 'Lee')
    await deliver([assign(1, '12', T + 5)])
    await deliver([assign(2, '13', undefined)])
    expect(announced()).toEqual(['A-12', 'A-13'])
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-13', lastChangeAt: T + 5 })
    await deliver([{ ...assign(3, '14', undefined), occurredAt: 'soon' }])
    expect(announced()).toEqual(['A-12', 'A-13', 'A-14'])
    // A numeric string is read as the number it spells.
    await deliver([{ ...assign(4, '12', undefined), occurredAt: String(T + 4) }])
    expect(announced()).toEqual(['A-12', 'A-13', 'A-14'])
    expect(props.lines.some((l) => l.level === 'debug' && l.message.includes(`it happened at ${T + 4}`))).toBe(true)
  })

  it('the same assignment redelivered (same time) announces nothing and writes nothing', async () => {
    const { deliver, announced, props } = await setup()
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    await deliver([assign(1, '12', T + 1)])
    props.fake.calls.length = 0
    await deliver([assign(1, '12', T + 1)])
    expect(announced()).toEqual(['A-12'])
    expect(props.fake.calls).not.toContain('setState')
  })
})

describe('the unassignment branch', () => {
  it('clears the assignee, recording when', async () => {
    const { deliver, hitlState, setHitlState, props } = await setup()
    setHitlState({ status: 'open', assigneeActorId: 'A-12', lastChangeAt: T + 1 })
    await deliver([unassign(2, T + 2)])
    expect(hitlState()).toEqual({ status: 'open', lastChangeAt: T + 2 })
    expect(props.fake.events).toEqual([])
    // Nothing was held, so nothing is said to be dropped.
    expect(props.lines.filter((l) => l.message.startsWith('Dropped the held assignment'))).toEqual([])
  })

  it('drops a held assignment (the plugin had not activated the session), keeping the bar without a time', async () => {
    const { deliver, hitlState, setHitlState, props } = await setup()
    setHitlState({ status: 'open', pendingAssigneeActorId: 'A-12', pendingAgentUserId: 'user_a12', lastChangeAt: T + 1 })
    await deliver([unassign(2, undefined)])
    expect(hitlState()).toEqual({ status: 'open', lastChangeAt: T + 1 })
    expect(props.lines.some((l) => l.level === 'debug' && l.message.startsWith('Dropped the held assignment'))).toBe(true)
  })

  it('with nobody assigned writes nothing when it brings no newer time (redelivered, or without occurredAt)', async () => {
    const { deliver, setHitlState, props } = await setup()
    setHitlState({ status: 'open', lastChangeAt: T + 2 })
    props.fake.calls.length = 0
    await deliver([unassign(2, T + 2)])
    await deliver([unassign(3, undefined)])
    expect(props.fake.calls).not.toContain('setState')
    expect(props.fake.events).toEqual([])
  })

  it('with nobody assigned yet records its time, so the assignment it undoes, arriving late, is ignored', async () => {
    const { deliver, hitlState, announced } = await setup()
    await deliver([unassign(2, T + 2)])
    expect(hitlState()).toEqual({ status: 'open', lastChangeAt: T + 2 })
    await deliver([assign(1, '12', T + 1)])
    expect(announced()).toEqual([])
    expect(hitlState()).toEqual({ status: 'open', lastChangeAt: T + 2 })
  })

  it('after the session ended does nothing', async () => {
    const { deliver, setHitlState, props, hitlState } = await setup()
    setHitlState({ status: 'stopped' })
    props.fake.calls.length = 0
    await deliver([unassign(2, T + 2)])
    expect(hitlState()).toEqual({ status: 'stopped' })
    expect(props.fake.calls).not.toContain('setState')
  })
})

describe("an agent's reply that makes the plugin assign its author", () => {
  const REPLY_AT = Date.parse(agentReply('m1').message.createdAt)
  const statusPatch = (id: string) =>
    hubspot()
      .patch(`/conversations/custom-channels/2026-09/ch1/messages/${id}`)
      .reply(200, fakeChannelMessage({ id, direction: 'OUTGOING' }))

  it("records no time: HubSpot's own assignment of another agent, made before the reply but delivered after it, still applies", async () => {
    const { send, deliver, hitlState, announced, staleLines } = await setup()
    nockTokenRefresh()
    nockActor('A-77', 'Maya')
    nockActor('A-78', 'Kim')
    statusPatch('m1')
    await send(signedRequest(agentReply('m1')))
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-77' })
    // Delivered in order, this assignment would have come first and the plugin would have kept Kim.
    await deliver([assign(1, '78', REPLY_AT - 60_000)])
    expect(announced()).toEqual(['A-78'])
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-78', lastChangeAt: REPLY_AT - 60_000 })
    expect(staleLines()).toHaveLength(0)
  })

  it('keeps the bar of earlier changes: a replayed older assignment is still stale after the reply', async () => {
    const { send, deliver, hitlState, announced } = await setup()
    nockTokenRefresh()
    nockActor('A-77', 'Maya')
    statusPatch('m1')
    await deliver([unassign(1, REPLY_AT + 5_000)])
    await send(signedRequest(agentReply('m1')))
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-77', lastChangeAt: REPLY_AT + 5_000 })
    await deliver([assign(2, '78', REPLY_AT)])
    expect(announced()).toEqual([])
  })
})

describe('an assignment whose agent profile HubSpot will not show', () => {
  it('is still announced (under the id), and the bot builder is warned', async () => {
    const { deliver, announced, props } = await setup()
    nockTokenRefresh()
    hubspot()
      .get('/conversations/conversations/2026-09/actors/A-12')
      .reply(403, { status: 'error', message: 'no scope', category: 'MISSING_SCOPES', correlationId: 'c' })
    await deliver([assign(1, '12', T + 1)])
    expect(announced()).toEqual(['A-12'])
    expect(props.lines.filter((l) => l.level === 'warn' && /Could not read HubSpot agent A-12/.test(l.message))).toHaveLength(1)
  })
})
