import { validationError } from '../errors'
import { channelAccountEvent } from '../events'
import { boolQuery, jsonBody, page, param, type Reply, type RequestContext, type Route } from '../http/context'
import { notifyChannel } from '../notify'
import { accountEggSchema, accountPatchSchema } from '../schemas'
import { publicAccount } from '../serialize'
import type { ChannelAccount } from '../types'
import { rootOf, versionedRoutes, type VersionOf } from '../versions'
import { accountOr404, channelOr404 } from './lookups'

const BASE = '/:channelId/channel-accounts'

const create = (ctx: RequestContext, version: VersionOf<'customChannels'>): Reply => {
  const { core } = ctx
  const channel = channelOr404(ctx, param(ctx, 'channelId'))
  const egg = jsonBody(ctx, accountEggSchema)
  if (!core.store.state.inboxes.has(egg.inboxId)) throw validationError(`Inbox ${egg.inboxId} does not exist in this HubSpot account.`)
  const account: ChannelAccount = {
    id: core.store.nextId('account'),
    channelId: channel.id,
    inboxId: egg.inboxId,
    name: egg.name,
    authorized: egg.authorized,
    archived: false,
    createdAt: core.now(),
    ...(egg.deliveryIdentifier ? { deliveryIdentifier: egg.deliveryIdentifier } : {}),
  }
  core.store.state.channelAccounts.set(account.id, account)
  const event = channelAccountEvent(core, 'CHANNEL_ACCOUNT_CREATED', account)
  ctx.afterResponse(() => notifyChannel(core, channel.id, event))
  return {
    status: 201,
    json: publicAccount(account),
    headers: { Location: `${core.baseUrl()}${rootOf('customChannels', version)}/${channel.id}/channel-accounts/${account.id}` },
  }
}

const list = (ctx: RequestContext): Reply => {
  const channel = channelOr404(ctx, param(ctx, 'channelId'))
  const archived = boolQuery(ctx, 'archived') ?? false
  const types = ctx.query.getAll('deliveryIdentifierType')
  const values = ctx.query.getAll('deliveryIdentifierValue')
  const matches = [...ctx.core.store.state.channelAccounts.values()].filter(
    (a) =>
      a.channelId === channel.id &&
      a.archived === archived &&
      (!types.length || (a.deliveryIdentifier !== undefined && types.includes(a.deliveryIdentifier.type))) &&
      (!values.length || (a.deliveryIdentifier !== undefined && values.includes(a.deliveryIdentifier.value)))
  )
  const p = page(ctx, matches)
  return { status: 200, json: { total: matches.length, ...p, results: p.results.map(publicAccount) } }
}

const getOne = (ctx: RequestContext): Reply => {
  const channel = channelOr404(ctx, param(ctx, 'channelId'))
  const account = accountOr404(ctx, channel, param(ctx, 'channelAccountId'), boolQuery(ctx, 'archived') === true)
  return { status: 200, json: publicAccount(account) }
}

const patch = (ctx: RequestContext): Reply => {
  const { core } = ctx
  const channel = channelOr404(ctx, param(ctx, 'channelId'))
  const account = accountOr404(ctx, channel, param(ctx, 'channelAccountId'))
  const changes = jsonBody(ctx, accountPatchSchema)
  if (changes.name !== undefined) account.name = changes.name
  if (changes.authorized !== undefined) account.authorized = changes.authorized
  const event = channelAccountEvent(core, 'CHANNEL_ACCOUNT_UPDATED', account)
  ctx.afterResponse(() => notifyChannel(core, channel.id, event))
  return { status: 200, json: publicAccount(account) }
}

export const channelAccountRoutes: Route[] = versionedRoutes('customChannels', [
  { method: 'POST', path: BASE, auth: 'bearer', handle: create },
  { method: 'GET', path: BASE, auth: 'bearer', handle: list },
  { method: 'GET', path: `${BASE}/:channelAccountId`, auth: 'bearer', handle: getOne },
  { method: 'PATCH', path: `${BASE}/:channelAccountId`, auth: 'bearer', handle: patch },
])
