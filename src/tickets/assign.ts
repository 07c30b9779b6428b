import type { HubspotClient } from '../hubspot'

export type AssignmentOutcome = { kind: 'assigned'; actorId: string; name: string } | { kind: 'unknown-email' } | { kind: 'failed'; reason: string }

/**
 * hitlSession.assigneeEmail → HubSpot owner → thread assignee. The resulting `hitlAssigned` is NOT
 * emitted here: HubSpot sends the assignedTo webhook for this assignment as for one made in its
 * inbox, and that one path announces it (once). Never throws: an escalation proceeds unassigned.
 */
export const assignByEmail = async (
  hs: HubspotClient,
  threadId: string,
  email: string,
  log: { warn: (m: string) => void }
): Promise<AssignmentOutcome> => {
  try {
    const owner = await hs.owners.findByEmail(email)
    if (!owner?.userId) {
      // Queues and deactivated users have no userId and cannot own a thread.
      log.warn(`No active HubSpot user has the assignee email ${email}; the escalation stays unassigned for HubSpot's routing.`)
      return { kind: 'unknown-email' }
    }
    const actorId = `A-${owner.userId}`
    await hs.conversations.assignThread(threadId, actorId)
    const name = [owner.firstName, owner.lastName].filter(Boolean).join(' ') || email
    return { kind: 'assigned', actorId, name }
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'unknown error'
    log.warn(`Could not assign thread ${threadId} to ${email}; the escalation stays unassigned. ${reason}`)
    return { kind: 'failed', reason }
  }
}
