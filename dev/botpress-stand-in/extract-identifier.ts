import { isRecord } from './json'

/**
 * What the definition's `identifier.extractScript` (extract.vrl at the repository root) computes, in
 * TypeScript: no VRL runtime exists here, so this is the model the stand-in routes by, and
 * extract-identifier.test.ts pins it to the script's text so the two cannot drift apart.
 *
 *   body = parse_json!(.body)
 *   event = if is_array(body) { body[0] } else { body }
 *   to_string!(event.portalId)
 *
 * VRL semantics kept: a body that is not JSON aborts the script (`parse_json!`); `body[0]` of an
 * empty array and a path into a non-object are `null`; `to_string` turns null into "", numbers and
 * booleans into their text, and aborts on an object or array (`!`). An aborted script yields
 * `undefined` (Botpress then routes nothing by identifier); "" is a result, but no installation can
 * hold it (see installations.ts).
 */
export const extractIdentifier = (rawBody: string | undefined): string | undefined => {
  let body: unknown
  try {
    body = JSON.parse(rawBody ?? '')
  } catch {
    return undefined
  }
  const event: unknown = Array.isArray(body) ? body[0] : body
  const portalId: unknown = isRecord(event) ? event.portalId : null
  if (portalId === null || portalId === undefined) return ''
  if (typeof portalId === 'string') return portalId
  if (typeof portalId === 'number' || typeof portalId === 'boolean') return String(portalId)
  return undefined
}
