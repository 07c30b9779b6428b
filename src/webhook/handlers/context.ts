import type { HubspotClient } from '../../hubspot'
import type * as bp from '.botpress'

/** What every webhook event handler gets. */
export type EventContext = {
  ctx: bp.Context
  client: bp.Client
  logger: bp.Logger
  hs: HubspotClient
}
