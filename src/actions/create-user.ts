import { randomUUID } from 'node:crypto'
import { createUserInputSchema } from '../../definitions/hitl-interface'
import { createHubspotClient, HubspotApiError, type HubspotClient } from '../hubspot'
import { deliveryIdentifierTypeOf, identify, splitName, type Identity } from '../identity/identity'
import { parseInput } from './validate'
import type * as bp from '.botpress'

export const createUser: bp.IntegrationProps['actions']['createUser'] = async (props) => {
  const { client, logger } = props
  const input = parseInput('createUser', createUserInputSchema, props.input)
  const identity = identify(input.email)
  const type = deliveryIdentifierTypeOf(identity)

  if (identity.kind === 'anonymous') {
    // An opaque id per escalation: no CRM contact is guessed for an unknown visitor.
    const { user } = await client.createUser({
      name: input.name,
      pictureUrl: input.pictureUrl,
      tags: { deliveryIdentifierType: type, deliveryIdentifierValue: `botpress-${randomUUID()}` },
    })
    return { userId: user.id }
  }

  // A known person keeps one Botpress user, so the contact is looked up only once.
  const { users } = await client.listUsers({ tags: { deliveryIdentifierType: type, deliveryIdentifierValue: identity.value } })
  const known = users[0]
  if (known?.tags.contactId) return { userId: known.id }

  const hs = createHubspotClient(props)
  const contactId = await findOrCreateContact(hs, identity, input.name)
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

const findOrCreateContact = async (
  hs: HubspotClient,
  identity: Exclude<Identity, { kind: 'anonymous' }>,
  name: string
): Promise<string | undefined> => {
  const lookup = identity.kind === 'email' ? ({ kind: 'email', email: identity.value } as const) : ({ kind: 'phone', phone: identity.value } as const)
  const found = await hs.contacts.find(lookup)
  if (found) return found.id
  if (!hs.config.createMissingContacts) return undefined
  try {
    const created = await hs.contacts.create({ ...splitName(name), [identity.kind]: identity.value })
    return created.id
  } catch (err) {
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
