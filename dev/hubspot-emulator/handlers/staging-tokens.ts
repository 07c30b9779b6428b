import { z } from '@botpress/sdk'
import { iso } from '../core'
import { apiError, notFound } from '../errors'
import { channelAccountEvent } from '../events'
import { jsonBody, param, type Reply, type RequestContext, type Route } from '../http/context'
import { notifyChannel } from '../notify'
import { deliveryIdentifierSchema } from '../schemas'
import type { ChannelAccount } from '../types'
import { versionedRoutes } from '../versions'
import { channelOr404 } from './lookups'

/**
 * PATCH …/channel-account-staging-tokens/{accountToken}: the integration completes the connection
 * an admin started from HubSpot's "Connect a channel". The spec marks both fields optional; they
 * are required here because the account needs a name and a delivery identifier in practice
 * (docs/hubspot.md, "Channel accounts"). The account is created on this call, and CHANNEL_ACCOUNT_CREATED follows it.
 */

const stagingPatchSchema = z.object({ accountName: z.string().min(1), deliveryIdentifier: deliveryIdentifierSchema }).passthrough()

const complete = (ctx: RequestContext): Reply => {
  const { core } = ctx
  const channel = channelOr404(ctx, param(ctx, 'channelId'))
  const token = core.grants.stagingTokens.get(param(ctx, 'accountToken'))
  if (!token || token.channelId !== channel.id) throw notFound(`Channel account staging token was not found on channel ${channel.id}.`)
  const body = jsonBody(ctx, stagingPatchSchema)
  if (token.channelAccountId !== undefined) {
    throw apiError(409, 'CONFLICT', `This staging token was already used: channel account ${token.channelAccountId} exists.`)
  }
  const account: ChannelAccount = {
    id: core.store.nextId('account'),
    channelId: channel.id,
    inboxId: token.inboxId,
    name: body.accountName,
    authorized: true,
    archived: false,
    createdAt: core.now(),
    deliveryIdentifier: body.deliveryIdentifier,
  }
  core.store.state.channelAccounts.set(account.id, account)
  token.channelAccountId = account.id
  token.accountName = body.accountName
  token.deliveryIdentifier = body.deliveryIdentifier
  const event = channelAccountEvent(core, 'CHANNEL_ACCOUNT_CREATED', account)
  ctx.afterResponse(() => notifyChannel(core, channel.id, event))
  return {
    status: 200,
    json: {
      accountToken: token.accountToken,
      createdAt: iso(token.createdAt),
      genericChannelId: Number(channel.id),
      inboxId: Number(token.inboxId),
      userId: token.userId,
      accountName: token.accountName,
      deliveryIdentifier: token.deliveryIdentifier,
    },
  }
}

export const stagingTokenRoutes: Route[] = versionedRoutes('customChannels', [
  { method: 'PATCH', path: '/:channelId/channel-account-staging-tokens/:accountToken', auth: 'bearer', handle: complete },
])
