import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SandboxBot } from '../../dev/sandbox/bot'
import { PLUGIN_TEXTS, type HitlPluginConfig } from '../../dev/sandbox/hitl-plugin'
import { startStack, type Stack } from '../../dev/sandbox/stack'
import integration from '../../src/index'
import { activationTiming } from '../../src/hitl/activation'
import { httpTuning } from '../../src/hubspot'
import { setupTuning } from '../../src/setup/register'
import { SESSION_ENDED_REASON } from '../../src/webhook/handlers/agent-replied'
import { PluginBots, waitFor } from '../helpers/plugin-bots'

/**
 * Issue 9 through the model of Botpress's HITL plugin (dev/sandbox/hitl-plugin.ts), over 127.0.0.1
 * with the real integration behind the SDK server, the Botpress stand-in and the HubSpot emulator:
 * what the end user, the agent in HubSpot and the plugin each end up seeing when the input is a
 * typo, when an agent writes before HubSpot reports the assignment, when an agent writes after the
 * session ended, and when the plugin posts its own notes. Each bot is a fresh end user and session.
 * (The markdown bloc in the history, point 3, is in hitl-plugin-model.test.ts's first test.)
 */
let stack: Stack
const bots = new PluginBots(() => stack)
const MAYA = { id: '7001', name: 'Maya Agent', email: 'maya@example.com' }
const ENDED_NOTE = `Bot: ${PLUGIN_TEXTS.userCancelled}`

const newBot = bots.add
const { threadOf, texts } = bots
const count = (bot: SandboxBot, text: string) => texts(bot).filter((t) => t === text).length
const thread = (bot: SandboxBot) => stack.emulator.state.threads.get(threadOf(bot))
const incoming = (bot: SandboxBot) => stack.emulator.threadMessages(threadOf(bot)).filter((m) => m.direction === 'INCOMING')
const comments = (bot: SandboxBot) => stack.emulator.threadComments(threadOf(bot)).map((c) => c.text)
const { assignedEvents } = bots

/** An escalated session with a first end-user line; returns the bot. */
const escalated = async (plugin: HitlPluginConfig = {}, email = 'ada@example.com') => {
  const bot = newBot(plugin)
  await bot.say('My order #42 arrived broken')
  await bot.escalate(email)
  expect(bot.escalated).toBe(true)
  return bot
}

/**
 * An agent reply after the session ended: HubSpot shows it FAILED with the reason, the thread is
 * CLOSED again (replying reopened it), and neither Botpress nor the end user got anything.
 */
const expectRefused = async (bot: SandboxBot, text: string) => {
  const lines = bot.lines.length
  const inBotpress = stack.standIn.messagesIn(bot.conversationId!).length
  const { messageId, statuses } = await stack.emulator.agent.reply(threadOf(bot), { text, agentId: MAYA.id })
  expect(statuses).toEqual([200])
  await bot.plugin.settled()
  const message = stack.emulator.state.messages.get(messageId)
  expect(message?.status).toMatchObject({ statusType: 'FAILED', errorMessage: SESSION_ENDED_REASON })
  expect(message?.statusHistory.map((s) => s.statusType)).toEqual(['SENT', 'FAILED'])
  expect(thread(bot)?.status).toBe('CLOSED')
  expect(stack.standIn.messagesIn(bot.conversationId!)).toHaveLength(inBotpress)
  expect(bot.lines).toHaveLength(lines)
  expect(bot.plugin.trace.some((t) => t.includes('dropped, session not active'))).toBe(false)
}

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  // The plugin model activates within milliseconds of startHitl returning (same process): a short grace keeps tests fast.
  activationTiming.graceMs = 150
  activationTiming.maxWaitMs = 1_000
  stack = await startStack({ integration, emulator: { agents: [MAYA] } })
})

afterEach(async () => {
  expect(await bots.settledErrors()).toEqual([])
})

afterAll(async () => {
  bots.close()
  await stack?.close()
})

