import { afterEach, expect } from 'vitest'
import { watchRetiredCalls } from '../../dev/hubspot-emulator'

/**
 * Setup file of the e2e, browser and reliability suites (vitest.config.mts): after every test, no
 * emulator started in this file was sent a v1–v3 request, other than the calls without a dated
 * successor (dev/hubspot-emulator/sunset.ts `NO_DATED_SUCCESSOR`). The suites also run with the
 * sunset switch on, so such a call fails where it is made as well; this names it.
 */
const watch = watchRetiredCalls()

afterEach(() => {
  const retired = watch.take().map((r) => `${r.method} ${r.path} → ${r.status}`)
  expect(retired, 'HubSpot v1–v3 calls: move them to their dated path (src/hubspot/endpoints.ts)').toEqual([])
})
