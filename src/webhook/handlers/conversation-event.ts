import { isSessionActive, waitForActivation } from '../../hitl/activation'
import { getAgentUserId } from '../../hitl/agent-users'
import { announceAssignment, holdAssignment } from '../../hitl/assignment'
import { findThread, type ThreadEntry } from '../../hitl/conversation-tags'
import { loadHitlState, saveHitlState } from '../../hitl/hitl-state'
import { occasionContext, onTicketOccasion } from '../../tickets/pending'
import { withKeyLock } from '../concurrency'
import { unreachable } from '../../unreachable'
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

const applyChange = async (ec: EventContext, entry: ThreadEntry, event: ThreadChange): Promise<void> => {
  const { client, ctx } = ec
  const { conversationId } = entry
  const state = await loadHitlState(client, conversationId)
  if (state.status === 'stopped') return

  switch (event.kind) {
    case 'assigned': {
      if (state.assigneeActorId === event.actorId) return
      const warn = (m: string) => ec.logger.forBot().warn(m)
      const agentUserId = await getAgentUserId({ client, hs: ec.hs, botId: ctx.botId, warn }, event.actorId)
      const assignee = { actorId: event.actorId, agentUserId }
      // The normal path (an assignment well after startHitl returned) does not wait at all.
      const active = isSessionActive(entry) || (await waitForActivation(ctx.botId, event.threadId, entry))
      if (active) await announceAssignment(client, conversationId, state, assignee)
      else await holdAssignment(client, conversationId, state, assignee)
      return
    }
    case 'unassigned':
      if (state.assigneeActorId || state.pendingAssigneeActorId) {
        await saveHitlState(client, conversationId, { status: 'open' })
        if (state.pendingAssigneeActorId) ec.logger.debug(`Dropped the held assignment of conversation ${conversationId}: unassigned in HubSpot.`)
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
