import { cacheOf } from '../cache'
import type { HubspotClient } from '../hubspot'
import type * as bp from '.botpress'

export type AgentHint = { name?: string | null; avatar?: string | null }

/** HubSpot actor ids may arrive bare ("123") or prefixed ("A-123"); users are keyed on the prefixed form. */
export const normaliseActorId = (actorId: string): string => (/^\d+$/.test(actorId) ? `A-${actorId}` : actorId)

const agentUsers = cacheOf<string>('agentUsers')

/**
 * The Botpress user standing for a HubSpot agent. Looked up once per process: the HubSpot actor
 * (name, avatar) and the Botpress user are then served from memory.
 */
export const getAgentUserId = async (
  deps: { client: bp.Client; hs: HubspotClient; botId: string; warn: (msg: string) => void },
  rawActorId: string,
  hint?: AgentHint
): Promise<string> => {
  const actorId = normaliseActorId(rawActorId)
  const key = `${deps.botId}:${actorId}`
  const cached = agentUsers.get(key)
  if (cached) return cached

  // The actor has the avatar a message sender lacks; read once per process, then cached below.
  let name = hint?.name ?? undefined
  let avatar = hint?.avatar ?? undefined
  try {
    const actor = await deps.hs.conversations.getActor(actorId)
    name = actor.name ?? actor.email ?? name
    avatar = actor.avatar ?? avatar
  } catch (err) {
    // The profile is cosmetic: an agent whose profile cannot be read still gets their messages through.
    deps.warn(
      `Could not read HubSpot agent ${actorId} (${err instanceof Error ? err.message : 'unknown error'}); using ${name ? 'the sender name' : 'a generic name'}.`
    )
  }
  const { user } = await deps.client.getOrCreateUser({
    tags: { hubspotActorId: actorId },
    discriminateByTags: ['hubspotActorId'],
    name: name ?? 'HubSpot agent',
    ...(avatar ? { pictureUrl: avatar } : {}),
  })
  agentUsers.set(key, user.id)
  return user.id
}
