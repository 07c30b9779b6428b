import { createHash, createHmac } from 'node:crypto'

/**
 * HubSpot request signatures, as documented in "Validating requests" (developers.hubspot.com).
 * v3: base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)), timestamp in ms.
 * v1: hex(SHA-256(clientSecret + body)), used by Webhooks-API subscription batches.
 */

/** Escapes HubSpot decodes in the URI before signing; receivers apply the same table. */
const DECODED_ESCAPES: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
}

export const signatureUri = (uri: string): string =>
  uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED_ESCAPES[m.toUpperCase()] ?? m)

export const signV3 = (secret: string, method: string, uri: string, body: string, timestamp: number): string =>
  createHmac('sha256', secret)
    .update(`${method.toUpperCase()}${signatureUri(uri)}${body}${timestamp}`, 'utf8')
    .digest('base64')

export const signV1 = (secret: string, body: string): string => createHash('sha256').update(`${secret}${body}`, 'utf8').digest('hex')

/** Headers for a POST of `body` to `uri`; `withV1` adds the legacy batch signature. */
export const signatureHeaders = (secret: string, uri: string, body: string, timestamp: number, withV1: boolean): Record<string, string> => ({
  'X-HubSpot-Signature-v3': signV3(secret, 'POST', uri, body, timestamp),
  'X-HubSpot-Request-Timestamp': String(timestamp),
  ...(withV1 ? { 'X-HubSpot-Signature': signV1(secret, body), 'X-HubSpot-Signature-Version': 'v1' } : {}),
})
