import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ' // Crockford base32, as in Botpress' ULID-like ids

/** A Botpress-looking id: `prefix_` followed by 26 random base32 characters. */
export const newId = (prefix: string): string => {
  const bytes = randomBytes(26)
  let out = ''
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length]
  return `${prefix}_${out}`
}

export const nowIso = (): string => new Date().toISOString()
