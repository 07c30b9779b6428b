import type { SetupState } from '../../definitions/states'
import type { HubspotConfig } from '../config'

/**
 * Inboxes an escalation may go to: the configured ones, the ones chosen on the setup page, and
 * those an admin connected from HubSpot's settings (stored channel accounts). Whether the channel is
 * still authorized there is checked separately.
 */
export const routableInboxes = (config: HubspotConfig, setup: SetupState): string[] => [
  ...new Set([...config.inboxIds, ...(setup.inboxChoice?.inboxIds ?? []), ...Object.keys(setup.channelAccounts)]),
]

/** The inbox used when startHitl names none: configured default, else the one chosen on the setup page, else any connected. */
export const defaultInboxOf = (config: HubspotConfig, setup: SetupState): string | undefined =>
  config.inboxIds[0] ?? setup.inboxChoice?.inboxIds[0] ?? Object.values(setup.channelAccounts).find((a) => a.authorized)?.inboxId
