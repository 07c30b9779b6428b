import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../dev/sandbox/stack'
import integration from '../../src/index'
import { httpTuning } from '../../src/hubspot'
import { activationTiming } from '../../src/hitl/activation'
import { setupTuning } from '../../src/setup/register'

/**
 * Portal binding with a configured refresh token (issue 17, point 4), end to end over 127.0.0.1: the
 * app installed by hand (the refresh token in the configuration, no Connect), so the only record of
 * which HubSpot account the installation serves is the token response's `hub_id`. Events that name
 * another account, correctly signed with the app's secret (one app, several accounts), must not act
 * on our threads: no agent message from portal 99999 reaches the end user, no close from it ends the session.
 */
const FOREIGN_PORTAL = '99999'
let stack: Stack
let userId = ''
let conversationId = ''
let threadId = ''

const endUserSees = (text: string) =>
  stack.standIn.messagesIn(conversationId).some((m) => m.userId !== userId && (m.payload as { text?: unknown }).text === text)

/** A copy of the last delivery of `kind` the emulator made to us, changed by `edit`, delivered signed like HubSpot's. */
const redeliverEdited = async (kind: 'app' | 'channel', edit: (body: unknown) => unknown): Promise<number> => {
  const last = [...stack.emulator.deliveries].reverse().find((d) => d.kind === kind)
  if (!last) throw new Error(`no ${kind} delivery yet`)
  return stack.emulator.deliverRaw(stack.standIn.webhookUrl, JSON.stringify(edit(JSON.parse(last.body))))
}

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  activationTiming.graceMs = 150
  stack = await startStack({ integration })
  ;({ userId } = await stack.standIn.callAction<{ userId: string }>('createUser', { name: 'Ada', email: 'ada@example.com' }))
  ;({ conversationId } = await stack.standIn.callAction<{ conversationId: string }>('startHitl', {
    userId,
    title: 'Help',
    messageHistory: [{ source: { type: 'user', userId }, type: 'text', payload: { text: 'Hello' } }],
  }))
  threadId = stack.standIn.store.conversations.get(conversationId)?.tags.hubspotThreadId ?? ''
})

afterAll(async () => {
  await stack?.close()
})

describe('a configured refresh token binds the installation to its HubSpot account', () => {
  it('an agent message naming another account is answered 200 and reaches nobody; the same naming ours arrives', async () => {
    await stack.emulator.agent.reply(threadId, { text: 'Hi from our account' })
    expect(endUserSees('Hi from our account')).toBe(true)

    const agentMessages = () => stack.standIn.messagesIn(conversationId).filter((m) => m.userId !== userId).length
    const before = agentMessages()
    type ChannelEvent = { portalId: string; eventId: string; message: { id: string; text: string; richText?: string } }
    const status = await redeliverEdited('channel', (raw) => {
      const event = raw as ChannelEvent
      return {
        ...event,
        portalId: FOREIGN_PORTAL,
        eventId: `${event.eventId}-foreign`,
        message: { ...event.message, id: `${event.message.id}-foreign`, text: 'Hi from portal 99999', richText: '<p>Hi from portal 99999</p>' },
      }
    })
    expect(status).toBe(200)
    expect(endUserSees('Hi from portal 99999')).toBe(false)
    expect(agentMessages()).toBe(before)

    // The control: the same edited event naming our account is delivered (so it was the account that stopped it).
    const ours = await redeliverEdited('channel', (raw) => {
      const event = raw as ChannelEvent
      return {
        ...event,
        eventId: `${event.eventId}-ours`,
        message: { ...event.message, id: `${event.message.id}-ours`, text: 'Hi again, our account', richText: '<p>Hi again, our account</p>' },
      }
    })
    expect(ours).toBe(200)
    expect(endUserSees('Hi again, our account')).toBe(true)
  })

  it('a close naming another account leaves the session open; the same close naming ours ends it', async () => {
    await stack.emulator.agent.assign(threadId, { id: '555', name: 'Sam Agent' })
    type AppEvent = { portalId: number; eventId: number; propertyName?: string; propertyValue?: string }
    const status = await redeliverEdited('app', (raw) =>
      (raw as AppEvent[]).map((e) => ({
        ...e,
        portalId: Number(FOREIGN_PORTAL),
        eventId: e.eventId + 1_000_000,
        propertyName: 'status',
        propertyValue: 'CLOSED',
      }))
    )
    expect(status).toBe(200)
    expect(stack.standIn.eventsOf('hitlStopped')).toHaveLength(0)

    // The control: the same edited batch naming our account ends the session (so it was the account that stopped it).
    const ours = await redeliverEdited('app', (raw) =>
      (raw as AppEvent[]).map((e) => ({ ...e, eventId: e.eventId + 2_000_000, propertyName: 'status', propertyValue: 'CLOSED' }))
    )
    expect(ours).toBe(200)
    expect(stack.standIn.eventsOf('hitlStopped').map((e) => (e.payload as { conversationId?: string }).conversationId)).toEqual([conversationId])
  })
})
