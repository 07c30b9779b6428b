import { endpoints } from './endpoints'
import type { HubspotHttp } from './http'
import { ticketSchema, type HubspotTicket } from './schemas'

/** CRM tickets (scope `tickets`). */
export class TicketsApi {
  public constructor(private readonly _http: HubspotHttp) {}

  /** Sets ticket properties; a PATCH with the same values is harmless, so a retry cannot do damage. */
  public async updateProperties(ticketId: string, properties: Record<string, string>): Promise<HubspotTicket> {
    return this._http.request({
      method: 'PATCH',
      path: endpoints.crmObjects.ticket(ticketId),
      body: { properties },
      auth: 'oauth',
      schema: ticketSchema,
      operation: `set the properties of ticket ${ticketId}`,
    })
  }
}
