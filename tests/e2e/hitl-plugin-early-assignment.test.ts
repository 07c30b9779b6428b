import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SandboxBot } from '../../dev/sandbox/bot'
import type { Matcher } from '../../dev/hubspot-emulator'
import { PLUGIN_TEXTS } from '../../dev/sandbox/hitl-plugin'
import { startStack, type Stack } from '../../dev/sandbox/stack'
import integration from '../../src/index'
import { activationTiming } from '../../src/hitl/activation'
import { httpTuning } from '../../src/hubspot'
import { setupTuning } from '../../src/setup/register'
import { SESSION_STARTING_REASON } from '../../src/webhook/handlers/agent-replied'
import { PluginBots, waitFor } from '../helpers/plugin-bots'

/**
 * HubSpot routing that assigns a thread the instant it opens (the emulator's `assignNewThreadsTo`:
 * the assignedTo webhook follows the answer to the first publish with no delay), under the model
 * of Botpress's HITL plugin, which drops any hitlAssigned before it activated the session, i.e.
 * before startHitl returned and the plugin wrote its tags and states. Over 127.0.0.1 with the real
 * integration, the Botpress stand-in and the HubSpot emulator.
 *
 * startHitl's own last HubSpot call (the agent-only summary note) is held back on purpose, so the
 * assignment surely arrives while startHitl is still running: the race is decided, not left to luck.
 */
let stack: Stack
const bots = new PluginBots(() => stack)
const ROUTED = { id: '7001', name: 'Rita Router', email: 'rita@example.com' }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** startHitl's agent-only summary note (a COMMENT posted on the thread). */
const summaryNote: Matcher = (method, path) => method === 'POST' && /^\/conversations\/conversations\/2026-09\/threads\/[^/]+\/messages$/.test(path)

const newBot = bots.add
const { threadOf, texts } = bots
const joined = (bot: SandboxBot) => texts(bot).filter((t) => t === PLUGIN_TEXTS.agentAssigned).length
const { assignedEvents } = bots
/** The assignedTo webhooks HubSpot sent for this thread, answered. */
const routedWebhooks = (threadId: string) =>
  stack.emulator.deliveries.filter((d) => d.kind === 'app' && d.body.includes('"assignedTo"') && d.body.includes(`"objectId":${threadId}`))

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  activationTiming.graceMs = 150
  activationTiming.pollMs = 10
  stack = await startStack({ integration, emulator: { assignNewThreadsTo: ROUTED } })
})

afterEach(async () => {
  activationTiming.maxWaitMs = 3_000
  expect(await bots.settledErrors()).toEqual([])
})

afterAll(async () => {
  bots.close()
  await stack?.close()
})

