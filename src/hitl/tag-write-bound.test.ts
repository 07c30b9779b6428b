import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { publishedMessage, seedEndUser, seedSetup } from '../../tests/helpers/hitl-fixtures'
import { hubspot, nockTokenRefresh } from '../../tests/helpers/nock-hubspot'
import { makeProps } from '../../tests/helpers/props'
import { startHitl } from '../actions/start-hitl'
import { resetCaches } from '../cache'
import { httpTuning } from '../hubspot'
import { TAG_WRITE_BOUND_MS } from './conversation-tags'

/**
 * TAG_WRITE_BOUND_MS holds only while startHitl writes the `hubspotThreadId` tag in the first Botpress call after the
 * publish that creates the thread, with nothing else in between. These tests run startHitl with HubSpot failing the
 * publish until the last retry the production policy allows, on a virtual clock that the retry sleeps advance, and
 * check both the order and the elapsed time. Moving work between the publish and the tag write fails here.
 */
// The v3 path or its date-versioned successor (issue 18 moves the family; this test is about order and time, not paths).
const PUBLISH = /^\/conversations\/(?:v3\/custom-channels|custom-channels\/\d{4}-\d{2})\/ch1\/messages$/

let now = 1_763_719_200_000
beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  now = 1_763_719_200_000
  vi.spyOn(Date, 'now').mockImplementation(() => now)
  // The production retry policy (httpTuning.retryPolicy unset); its waits move the clock instead of passing.
  httpTuning.sleep = async (ms: number) => {
    now += ms
  }
})
afterEach(() => {
  vi.restoreAllMocks()
  delete httpTuning.sleep
  nock.cleanAll()
})

describe('the tag write follows the publish that creates the thread, within TAG_WRITE_BOUND_MS', () => {
  it('publish retried to the end of its budget (the thread may exist from the first attempt): the tag is the next write, in time', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    const order: string[] = []
    let firstAttemptAt: number | undefined
    let callsAtAnswer = -1
    nockTokenRefresh()
    hubspot()
      .post(PUBLISH)
      .times(5)
      .reply(() => {
        firstAttemptAt ??= now
        order.push('HS publish 502')
        return [502, { message: 'bad gateway' }]
      })
    hubspot()
      .post(PUBLISH)
      .reply(() => {
        callsAtAnswer = props.fake.calls.length
        order.push('HS publish 201')
        return [201, publishedMessage('m-1', '9001')]
      })
    let taggedAt: number | undefined
    const update = props.fake.api.updateConversation
    props.fake.api.updateConversation = async (input) => {
      order.push(`BP updateConversation ${Object.keys(input.tags ?? {}).join(',')}`)
      if (input.tags?.hubspotThreadId === '9001') taggedAt ??= now
      return update(input)
    }
    await startHitl({
      ...props,
      input: { userId: user.id, title: 'Help', messageHistory: [] } as never,
      type: 'startHitl',
      metadata: { setCost: () => {} },
    })

    expect(order.slice(0, 7)).toEqual([
      ...Array.from({ length: 5 }, () => 'HS publish 502'),
      'HS publish 201',
      'BP updateConversation hubspotThreadId,openedAt',
    ])
    // No Botpress call either between the publish's answer and the tag write.
    expect(props.fake.calls[callsAtAnswer]).toBe('updateConversation')
    expect(firstAttemptAt).toBeDefined()
    expect(taggedAt).toBeDefined()
    const elapsed = (taggedAt ?? 0) - (firstAttemptAt ?? 0)
    expect(elapsed).toBeGreaterThan(10_000) // the retries really waited (0.5 + 1 + 2 + 4 + 8 s, ±25 %)
    expect(elapsed).toBeLessThanOrEqual(TAG_WRITE_BOUND_MS)
  })
})
