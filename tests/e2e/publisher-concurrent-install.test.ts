import { afterEach, describe, expect, it } from 'vitest'
import { startPublisherStack, type PublisherStack } from '../../dev/sandbox/publisher-stack'
import integration from '../../src/index'
import { httpTuning } from '../../src/hubspot'
import { setupTuning } from '../../src/setup/register'
import { setupStateOf } from '../helpers/installation-states'

/**
 * Issue 17, point 3, end to end: two bots install the publisher app's integration at the same
 * moment, both before HubSpot has any channel for it. Exactly one custom channel must remain, and
 * both installations must use it (the real integration behind the SDK's server, the emulator's
 * one-app channel registry, over 127.0.0.1).
 */
let stack: PublisherStack | undefined

afterEach(async () => {
  await stack?.close()
  stack = undefined
})

const setupOf = (s: PublisherStack, index: number) => setupStateOf(s.bots[index]!.standIn)

describe('concurrent first installs of a publisher app', () => {
  it('leave one channel, used by both installations; the younger one was deleted by the install that made it', async () => {
    httpTuning.sleep = async () => {}
    setupTuning.visibilityDelaysMs = [10, 10, 10]
    stack = await startPublisherStack({ integration, register: false })
    // HubSpot slow to answer a create: each install lists (nothing yet) and creates before either create is answered.
    const createPath = '/conversations/custom-channels/2026-09'
    stack.app.portals[0]!.faults.delayNext(2, 150, (method, path) => method === 'POST' && path === createPath)
    await Promise.all(stack.bots.map((bot) => bot.standIn.register()))

    const creates = stack.app.routed.filter((r) => r.method === 'POST' && r.path === createPath)
    const deletes = stack.app.routed.filter((r) => r.method === 'DELETE' && r.path.startsWith('/conversations/custom-channels/2026-09/'))
    const channels = [...stack.app.channels.values()]
    expect(channels).toHaveLength(1)
    expect(channels[0]?.webhookUrl).toBe(stack.hub.integrationWebhookUrl)
    expect(setupOf(stack, 0)?.channelId).toBe(channels[0]?.id)
    expect(setupOf(stack, 1)?.channelId).toBe(channels[0]?.id)
    // Both created before either saw the other's; then exactly the younger (the higher id: HubSpot's ids, like the
    // emulator's, grow with time, and both carry createdAt) was deleted, and the oldest survives.
    expect(creates).toHaveLength(2)
    expect(deletes).toHaveLength(1)
    const deletedId = deletes[0]!.path.split('/').pop() ?? ''
    expect(stack.app.channels.has(deletedId)).toBe(false)
    expect(Number(deletedId)).toBeGreaterThan(Number(channels[0]!.id))
  })
})
