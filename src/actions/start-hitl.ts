import { randomUUID } from 'node:crypto'
import * as sdk from '@botpress/sdk'
import { ticketSchema } from '../../definitions/entities'
import { buildStartHitlInputSchema } from '../../definitions/hitl-interface'
import { isNotFound } from '../botpress-errors'
import { rememberThread } from '../hitl/conversation-tags'
import { contactIdOf, inboxRecipient, senderOf, senderTagsOf } from '../hitl/participants'
import { createHubspotClient } from '../hubspot'
import { redact } from '../hubspot/redact'
import type { HubspotMessage } from '../hubspot/schemas'
import { renderTranscript } from '../render/transcript'
import { defaultInboxOf, routableInboxes } from '../setup/inboxes'
import { requireSetupState } from '../setup/setup-state'
import { afterThreadOpened, ticketWorkBudgetMs } from '../tickets/escalation'
import { checkTicketSession } from '../tickets/session'
import { setupUrlOf } from '../connect/urls'
import { parseInput } from './validate'
import type * as bp from '.botpress'

const inputSchema = buildStartHitlInputSchema(ticketSchema)

export const startHitl: bp.IntegrationProps['actions']['startHitl'] = async (props) => {
  const { client } = props
  const input = parseInput('startHitl', inputSchema, props.input)
  checkTicketSession(input.hitlSession)
  const hs = createHubspotClient(props)
  const setup = await requireSetupState(props)

  const inboxId = input.hitlSession?.inboxId ?? defaultInboxOf(hs.config, setup) ?? ''
  const routable = routableInboxes(hs.config, setup)
  if (!routable.includes(inboxId)) {
    throw new sdk.RuntimeError(
      routable.length > 0
        ? `startHitl: inbox ${inboxId} is not configured; use one of ${routable.join(', ')}.`
        : `startHitl: no HubSpot inbox is connected yet: choose inboxes on the setup page (${setupUrlOf(setup.webhookUrl)}) or set "Inbox ID" in the configuration.`
    )
  }
  const account = setup.channelAccounts[inboxId]
  if (!account?.authorized) {
    throw new sdk.RuntimeError(
      `startHitl: the channel is ${account ? 'no longer authorized' : 'not connected'} in HubSpot inbox ${inboxId} (disconnected or removed there). Save the integration configuration again to reconnect it.`
    )
  }

  const user = await getEndUser(client, input.userId)
  const transcript = renderTranscript({
    title: input.title,
    description: input.description,
    userName: user.name,
    history: input.messageHistory,
    typedContact: user.tags.typedContact,
  })
  const integrationThreadId = randomUUID()
  // The conversation exists before the thread does, so an agent reply or assignment that HubSpot
  // sends the instant the thread opens already finds it (by integrationThreadId).
  const { conversation } = await client.getOrCreateConversation({
    channel: 'hitl',
    tags: { integrationThreadId, channelId: setup.channelId, channelAccountId: account.id, inboxId, userId: user.id, ...senderTagsOf(user) },
    discriminateByTags: ['integrationThreadId'],
  })
  let message: HubspotMessage
  try {
    message = await hs.messages.publishIncoming(setup.channelId, {
      channelAccountId: account.id,
      integrationThreadId,
      integrationIdempotencyId: `start-${integrationThreadId}`,
      text: transcript.text,
      richText: transcript.richText,
      senders: [senderOf(user)],
      recipients: [inboxRecipient(inboxId)],
      timestamp: new Date().toISOString(),
      attachments: [],
      associateWithContactId: contactIdOf(user),
    })
  } catch (err) {
    await client.deleteConversation({ id: conversation.id }).catch((cleanupErr: unknown) => {
      props.logger.forBot().warn(`Could not remove the unused HITL conversation ${conversation.id}: ${String(cleanupErr)}`)
    })
    throw err
  }
  const threadId = message.conversationsThreadId
  // An assignment HubSpot reports from here on must wait for the HITL plugin to activate the
  // session (src/hitl/activation.ts); `openedAt` tells it when, in the write already made.
  rememberThread(props.ctx.botId, threadId, { conversationId: conversation.id, opening: true })
  // The ticket, assignment and note work below runs before startHitl returns, and may take up to
  // its bounded budget: another instance reading the tag must not think the plugin is already
  // active, so the tag carries the latest time startHitl can return.
  const latestReturn = Date.now() + ticketWorkBudgetMs(input.hitlSession)
  await client.updateConversation({ id: conversation.id, tags: { hubspotThreadId: threadId, openedAt: String(latestReturn) } })
  const opened = { conversationId: conversation.id, threadId, inboxId, endUser: user }
  try {
    await afterThreadOpened({ ...props, hs, ...opened, title: input.title, description: input.description, session: input.hitlSession })
  } finally {
    // On this instance the real moment is known: an early assignment waited on `opening` until now.
    rememberThread(props.ctx.botId, threadId, { conversationId: conversation.id, openedAt: Date.now() })
  }
  return { conversationId: conversation.id }
}

const getEndUser = async (client: bp.Client, userId: string) => {
  try {
    const { user } = await client.getUser({ id: userId })
    return user
  } catch (err) {
    if (isNotFound(err)) {
      throw new sdk.RuntimeError(`startHitl: user ${userId} does not exist; pass the userId returned by createUser.`)
    }
    // Anything else is Botpress failing, not the bot passing a wrong id: say which call failed, and that retrying is the fix.
    // Botpress's message is quoted to the bot builder: scrubbed like every error text that leaves the integration.
    const reason = redact(err instanceof Error ? err.message : String(err))
    throw new sdk.RuntimeError(
      `startHitl: Botpress could not return user ${userId} (${reason}); nothing was sent to HubSpot, try the escalation again.`
    )
  }
}
