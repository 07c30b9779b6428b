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

/** Registers values (tokens, keys) to scrub wherever they appear, even outside a known pattern. */
export const registerSecret = (value: string | undefined): void => {
  // Very short values would scrub ordinary words; real HubSpot secrets are long.
  if (value && value.length >= 8) knownSecrets.add(value)
}

export const redact = (text: string): string => {
  let out = text
  // Longest first: a secret that contains another one must not be left half-scrubbed.
  const secrets = [...knownSecrets].sort((a, b) => b.length - a.length)
  for (const secret of secrets) out = out.split(secret).join('[REDACTED]')
  for (const pattern of PATTERNS) out = out.replace(pattern, '$1[REDACTED]')
  return out
}
