import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { httpTuning } from '../hubspot'
import { ACCESS_TOKEN, hubspot, nockTokenRefresh } from '../../tests/helpers/nock-hubspot'
import { makeProps } from '../../tests/helpers/props'
import { resetCaches } from '../cache'
import { stopHitl } from './stop-hitl'

const run = (props: ReturnType<typeof makeProps>, input: unknown) =>
  stopHitl({ ...props, input: input as never, type: 'stopHitl', metadata: { setCost: () => {} } })

const hitlConversation = async (props: ReturnType<typeof makeProps>) => {
  const { conversation } = await props.fake.api.getOrCreateConversation({
    channel: 'hitl',
    tags: { hubspotThreadId: '9001', integrationThreadId: 'it-1', channelId: 'ch1', channelAccountId: 'acc1', inboxId: '1001', userId: 'user_1' },
  })
  return conversation.id
}

const thread = (status: string) => ({ id: '9001', status, inboxId: '1001', createdAt: '2026-01-01T00:00:00Z', archived: false })

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
})
afterEach(() => nock.cleanAll())

describe('stopHitl', () => {
  it('closes the HubSpot thread and marks the session stopped, twice without error', async () => {
    const props = makeProps()
    const conversationId = await hitlConversation(props)
    nockTokenRefresh()
    const close = hubspot()
      .patch('/conversations/conversations/2026-09/threads/9001', { status: 'CLOSED' })
      .matchHeader('authorization', `Bearer ${ACCESS_TOKEN}`)
      .twice()
      .reply(200, thread('CLOSED'))
    await expect(run(props, { conversationId })).resolves.toEqual({})
    await expect(run(props, { conversationId })).resolves.toEqual({})
    expect(close.isDone()).toBe(true)
    expect(props.fake.states.get(`conversation:${conversationId}:hitl`)).toEqual({ status: 'stopped' })
  })

  it('treats a thread HubSpot no longer has as closed', async () => {
    const props = makeProps()
    const conversationId = await hitlConversation(props)
    nockTokenRefresh()
    hubspot()
      .patch('/conversations/conversations/2026-09/threads/9001')
      .reply(404, { status: 'error', message: 'not found', category: 'OBJECT_NOT_FOUND', correlationId: 'c' })
    await expect(run(props, { conversationId })).resolves.toEqual({})
  })

  it('refuses a conversation that is not a HITL conversation', async () => {
    const props = makeProps()
    const { conversation } = await props.fake.api.getOrCreateConversation({ channel: 'channel', tags: {} })
    await expect(run(props, { conversationId: conversation.id })).rejects.toThrow(/is not a HubSpot HITL conversation/)
    await expect(run(props, { conversationId: 'conv_missing' })).rejects.toThrow(/does not exist/)
    await expect(run(props, {})).rejects.toThrow(/stopHitl: invalid input/)
  })

  it('surfaces a HubSpot failure to close as a RuntimeError', async () => {
    const props = makeProps()
    const conversationId = await hitlConversation(props)
    nockTokenRefresh()
    hubspot()
      .patch('/conversations/conversations/2026-09/threads/9001')
      .reply(403, { status: 'error', message: 'missing scope conversations.write', category: 'MISSING_SCOPES', correlationId: 'c-7' })
    await expect(run(props, { conversationId })).rejects.toThrow(/close thread 9001 \[403 MISSING_SCOPES\]/)
  })
})

describe('stopHitl then the CLOSED webhook', () => {
  it('the session is already marked stopped when HubSpot closes the thread (its webhook may come first)', async () => {
    const props = makeProps()
    const conversationId = await hitlConversation(props)
    let stateAtClose: unknown
    nockTokenRefresh()
    hubspot()
      .patch('/conversations/conversations/2026-09/threads/9001')
      .reply(200, () => ((stateAtClose = props.fake.states.get(`conversation:${conversationId}:hitl`)), thread('CLOSED')))
    await run(props, { conversationId })
    expect(stateAtClose).toEqual({ status: 'stopped' })
  })

  it('leaves the session open when closing failed, so a later close still reports hitlStopped', async () => {
    const props = makeProps()
    const conversationId = await hitlConversation(props)
    nockTokenRefresh()
    hubspot()
      .patch('/conversations/conversations/2026-09/threads/9001')
      .reply(400, { status: 'error', message: 'bad', category: 'VALIDATION_ERROR', correlationId: 'c' })
    await props.fake.api.setState({ type: 'conversation', name: 'hitl', id: conversationId, payload: { status: 'open', assigneeActorId: 'A-5' } })
    await expect(run(props, { conversationId })).rejects.toThrow()
    expect(props.fake.states.get(`conversation:${conversationId}:hitl`)).toEqual({ status: 'open', assigneeActorId: 'A-5' })
  })
})
