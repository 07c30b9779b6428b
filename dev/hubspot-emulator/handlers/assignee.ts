import { conversationEvent } from '../events'
import { notFound, validationError } from '../errors'
import { jsonBody, param, type Reply, type RequestContext, type Route } from '../http/context'
import { notifyApp } from '../notify'
import { assignRequestSchema } from '../schemas'
import { publicThread } from '../serialize'
import { versionedRoutes } from '../versions'
import { threadOr404 } from './lookups'

/** v3 prints this under `/conversations/conversations/v3/…` (SPEC-CONV); 2026-09 under the conversations root (versions.ts). */
const BASE = '/threads/:threadId/assignee'

/**
 * PUT assigns the thread to an agent (`A-<userId>`), DELETE unassigns it. Either sends the same
 * `conversation.propertyChange` assignedTo webhook an assignment in the inbox sends, after the answer.
 */
const assign = (ctx: RequestContext): Reply => {
  const thread = threadOr404(ctx, param(ctx, 'threadId'))
  const { actorId } = jsonBody(ctx, assignRequestSchema)
  const m = /^A-(\d+)$/.exec(actorId)
  if (!m?.[1]) throw validationError(`actorId must be an agent actor id (A-<userId>), got "${actorId}".`)
  if (!ctx.core.store.state.agents.has(m[1])) throw notFound(`Actor ${actorId} was not found.`)
  const agentId = m[1]
  const changed = thread.assignedTo !== agentId
  thread.assignedTo = agentId
  if (changed)
    ctx.afterResponse(() =>
      notifyApp(ctx.core, [
        conversationEvent(ctx.core, 'conversation.propertyChange', thread, { propertyName: 'assignedTo', propertyValue: agentId }),
      ])
    )
  return { status: 200, json: publicThread(thread) }
}

const unassign = (ctx: RequestContext): Reply => {
  const thread = threadOr404(ctx, param(ctx, 'threadId'))
  if (thread.assignedTo !== undefined) {
    delete thread.assignedTo
    ctx.afterResponse(() =>
      notifyApp(ctx.core, [conversationEvent(ctx.core, 'conversation.propertyChange', thread, { propertyName: 'assignedTo', propertyValue: '' })])
    )
  }
  return { status: 204 }
}

export const assigneeRoutes: Route[] = versionedRoutes('conversationsAssignee', [
  { method: 'PUT', path: BASE, auth: 'bearer', handle: assign },
  { method: 'DELETE', path: BASE, auth: 'bearer', handle: unassign },
])
