import type { ConnectionState } from '../../definitions/states'
import { saveConnection } from '../connect/connection-state'
import type { CredentialsMode } from '../credentials'
import { redact } from '../hubspot/redact'
import type * as bp from '.botpress'

/**
 * The installation's routing identifier (`client.configureIntegration({ identifier })`): with the publisher app,
 * Botpress delivers a request to the integration-level URL to the installation whose identifier extract.vrl reads
 * from it, the HubSpot portal id. The OAuth callback claims it (src/connect/oauth-flow.ts); these keep it matching
 * the configuration when it is saved and when the integration is removed. None of them fails the operation: a
 * refusal is logged with what it means (whether Botpress allows the call from register and unregister is
 * UNCONFIRMED, docs/hubspot.md "Publisher app").
 */

type Props = { ctx: bp.Context; client: bp.Client; logger: bp.Logger }

const reasonOf = (err: unknown): string => (err instanceof Error ? redact(err.message) : 'unknown error')

/**
 * `register`, with the connection state it read:
 * - publisher mode, connected: claims the connected account's portal id again. An uninstall cleared it, and a
 *   reinstall whose states survived is connected without any callback to claim it (one Botpress call per register);
 * - own-app mode, when an earlier publisher-mode configuration left an identifier: releases it, so the publisher
 *   app's events for that account stop reaching a bot that no longer verifies them (every one would be a 401), and
 *   another bot may claim the account.
 */
export const syncRoutingIdentifier = async (props: Props, mode: CredentialsMode, connection: ConnectionState): Promise<void> => {
  const log = props.logger.forBot()
  if (mode === 'publisher') {
    if (!connection.refreshToken || !connection.hubId) return // Connect's callback claims it
    try {
      await props.client.configureIntegration({ identifier: connection.hubId })
    } catch (err) {
      log.warn(
        `Could not route HubSpot account ${connection.hubId}'s events to this bot (${reasonOf(err)}): escalations still open, but assignments, replies and closes may not reach it. Open Connect again; if that fails too, another bot is connected to that account through this integration.`
      )
    }
    return
  }
  if (!connection.identifier) return
  try {
    await props.client.configureIntegration({ identifier: null })
  } catch (err) {
    log.warn(
      `Could not stop routing the publisher app's events of HubSpot account ${connection.identifier} to this bot (${reasonOf(err)}); it uses its own HubSpot app now, and answers them 401.`
    )
    return
  }
  const { identifier: _released, ...rest } = connection
  await saveConnection(props, rest)
  log.info(`HubSpot account ${connection.identifier} is no longer routed to this bot through the publisher app: it uses its own HubSpot app now.`)
}

/**
 * `unregister`, publisher mode: the identifier (our portal id) must not keep routing the app's webhooks to a bot
 * that uninstalled. A refusal is only a warning, since Botpress drops the installation, and its identifier, anyway.
 */
export const stopRoutingByPortal = async (props: Props, mode: CredentialsMode): Promise<void> => {
  if (mode !== 'publisher') return
  try {
    await props.client.configureIntegration({ identifier: null })
  } catch (err) {
    props.logger
      .forBot()
      .warn(`Could not clear this installation's HubSpot routing identifier (${reasonOf(err)}); Botpress removes it with the installation.`)
  }
}
