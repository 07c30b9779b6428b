import { tryCredentialsOf } from '../credentials'
import { routeConnectRequest } from '../connect/router'
import { createHubspotClient } from '../hubspot'
import { redact } from '../hubspot/redact'
import { runKeyedInOrder } from './concurrency'
import { classifyConversationEvent } from './classify'
import { parseWebhookPayload, type ChannelEvent, type ConversationEvent } from './event-schemas'
import { describeMismatch, partitionByInstallation, type EventClaims } from './installation'
import type { EventContext } from './handlers/context'
import { publicUrlCandidates } from './public-url'
import { logRejection } from './rejection-log'
import { dispatchChannelEvent, dispatchConversationEvent } from './routes'
import { verifyHubspotSignature, type VerifyResult } from './signature'
import { threadFilter } from './thread-filter'
import type * as bp from '.botpress'

/**
 * Events of different threads run side by side, up to this many; one thread's events stay in order.
 * 16 keeps a 100-event batch under 10x one event even when each waits on HubSpot, while staying
 * far below HubSpot's 100 requests / 10 s (429s are retried anyway).
 */
export const BATCH_CONCURRENCY = 16

type Reply = { status: number; body?: string; headers?: Record<string, string> }
const reply = (status: number, message: string): Reply => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
})

/**
 * HubSpot → Botpress. Order matters: verify the raw bytes, then parse, then act. Only a valid
 * signature leads to any side effect; bad input gets a 4xx, never a 5xx. A 5xx is kept for our
 * own failures on a valid delivery, so that HubSpot redelivers it (every handler is idempotent).
 */
export const handler: bp.IntegrationProps['handler'] = async (props) => {
  const { req, ctx, logger } = props
  // The Connect pages (/oauth/start, /oauth/callback, /setup, /connect) share the webhook URL;
  // everything else is a HubSpot webhook, POSTed to the root.
  const page = await routeConnectRequest(props)
  if (page) return page
  if (req.method.toUpperCase() !== 'POST') return reply(405, 'Only POST is accepted.')

  const rawBody = typeof req.body === 'string' ? req.body : ''
  const secret = tryCredentialsOf(ctx)?.clientSecret
  const urls = await publicUrlCandidates(props, req)
  const verdict = urls ? verifyAny(urls, { method: req.method, rawBody, headers: req.headers, clientSecret: secret }) : undefined
  if (!verdict?.ok) {
    logRejection(logger, ctx.botId, verdict ? verdict.reason : 'integration not installed')
    return reply(401, 'Invalid or missing HubSpot signature.')
  }

  let json: unknown
  try {
    json = JSON.parse(rawBody)
  } catch {
    return reply(400, 'Body is not valid JSON.')
  }
  // Only app batches are ever signed v1 by HubSpot; v1 has no timestamp, so a custom-channel
  // event with its v3 headers stripped could otherwise be replayed forever.
  if (!Array.isArray(json) && verdict.version !== 'v3') {
    logRejection(logger, ctx.botId, `custom-channel event signed ${verdict.version}, v3 required`)
    return reply(401, 'Invalid or missing HubSpot signature.')
  }
  const payload = parseWebhookPayload(json)
  if (payload.kind === 'invalid') return reply(400, 'Body is not a HubSpot webhook payload.')
  if (payload.kind === 'channel-unknown') {
    logger.debug(`Ignoring HubSpot event of type ${payload.type}`)
    return reply(200, 'ignored')
  }

  try {
    const ec: EventContext = { ctx, client: props.client, logger, hs: createHubspotClient(props) }
    if (payload.kind === 'channel') return await handleChannelEvent(ec, payload.event)
    if (payload.invalid > 0) logger.debug(`Skipped ${payload.invalid} malformed event(s) in a HubSpot batch`)
    await handleBatch(ec, payload.events)
  } catch (err) {
    const reason = redact(err instanceof Error ? err.message : String(err))
    logger.forBot().error(`Processing a HubSpot webhook failed; HubSpot will redeliver it: ${reason}`)
    return reply(500, 'Processing failed; retry later.')
  }
  return reply(200, 'ok')
}

/** One custom-channel event: ours (channel, portal) or ignored with 200. */
const handleChannelEvent = async (ec: EventContext, event: ChannelEvent): Promise<Reply> => {
  const { foreign } = await partitionByInstallation(ec, [event], channelClaimsOf)
  if (foreign[0]) {
    const line = `Ignored ${event.type}: it names ${describeMismatch(foreign[0].mismatch)}.`
    // An inbox of another HubSpot account connected to the app's channel is an admin's doing, worth telling the
    // bot builder (escalations never go there); anything else not ours is noise.
    if (event.type === 'CHANNEL_ACCOUNT_CREATED') ec.logger.forBot().warn(line)
    else ec.logger.debug(line)
    return reply(200, 'ignored')
  }
  await dispatchChannelEvent(ec, event)
  return reply(200, 'ok')
}

/** An app-webhook batch: events of other installations dropped, then each thread's events in order, threads side by side. */
const handleBatch = async (ec: EventContext, all: ConversationEvent[]): Promise<void> => {
  const { ours: bound, foreign } = await partitionByInstallation(ec, all, (e) => ({ portalId: e.portalId, appId: e.appId }))
  if (foreign[0]) {
    const first = describeMismatch(foreign[0].mismatch)
    ec.logger.debug(
      `Ignored ${foreign.length} event(s) of a HubSpot batch that name another installation (${first}${foreign.length > 1 ? ', …' : ''}).`
    )
  }
  const events = bound.map(classifyConversationEvent)
  const ours = threadFilter(ec, events)
  await runKeyedInOrder(
    events,
    (e) => ('threadId' in e ? e.threadId : 'ignored'),
    async (e) => {
      if (await ours(e)) return dispatchConversationEvent(ec, e)
      ec.logger.debug(`Ignoring ${e.kind} for thread ${'threadId' in e ? e.threadId : '?'}: not opened by this bot.`)
    },
    BATCH_CONCURRENCY
  )
}

/**
 * Valid when the signature matches any of the URLs HubSpot may have called (public-url.ts), each
 * checked in full (constant-time comparison, timestamp window); else the first URL's verdict.
 */
const verifyAny = (urls: string[], input: Omit<Parameters<typeof verifyHubspotSignature>[0], 'url'>): VerifyResult => {
  let first: VerifyResult | undefined
  for (const url of urls) {
    const verdict = verifyHubspotSignature({ ...input, url })
    if (verdict.ok) return verdict
    first ??= verdict
  }
  return first ?? { ok: false, reason: 'mismatch' }
}

/**
 * Where a custom-channel event says it comes from. An agent message carries the channel at the top
 * level and/or in `message` (both checked). A channel-account event's channel is checked by its
 * handler against the setup state it reads anyway (channel-account-changed.ts), so only the portal here.
 */
const channelClaimsOf = (event: ChannelEvent): EventClaims =>
  event.type === 'OUTGOING_CHANNEL_MESSAGE_CREATED'
    ? { channelIds: [event.channelId, event.message.channelId], portalId: event.portalId }
    : { portalId: event.portalId }
