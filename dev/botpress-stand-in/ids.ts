import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ' // Crockford base32, as in Botpress' ULID-like ids

/** A Botpress-looking id: `prefix_` followed by 26 random base32 characters. */
export const newId = (prefix: string): string => {
  const bytes = randomBytes(26)
  let out = ''
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length]
  return `${prefix}_${out}`
}

let lastMs = 0

/**
 * Now, as ISO 8601, strictly increasing within the process: records created in the same
 * millisecond still sort by creation time (the real API orders messages by createdAt, and the HITL
 * plugin re-sorts its history page by it), at the cost of running up to a few ms ahead in a burst.
 */
export const nowIso = (): string => {
  lastMs = Math.max(Date.now(), lastMs + 1)
  return new Date(lastMs).toISOString()
}