describe('an assignment HubSpot reports the instant the thread opens, under the HITL plugin model', () => {
  it('is announced exactly once, after the plugin activated; with agentAssignedTimeoutSeconds the plugin does not close the thread', async () => {
    activationTiming.maxWaitMs = 2_000
    const bot = newBot({ agentAssignedTimeoutSeconds: 1.2 })
    await bot.say('My order #42 arrived broken')
    stack.emulator.faults.delayNext(1, 300, summaryNote)
    await bot.escalate('ada@example.com')
    const threadId = threadOf(bot)
    // HubSpot sent the assignment while startHitl was still waiting on its summary note.
    expect(stack.emulator.state.threads.get(threadId)?.assignedTo).toBe(ROUTED.id)
    await waitFor('the announcement', () => joined(bot) === 1)
    await waitFor('the webhook answered', () => routedWebhooks(threadId).length === 1)
    expect(routedWebhooks(threadId).map((d) => d.status)).toEqual([200])
    expect(bot.status).toBe(`Talking to ${ROUTED.name}`)
    expect(assignedEvents(bot)).toHaveLength(1)
    expect(bot.plugin.trace.filter((t) => t.startsWith('skip hitlAssigned'))).toEqual([])
    expect(bot.plugin.trace.indexOf(`assign ${ROUTED.name}`)).toBeGreaterThan(bot.plugin.trace.indexOf('activate'))

    // Past the plugin's agent-assigned timeout: it sees an agent and leaves the session alone.
    await waitFor('the timeout check', () => bot.plugin.trace.includes('skip timeout: agent assigned'))
    await bot.plugin.settled()
    expect(bot.escalated).toBe(true)
    expect(texts(bot)).not.toContain(PLUGIN_TEXTS.assignTimeout)
    expect(stack.emulator.state.threads.get(threadId)?.status).toBe('OPEN')
    expect(joined(bot)).toBe(1)

    // The session works: the end user's next words reach the routed agent, and no second announcement.
    await bot.say('Are you there?')
    expect(stack.emulator.threadMessages(threadId).at(-1)?.text).toBe('Are you there?')
    await stack.emulator.agent.reply(threadId, { text: 'Rita here, hello!', agentId: ROUTED.id })
    await waitFor('the reply', () => texts(bot).includes('Rita here, hello!'))
    expect(joined(bot)).toBe(1)
  })

  it('when startHitl outlasts the bounded wait, the assignment is kept and announced once with the end user’s next message', async () => {
    // The webhook may not wait long (HubSpot gives up after 5 s): here far less than startHitl takes.
    activationTiming.maxWaitMs = 100
    const bot = newBot()
    await bot.say('Still broken')
    stack.emulator.faults.delayNext(1, 1_000, summaryNote)
    await bot.escalate('grace@example.com')
    const threadId = threadOf(bot)
    await waitFor('the webhook answered', () => routedWebhooks(threadId).some((d) => d.status === 200))
    await sleep(activationTiming.graceMs + 50)
    await bot.plugin.settled()
    // Nothing announced yet (the plugin would have dropped it), nothing lost either.
    expect(joined(bot)).toBe(0)
    expect(assignedEvents(bot)).toHaveLength(0)
    expect(stack.standIn.store.conversations.get(bot.conversationId!)?.tags.assignmentPending).toBe('true')

    await bot.say('Hello?')
    await waitFor('the held announcement', () => joined(bot) === 1)
    expect(assignedEvents(bot)).toHaveLength(1)
    expect(bot.status).toBe(`Talking to ${ROUTED.name}`)
    expect(stack.standIn.store.conversations.get(bot.conversationId!)?.tags.assignmentPending).toBeFalsy()

    await bot.say('Anyone?')
    await bot.plugin.settled()
    expect(joined(bot)).toBe(1)
    expect(assignedEvents(bot)).toHaveLength(1)
  })
})

describe('an agent reply while startHitl is still running', () => {
  it('past the bounded wait, is reported FAILED with "send it again" instead of SENT, since the plugin would drop it; the next one arrives', async () => {
    activationTiming.maxWaitMs = 100
    const bot = newBot()
    await bot.say('Broken again')
    const threadsBefore = new Set(stack.emulator.state.threads.keys())
    stack.emulator.faults.delayNext(1, 1_000, summaryNote)
    const escalating = bot.escalate('linus@example.com')
    // The thread exists, startHitl is still waiting on its summary note.
    await waitFor('the thread', () => [...stack.emulator.state.threads.keys()].some((id) => !threadsBefore.has(id)))
    const threadId = [...stack.emulator.state.threads.keys()].find((id) => !threadsBefore.has(id))!
    const early = await stack.emulator.agent.reply(threadId, { text: 'Too early?', agentId: ROUTED.id })
    expect(early.statuses).toEqual([200])
    expect(stack.emulator.state.messages.get(early.messageId)?.status).toMatchObject({ statusType: 'FAILED', errorMessage: SESSION_STARTING_REASON })
    await escalating
    await bot.plugin.settled()
    expect(bot.escalated).toBe(true)
    expect(texts(bot)).not.toContain('Too early?')
    expect(bot.plugin.trace.some((t) => t.includes('dropped, session not active'))).toBe(false)

    const again = await stack.emulator.agent.reply(threadId, { text: 'Hello again', agentId: ROUTED.id })
    await waitFor('the reply', () => texts(bot).includes('Hello again'))
    expect(stack.emulator.state.messages.get(again.messageId)?.status.statusType).toBe('SENT')
  })
})
