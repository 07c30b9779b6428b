import type { HitlState } from '../../definitions/states'
import { loadHitlState, saveHitlState } from './hitl-state'
import type * as bp from '.botpress'

/**
 * The `lastChangeAt` to write with a change that happened at `at` (ms epoch, when known). It never
 * moves back: a change applied without a time (or with an older one) keeps the bar where it was.
 */
export const changedAt = (state: HitlState, at: number | undefined): Pick<HitlState, 'lastChangeAt'> => {
  const latest = Math.max(at ?? -Infinity, state.lastChangeAt ?? -Infinity)
  return Number.isFinite(latest) ? { lastChangeAt: latest } : {}
}

/**
 * hitlAssigned, once per agent: the state records who was announced, so the same assignment
 * delivered again (or after the agent's own reply made the plugin assign them) emits nothing.
 * `at`: when HubSpot made the assignment, recorded in the same write (see conversation-event.ts).
 */
export const announceAssignment = async (
  client: bp.Client,
  conversationId: string,
  state: HitlState,
  assignee: { actorId: string; agentUserId: string },
  at?: number
): Promise<HitlState> => {
  await client.createEvent({ type: 'hitlAssigned', payload: { conversationId, userId: assignee.agentUserId }, conversationId })
  const next: HitlState = { status: 'open', assigneeActorId: assignee.actorId, ...changedAt(state, at) }
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
  assignee: { actorId: string; agentUserId: string },
  at?: number
): Promise<void> => {
  await saveHitlState(client, conversationId, {
    ...state,
    pendingAssigneeActorId: assignee.actorId,
    pendingAgentUserId: assignee.agentUserId,
    ...changedAt(state, at),
  })
  await client.updateConversation({ id: conversationId, tags: { assignmentPending: 'true' } })
}

/** Announces a held assignment (the caller knows the session is active now); returns the new state. */
export const releaseHeldAssignment = async (client: bp.Client, conversationId: string, state: HitlState): Promise<HitlState> => {
  const { pendingAssigneeActorId: actorId, pendingAgentUserId: agentUserId } = state
  if (state.status === 'stopped' || !actorId || !agentUserId) return state
  // Its time was recorded when it was held (state.lastChangeAt), and is kept.
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
