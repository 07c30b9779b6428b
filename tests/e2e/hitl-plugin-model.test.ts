import type { Message } from '@botpress/client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sandboxAgent } from '../../dev/sandbox/agent-view'
import type { SandboxBot } from '../../dev/sandbox/bot'
import { PLUGIN_TEXTS } from '../../dev/sandbox/hitl-plugin'
import { startStack, type Stack } from '../../dev/sandbox/stack'
import integration from '../../src/index'
import { httpTuning } from '../../src/hubspot'
import { setupTuning } from '../../src/setup/register'
import { startMediaServer, type MediaServer } from '../helpers/media-server'
import { PluginBots, waitFor } from '../helpers/plugin-bots'

/**
 * The real integration driven by the sandbox's model of Botpress's HITL plugin (dev/sandbox/hitl-plugin.ts)
 * over 127.0.0.1: what the plugin calls, in which order, and what it drops, as the integration sees it.
 */
let stack: Stack
let media: MediaServer
const bots = new PluginBots(
  () => stack,
  () => media.url
)
let actions: { type: string; input: Record<string, unknown> }[] = []

const newBot = bots.add
const { threadOf, texts } = bots
const inHitl = (bot: SandboxBot): Message[] => stack.standIn.messagesIn(bot.conversationId ?? '')

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  media = await startMediaServer((path) => Buffer.from(`bytes of ${path}`))
  stack = await startStack({ integration })
  // Every action the plugin model calls, with its input, in order.
  const callAction = stack.standIn.callAction
  stack.standIn.callAction = async <T>(type: string, input: unknown): Promise<T> => {
    actions.push({ type, input: input as Record<string, unknown> })
    return callAction<T>(type, input)
  }
})

afterEach(async () => {
  expect(await bots.settledErrors()).toEqual([])
})

afterAll(async () => {
  bots.close()
  await stack?.close()
  await media?.close()
})

