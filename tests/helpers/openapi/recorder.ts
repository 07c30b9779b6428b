import { OpenApiContract, type Exchange, type Violation } from './contract'
import { locateSpecs } from './spec-files'
import { waiverFor } from './waivers'

/**
 * The contract of this process (specs read once) and the violations seen since the last `takeViolations()`. Shared by
 * the nock tap (unit tests) and the emulator hook (e2e, browser, reliability); each setup file asserts, after every
 * test, that the test caused none.
 */

export type ContractState = { enabled: true; contract: OpenApiContract } | { enabled: false; reason: string }

let state: ContractState | undefined
const violations: Violation[] = []
const waived: (Violation & { waiver: string })[] = []

/**
 * Specs missing: under `CI=true` that is a broken checkout, so it throws; elsewhere the checks are skipped with the
 * reason printed once (a newcomer with only Node and npm still gets a green `npm test`).
 */
export const loadContract = (env: NodeJS.ProcessEnv = process.env, warn: (line: string) => void = console.warn): ContractState => {
  const located = locateSpecs(env)
  if (located.found) return { enabled: true, contract: new OpenApiContract(located.files) }
  if (env.CI === 'true') throw new Error(`Contract tests cannot run under CI=true: ${located.reason}`)
  warn(`[contract] HubSpot contract checks skipped: ${located.reason}`)
  return { enabled: false, reason: located.reason }
}

/** The process's contract, loaded on first use. */
export const contractState = (): ContractState => {
  state ??= loadContract()
  return state
}

/** Checks one exchange and keeps what it violates. */
export const recordExchange = (ex: Exchange): void => {
  const s = contractState()
  if (!s.enabled) return
  for (const v of s.contract.check(ex)) {
    const waiver = waiverFor(v)
    if (waiver) waived.push({ ...v, waiver: waiver.id })
    else violations.push(v)
  }
}

/** Records a violation found outside the contract (a request the tap could not read, for example). */
export const recordViolation = (v: Violation): void => {
  violations.push(v)
}

export const takeViolations = (): Violation[] => violations.splice(0, violations.length)

/** What the waivers (waivers.ts) let pass since the last call, for CONTRACT_VIOLATIONS_LOG. */
export const takeWaived = (): (Violation & { waiver: string })[] => waived.splice(0, waived.length)
