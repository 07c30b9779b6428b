import { HubspotApiError } from '../hubspot'

export type RefusedProperty = { name: string; reason: string }

const NAME = /^[A-Za-z0-9_]+$/

/**
 * Which properties a 400 from PATCH /crm/objects/2026-03/tickets names, and why. HubSpot's documented
 * shape is UNCONFIRMED, so both readings seen in practice are handled:
 * - the message embeds a JSON list: `Property values were not valid: [{"isValid":false,"message":"…","error":"PROPERTY_DOESNT_EXIST","name":"foo"}]`;
 * - or only prose: `Property "foo" does not exist` / `… was not one of the allowed options …`.
 * Only names among `candidates` count, so a mis-parse can never drop a property we did not send.
 */
export const refusedPropertiesOf = (err: unknown, candidates: string[]): RefusedProperty[] => {
  if (!(err instanceof HubspotApiError) || err.status !== 400) return []
  const message = err.details.hubspotMessage ?? ''
  const found = new Map<string, string>()
  for (const entry of embeddedEntries(message)) {
    if (entry.name && NAME.test(entry.name) && !found.has(entry.name)) found.set(entry.name, entry.reason)
  }
  for (const m of message.matchAll(/Property \\?"([A-Za-z0-9_]+)\\?" does not exist/g)) {
    if (m[1] && !found.has(m[1])) found.set(m[1], 'PROPERTY_DOESNT_EXIST: the property does not exist in this HubSpot account')
  }
  return [...found].filter(([name]) => candidates.includes(name)).map(([name, reason]) => ({ name, reason }))
}

type Entry = { name?: string; reason: string }

const embeddedEntries = (message: string): Entry[] => {
  const start = message.indexOf('[')
  const end = message.lastIndexOf(']')
  if (start < 0 || end <= start) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(message.slice(start, end + 1))
  } catch {
    // Not JSON after all: fall back to picking "name":"…" pairs out of the text.
    return [...message.matchAll(/"name"\s*:\s*"([A-Za-z0-9_]+)"/g)].map((m) => ({ name: m[1], reason: 'refused by HubSpot' }))
  }
  if (!Array.isArray(parsed)) return []
  return parsed.flatMap((item: unknown): Entry[] => {
    if (typeof item !== 'object' || item === null) return []
    const o = item as Record<string, unknown>
    const name = typeof o.name === 'string' ? o.name : undefined
    const code = typeof o.error === 'string' ? o.error : undefined
    const text = typeof o.message === 'string' ? o.message : undefined
    return [{ name, reason: [code, text].filter(Boolean).join(': ') || 'refused by HubSpot' }]
  })
}
