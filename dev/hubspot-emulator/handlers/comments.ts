import { iso, type Core } from '../core'
import { validationError } from '../errors'
import { jsonBody, param, type Reply, type RequestContext, type Route } from '../http/context'
import { commentEggSchema } from '../schemas'
import type { Comment } from '../types'
import { rootOf, versionedRoutes, type VersionOf } from '../versions'
import { threadOr404 } from './lookups'

/** `PublicComment` (SPEC-CONV): an agent-only note, posted here by the app (actor `I-<appId>`). */
export const publicComment = (core: Core, c: Comment) => ({
  id: c.id,
  type: 'COMMENT',
  conversationsThreadId: c.threadId,
  text: c.text,
  richText: c.richText ?? c.text,
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.createdAt),
  createdBy: c.createdBy,
  client: { clientType: 'INTEGRATION', integrationAppId: Number(core.opts.appId) },
  senders: [{ actorId: c.createdBy }],
  recipients: [],
  attachments: [],
  archived: false,
})

export const threadComments = (core: Core, threadId: string): Comment[] =>
  [...core.store.state.comments.values()].filter((c) => c.threadId === threadId)

/**
 * POST …/threads/{id}/messages. Only `type: COMMENT` is modelled: stored on the thread for agents,
 * never delivered to the channel's webhook (the end user never sees it).
 */
const create = (ctx: RequestContext, version: VersionOf<'conversations'>): Reply => {
  const thread = threadOr404(ctx, param(ctx, 'threadId'))
  const egg = jsonBody(ctx, commentEggSchema)
  if (egg.type !== 'COMMENT') throw validationError(`The emulator models type COMMENT only on this endpoint, got ${egg.type}.`)
  const comment: Comment = {
    id: ctx.core.store.nextId('comment'),
    threadId: thread.id,
    text: egg.text,
    ...(egg.richText !== undefined ? { richText: egg.richText } : {}),
    createdBy: `I-${ctx.core.opts.appId}`,
    createdAt: ctx.core.now(),
  }
  ctx.core.store.state.comments.set(comment.id, comment)
  return {
    status: 201,
    json: publicComment(ctx.core, comment),
    headers: { Location: `${ctx.core.baseUrl()}${rootOf('conversations', version)}/threads/${thread.id}/messages/${comment.id}` },
  }
}

export const commentRoutes: Route[] = versionedRoutes('conversations', [
  { method: 'POST', path: '/threads/:threadId/messages', auth: 'bearer', handle: create },
])
