import * as sdk from '@botpress/sdk'
import { endpoints } from './endpoints'
import type { HubspotHttp } from './http'
import { contactSchema, pageOf, type HubspotContact } from './schemas'

const { z } = sdk
const PROPERTIES = ['email', 'phone', 'mobilephone', 'firstname', 'lastname']

export type ContactLookup = { kind: 'email'; email: string } | { kind: 'phone'; phone: string }

/** CRM contacts: find the escalating person, or create them. */
export class ContactsApi {
  public constructor(private readonly _http: HubspotHttp) {}

  public async find(lookup: ContactLookup): Promise<HubspotContact | undefined> {
    const filterGroups =
      lookup.kind === 'email'
        ? [{ filters: [{ propertyName: 'email', operator: 'EQ', value: lookup.email }] }]
        : ['phone', 'mobilephone'].map((propertyName) => ({ filters: [{ propertyName, operator: 'EQ', value: lookup.phone }] }))
    const res = await this._http.request({
      method: 'POST',
      path: endpoints.crmObjects.contactSearch(),
      body: { filterGroups, properties: PROPERTIES, limit: 1 },
      auth: 'oauth',
      schema: pageOf(contactSchema).extend({ results: z.array(contactSchema) }),
      operation: 'search HubSpot contacts',
      // A search has no side effect.
      idempotent: true,
    })
    return res.results[0]
  }

  public async create(properties: Record<string, string>): Promise<HubspotContact> {
    return this._http.request({
      method: 'POST',
      path: endpoints.crmObjects.contacts(),
      body: { properties },
      auth: 'oauth',
      schema: contactSchema,
      operation: 'create the HubSpot contact',
    })
  }
}
