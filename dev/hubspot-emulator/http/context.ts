import type { IncomingHttpHeaders } from 'node:http'
import type { z } from '@botpress/sdk'
import type { Core } from '../core'
import { validationError, type ErrorDetail } from '../errors'

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
export type AuthRequirement = 'bearer' | 'developer' | 'none'

export type Reply = {
  status: number
  json?: unknown
  raw?: { body: Buffer; contentType: string }
  headers?: Record<string, string>
}

export type RequestContext = {
  core: Core
  method: string
  path: string
  params: Record<string, string>
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: Buffer
  /** Work to start once the response is written (e.g. webhooks HubSpot sends asynchronously). */
  afterResponse(task: () => Promise<unknown>): void
}

export type Route = {
  method: HttpMethod
  /** Segments starting with ":" are parameters, e.g. /threads/:threadId */
  pattern: string
  auth: AuthRequirement
  handle(ctx: RequestContext): Promise<Reply> | Reply
}

export const param = (ctx: RequestContext, name: string): string => {
  const value = ctx.params[name]
  if (value === undefined) throw new Error(`route parameter ${name} missing`)
  return value
}

export const header = (ctx: RequestContext, name: string): string | undefined => {
  const v = ctx.headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}

const issueDetails = (issues: z.ZodIssue[]): ErrorDetail[] =>
  issues.slice(0, 20).map((i) => ({
    message: `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`,
    in: i.path.join('.') || 'body',
    code: i.code.toUpperCase(),
  }))

/** Parses the JSON body against a schema; answers 400 VALIDATION_ERROR with an `errors` list otherwise. */
export const jsonBody = <S extends z.ZodTypeAny>(ctx: RequestContext, schema: S): z.infer<S> => {
  let data: unknown
  try {
    data = JSON.parse(ctx.body.toString('utf8'))
  } catch {
    throw validationError('Invalid input JSON: the request body is not valid JSON.', {
      errors: [{ message: 'Invalid JSON', in: 'body', code: 'INVALID_JSON' }],
    })
  }
  const parsed = schema.safeParse(data)
  if (!parsed.success) {
    const errors = issueDetails(parsed.error.issues)
    throw validationError(`Invalid input: ${errors.map((e) => e.message).join('; ')}`, { errors })
  }
  return parsed.data
}

/** Offset paging with opaque-looking `after` cursors, as HubSpot's collection endpoints page. */
export const page = <T>(ctx: RequestContext, items: T[], defaultLimit = 100, maxLimit = 500) => {
  const limitRaw = ctx.query.get('limit') ?? ctx.query.get('defaultPageLength')
  const limit = limitRaw === null ? defaultLimit : Number(limitRaw)
  if (!Number.isInteger(limit) || limit < 1) throw validationError(`limit must be a positive integer, got "${limitRaw}"`)
  const afterRaw = ctx.query.get('after')
  const offset = afterRaw === null || afterRaw === '' ? 0 : Number(afterRaw)
  if (!Number.isInteger(offset) || offset < 0) throw validationError(`after is not a valid paging cursor: "${afterRaw}"`)
  const size = Math.min(limit, maxLimit)
  const results = items.slice(offset, offset + size)
  const nextOffset = offset + size
  const next = new URLSearchParams(ctx.query)
  next.set('after', String(nextOffset))
  next.delete('hapikey')
  const paging =
    nextOffset < items.length ? { next: { after: String(nextOffset), link: `${ctx.core.baseUrl()}${ctx.path}?${next.toString()}` } } : undefined
  return { results, ...(paging ? { paging } : {}) }
}

/** The boolean query flags HubSpot accepts ("true"/"false"); anything else is a 400. */
export const boolQuery = (ctx: RequestContext, name: string): boolean | undefined => {
  const v = ctx.query.get(name)
  if (v === null) return undefined
  if (v === 'true' || v === 'false') return v === 'true'
  throw validationError(`${name} must be true or false, got "${v}"`)
}
