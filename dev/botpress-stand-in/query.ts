import type { Tags } from './json'

/**
 * A list endpoint's query string as `@botpress/client` writes it: `qs.stringify(query, { allowDots:
 * true, arrayFormat: 'repeat' })`, so `tags: {a: '1'}` arrives as `tags.a=1` and arrays as repeated
 * keys. `tags[a]=1` is accepted too.
 */
export type ParsedQuery = {
  get(key: string): string | undefined
  getAll(key: string): string[]
  tags: Tags
}

const TAG_DOT = /^tags\.(.+)$/
const TAG_BRACKET = /^tags\[(.+)\]$/

export const parseQuery = (search: string): ParsedQuery => {
  const params = new URLSearchParams(search)
  const tags: Tags = {}
  for (const [key, value] of params) {
    const m = TAG_DOT.exec(key) ?? TAG_BRACKET.exec(key)
    if (m?.[1] !== undefined) tags[m[1]] = value
  }
  return {
    get: (key) => params.get(key) ?? undefined,
    getAll: (key) => [...params.getAll(key), ...params.getAll(`${key}[]`)],
    tags,
  }
}
