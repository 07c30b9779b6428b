import type { Core } from '../core'
import { notFound, validationError } from '../errors'
import { boolQuery, jsonBody, page, param, type Reply, type RequestContext, type Route } from '../http/context'
import { batchInputSchema, threadPatchSchema } from '../schemas'
import { publicActorBatch, publicInbox, publicMessage, publicThread } from '../serialize'
import { versionedRoutes, type VersionOf } from '../versions'
import { publicComment, threadComments } from './comments'
import { threadOr404 } from './lookups'
import { threadAssociationsOf } from './tickets'

type Actor = Record<string, unknown>

const withoutUndefined = (o: Actor): Actor => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

/** Actor ids carry a type prefix: A- agent, V- visitor/contact, I- integrator, S- system. */
export const actorOf = (core: Core, actorId: string): Actor | undefined => {
  const m = /^([AVIS])-(\d+)$/.exec(actorId)
  if (!m?.[1] || !m[2]) return undefined
  const [, prefix, id] = m
  const { state } = core.store
  switch (prefix) {
    case 'A': {
      const agent = state.agents.get(id)
      return agent && withoutUndefined({ type: 'AGENT', id: actorId, name: agent.name, email: agent.email, avatar: agent.avatar })
    }
    case 'V': {
      const contact = state.contacts.get(id)
      if (contact) {
        const name = [contact.properties.firstname, contact.properties.lastname].filter(Boolean).join(' ')
        return withoutUndefined({ type: 'VISITOR', id: actorId, name: name || undefined, email: contact.properties.email })
      }
      const visitor = state.visitors.get(id)
      const email = visitor?.deliveryIdentifier?.type === 'HS_EMAIL_ADDRESS' ? visitor.deliveryIdentifier.value : undefined
      return visitor && withoutUndefined({ type: 'VISITOR', id: actorId, name: visitor.name, email })
    }
    case 'I':
      return id === core.opts.appId ? { type: 'INTEGRATOR', id: actorId, name: 'Custom channel integration' } : undefined
    default:
      return { type: 'SYSTEM', id: actorId }
  }
}

const listInboxes = (ctx: RequestContext): Reply => {
  const archived = boolQuery(ctx, 'archived') ?? false
  const inboxes = archived ? [] : [...ctx.core.store.state.inboxes.values()]
  const p = page(ctx, inboxes)
  return { status: 200, json: { total: inboxes.length, ...p, results: p.results.map(publicInbox) } }
}

const getInbox = (ctx: RequestContext): Reply => {
  const id = param(ctx, 'inboxId')
  const inbox = ctx.core.store.state.inboxes.get(id)
  if (!inbox) throw notFound(`Inbox ${id} was not found.`)
  return { status: 200, json: publicInbox(inbox) }
}

const getThread = (ctx: RequestContext): Reply => {
  const thread = threadOr404(ctx, param(ctx, 'threadId'), boolQuery(ctx, 'archived') === true)
  return { status: 200, json: { ...publicThread(thread), ...threadAssociationsOf(ctx, thread) } }
}

const patchThread = (ctx: RequestContext): Reply => {
  const changes = jsonBody(ctx, threadPatchSchema)
  const restoring = changes.archived === false || boolQuery(ctx, 'archived') === true
  const thread = threadOr404(ctx, param(ctx, 'threadId'), restoring)
  if (changes.status === undefined && changes.archived === undefined) throw validationError('Nothing to update: send status and/or archived.')
  const now = ctx.core.now()
  if (changes.status === 'CLOSED' && thread.status !== 'CLOSED') thread.closedAt = now
  if (changes.status === 'OPEN') delete thread.closedAt
  if (changes.status !== undefined) thread.status = changes.status
  if (changes.archived !== undefined) thread.archived = changes.archived
  return { status: 200, json: publicThread(thread) }
}

const archiveThread = (ctx: RequestContext): Reply => {
  threadOr404(ctx, param(ctx, 'threadId')).archived = true
  return { status: 204 }
}

const threadMessages = (ctx: RequestContext): Reply => {
  const thread = threadOr404(ctx, param(ctx, 'threadId'), true)
  // Agent-only notes are part of the thread's messages in HubSpot, in time order.
  const items = [
    ...ctx.core.store.threadMessages(thread.id).map((m) => ({ at: m.createdAt, json: () => publicMessage(ctx.core, m) })),
    ...threadComments(ctx.core, thread.id).map((c) => ({ at: c.createdAt, json: () => publicComment(ctx.core, c) })),
  ].sort((a, b) => a.at - b.at)
  if (ctx.query.getAll('sort').some((s) => s.startsWith('-'))) items.reverse()
  const p = page(ctx, items)
  return { status: 200, json: { ...p, results: p.results.map((i) => i.json()) } }
}

const getActor = (ctx: RequestContext): Reply => {
  const id = param(ctx, 'actorId')
  const actor = actorOf(ctx.core, id)
  if (!actor) throw notFound(`Actor ${id} was not found.`)
  return { status: 200, json: actor }
}

const batchActors = (ctx: RequestContext, version: VersionOf<'conversations'>): Reply => {
  const { inputs } = jsonBody(ctx, batchInputSchema)
  const startedAt = ctx.core.now()
  const results: Actor[] = []
  const missing: string[] = []
  for (const id of inputs) {
    const actor = actorOf(ctx.core, id)
    if (actor) results.push(actor)
    else missing.push(id)
  }
  return publicActorBatch(version, { results, missing, startedAt, completedAt: ctx.core.now() })
}

export const conversationRoutes: Route[] = versionedRoutes('conversations', [
  { method: 'GET', path: '/inboxes', auth: 'bearer', handle: listInboxes },
  { method: 'GET', path: '/inboxes/:inboxId', auth: 'bearer', handle: getInbox },
  { method: 'GET', path: '/threads/:threadId', auth: 'bearer', handle: getThread },
  { method: 'PATCH', path: '/threads/:threadId', auth: 'bearer', handle: patchThread },
  { method: 'DELETE', path: '/threads/:threadId', auth: 'bearer', handle: archiveThread },
  { method: 'GET', path: '/threads/:threadId/messages', auth: 'bearer', handle: threadMessages },
  { method: 'POST', path: '/actors/batch/read', auth: 'bearer', handle: batchActors },
  { method: 'GET', path: '/actors/:actorId', auth: 'bearer', handle: getActor },
])
