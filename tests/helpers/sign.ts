import { createHash, createHmac } from 'node:crypto'
import { SECRETS, WEBHOOK_URL } from './props'

/**
 * Signs a delivery the way HubSpot does (v3: base64 HMAC-SHA256 of method + URI + body +
 * timestamp; v1: hex SHA-256 of secret + body). Written independently of src/webhook/signature.ts
 * so that the two check each other.
 */
export const signedRequest = (body: unknown, opts: { secret?: string; url?: string; timestamp?: number; method?: string; v1?: boolean } = {}) => {
  const raw = typeof body === 'string' ? body : JSON.stringify(body)
  const secret = opts.secret ?? SECRETS.clientSecret
  const url = opts.url ?? WEBHOOK_URL
  const timestamp = String(opts.timestamp ?? Date.now())
  const method = opts.method ?? 'POST'
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-hubspot-signature-v3': createHmac('sha256', secret).update(`${method}${url}${raw}${timestamp}`, 'utf8').digest('base64'),
    'x-hubspot-request-timestamp': timestamp,
  }
  if (opts.v1) {
    headers['x-hubspot-signature'] = createHash('sha256').update(`${secret}${raw}`, 'utf8').digest('hex')
    headers['x-hubspot-signature-version'] = 'v1'
  }
  const path = new URL(url).pathname.replace(/^\/wh_123/, '') || '/'
  return { method, path, query: new URL(url).search.replace(/^\?/, ''), headers, body: raw }
}
