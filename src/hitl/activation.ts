import { cachedThread, type ThreadEntry } from './conversation-tags'

/**
 * Botpress's HITL plugin marks a session active only after startHitl has returned AND after its
 * own writes (it reads the conversation, tags both conversations, saves its states); until then it
 * drops `hitlAssigned` for good and ignores agent messages. Those writes take a few round trips,
 * so anything HubSpot reports within `graceMs` of startHitl returning waits for that to pass.
 * Every wait is bounded by `maxWaitMs`, well under HubSpot's 5 s webhook timeout. Tunable in tests.
 */
export const activationTiming = {
  graceMs: 2_000,
  maxWaitMs: 3_000,
  /** How often a startHitl still running on this instance is looked at again (memory only). */
  pollMs: 50,
  sleep: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
  now: (): number => Date.now(),
}

/** Whether the plugin has surely activated the session (legacy conversations without `openedAt`: yes). */
export const isSessionActive = (entry: ThreadEntry): boolean => {
  if (entry.opening) return false
  return entry.openedAt === undefined || activationTiming.now() >= entry.openedAt + activationTiming.graceMs
}

/**
 * Waits (bounded) until the session of this thread is surely active. Costs nothing when it
 * already is: the normal path, an assignment minutes after the escalation, never waits. Returns
 * false when startHitl had still not returned within the bound.
 */
export const waitForActivation = async (botId: string, threadId: string, entry: ThreadEntry): Promise<boolean> => {
  const t = activationTiming
  const deadline = t.now() + t.maxWaitMs
  let current = entry
  while (current.opening) {
    if (t.now() >= deadline) return false
    await t.sleep(Math.min(t.pollMs, Math.max(0, deadline - t.now())))
    current = cachedThread(botId, threadId) ?? current
  }
  const { openedAt } = current
  if (openedAt === undefined) return true
  // A timer may wake a millisecond before Date.now() reaches its end: sleep again for what is left,
  // or an assignment in the grace would be held instead of announced.
  for (let remaining = Math.min(openedAt + t.graceMs, deadline) - t.now(); remaining > 0;) {
    await t.sleep(remaining)
    remaining = Math.min(openedAt + t.graceMs, deadline) - t.now()
  }
  return isSessionActive(current)
}