describe('the HITL plugin model against the real integration', () => {
  const bot = () => bots.all[0]!

  it('startHitl: hand-off text first, createUser with the raw email, first-page history, startHitl, getConversation, links, and only then activation', async () => {
    actions = []
    newBot()
    await bot().say('My order #42 arrived broken')
    await bot().escalate('Ada@Example.com')

    const trace = bot().plugin.trace
    expect(trace.slice(trace.indexOf('createUser'))).toEqual(['createUser', 'listMessages', 'startHitl', 'getConversation', 'link', 'activate'])
    expect(actions.map((a) => a.type)).toEqual(['createUser', 'startHitl'])
    expect(actions[0]?.input.email).toBe('Ada@Example.com') // verbatim, as typed
    const history = actions[1]?.input.messageHistory as {
      source: { type: string; userId?: string }
      type: string
      payload: Record<string, unknown>
    }[]
    // Oldest first, every type the bot sent (the markdown bloc too), ending with the plugin's own hand-off line.
    expect(history.map((h) => h.type)).toEqual(['text', 'bloc', 'choice', 'text', 'text', 'text'])
    expect(history[1]?.payload).toMatchObject({ items: [{ type: 'markdown' }] })
    expect(history[2]?.payload).toMatchObject({ options: [{ label: 'Track my order' }, { label: 'Talk to a human' }] })
    expect(history.at(-1)).toMatchObject({ source: { type: 'bot' }, payload: { text: PLUGIN_TEXTS.handoff } })
    expect(history[3]).toEqual({ source: { type: 'user', userId: bot().hitlUserId }, type: 'text', payload: { text: 'My order #42 arrived broken' } })
    expect(actions[1]?.input.userId).toBe(bot().hitlUserId)

    // The user was told before anything was opened; the thread carries the transcript.
    expect(texts(bot())).toContain(PLUGIN_TEXTS.handoff)
    expect(bot().escalated).toBe(true)
    const [first] = stack.emulator.threadMessages(threadOf(bot()))
    expect(first?.text).toContain('While you talk to an agent')
    expect(first?.text).toContain('Talk to a human')
    expect(first?.text).toContain(PLUGIN_TEXTS.handoff)
    expect(stack.standIn.store.conversations.get(bot().conversationId!)?.tags['hitl#upstream']).toBe(bot().botConversationId)
  })

  it("relays the end user's messages as the bot, naming the end user in payload.userId", async () => {
    await bot().say('Hello?')
    await bot().sendImage()
    const relayed = inHitl(bot())
    expect(relayed.map((m) => [m.userId, m.type, (m.payload as { userId?: string }).userId])).toEqual([
      [stack.standIn.botId, 'text', bot().hitlUserId],
      [stack.standIn.botId, 'image', bot().hitlUserId],
    ])
    const incoming = stack.emulator.threadMessages(threadOf(bot())).filter((m) => m.direction === 'INCOMING')
    expect(incoming.map((m) => m.text).slice(1, 2)).toEqual(['Hello?'])
  })

  it('an agent who writes before any assignment is assigned by the plugin: the fixed joined text, then the reply', async () => {
    await stack.emulator.agent.reply(threadOf(bot()), { text: 'Hi, I am on it', agentId: sandboxAgent.id })
    await waitFor('the reply', () => texts(bot()).includes('Hi, I am on it'))
    const joined = texts(bot()).indexOf(PLUGIN_TEXTS.agentAssigned)
    expect(joined).toBeGreaterThan(-1)
    expect(joined).toBeLessThan(texts(bot()).indexOf('Hi, I am on it'))
    expect(bot().lines.find((l) => l.text === PLUGIN_TEXTS.agentAssigned)?.cls).toBe('bot')
    expect(bot().status).toMatch(/^Talking to /)
  })

  it('a typed "/END " posts the note into the HITL conversation as the bot without payload.userId, then stopHitl closes the thread', async () => {
    actions = []
    await bot().say('  /END ')
    const note = inHitl(bot()).at(-1)
    expect(note?.userId).toBe(stack.standIn.botId)
    expect(note?.payload).toEqual({ type: 'text', text: PLUGIN_TEXTS.userCancelled })
    expect(actions.map((a) => a.type)).toEqual(['stopHitl'])
    expect(bot().plugin.trace.slice(-3)).toEqual(['closeCommand', 'relay text (bot note)', 'stopHitl'])
    expect(stack.emulator.state.threads.get(threadOf(bot()))?.status).toBe('CLOSED')
    expect(bot().escalated).toBe(false)
    expect(texts(bot()).slice(-2)).toEqual([PLUGIN_TEXTS.userClosed, 'I am back. Anything else?'])
  })

  it('once the session is inactive, hitlAssigned and agent messages are dropped, as the plugin drops them', async () => {
    const before = bot().lines.length
    const downstream = bot().conversationId!
    const agent = inHitl(bot()).find((m) => m.userId !== stack.standIn.botId)?.userId ?? ''
    const event = stack.standIn.store.createEvent({ type: 'hitlAssigned', payload: { conversationId: downstream, userId: stack.standIn.botId } })
    await bot().plugin.beforeIncomingEvent(event)
    const late = stack.standIn.store.createMessage({
      conversationId: downstream,
      userId: agent || stack.standIn.botId,
      type: 'text',
      payload: { text: 'too late' },
      tags: {},
      direction: 'incoming',
    })
    expect(await bot().plugin.beforeIncomingMessage(late)).toBe(true)
    expect(bot().lines).toHaveLength(before)
    expect(bot().plugin.trace.filter((t) => t.includes('dropped, session not active'))).toHaveLength(2)
  })

  it("a second escalation in the same conversation opens a new thread (the plugin's start-message check needs a newest-first listing)", async () => {
    const firstThread = threadOf(bot())
    // With an oldest-first listing the plugin would compare the FIRST user message with the one that
    // started the last session, find them equal, and silently refuse.
    await bot().say('A human again, please')
    expect(bot().escalated).toBe(true)
    expect(threadOf(bot())).not.toBe(firstThread)
    // The same end user: no second createUser.
    expect(bot().plugin.trace.filter((t) => t === 'createUser')).toHaveLength(1)
    await stack.emulator.agent.close(threadOf(bot()))
    await waitFor('hitlStopped', () => !bot().escalated)
    expect(texts(bot())).toContain(PLUGIN_TEXTS.stopped)

    // No user message since that session started: the plugin refuses (the Studio replay guard).
    const secondThread = threadOf(bot())
    await bot().escalate()
    expect(bot().escalated).toBe(false)
    expect(bot().plugin.trace.at(-1)).toBe('skip startHitl: no user message since the last session')
    expect(threadOf(bot())).toBe(secondThread)
  })

  it('without an email, createUser gets the placeholder address', async () => {
    actions = []
    const linesOfFirst = bot().lines.length
    const other = newBot()
    expect(other.plugin).toBe(bot().plugin) // one plugin per bot, many conversations
    await other.escalate()
    const botPart = stack.standIn.botId.replaceAll('_', '-')
    expect(actions[0]).toMatchObject({
      type: 'createUser',
      input: { name: 'Sandbox User', email: `${other.endUserId}@no-reply.${botPart}.botpress.com` },
    })
    await other.say('/end')
    expect(texts(other)).toContain(PLUGIN_TEXTS.userClosed)
    expect(bot().lines).toHaveLength(linesOfFirst) // the other conversation's session never shows here
  })

  it('the agent-assigned timeout (when configured) tells the user, posts the note and calls stopHitl', async () => {
    actions = []
    const impatient = newBot({ agentAssignedTimeoutSeconds: 0.2 })
    await impatient.say('human please')
    expect(impatient.escalated).toBe(true)
    await waitFor('the timeout', () => texts(impatient).includes(PLUGIN_TEXTS.assignTimeout))
    await impatient.plugin.settled()
    expect(impatient.plugin.trace.slice(-3)).toEqual(['assignTimeout', 'relay text (bot note)', 'stopHitl'])
    expect(impatient.escalated).toBe(false)
    expect(inHitl(impatient).at(-1)?.payload).toEqual({ type: 'text', text: PLUGIN_TEXTS.userCancelled })
    expect(actions.map((a) => a.type).slice(-1)).toEqual(['stopHitl'])
    expect(stack.emulator.state.threads.get(threadOf(impatient))?.status).toBe('CLOSED')
  })
})
