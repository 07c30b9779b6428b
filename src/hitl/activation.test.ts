import { afterEach, describe, expect, it } from 'vitest'
import { activationTiming, waitForActivation } from './activation'

const saved = { ...activationTiming }
afterEach(() => {
  Object.assign(activationTiming, saved)
})

describe('waitForActivation', () => {
  it("ends active when the timer wakes a millisecond before the clock says the grace is over (Node's timers can)", async () => {
    let clock = 1_800_000_000_000
    const slept: number[] = []
    Object.assign(activationTiming, {
      graceMs: 2_000,
      maxWaitMs: 3_000,
      now: () => clock,
      sleep: async (ms: number) => {
        slept.push(ms)
        clock += ms > 1 ? ms - 1 : ms
      },
    })
    expect(await waitForActivation('bot_1', '9001', { conversationId: 'conv_1', openedAt: clock - 500 })).toBe(true)
    expect(slept).toEqual([1_500, 1])
  })

  it('still gives up at the bound when startHitl has not returned', async () => {
    let clock = 0
    Object.assign(activationTiming, {
      graceMs: 2_000,
      maxWaitMs: 3_000,
      pollMs: 50,
      now: () => clock,
      sleep: async (ms: number) => {
        clock += ms
      },
    })
    expect(await waitForActivation('bot_1', '9002', { conversationId: 'conv_2', opening: true })).toBe(false)
    expect(clock).toBe(3_000)
  })
})
