import { invalidPayload } from './api-error'
import type { Tags } from './json'

/** Tags given at creation: an empty value means "not set", as in Botpress. */
export const initialTags = (given: Tags): Tags => Object.fromEntries(Object.entries(given).filter(([, v]) => v !== ''))

/** Botpress merges tags on update; posting an empty value unsets that key. */
export const mergeTags = (current: Tags, patch: Tags | undefined): Tags => {
  if (!patch) return current
  const out: Tags = { ...current }
  for (const [k, v] of Object.entries(patch)) {
    if (v === '') delete out[k]
    else out[k] = v
  }
  return out
}

/** List filters: every given tag must match (an empty value matches an unset tag). */
export const matchesAllTags = (recordTags: Tags, filter: Tags): boolean => Object.entries(filter).every(([k, v]) => (recordTags[k] ?? '') === v)

/**
 * The keys that identify a record in getOrCreate*: `discriminateByTags` when given, else all the
 * given tags. Every discriminating key must have a value among the given tags.
 */
export const discriminatingTags = (tags: Tags, discriminateByTags: string[] | undefined): Tags => {
  const keys = discriminateByTags ?? Object.keys(tags)
  const out: Tags = {}
  for (const key of keys) {
    const value = tags[key]
    if (value === undefined || value === '') throw invalidPayload(`discriminateByTags: tag "${key}" has no value in tags`)
    out[key] = value
  }
  return out
}
