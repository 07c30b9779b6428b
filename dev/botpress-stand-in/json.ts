import { invalidPayload } from './api-error'

export type JsonRecord = Record<string, unknown>
export type Tags = Record<string, string>

export const isRecord = (value: unknown): value is JsonRecord => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * JSON with every non-ASCII UTF-16 unit written as a `\uXXXX` escape. The SDK's integration server
 * decodes request chunks one by one (`chunk.toString()`), which would corrupt a multi-byte
 * character split across two TCP chunks; an all-ASCII body cannot be split that way, and
 * `JSON.parse` restores the exact same string.
 */
export const toAsciiJson = (value: unknown): string =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

/** Typed access to a parsed JSON request body; a wrong or missing field is an InvalidPayload error. */
export class BodyReader {
  constructor(
    private readonly obj: JsonRecord,
    private readonly where: string
  ) {}

  static of(body: unknown, where: string): BodyReader {
    if (body === undefined || body === null) return new BodyReader({}, where)
    if (!isRecord(body)) throw invalidPayload(`${where}: body must be a JSON object`)
    return new BodyReader(body, where)
  }

  /** True when the key is present with a non-null value. */
  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null
  }

  /** True when the key is present with the value null. */
  isNull(key: string): boolean {
    return this.obj[key] === null
  }

  str(key: string): string {
    const v = this.obj[key]
    if (typeof v !== 'string' || v.length === 0) throw invalidPayload(`${this.where}: "${key}" must be a non-empty string`)
    return v
  }

  optStr(key: string): string | undefined {
    const v = this.obj[key]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'string') throw invalidPayload(`${this.where}: "${key}" must be a string`)
    return v
  }

  optNumber(key: string): number | undefined {
    const v = this.obj[key]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidPayload(`${this.where}: "${key}" must be a number`)
    return v
  }

  record(key: string): JsonRecord {
    const v = this.obj[key]
    if (!isRecord(v)) throw invalidPayload(`${this.where}: "${key}" must be an object`)
    return v
  }

  /** An object, or null (state payloads: null deletes the state). */
  recordOrNull(key: string): JsonRecord | null {
    const v = this.obj[key]
    if (v === null) return null
    if (!isRecord(v)) throw invalidPayload(`${this.where}: "${key}" must be an object or null`)
    return v
  }

  tags(key = 'tags'): Tags {
    return this.optStringMap(key) ?? {}
  }

  optStringMap(key: string): Tags | undefined {
    const v = this.obj[key]
    if (v === undefined || v === null) return undefined
    if (!isRecord(v)) throw invalidPayload(`${this.where}: "${key}" must be an object of strings`)
    const out: Tags = {}
    for (const [k, val] of Object.entries(v)) {
      if (val === undefined || val === null) continue
      if (typeof val !== 'string') throw invalidPayload(`${this.where}: "${key}.${k}" must be a string`)
      out[k] = val
    }
    return out
  }

  optStrArray(key: string): string[] | undefined {
    const v = this.obj[key]
    if (v === undefined || v === null) return undefined
    const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((e) => typeof e === 'string')
    if (!isStringArray(v)) throw invalidPayload(`${this.where}: "${key}" must be an array of strings`)
    return v
  }
}
