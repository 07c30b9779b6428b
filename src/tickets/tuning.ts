/**
 * How hard ticket work tries. Production uses the defaults; tests and the benchmark shorten them.
 * - quickTryDelaysMs: waits before each look for the ticket inside startHitl (looks at ≈ 0.5 s and 1.5 s: startHitl
 *   is never held longer than that; HubSpot creates the ticket asynchronously, delay UNCONFIRMED).
 * - maxLaterAttempts / maxPendingMs: later occasions that find no ticket before giving up (a plain
 *   Inbox never gets one); whichever comes first ends the search.
 */
export const ticketTuning = {
  quickTryDelaysMs: [500, 1000] as number[],
  maxLaterAttempts: 5,
  maxPendingMs: 10 * 60_000,
  now: (): number => Date.now(),
  sleep: (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms)),
}
