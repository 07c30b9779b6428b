import { iso, type Core } from '../core'
import { page, type Reply, type RequestContext, type Route } from '../http/context'
import type { Agent } from '../types'
import { versionedRoutes } from '../versions'

/** Owner ids differ from user ids in HubSpot; a fixed offset keeps them apart and recognisable here. */
export const ownerIdOf = (agent: Agent): string => (/^\d+$/.test(agent.id) ? String(Number(agent.id) + 100_000_000) : `9${agent.id}`)

/** `PublicOwner` for an agent: `userId` is the number behind the agent's actor id `A-<userId>`. */
const publicOwner = (core: Core, a: Agent) => {
  const [firstName = '', ...rest] = a.name.split(' ')
  const userId = /^\d+$/.test(a.id) ? Number(a.id) : undefined
  return {
    id: ownerIdOf(a),
    email: a.email,
    firstName,
    lastName: rest.join(' '),
    type: 'PERSON',
    ...(userId !== undefined ? { userId, userIdIncludingInactive: userId } : {}),
    createdAt: iso(core.now()),
    updatedAt: iso(core.now()),
    archived: false,
    teams: [],
  }
}

/** GET …/owners[?email=] (CRM owners v3 and 2026-03, same shapes); email matched case-insensitively. */
const listOwners = (ctx: RequestContext): Reply => {
  const email = ctx.query.get('email')?.trim().toLowerCase()
  const agents = [...ctx.core.store.state.agents.values()].filter((a) => !email || a.email.toLowerCase() === email)
  const p = page(ctx, agents, 100, 500)
  return { status: 200, json: { ...p, results: p.results.map((a) => publicOwner(ctx.core, a)) } }
}

export const ownerRoutes: Route[] = versionedRoutes('owners', [{ method: 'GET', path: '', auth: 'bearer', handle: listOwners }])
