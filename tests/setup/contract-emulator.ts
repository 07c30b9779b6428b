/**
 * E2e, browser and reliability tests: every API request the HubSpot emulator receives and every reply it gives is
 * checked against the operation of HubSpot's OpenAPI specs for its method and path (`tests/helpers/openapi/`); a
 * violation fails the test during which it happened. The emulator reports each exchange through its `onExchange`
 * option; this file adds that option to every `startHubspotEmulator` and `startHubspotApp` call of the suite (the stack, the reliability
 * harness) by wrapping the module, so no test has to remember it. Without the specs the check is skipped with a
 * printed reason (fails under CI=true).
 */
import { appendFileSync } from 'node:fs'
import { afterEach, expect, vi } from 'vitest'
import type * as Emulator from '../../dev/hubspot-emulator'
import { recordEmulatorExchange } from '../helpers/openapi/emulator-tap'
import { formatViolations } from '../helpers/openapi/contract'
import { contractState, takeViolations, takeWaived } from '../helpers/openapi/recorder'

vi.mock('../../dev/hubspot-emulator', async (importOriginal) => {
  const original = await importOriginal<typeof Emulator>()
  return {
    ...original,
    startHubspotEmulator: (opts: Emulator.EmulatorOptions) =>
      original.startHubspotEmulator({
        ...opts,
        onExchange: (ex) => {
          recordEmulatorExchange(ex)
          opts.onExchange?.(ex)
        },
      }),
    // The one-app model (several portals) passes the same option to every portal it starts.
    startHubspotApp: (opts: Emulator.HubspotAppOptions) =>
      original.startHubspotApp({
        ...opts,
        onExchange: (ex) => {
          recordEmulatorExchange(ex)
          opts.onExchange?.(ex)
        },
      }),
  }
})

if (contractState().enabled) {
  afterEach(() => {
    const violations = takeViolations()
    const waived = takeWaived()
    // CONTRACT_VIOLATIONS_LOG=<file>: one JSON line per violation, waived or not (with its test), to survey a run.
    const log = process.env.CONTRACT_VIOLATIONS_LOG
    if (log) for (const v of [...violations, ...waived]) appendFileSync(log, `${JSON.stringify({ test: expect.getState().testPath, ...v })}\n`)
    expect(violations, `HubSpot emulator traffic of this test departs from HubSpot's OpenAPI specs:\n${formatViolations(violations)}`).toEqual([])
  })
}
