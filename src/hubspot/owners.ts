import { endpoints } from './endpoints'
import type { HubspotHttp } from './http'
import { ownerSchema, pageOf, type HubspotOwner } from './schemas'

const ownersPageSchema = pageOf(ownerSchema)

/** CRM owners (scope `crm.objects.owners.read`): the HubSpot users records and threads can be assigned to. */
export class OwnersApi {
  public constructor(private readonly _http: HubspotHttp) {}

  /** The active owner with this email, or undefined. HubSpot matches emails case-insensitively; so does the check here. */
  public async findByEmail(email: string): Promise<HubspotOwner | undefined> {
    const page = await this._http.request({
      method: 'GET',
      path: endpoints.owners.owners(),
      query: { email, limit: 10 },
      auth: 'oauth',
      schema: ownersPageSchema,
      operation: 'find the HubSpot user with the assignee email',
    })
    const wanted = email.trim().toLowerCase()
    return page.results.find((o) => o.archived !== true && (o.email ?? '').toLowerCase() === wanted)
  }
}
