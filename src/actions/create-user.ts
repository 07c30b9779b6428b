import { randomUUID } from 'node:crypto'
import { createUserInputSchema } from '../../definitions/hitl-interface'
import { createHubspotClient, HubspotApiError, type HubspotClient } from '../hubspot'
import { deliveryIdentifierTypeOf, identify, splitName, typedContactTag, type Identity } from '../identity/identity'
import { parseInput } from './validate'
import type * as bp from '.botpress'

export const createUser: bp.IntegrationProps['actions']['createUser'] = async (props) => {
  const { client, logger } = props
  const input = parseInput('createUser', createUserInputSchema, props.input)
  const identity = identify(input.email)
  const warn = (m: string) => logger.forBot().warn(m)

  if (identity.kind === 'anonymous') {
    if (identity.typed !== undefined) {
      // Never the value itself: it is personal data the user may have mistyped.
      warn(
        `createUser: the contact the end user gave (${identity.typed.length} characters) is neither an email address nor an international phone number (+14155550123); escalating as an anonymous visitor, and the agent sees what was typed.`
      )
    }
    return { userId: await createAnonymousUser(client, input, identity.typed) }
  }
  const type = deliveryIdentifierTypeOf(identity)

  // A known person keeps one Botpress user, so the contact is looked up only once.
  const { users } = await client.listUsers({ tags: { deliveryIdentifierType: type, deliveryIdentifierValue: identity.value } })
  const known = users[0]
  if (known?.tags.contactId) return { userId: known.id }

  const hs = createHubspotClient(props)
  const contact = await findOrCreateContact(hs, identity, input.name)
  if (contact === REFUSED) {
    warn(
      `createUser: HubSpot refuses this ${identity.kind} as a contact's ${identity.kind} (it finds it invalid); escalating as an anonymous visitor, and the agent sees what was typed.`
    )
    return { userId: await createAnonymousUser(client, input, identity.value) }
  }
  const contactId = contact
  if (!contactId) logger.forBot().info(`No HubSpot contact for this ${identity.kind}; HubSpot will match it from the sender.`)
  const tags = { deliveryIdentifierType: type, deliveryIdentifierValue: identity.value, ...(contactId ? { contactId } : {}) }
  if (known) {
    await client.updateUser({ id: known.id, tags })
    return { userId: known.id }
  }
  const { user } = await client.getOrCreateUser({
    name: input.name,
    pictureUrl: input.pictureUrl,
    tags,
    discriminateByTags: ['deliveryIdentifierType', 'deliveryIdentifierValue'],
  })
  return { userId: user.id }
}

/**
 * An opaque id per escalation: no CRM contact is guessed for an unknown visitor. What the user
 * typed, if anything, rides on the user as a tag so startHitl shows it to the agent with no extra call.
 */
const createAnonymousUser = async (client: bp.Client, input: { name: string; pictureUrl?: string }, typed: string | undefined): Promise<string> => {
  const { user } = await client.createUser({
    name: input.name,
    pictureUrl: input.pictureUrl,
    tags: {
      deliveryIdentifierType: 'CHANNEL_SPECIFIC_OPAQUE_ID',
      deliveryIdentifierValue: `botpress-${randomUUID()}`,
      ...(typed ? { typedContact: typedContactTag(typed) } : {}),
    },
  })
  return user.id
}

/** HubSpot refused the email/phone itself: a fact about what the user typed, not about HubSpot. */
const REFUSED = Symbol('refused')

/**
 * HubSpot validates contact properties more strictly than we do (e.g. unknown top-level domains):
 * 400 VALIDATION_ERROR with INVALID_EMAIL (or an invalid phone) names the value, not the request.
 * Which exact wording HubSpot uses for phones is UNCONFIRMED, so any 400 validation error on the
 * identifier property counts.
 */
const isIdentifierRefused = (err: unknown, property: 'email' | 'phone'): boolean => {
  if (!(err instanceof HubspotApiError) || err.status !== 400) return false
  const message = err.details.hubspotMessage ?? ''
  return /INVALID_EMAIL|INVALID_PHONE/i.test(message) || (err.details.category === 'VALIDATION_ERROR' && message.includes(`"${property}"`))
}

const findOrCreateContact = async (
  hs: HubspotClient,
  identity: Exclude<Identity, { kind: 'anonymous' }>,
  name: string
): Promise<string | undefined | typeof REFUSED> => {
  const lookup = identity.kind === 'email' ? ({ kind: 'email', email: identity.value } as const) : ({ kind: 'phone', phone: identity.value } as const)
  const found = await hs.contacts.find(lookup)
  if (found) return found.id
  if (!hs.config.createMissingContacts) return undefined
  try {
    const created = await hs.contacts.create({ ...splitName(name), [identity.kind]: identity.value })
    return created.id
  } catch (err) {
    if (isIdentifierRefused(err, identity.kind)) return REFUSED
    // 409: the contact exists after all (a concurrent escalation, search-index lag, or the email
    // is another contact's secondary one); HubSpot names it, and escalation goes on either way.
    const conflict = err instanceof HubspotApiError && err.status === 409
    const named = conflict ? /Existing ID:\s*(\d+)/i.exec(err.details.hubspotMessage ?? '')?.[1] : undefined
    if (named) return named
    // A lost answer may hide a contact that was in fact created: look again before failing.
    const again = await hs.contacts.find(lookup)
    if (again) return again.id
    if (conflict) return undefined
    throw err
  }
}
