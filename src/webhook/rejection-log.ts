import { cacheOf } from '../cache'
import type * as bp from '.botpress'

/** One warning per bot per this long; the rejections in between are counted, by reason. */
export const REJECTION_LOG_WINDOW_MS = 60_000

type Tally = { loggedAt: number; counted: number; byReason: Record<string, number> }
const tallies = cacheOf<Tally>('rejectionLogs')

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19)

/**
 * Logs a rejected webhook request without letting a flood of them flood the bot's log: the first
 * rejection is logged at once, later ones within the window are only counted, and the count goes
 * out with the first rejection after the window ("Rejected 1999 more … (mismatch: 1990, …)").
 * In memory per process (bounded by the cache table), so each instance logs its own first line.
 * `reason` is one of a few fixed words (signature.ts's VerifyFailure and the like), never a
 * signature, header or body: whoever sent the request chose those.
 */
export const logRejection = (logger: bp.Logger, botId: string, reason: string, now = Date.now()): void => {
  const tally = tallies.get(botId)
  if (tally && now - tally.loggedAt < REJECTION_LOG_WINDOW_MS) {
    tally.counted++
    tally.byReason[reason] = (tally.byReason[reason] ?? 0) + 1
    return
  }
  let line = `Rejected a webhook request: ${reason}.`
  if (tally && tally.counted > 0) {
    const reasons = Object.entries(tally.byReason)
      .sort(([, a], [, b]) => b - a)
      .map(([r, n]) => `${r}: ${n}`)
      .join(', ')
    line += ` Rejected ${tally.counted} more webhook request(s) since ${clock(tally.loggedAt)} UTC (${reasons}).`
  }
  logger.forBot().warn(line)
  tallies.set(botId, { loggedAt: now, counted: 0, byReason: {} })
}
