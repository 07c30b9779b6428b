import { isSessionActive, waitForActivation } from '../../hitl/activation'
import { getAgentUserId } from '../../hitl/agent-users'
import { announceAssignment, changedAt, holdAssignment } from '../../hitl/assignment'
import { findThread, type ThreadEntry } from '../../hitl/conversation-tags'
import { loadHitlState, saveHitlState } from '../../hitl/hitl-state'
import { occasionContext, onTicketOccasion } from '../../tickets/pending'
import { withKeyLock } from '../concurrency'
import { unreachable } from '../../unreachable'
import type { HitlState } from '../../../definitions/states'
import type { ClassifiedEvent } from '../classify'
import type { EventContext } from './context'

/** The kinds of app event acted on (routes.ts); the others are only logged. */
type ThreadChange = Extract<ClassifiedEvent, { kind: 'assigned' | 'unassigned' | 'closed' | 'archived' }>

/**
 * Thread changes made in HubSpot. The conversation's HITL state makes each one idempotent: the
 * same assignment or close delivered again finds the state already there and emits nothing.
 */
export const handleThreadChange = async (ec: EventContext, event: ThreadChange): Promise<void> => {
  const { client, ctx } = ec
  const entry = await findThread(client, ctx.botId, event.threadId)
  if (!entry) {
    ec.logger.debug(`Ignoring ${event.kind} for thread ${event.threadId}: not opened by this bot.`)
    return
  }
  await withKeyLock(entry.conversationId, () => applyChange(ec, entry, event))
  await onTicketOccasion(occasionContext(ec), entry.conversationId)
}

/**
 * Whether HubSpot says this assignment change happened before the last one applied. HubSpot does
 * not promise delivery order, and a captured batch can be replayed (v1 signatures carry no
 * timestamp, v3 ones pass for 5 minutes): without this, an old `assignedTo` re-announces an agent
 * who is no longer assigned. The bar lives in the conversation's HITL state, not in memory, so it
 * holds across runtime instances.
 * - Equal times are not stale: two changes in one millisecond (an assignment and a close in one
 *   batch, a routing rule's reassignment) cannot be ordered by time; a batch's own order is kept
 *   (runKeyedInOrder), and the same assignment delivered again is a no-op anyway.
 * - An event without `occurredAt` (documented on every app event, but not confirmed for every
 *   delivery) is applied as before this check, and does not move the bar.
 * Closes and deletions are never stale: ending is final (a reopened thread does not revive the
 * session), so applying a late close gives the outcome the in-order delivery would have given.
 */
const isStale = (state: HitlState, event: ThreadChange): boolean =>
  event.occurredAt !== undefined && state.lastChangeAt !== undefined && event.occurredAt < state.lastChangeAt

const applyChange = async (ec: EventContext, entry: ThreadEntry, event: ThreadChange): Promise<void> => {
  const { client, ctx } = ec
  const { conversationId } = entry
  const state = await loadHitlState(client, conversationId)
  if (state.status === 'stopped') return
  if ((event.kind === 'assigned' || event.kind === 'unassigned') && isStale(state, event)) {
    ec.logger.debug(
      `Ignoring ${event.kind} of thread ${event.threadId} (event ${event.eventId}): it happened at ${event.occurredAt}, before the last applied change (${state.lastChangeAt}).`
    )
    return
  }

  switch (event.kind) {
    case 'assigned': {
      if (state.assigneeActorId === event.actorId) {
        // Same assignee, announced already. A later time still moves the bar when there is one:
        // HubSpot unassigned and re-assigned the agent, and the unassignment may come after this
        // event; applied then, it would drop an agent HubSpot has assigned. A redelivery (same
        // time) and an agent the plugin assigned on their reply with no bar yet write nothing.
        if (event.occurredAt !== undefined && state.lastChangeAt !== undefined && event.occurredAt > state.lastChangeAt) {
          await saveHitlState(client, conversationId, { ...state, lastChangeAt: event.occurredAt })
        }
        return
      }
      const warn = (m: string) => ec.logger.forBot().warn(m)
      const agentUserId = await getAgentUserId({ client, hs: ec.hs, botId: ctx.botId, warn }, event.actorId)
      const assignee = { actorId: event.actorId, agentUserId }
      // The normal path (an assignment well after startHitl returned) does not wait at all.
      const active = isSessionActive(entry) || (await waitForActivation(ctx.botId, event.threadId, entry))
      if (active) await announceAssignment(client, conversationId, state, assignee, event.occurredAt)
      else await holdAssignment(client, conversationId, state, assignee, event.occurredAt)
      return
    }
    case 'unassigned':
      if (state.assigneeActorId || state.pendingAssigneeActorId) {
        await saveHitlState(client, conversationId, { status: 'open', ...changedAt(state, event.occurredAt) })
        if (state.pendingAssigneeActorId) ec.logger.debug(`Dropped the held assignment of conversation ${conversationId}: unassigned in HubSpot.`)
      } else if (event.occurredAt !== undefined && event.occurredAt > (state.lastChangeAt ?? -Infinity)) {
        // Nobody to unassign: the assignment it undoes has not arrived yet (HubSpot delivered out
        // of order). Record the time, so that assignment, when it comes, is seen as stale. Only on
        // this rare path; a redelivered unassignment (same time) or one without a time writes nothing.
        await saveHitlState(client, conversationId, { ...state, lastChangeAt: event.occurredAt })
      }
      return
    case 'closed':
    case 'archived':
      await client.createEvent({ type: 'hitlStopped', payload: { conversationId }, conversationId })
      await saveHitlState(client, conversationId, { status: 'stopped' })
      return
    default:
      return unreachable(event, 'thread change')
  }
}
