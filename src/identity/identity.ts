import * as sdk from '@botpress/sdk'
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import type { DeliveryIdentifierType } from '../hubspot/channels'

export type Identity =
  | { kind: 'email'; value: string }
  | { kind: 'phone'; value: string }
  /** `typed`: what the user gave when it was neither an email nor a phone, shown to the agent. */
  | { kind: 'anonymous'; typed?: string }

const emailSchema = sdk.z.string().email()

/** Botpress's HITL plugin invents `<userId>@no-reply.<botId>.botpress.com` when it knows no email. */
const PLACEHOLDER_EMAIL = /@no-reply\.[^@\s]+\.botpress\.com$/i

/**
 * The hitl interface only has `email`, but HubSpot users escalate with an email or a phone, so
 * both are accepted there. Phones must be international (E.164 after normalisation): without a
 * country code a number is ambiguous, and a wrong guess links the wrong contact.
 *
 * Botpress's HITL plugin passes whatever the end user typed, so anything else (a typo, "call me
 * tomorrow") is an anonymous visitor rather than an error: the end user cannot fix it once they were
 * told they are escalated, and the agent still sees the typed text in the transcript.
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
  return { kind: 'anonymous', typed: value }
}

/**
 * Botpress tag values are short strings (the API refuses long ones), and the value only has to
 * let an agent recognise what was typed, so it is cut on a character boundary with an ellipsis.
 */
export const TYPED_CONTACT_MAX_CHARS = 200

export const typedContactTag = (typed: string): string => {
  const oneLine = typed.replace(/\s+/g, ' ').trim()
  const chars = Array.from(oneLine)
  return chars.length <= TYPED_CONTACT_MAX_CHARS ? oneLine : `${chars.slice(0, TYPED_CONTACT_MAX_CHARS - 1).join('')}…`
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
