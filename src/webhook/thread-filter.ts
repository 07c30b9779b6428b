import { findThread, isRecentlyUnknown } from '../hitl/conversation-tags'
import type { ClassifiedEvent } from './classify'
import type { EventContext } from './handlers/context'

/** The kinds whose handler acts on a thread (conversation-event.ts), and those that may trust a recent "unknown". */
const THREAD_CHANGES: ReadonlySet<ClassifiedEvent['kind']> = new Set(['assigned', 'unassigned', 'closed', 'archived'])
const MAY_TRUST_UNKNOWN: ReadonlySet<ClassifiedEvent['kind']> = new Set(['assigned', 'unassigned'])

/**
 * Whether each event of a batch is about a thread this bot opened: one lookup per thread id per
 * batch, however many of its events the batch holds; none for a thread marked foreign (found
 * unknown twice, far enough apart: findThread answers from memory), whatever its events; and none
 * for a thread found unknown moments ago when every event of it in the batch is an assignment or
 * unassignment (the reasons are in hitl/conversation-tags.ts, at the unknown-thread cache). A thread
 * found here is cached, so the handler's own lookup costs nothing more.
 */
export const threadFilter = (ec: EventContext, events: ClassifiedEvent[]): ((e: ClassifiedEvent) => Promise<boolean>) => {
  const trustUnknown = new Map<string, boolean>()
  for (const e of events) {
    if ('threadId' in e && THREAD_CHANGES.has(e.kind))
      trustUnknown.set(e.threadId, (trustUnknown.get(e.threadId) ?? true) && MAY_TRUST_UNKNOWN.has(e.kind))
  }
  const lookups = new Map<string, Promise<boolean>>()
  return (e) => {
    if (!('threadId' in e) || !THREAD_CHANGES.has(e.kind)) return Promise.resolve(true)
    const { threadId } = e
    let lookup = lookups.get(threadId)
    if (!lookup) {
      lookup =
        trustUnknown.get(threadId) && isRecentlyUnknown(ec.ctx.botId, threadId)
          ? Promise.resolve(false)
          : findThread(ec.client, ec.ctx.botId, threadId).then((entry) => entry !== undefined)
      lookups.set(threadId, lookup)
    }
    return lookup
  }
}
