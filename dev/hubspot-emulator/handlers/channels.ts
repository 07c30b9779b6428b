import { validationError } from '../errors'
import { jsonBody, page, param, type Reply, type RequestContext, type Route } from '../http/context'
import { channelCreateSchema, channelPatchSchema } from '../schemas'
import { publicChannel } from '../serialize'
import type { Channel } from '../types'
import { rootOf, versionedRoutes, type VersionOf } from '../versions'
import { channelOr404 } from './lookups'

const CHANNEL_IDENTIFIER_TYPES = ['HS_EMAIL_ADDRESS', 'HS_PHONE_NUMBER', 'CHANNEL_SPECIFIC_OPAQUE_ID']
const STRING_LIST_KEYS = ['richText', 'outgoingAttachmentTypes', 'allowedFileAttachmentMimeTypes']
const BOOLEAN_KEYS = ['allowInlineImages', 'allowOutgoingMessages', 'allowConversationStart', 'allowMultipleRecipients']
const COUNT_KEYS = ['maxFileAttachmentCount', 'maxFileAttachmentSizeBytes', 'maxTotalFileAttachmentSizeBytes']
const THREADING_MODELS = ['INTEGRATION_THREAD_ID', 'DELIVERY_IDENTIFIER']

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string')

/** Rejects capability values HubSpot rejects, e.g. objects in deliveryIdentifierTypes (docs/hubspot.md#custom-channels). */
const validateCapabilities = (caps: Record<string, unknown>): void => {
  const bad: string[] = []
  const types = caps.deliveryIdentifierTypes
  if (types !== undefined && !(isStringList(types) && types.every((t) => CHANNEL_IDENTIFIER_TYPES.includes(t)))) {
    bad.push(`deliveryIdentifierTypes=${JSON.stringify(types)}`)
  }
  for (const key of STRING_LIST_KEYS) if (caps[key] !== undefined && !isStringList(caps[key])) bad.push(`${key}=${JSON.stringify(caps[key])}`)
  for (const key of BOOLEAN_KEYS) if (caps[key] !== undefined && typeof caps[key] !== 'boolean') bad.push(`${key}=${JSON.stringify(caps[key])}`)
  for (const key of COUNT_KEYS) {
    const v = caps[key]
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) bad.push(`${key}=${JSON.stringify(v)}`)
  }
  const model = caps.threadingModel
  if (model !== undefined && !(typeof model === 'string' && THREADING_MODELS.includes(model))) bad.push(`threadingModel=${JSON.stringify(model)}`)
  if (bad.length) {
    throw validationError(`Invalid channel capability values: ${bad.join(', ')}`, {
      subCategory: 'CustomChannelsError.INVALID_CHANNEL_CAPABILITY_VALUES',
      context: { capabilityKeysAndValues: bad },
    })
  }
}

const create = (ctx: RequestContext, version: VersionOf<'customChannels'>): Reply => {
  const egg = jsonBody(ctx, channelCreateSchema)
  validateCapabilities(egg.capabilities)
  const { core } = ctx
  const channel: Channel = {
    id: core.store.nextId('channel'),
    name: egg.name,
    capabilities: egg.capabilities,
    webhookUrl: egg.webhookUrl,
    channelDescription: egg.channelDescription,
    channelLogoUrl: egg.channelLogoUrl,
    channelAccountConnectionRedirectUrl: egg.channelAccountConnectionRedirectUrl,
    createdAt: core.now(),
    hiddenForListCalls: core.opts.channelVisibleAfterListCalls ?? 0,
  }
  core.store.state.channels.set(channel.id, channel)
  return { status: 201, json: publicChannel(channel), headers: { Location: `${core.baseUrl()}${rootOf('customChannels', version)}/${channel.id}` } }
}

const list = (ctx: RequestContext): Reply => {
  const all = [...ctx.core.store.state.channels.values()]
  const visible = all.filter((c) => c.hiddenForListCalls <= 0)
  for (const c of all) if (c.hiddenForListCalls > 0) c.hiddenForListCalls--
  const p = page(ctx, visible)
  return { status: 200, json: { total: visible.length, ...p, results: p.results.map(publicChannel) } }
}

const getOne = (ctx: RequestContext): Reply => ({ status: 200, json: publicChannel(channelOr404(ctx, param(ctx, 'channelId'))) })

const patch = (ctx: RequestContext): Reply => {
  const channel = channelOr404(ctx, param(ctx, 'channelId'))
  const changes = jsonBody(ctx, channelPatchSchema)
  if (changes.capabilities) validateCapabilities(changes.capabilities)
  if (changes.name !== undefined) channel.name = changes.name
  if (changes.capabilities !== undefined) channel.capabilities = changes.capabilities
  if (changes.webhookUrl !== undefined) channel.webhookUrl = changes.webhookUrl
  if (changes.channelDescription !== undefined) channel.channelDescription = changes.channelDescription
  if (changes.channelLogoUrl !== undefined) channel.channelLogoUrl = changes.channelLogoUrl
  if (changes.channelAccountConnectionRedirectUrl !== undefined) {
    channel.channelAccountConnectionRedirectUrl = changes.channelAccountConnectionRedirectUrl
  }
  return { status: 200, json: publicChannel(channel) }
}

const remove = (ctx: RequestContext): Reply => {
  const channel = channelOr404(ctx, param(ctx, 'channelId'))
  ctx.core.store.state.channels.delete(channel.id)
  return { status: 204 }
}

export const channelRoutes: Route[] = versionedRoutes('customChannels', [
  { method: 'POST', path: '', auth: 'developer', handle: create },
  { method: 'GET', path: '', auth: 'developer', handle: list },
  { method: 'GET', path: '/:channelId', auth: 'developer', handle: getOne },
  { method: 'PATCH', path: '/:channelId', auth: 'developer', handle: patch },
  { method: 'DELETE', path: '/:channelId', auth: 'developer', handle: remove },
])
