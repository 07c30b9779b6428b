import * as sdk from '@botpress/sdk'
import type { DeliveryIdentifierType } from '../hubspot/channels'
import type { Participant } from '../hubspot/messages'

const TYPES: DeliveryIdentifierType[] = ['HS_EMAIL_ADDRESS', 'HS_PHONE_NUMBER', 'CHANNEL_SPECIFIC_OPAQUE_ID']

type UserLike = { id: string; name?: string; tags: Partial<Record<string, string>> }
type Tags = Partial<Record<string, string>>

export type Sender = { participant: Participant; contactId?: number }

const participantFrom = (type: string | undefined, value: string | undefined, name: string | undefined): Participant | undefined => {
  const known = TYPES.find((t) => t === type)
  if (!known || !value) return undefined
  return { deliveryIdentifier: { type: known, value }, ...(name ? { name } : {}) }
}

const toContactId = (raw: string | undefined): number | undefined => (raw && /^\d+$/.test(raw) ? Number(raw) : undefined)

/** The end user as a HubSpot sender, from the tags createUser stored (no lookup needed). */
export const senderOf = (user: UserLike): Participant => {
  const participant = participantFrom(user.tags.deliveryIdentifierType, user.tags.deliveryIdentifierValue, user.name)
  if (!participant) {
    throw new sdk.RuntimeError(`User ${user.id} was not created by this integration's createUser action; call createUser before startHitl.`)
  }
  return participant
}

/** Conversation tags that carry the end user's identity (set by startHitl). */
export const senderTagsOf = (user: UserLike): Record<string, string> => {
  const { deliveryIdentifier, name } = senderOf(user)
  return {
    senderIdentifierType: deliveryIdentifier.type,
    senderIdentifierValue: deliveryIdentifier.value,
    ...(name ? { senderName: name } : {}),
    ...(user.tags.contactId ? { contactId: user.tags.contactId } : {}),
  }
}

/**
 * Who a message in a HITL conversation comes from, as HubSpot should see it: the author when it
 * is the end user, otherwise (the HITL plugin posts as the bot) the end user the conversation
 * was opened for.
 */
export const resolveSender = (author: UserLike, conversationTags: Tags): Sender | undefined => {
  const own = participantFrom(author.tags.deliveryIdentifierType, author.tags.deliveryIdentifierValue, author.name)
  if (own) return { participant: own, contactId: toContactId(author.tags.contactId) }
  const t = conversationTags
  const fromConversation = participantFrom(t.senderIdentifierType, t.senderIdentifierValue, t.senderName)
  return fromConversation && { participant: fromConversation, contactId: toContactId(t.contactId) }
}

/** The channel account as the recipient of INCOMING messages (the identifier register gave it). */
export const inboxRecipient = (inboxId: string): Participant => ({
  deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: `botpress-${inboxId}` },
})

export const contactIdOf = (user: UserLike): number | undefined => toContactId(user.tags.contactId)
