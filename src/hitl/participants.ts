import * as sdk from '@botpress/sdk'
import type { DeliveryIdentifierType } from '../hubspot/channels'
import type { Participant } from '../hubspot/messages'

const TYPES: DeliveryIdentifierType[] = ['HS_EMAIL_ADDRESS', 'HS_PHONE_NUMBER', 'CHANNEL_SPECIFIC_OPAQUE_ID']

type UserLike = { id: string; name?: string; tags: Partial<Record<string, string>> }

/** The end user as a HubSpot sender, from the tags createUser stored (no lookup needed). */
export const senderOf = (user: UserLike): Participant => {
  const type = TYPES.find((t) => t === user.tags.deliveryIdentifierType)
  const value = user.tags.deliveryIdentifierValue
  if (!type || !value) {
    throw new sdk.RuntimeError(`User ${user.id} was not created by this integration's createUser action; call createUser before startHitl.`)
  }
  return { deliveryIdentifier: { type, value }, ...(user.name ? { name: user.name } : {}) }
}

/** The channel account as the recipient of INCOMING messages (the identifier register gave it). */
export const inboxRecipient = (inboxId: string): Participant => ({
  deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: `botpress-${inboxId}` },
})

export const contactIdOf = (user: UserLike): number | undefined => {
  const raw = user.tags.contactId
  return raw && /^\d+$/.test(raw) ? Number(raw) : undefined
}
