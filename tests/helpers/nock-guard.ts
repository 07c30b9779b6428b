import { inspect } from 'node:util'
import nock from 'nock'
import { expect } from 'vitest'

/** After a test: every interceptor it declared must have been used (a missing retry or page shows here). */
export const expectAllInterceptorsUsed = (): void => {
  const done = nock.isDone()
  const pending = nock.pendingMocks()
  nock.cleanAll()
  expect(pending).toEqual([])
  expect(done).toBe(true)
}

/** Every rendering of an error a log line or a Botpress response could contain. */
export const renderings = (err: Error): string[] => [err.message, String(err.stack), JSON.stringify(err), String(err), inspect(err, { depth: 10 })]

/**
 * Resolves once `done()` holds, letting I/O run in between (nock answers over real I/O), for a test
 * that must act at one step of a request: open a gate, advance fake timers. Fails if it never does.
 */
export const until = async (done: () => boolean): Promise<void> => {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((resolve) => setImmediate(resolve))
  expect(done()).toBe(true)
}
