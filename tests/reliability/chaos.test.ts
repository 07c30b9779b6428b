/**
 * Random fault schedules (property): a whole escalation — end-user messages, assignment, agent
 * replies, redeliveries, close — while 429s, 5xx, resets (before and after processing) and token
 * expiries hit random HubSpot endpoints. After each schedule: the suite's invariants.
 */
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { resetCaches } from '../../src/cache'
import { assertInvariants, assertNoHandlerFailures, escalate, eventsOf, install, route, startWorld, useWorld } from './harness'

// Each run starts and closes its own world (startWorld), so none is left for the afterEach.
const env = useWorld()

const TARGETS = { publish: route.publish, statusPatch: route.statusPatch, token: route.token, actor: route.actor } as const
type Target = keyof typeof TARGETS
const FAULTS = ['429', '429-retry-after', '429-plain', '5xx', 'reset', 'reset-after'] as const
type Fault = (typeof FAULTS)[number]

type Step =
  | { kind: 'send' }
  | { kind: 'reply' }
  | { kind: 'assign' }
  | { kind: 'redeliver' }
  | { kind: 'expire' }
  | { kind: 'fault'; fault: Fault; target: Target; n: number }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'send' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'reply' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'assign' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'redeliver' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('fault' as const),
      fault: fc.constantFrom(...FAULTS),
      target: fc.constantFrom(...(Object.keys(TARGETS) as Target[])),
      n: fc.integer({ min: 1, max: 4 }),
    }),
  }
)

it('random fault schedules over a whole escalation keep every invariant', async () => {
  let runs = 0
  await fc.assert(
    fc.asyncProperty(fc.array(stepArb, { minLength: 4, maxLength: 14 }), async (steps) => {
      runs++
      resetCaches()
      const world = await startWorld(env.inst)
      try {
        await install(world)
        const { conversationId, threadId } = await escalate(world)
        const { emu } = world
        let sends = 0
        let agent = 0
        for (const step of steps) {
          switch (step.kind) {
            case 'send':
              await world.send(conversationId, `msg_${++sends}`, `end user message ${sends}`)
              break
            case 'reply':
              expect((await emu.agent.reply(threadId, { text: `agent reply ${++agent}`, agentId: '555' })).statuses).toEqual([200])
              break
            case 'assign':
              expect(await emu.agent.assign(threadId, { id: '555', name: 'Sam' })).toEqual([200])
              break
            case 'redeliver':
              if (emu.deliveries.length > 0) expect(await emu.redeliverLast()).toBe(200)
              break
            case 'expire':
              emu.faults.expireAccessTokens()
              break
            case 'fault': {
              const match = TARGETS[step.target]
              if (step.fault === 'reset') emu.faults.resetConnectionNext(step.n, match)
              else if (step.fault === 'reset-after') emu.faults.resetConnectionNext(step.n, match, { afterProcessing: true })
              else if (step.fault === '5xx') emu.faults.failNext(step.n, { status: 500 + (step.n % 4), match })
              else if (step.fault === '429') emu.faults.failNext(step.n, { status: 429, match })
              else {
                const body = { status: 'error', message: 'slow down', errorType: 'RATE_LIMIT', correlationId: 'c' }
                emu.faults.failNext(step.n, {
                  status: 429,
                  body,
                  match,
                  ...(step.fault === '429-retry-after' ? { headers: { 'Retry-After': '2' } } : {}),
                })
              }
              break
            }
          }
        }
        emu.faults.clear()
        expect(await emu.agent.close(threadId)).toEqual([200])
        // A message sent after the storm always goes through.
        const last = await world.send(conversationId, 'msg_final', 'after the storm')
        expect(last.ok).toBe(true)
        expect(eventsOf(world, conversationId, 'hitlStopped')).toHaveLength(1)
        expect(eventsOf(world, conversationId, 'hitlAssigned').length).toBeLessThanOrEqual(1)
        assertNoHandlerFailures(world)
        assertInvariants(world, env.inst, [conversationId])
      } finally {
        await world.close()
      }
    }),
    { numRuns: 25 }
  )
  expect(runs).toBe(25)
})
