import { getAgentUserId } from '../../hitl/agent-users'
import { findConversationByThread } from '../../hitl/conversation-tags'
import { loadHitlState, saveHitlState } from '../../hitl/hitl-state'
import { occasionContext, onTicketOccasion } from '../../tickets/pending'
import { withKeyLock } from '../concurrency'
import type { ClassifiedEvent } from '../event-schemas'
import type { EventContext } from './context'

/**
 * Thread changes made in HubSpot. The conversation's HITL state makes each one idempotent: the
 * same assignment or close delivered again finds the state already there and emits nothing.
 */
export const handleConversationEvent = async (ec: EventContext, event: ClassifiedEvent): Promise<void> => {
  if (event.kind === 'ignored' || event.kind === 'newMessage' || event.kind === 'reopened') {
    // Agent messages arrive through the channel webhook; newMessage would only duplicate them.
    ec.logger.debug(`Ignoring conversation event (${event.kind})`)
    return
  }
  const { client, ctx } = ec
  const conversationId = await findConversationByThread(client, ctx.botId, event.threadId)
  if (!conversationId) {
    ec.logger.debug(`Ignoring ${event.kind} for thread ${event.threadId}: not opened by this bot.`)
    return
  }
  await withKeyLock(conversationId, () => applyChange(ec, conversationId, event))
  await onTicketOccasion(occasionContext(ec), conversationId)
}

const applyChange = async (ec: EventContext, conversationId: string, event: ClassifiedEvent): Promise<void> => {
  const { client, ctx } = ec
  const state = await loadHitlState(client, conversationId)
  if (state.status === 'stopped') return

  switch (event.kind) {
    case 'assigned': {
      if (state.assigneeActorId === event.actorId) return
      const warn = (m: string) => ec.logger.forBot().warn(m)
      const userId = await getAgentUserId({ client, hs: ec.hs, botId: ctx.botId, warn }, event.actorId)
      await client.createEvent({ type: 'hitlAssigned', payload: { conversationId, userId }, conversationId })
      await saveHitlState(client, conversationId, { status: 'open', assigneeActorId: event.actorId })
      return
    }
    case 'unassigned':
      if (state.assigneeActorId) await saveHitlState(client, conversationId, { status: 'open' })
      return
    case 'closed':
    case 'archived':
      await client.createEvent({ type: 'hitlStopped', payload: { conversationId }, conversationId })
      await saveHitlState(client, conversationId, { status: 'stopped' })
      return
  }
}
