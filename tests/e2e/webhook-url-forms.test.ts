import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../dev/sandbox/stack'
import integration from '../../src/index'
import { httpTuning } from '../../src/hubspot'
import { setupTuning } from '../../src/setup/register'
import { waitFor } from '../helpers/plugin-bots'

/**
 * The app's webhook target typed with a trailing slash, end to end: the HubSpot emulator signs the
 * URL it calls (`{webhookUrl}/`), the Botpress stand-in hands the integration path "/" as the
 * runtime does, and the real SDK server passes it on unchanged (src/webhook/public-url.ts).
 */
let stack: Stack
let conversationId = ''
let threadId = ''

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  stack = await startStack({ integration })
  await stack.emulator.settle()
  const { userId } = await stack.standIn.callAction<{ userId: string }>('createUser', { name: 'Ada Lovelace', email: 'ada@example.com' })
  ;({ conversationId } = await stack.standIn.callAction<{ conversationId: string }>('startHitl', { userId, messageHistory: [] }))
  threadId = stack.standIn.store.conversations.get(conversationId)?.tags.hubspotThreadId ?? ''
})

afterAll(async () => {
  await stack?.close()
})

describe('app webhook target with a trailing slash', () => {
  it('the agent closing the thread still ends the session (verified, not 401)', async () => {
    expect(threadId).not.toBe('')
    stack.emulator.setAppWebhookUrl(`${stack.standIn.webhookUrl}/`)
    await stack.emulator.agent.close(threadId)
    await waitFor('hitlStopped', () => stack.standIn.eventsOf('hitlStopped').length === 1)
    expect(stack.standIn.eventsOf('hitlStopped')[0]?.payload).toEqual({ conversationId })
  })
})
