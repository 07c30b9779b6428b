import type { TicketState } from '../../definitions/states'
import { isNotFound } from '../botpress-errors'
import { cacheOf } from '../cache'
import { HubspotApiError, type HubspotClient } from '../hubspot'
import { renderRefusedNote } from '../render/escalation-note'
import { withKeyLock } from '../webhook/concurrency'
import { setTicketProperties } from './set-properties'
import { ticketTuning } from './tuning'
import type * as bp from '.botpress'

type Log = { warn: (m: string) => void; debug: (m: string) => void }
export type OccasionContext = { client: bp.Client; hs: HubspotClient; log: Log }

/** The context an occasion needs, from the props every handler already has. */
export const occasionContext = (p: { client: bp.Client; hs: HubspotClient; logger: bp.Logger }): OccasionContext => ({
  client: p.client,
  hs: p.hs,
  log: { warn: (m) => p.logger.forBot().warn(m), debug: (m) => p.logger.forBot().debug(m) },
})

/**
 * In-process hint of conversations whose ticket fields are pending, so webhook events (which do
 * not carry the conversation's tags) can tell for free. The tag `ticketPending` is the durable
 * marker; a cold instance misses webhook occasions but the next end-user message (which carries
 * the tags) still does the work.
 */
const pendingHint = cacheOf<true>('pendingTickets')

export const PENDING_TAG = 'ticketPending'

export const isTicketPending = (conversationId: string, tags?: Partial<Record<string, string>>): boolean =>
  pendingHint.has(conversationId) || tags?.[PENDING_TAG] === 'true'

/** Called by startHitl when the ticket was not there yet: state first, then the tag that points at it. */
export const markTicketPending = async (client: bp.Client, conversationId: string, threadId: string, properties: Record<string, string>) => {
  const state: TicketState = { threadId, properties, since: ticketTuning.now(), attempts: 0, done: false }
  await client.setState({ type: 'conversation', name: 'ticket', id: conversationId, payload: state })
  await client.updateConversation({ id: conversationId, tags: { [PENDING_TAG]: 'true' } })
  pendingHint.set(conversationId, true)
}

const loadState = async (client: bp.Client, conversationId: string): Promise<TicketState | undefined> => {
  try {
    const { state } = await client.getState({ type: 'conversation', name: 'ticket', id: conversationId })
    return state.payload
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

const finish = async (client: bp.Client, conversationId: string, state: TicketState | undefined): Promise<void> => {
  if (state && !state.done) await client.setState({ type: 'conversation', name: 'ticket', id: conversationId, payload: { ...state, done: true } })
  // An empty value unsets the tag; the normal path is free again.
  await client.updateConversation({ id: conversationId, tags: { [PENDING_TAG]: '' } })
  pendingHint.delete(conversationId)
}

/**
 * A later occasion of a conversation (an end-user message, a webhook event): when its ticket
 * fields are pending, look for the ticket once and set them. Serialised per conversation, and the
 * state's `done` makes a redelivered or concurrent occasion do nothing. Never throws: the
 * occasion's own work must not fail because of the ticket.
 */
export const onTicketOccasion = async (oc: OccasionContext, conversationId: string, tags?: Partial<Record<string, string>>): Promise<void> => {
  if (!isTicketPending(conversationId, tags)) return
  try {
    await withKeyLock(`ticket:${conversationId}`, () => runOccasion(oc, conversationId))
  } catch (err) {
    oc.log.warn(
      `Could not set the pending ticket fields of conversation ${conversationId} yet: ${err instanceof Error ? err.message : 'unknown error'}`
    )
  }
}

const runOccasion = async (oc: OccasionContext, conversationId: string): Promise<void> => {
  const { client, log } = oc
  const state = await loadState(client, conversationId)
  if (!state || state.done) {
    await finish(client, conversationId, undefined)
    return
  }
  try {
    await lookAndSet(oc, conversationId, state)
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'unknown error'
    if (isClientError(err)) {
      // 403 (scope `tickets` missing), 404 (thread or ticket gone): asking again will not help.
      log.warn(`Gave up setting the ticket fields of thread ${state.threadId}: ${reason}`)
      await finish(client, conversationId, state)
      return
    }
    // 5xx, network: try again on a later occasion, within the same bounds.
    await countMiss(oc, conversationId, state, `a HubSpot error (${reason})`)
  }
}

const lookAndSet = async (oc: OccasionContext, conversationId: string, state: TicketState): Promise<void> => {
  const { client, hs, log } = oc
  const ticketId = await hs.conversations.getTicketIdOfThread(state.threadId)
  if (!ticketId) {
    await countMiss(oc, conversationId, state, 'no ticket (a plain Inbox has none)')
    return
  }
  const result = await setTicketProperties(hs, ticketId, state.properties, log.warn)
  // Done before the note: a failing note must not make the next occasion PATCH again.
  await finish(client, conversationId, state)
  if (result.refused.length > 0) {
    await hs.conversations.addComment(state.threadId, renderRefusedNote(result.refused)).catch((err: unknown) => {
      log.warn(`Could not post the note about refused ticket properties: ${err instanceof Error ? err.message : 'unknown error'}`)
    })
  }
}

const countMiss = async (oc: OccasionContext, conversationId: string, state: TicketState, why: string): Promise<void> => {
  const attempts = state.attempts + 1
  if (attempts >= ticketTuning.maxLaterAttempts || ticketTuning.now() - state.since >= ticketTuning.maxPendingMs) {
    oc.log.debug(`Thread ${state.threadId}: ${why} after ${attempts} later looks; its ticket fields are dropped.`)
    await finish(oc.client, conversationId, state)
    return
  }
  await oc.client.setState({ type: 'conversation', name: 'ticket', id: conversationId, payload: { ...state, attempts } })
}

const isClientError = (err: unknown): boolean =>
  err instanceof HubspotApiError && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 429
