import * as sdk from '@botpress/sdk'
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import type { DeliveryIdentifierType } from '../hubspot/channels'

export type Identity =
  | { kind: 'email'; value: string }
  | { kind: 'phone'; value: string }
  | { kind: 'anonymous' }

const emailSchema = sdk.z.string().email()

/** Botpress's HITL plugin invents `<userId>@no-reply.<botId>.botpress.com` when it knows no email. */
const PLACEHOLDER_EMAIL = /@no-reply\.[^@\s]+\.botpress\.com$/i

/**
 * The hitl interface only has `email`, but HubSpot users escalate with an email or a phone, so
 * both are accepted there. Phones must be international (E.164 after normalisation): without a
 * country code a number is ambiguous, and a wrong guess links the wrong contact.
 */
export const identify = (raw: string | undefined): Identity => {
  const value = raw?.trim()
  if (!value || PLACEHOLDER_EMAIL.test(value)) return { kind: 'anonymous' }
  if (value.includes('@')) {
    if (emailSchema.safeParse(value).success) return { kind: 'email', value: value.toLowerCase() }
  } else {
    const international = value.startsWith('00') ? `+${value.slice(2)}` : value
    const phone = parsePhoneNumberFromString(international)
    if (phone?.isValid()) return { kind: 'phone', value: phone.number }
  }
  throw new sdk.RuntimeError(
    'createUser: "email" must be an email address (name@example.com) or an international phone number with its country code (+14155550123), or be left empty for an anonymous visitor.'
  )
}

export const deliveryIdentifierTypeOf = (identity: Identity): DeliveryIdentifierType =>
  identity.kind === 'email' ? 'HS_EMAIL_ADDRESS' : identity.kind === 'phone' ? 'HS_PHONE_NUMBER' : 'CHANNEL_SPECIFIC_OPAQUE_ID'

/** Splits a display name into HubSpot's firstname/lastname. */
export const splitName = (name: string): { firstname?: string; lastname?: string } => {
  const parts = name.trim().split(/\s+/).filter(Boolean)
  if (parts.length === 0) return {}
  if (parts.length === 1) return { firstname: parts[0] }
  return { firstname: parts.slice(0, -1).join(' '), lastname: parts[parts.length - 1] }
}
