import { isHubspotStatus, type HubspotClient } from '../hubspot'
import { refusedPropertiesOf, type RefusedProperty } from './refusals'
import { SAFEST_PROPERTY_NAMES, STANDARD_PROPERTY_NAMES } from './session'

export type SetPropertiesResult = { applied: Record<string, string>; refused: RefusedProperty[] }

export const MAX_PATCHES = 5

const pick = (props: Record<string, string>, names: string[]): Record<string, string> =>
  Object.fromEntries(Object.entries(props).filter(([k]) => names.includes(k)))

/**
 * PATCHes the ticket, dropping what HubSpot refuses: a 400 that names properties → retry without
 * them; a 400 that names none → retry with the standard fields only, then with subject and
 * priority only, then give up. Never throws for a refusal (the escalation must not fail for a
 * portal-specific value); any other failure (403 missing scope, 404, 5xx) is thrown for the
 * caller to log.
 */
export const setTicketProperties = async (
  hs: HubspotClient,
  ticketId: string,
  wanted: Record<string, string>,
  warn: (msg: string) => void
): Promise<SetPropertiesResult> => {
  let props = { ...wanted }
  const refused: RefusedProperty[] = []
  const fallbacks = [STANDARD_PROPERTY_NAMES, SAFEST_PROPERTY_NAMES]
  for (let patch = 0; patch < MAX_PATCHES && Object.keys(props).length > 0; patch++) {
    try {
      await hs.tickets.updateProperties(ticketId, props)
      return { applied: props, refused }
    } catch (err) {
      const named = refusedPropertiesOf(err, Object.keys(props))
      if (named.length === 0 && !isValidation(err)) throw err
      const dropped: RefusedProperty[] = named.length
        ? named
        : nextFallback(props, fallbacks, err instanceof Error ? err.message : 'refused by HubSpot')
      if (dropped.length === 0) break
      for (const r of dropped) {
        warn(`HubSpot refused ticket property ${r.name} on ticket ${ticketId} (${r.reason}); the escalation goes on without it.`)
      }
      refused.push(...dropped)
      const names = new Set(dropped.map((r) => r.name))
      props = Object.fromEntries(Object.entries(props).filter(([k]) => !names.has(k)))
    }
  }
  if (Object.keys(props).length > 0) warn(`Gave up setting properties of ticket ${ticketId}: HubSpot kept refusing them.`)
  return { applied: {}, refused }
}

const isValidation = (err: unknown): boolean => isHubspotStatus(err, 400)

/** Drops everything outside the next fallback set that still removes something; [] when none does. */
const nextFallback = (props: Record<string, string>, fallbacks: string[][], reason: string): RefusedProperty[] => {
  while (fallbacks.length > 0) {
    const keep = fallbacks.shift() ?? []
    const kept = pick(props, keep)
    const dropped = Object.keys(props).filter((k) => !(k in kept))
    if (dropped.length > 0) return dropped.map((name) => ({ name, reason: `HubSpot refused the update without naming a property (${reason})` }))
  }
  return []
}
