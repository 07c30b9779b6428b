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
      // The specs (v3 and 2026-03 PublicObjectSearchRequest) mark `after` and `sorts` required, though HubSpot is seen
      // to accept a search without them: both readings are met by sending the first page and no sort
      // (docs/hubspot.md, "CRM contacts, owners and tickets").
      body: { filterGroups, properties: PROPERTIES, limit: 1, after: '0', sorts: [] },
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
      // `associations` is required by the specs' SimplePublicObjectInputForCreate (v3 and 2026-03); none are made here.
      body: { properties, associations: [] },
      auth: 'oauth',
      schema: contactSchema,
      operation: 'create the HubSpot contact',
    })
  }
}
