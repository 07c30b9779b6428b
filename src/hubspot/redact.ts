/**
 * Secrets must never reach a log line or an error message. axios errors embed the request URL
 * (with `hapikey`) and headers (with the bearer token), so nothing from axios is passed on as is:
 * every string that leaves the client goes through `redact`.
 */
const PATTERNS: RegExp[] = [
  /([?&](?:hapikey|access_token|refresh_token|client_secret|code)=)[^&#\s"']*/gi,
  // hapikey too: HubSpot and proxies echo it outside a query string ("hapikey=…", "hapikey: …").
  /(\b(?:refresh_token|client_secret|access_token|hapikey)["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi,
  /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi,
]

const knownSecrets = new Set<string>()
/**
 * One process serves many bots and refreshes tokens every half hour: the oldest entries are
 * dropped past this size (an expired access token is harmless, and `Bearer …` is scrubbed anyway).
 */
export const MAX_KNOWN_SECRETS = 2_000

/** Registers values (tokens, keys) to scrub wherever they appear, even outside a known pattern. */
export const registerSecret = (value: string | undefined): void => {
  // Very short values would scrub ordinary words; real HubSpot secrets are long.
  if (!value || value.length < 8) return
  knownSecrets.delete(value) // re-insert: most recently used last
  knownSecrets.add(value)
  if (knownSecrets.size > MAX_KNOWN_SECRETS) knownSecrets.delete(knownSecrets.values().next().value as string)
}

export const redact = (text: string): string => {
  let out = text
  // Longest first: a secret that contains another one must not be left half-scrubbed.
  const secrets = [...knownSecrets].sort((a, b) => b.length - a.length)
  for (const secret of secrets) out = out.split(secret).join('[REDACTED]')
  for (const pattern of PATTERNS) out = out.replace(pattern, '$1[REDACTED]')
  return out
}
