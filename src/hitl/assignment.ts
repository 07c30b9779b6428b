import type { HitlState } from '../../definitions/states'
import { loadHitlState, saveHitlState } from './hitl-state'
import type * as bp from '.botpress'

/**
 * hitlAssigned, once per agent: the state records who was announced, so the same assignment
 * delivered again (or after the agent's own reply made the plugin assign them) emits nothing.
 */
export const announceAssignment = async (
  client: bp.Client,
  conversationId: string,
  state: HitlState,
  assignee: { actorId: string; agentUserId: string }
): Promise<HitlState> => {
  await client.createEvent({ type: 'hitlAssigned', payload: { conversationId, userId: assignee.agentUserId }, conversationId })
  const next: HitlState = { status: 'open', assigneeActorId: assignee.actorId }
  await saveHitlState(client, conversationId, next)
  if (state.pendingAssigneeActorId) await clearPendingTag(client, conversationId)
  return next
}

/**
 * The plugin has not activated the session yet and would drop the event for good: keep it in the
 * state, and flag the conversation so the next relayed end-user message announces it.
 */
export const holdAssignment = async (
  client: bp.Client,
  conversationId: string,
  state: HitlState,
  assignee: { actorId: string; agentUserId: string }
): Promise<void> => {
  await saveHitlState(client, conversationId, { ...state, pendingAssigneeActorId: assignee.actorId, pendingAgentUserId: assignee.agentUserId })
  await client.updateConversation({ id: conversationId, tags: { assignmentPending: 'true' } })
}

/** Announces a held assignment (the caller knows the session is active now); returns the new state. */
export const releaseHeldAssignment = async (client: bp.Client, conversationId: string, state: HitlState): Promise<HitlState> => {
  const { pendingAssigneeActorId: actorId, pendingAgentUserId: agentUserId } = state
  if (state.status === 'stopped' || !actorId || !agentUserId) return state
  return announceAssignment(client, conversationId, state, { actorId, agentUserId })
}

/** A relayed end-user message proves the session active: announce what was held, then unflag. */
export const releaseOnRelay = async (client: bp.Client, conversationId: string): Promise<void> => {
  const state = await loadHitlState(client, conversationId)
  const next = await releaseHeldAssignment(client, conversationId, state)
  // Nothing (left) to announce: unflag so later messages read nothing again.
  if (next === state) await clearPendingTag(client, conversationId)
}

const clearPendingTag = async (client: bp.Client, conversationId: string): Promise<void> => {
  await client.updateConversation({ id: conversationId, tags: { assignmentPending: '' } })
}