describe('issue 9 through the HITL plugin model, end to end', () => {
  it('a typo in the email (passed raw by the plugin) escalates as an anonymous visitor, and the agent sees what was typed', async () => {
    const contactsBefore = stack.emulator.state.contacts.size
    const bot = await escalated({}, 'ada@example,com')
    expect(bot.plugin.errors).toEqual([])
    expect(stack.standIn.store.users.get(bot.hitlUserId!)?.tags).toMatchObject({
      deliveryIdentifierType: 'CHANNEL_SPECIFIC_OPAQUE_ID',
      typedContact: 'ada@example,com',
    })
    expect(thread(bot)?.visitorIdentifier?.type).toBe('CHANNEL_SPECIFIC_OPAQUE_ID')
    expect(stack.emulator.state.contacts.size).toBe(contactsBefore) // no contact guessed from a typo
    const [first] = incoming(bot)
    expect(first?.text).toContain('Contact given by the user (not a valid email or phone): ada@example,com')
    expect(first?.text).toContain('My order #42 arrived broken')
    // The session works as any other: the end user's next words reach the agent.
    await bot.say('Are you there?')
    expect(incoming(bot).at(-1)?.text).toBe('Are you there?')
  })

  it('an agent who replied before being assigned is announced once: HubSpot’s later assignedTo for them emits nothing', async () => {
    const bot = await escalated()
    await stack.emulator.agent.reply(threadOf(bot), { text: 'Hi, Maya here', agentId: MAYA.id })
    await waitFor('the reply', () => texts(bot).includes('Hi, Maya here'))
    expect(count(bot, PLUGIN_TEXTS.agentAssigned)).toBe(1) // the plugin assigned the first agent who wrote

    expect(await stack.emulator.agent.assign(threadOf(bot), MAYA)).toEqual([200])
    await bot.plugin.settled()
    expect(assignedEvents(bot)).toHaveLength(0)
    expect(count(bot, PLUGIN_TEXTS.agentAssigned)).toBe(1)

    // Another agent taking over is a real change: announced.
    expect(await stack.emulator.agent.assign(threadOf(bot), { id: '7002', name: 'Sam Agent' })).toEqual([200])
    await waitFor('the new assignment', () => count(bot, PLUGIN_TEXTS.agentAssigned) === 2)
    expect(assignedEvents(bot)).toHaveLength(1)
  })

  it('"/end": the plugin’s note reaches the thread as an agent-only note, not as the customer; a later agent reply is FAILED and the thread stays closed', async () => {
    const bot = await escalated()
    await stack.emulator.agent.assign(threadOf(bot), MAYA)
    await waitFor('the assignment', () => count(bot, PLUGIN_TEXTS.agentAssigned) === 1)
    const incomingBefore = incoming(bot).length

    await bot.end()
    expect(bot.escalated).toBe(false)
    expect(thread(bot)?.status).toBe('CLOSED')
    expect(comments(bot)).toContain(ENDED_NOTE)
    expect(incoming(bot)).toHaveLength(incomingBefore)
    expect(incoming(bot).some((m) => m.text.includes(PLUGIN_TEXTS.userCancelled))).toBe(false)

    await expectRefused(bot, 'Are you still there?')
    // A redelivery of the refused reply changes nothing more.
    expect(await stack.emulator.redeliverLast()).toBe(200)
    expect(thread(bot)?.status).toBe('CLOSED')
  })

  it('the bot’s stopHitl: the note is agent-only too, and a later reply is FAILED', async () => {
    const bot = await escalated()
    await bot.plugin.stopHitl(bot.botConversationId)
    expect(bot.escalated).toBe(false)
    expect(thread(bot)?.status).toBe('CLOSED')
    expect(comments(bot)).toContain(ENDED_NOTE)
    expect(incoming(bot).some((m) => m.text.includes(PLUGIN_TEXTS.userCancelled))).toBe(false)
    await expectRefused(bot, 'Hello?')
  })

  it('after the agent closed the thread, a reply reopening it is FAILED and the thread is closed again', async () => {
    const bot = await escalated()
    await stack.emulator.agent.reply(threadOf(bot), { text: 'Done, bye', agentId: MAYA.id })
    await waitFor('the reply', () => texts(bot).includes('Done, bye'))
    await stack.emulator.agent.close(threadOf(bot))
    await waitFor('hitlStopped', () => !bot.escalated)
    expect(texts(bot)).toContain(PLUGIN_TEXTS.stopped)
    // The first reply was delivered while the session was on: still SENT.
    const sent = stack.emulator.threadMessages(threadOf(bot)).find((m) => m.text === 'Done, bye')
    expect(sent?.status.statusType).toBe('SENT')

    await expectRefused(bot, 'One more thing')
  })

  it('after the plugin’s agent-assigned timeout: the note is agent-only, the thread closed, and a late reply FAILED', async () => {
    const bot = await escalated({ agentAssignedTimeoutSeconds: 0.3 })
    await waitFor('the timeout', () => texts(bot).includes(PLUGIN_TEXTS.assignTimeout))
    await bot.plugin.settled()
    expect(bot.escalated).toBe(false)
    expect(thread(bot)?.status).toBe('CLOSED')
    expect(comments(bot)).toContain(ENDED_NOTE)
    expect(incoming(bot).some((m) => m.text.includes(PLUGIN_TEXTS.userCancelled))).toBe(false)

    await expectRefused(bot, 'Sorry for the wait!')
  })
})
