/**
 * Unit tests: every request the code sends to (nock's) HubSpot and every reply a test fakes is checked against the
 * operation of HubSpot's OpenAPI specs for its method and path (`tests/helpers/openapi/`); a violation fails the
 * test that caused it. Without the specs the check is skipped with a printed reason (fails under CI=true).
 */
import { appendFileSync } from 'node:fs'
import { afterEach, expect } from 'vitest'
import { formatViolations } from '../helpers/openapi/contract'
import { installNockTap } from '../helpers/openapi/nock-tap'
import { contractState, takeViolations, takeWaived } from '../helpers/openapi/recorder'

const state = contractState()
if (state.enabled) {
  installNockTap((_method, path) => state.contract.hasPath(path))
  afterEach(() => {
    const violations = takeViolations()
    const waived = takeWaived()
    // CONTRACT_VIOLATIONS_LOG=<file>: one JSON line per violation, waived or not (with its test), to survey a run.
    const log = process.env.CONTRACT_VIOLATIONS_LOG
    if (log) for (const v of [...violations, ...waived]) appendFileSync(log, `${JSON.stringify({ test: expect.getState().testPath, ...v })}\n`)
    expect(violations, `HubSpot traffic of this test departs from HubSpot's OpenAPI specs:\n${formatViolations(violations)}`).toEqual([])
  })
}
