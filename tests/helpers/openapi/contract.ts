import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020'
import addFormats from 'ajv-formats'
import { boundaryOf, MultipartError, parseMultipart } from '../../../dev/hubspot-emulator/multipart'
import type { SpecFile } from './spec-files'
import { convertInline, defsDocument, isObject, type Direction } from './to-json-schema'

/**
 * Checks one HTTP exchange with HubSpot (what the integration sent, what it was answered) against the operation of
 * HubSpot's published OpenAPI specs for its method and path. Used on nock's traffic in unit tests
 * (`tests/setup/contract-unit.ts`) and on the emulator's in e2e, browser and reliability tests
 * (`tests/setup/contract-emulator.ts`). What is strict in which direction: `to-json-schema.ts`.
 */

export type Exchange = {
  method: string
  /** The path as sent (percent-encoded), without the query. */
  path: string
  query: URLSearchParams
  request: { contentType?: string | undefined; body?: string | Buffer | undefined }
  /** Absent when only the request is checked (nock checks it before the reply exists). */
  response?: {
    status: number
    contentType?: string | undefined
    body?: string | Buffer | undefined
    /** Set by a fake that departs from the spec on purpose (header `x-contract-off-spec: <why>`): the exchange is not checked. */
    offSpec?: string | undefined
  }
}

/**
 * The reply header a test fake (nock reply, emulator fault) sets to say its exchange departs from the spec on purpose:
 * to prove the code copes with what HubSpot has been seen to answer although its spec does not say so, or to drive the
 * HTTP layer with a made-up path. Neither its request nor its reply is checked; the value says why.
 */
export const OFF_SPEC_HEADER = 'x-contract-off-spec'

/** Headers for such a reply: `.reply(204, '', offSpec('HubSpot answers some PATCHes with an empty 204'))`. */
export const offSpec = (why: string): Record<string, string> => ({ [OFF_SPEC_HEADER]: why })

export type Violation = { exchange: string; where: string; problem: string }

type Parameter = { name: string; in: string; required?: boolean; schema?: unknown }
type MediaTypes = Record<string, { schema?: unknown }>
type Operation = {
  spec: string
  method: string
  template: string
  segments: string[]
  parameters: Parameter[]
  requestBody?: { required?: boolean; content?: MediaTypes }
  responses: Record<string, { content?: MediaTypes }>
}

/**
 * Paths the code calls that the spec prints elsewhere. Custom Channels v3 lists and creates channels under
 * `/conversations/custom-channels/v3` while every other operation of the same spec (and HubSpot's guide, and every
 * integration) uses `/conversations/v3/custom-channels` (docs/hubspot.md, "Custom channels"). Dated specs need none.
 */
const PATH_ALIASES: Record<string, string> = { '/conversations/v3/custom-channels': '/conversations/custom-channels/v3' }

/**
 * Query parameters allowed besides an operation's own: its security schemes' API-key names (`hapikey`), and `appId`,
 * which HubSpot requires beside a developer API key although the specs do not list it (docs/hubspot.md, "Custom
 * channels").
 */
const DEVELOPER_KEY_COMPANIONS = ['appId']

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']

const mediaType = (contentType: string | undefined): string => (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''

const bodyText = (body: string | Buffer | undefined): string => (body === undefined ? '' : typeof body === 'string' ? body : body.toString('utf8'))

const formatError = (e: ErrorObject, root: string): string => {
  const at = `${root}${e.instancePath.replace(/\//g, '.')}`
  const p = e.params as Record<string, unknown>
  if (e.keyword === 'unevaluatedProperties') return `${at} has a field the spec does not define: "${String(p.unevaluatedProperty)}"`
  if (e.keyword === 'additionalProperties') return `${at} has a field the spec does not define: "${String(p.additionalProperty)}"`
  if (e.keyword === 'required') return `${at} lacks required field "${String(p.missingProperty)}"`
  if (e.keyword === 'enum') return `${at} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
  return `${at} ${e.message ?? e.keyword}`
}

/**
 * Ajv reports every branch of a failed union (a COMMENT body also fails the MESSAGE branch for lacking `channelId`).
 * The branch with the fewest failures is the one the data meant; its failures say what is wrong.
 */
const closestBranch = (errors: ErrorObject[]): ErrorObject[] => {
  const union = errors.map((e) => /^(.*?\/anyOf\/)\d+\//.exec(e.schemaPath)?.[1]).find((p) => p !== undefined)
  if (!union) return errors
  const branches = new Map<string, ErrorObject[]>()
  const rest: ErrorObject[] = []
  for (const e of errors) {
    const m = e.schemaPath.startsWith(union) ? /^(\d+)\//.exec(e.schemaPath.slice(union.length)) : null
    if (!m?.[1]) {
      rest.push(e)
      continue
    }
    branches.set(m[1], [...(branches.get(m[1]) ?? []), e])
  }
  const closest = [...branches.values()].sort((a, b) => a.length - b.length)[0] ?? []
  return [...closestBranch(closest), ...rest.filter((e) => !(e.keyword === 'anyOf' && union.startsWith(e.schemaPath)))]
}

const describeErrors = (errors: ErrorObject[] | null | undefined, root: string): string[] => {
  const specific = closestBranch(errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if')
  // Not truncated: a waived line (waivers.ts) must not hide one that is not.
  return [...new Set((specific.length ? specific : (errors ?? [])).map((e) => formatError(e, root)))]
}

export class OpenApiContract {
  private readonly _ops: Operation[] = []
  private readonly _rawSchemas = new Map<string, Record<string, unknown>>()
  private readonly _apiKeyQueryNames = new Set<string>()
  // Bodies are JSON: types as they are. Queries, path segments and form fields are strings on the wire: coerced.
  private readonly _json = new Ajv2020({ strict: false, allErrors: true })
  private readonly _wire = new Ajv2020({ strict: false, allErrors: true, coerceTypes: 'array' })
  private readonly _compiled = new Map<string, ValidateFunction>()

  public constructor(specs: SpecFile[]) {
    for (const ajv of [this._json, this._wire]) addFormats(ajv)
    for (const { name, doc } of specs) {
      const schemas = (doc.components?.schemas ?? {}) as Record<string, unknown>
      this._rawSchemas.set(name, schemas)
      for (const direction of ['request', 'response'] as const) {
        for (const ajv of [this._json, this._wire]) ajv.addSchema(defsDocument(name, direction, schemas))
      }
      for (const scheme of Object.values(doc.components?.securitySchemes ?? {})) {
        if (isObject(scheme) && scheme.type === 'apiKey' && scheme.in === 'query' && typeof scheme.name === 'string')
          this._apiKeyQueryNames.add(scheme.name)
      }
      const resolve = <T>(v: unknown, section: 'parameters' | 'responses'): T => {
        const ref = isObject(v) && typeof v.$ref === 'string' ? /^#\/components\/(parameters|responses)\/(.+)$/.exec(v.$ref) : null
        return (ref ? (doc.components?.[section] as Record<string, unknown> | undefined)?.[ref[2] ?? ''] : v) as T
      }
      for (const [template, item] of Object.entries(doc.paths)) {
        const shared = ((item.parameters as unknown[] | undefined) ?? []).map((p) => resolve<Parameter>(p, 'parameters'))
        for (const method of METHODS) {
          const op = item[method]
          if (!isObject(op)) continue
          const own = ((op.parameters as unknown[] | undefined) ?? []).map((p) => resolve<Parameter>(p, 'parameters'))
          const parameters = [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own]
          const responses = Object.fromEntries(
            Object.entries((op.responses as Record<string, unknown>) ?? {}).map(([k, r]) => [
              k,
              resolve<{ content?: MediaTypes }>(r, 'responses') ?? {},
            ])
          )
          this._ops.push({
            spec: name,
            method: method.toUpperCase(),
            template,
            segments: template.split('/'),
            parameters,
            ...(isObject(op.requestBody) ? { requestBody: op.requestBody as Operation['requestBody'] } : {}),
            responses,
          })
        }
      }
    }
  }

  /** How many operations the specs describe (for the tests of this module). */
  public get operationCount(): number {
    return this._ops.length
  }

  private _candidates(path: string): { op: Operation; params: Record<string, string>; literal: number }[] {
    const segments = (PATH_ALIASES[path] ?? path).split('/')
    const candidates: { op: Operation; params: Record<string, string>; literal: number }[] = []
    for (const op of this._ops) {
      if (op.segments.length !== segments.length) continue
      const params: Record<string, string> = {}
      let literal = 0
      const fits = op.segments.every((tpl, i) => {
        const seg = segments[i] ?? ''
        const name = /^\{(.+)\}$/.exec(tpl)?.[1]
        if (name === undefined) return tpl === seg && ++literal > 0
        params[name] = seg
        return seg !== ''
      })
      if (fits) candidates.push({ op, params, literal })
    }
    const best = Math.max(...candidates.map((c) => c.literal))
    return candidates.filter((c) => c.literal === best)
  }

  /** Whether some operation, of any method, has this path. */
  public hasPath(path: string): boolean {
    return this._candidates(path).length > 0
  }

  /** The operation for a method and path (the most literal template wins: `/files/search` over `/files/{fileId}`). */
  public find(method: string, path: string): { op: Operation; params: Record<string, string> } | { problem: string } {
    const atBest = this._candidates(path)
    if (!atBest.length) return { problem: `no operation of any HubSpot spec has the path ${path}` }
    const hit = atBest.find((c) => c.op.method === method.toUpperCase())
    if (!hit)
      return {
        problem: `${path} (${atBest[0]?.op.template}) has no ${method.toUpperCase()} operation; it has ${atBest.map((c) => c.op.method).join(', ')}`,
      }
    return { op: hit.op, params: hit.params }
  }

  /** Every way the exchange departs from its operation; empty when it conforms. */
  public check(ex: Exchange): Violation[] {
    const name = `${ex.method.toUpperCase()} ${ex.path}`
    if (ex.response?.offSpec) return []
    const found = this.find(ex.method, ex.path)
    if ('problem' in found) return [{ exchange: name, where: 'path', problem: found.problem }]
    const { op, params } = found
    const label = `${name} (${op.spec}: ${op.method} ${op.template})`
    const problems: { where: string; problem: string }[] = [
      ...this._checkParameters(op, params, ex.query).map((problem) => ({ where: 'parameters', problem })),
      ...this._checkRequestBody(op, ex.request).map((problem) => ({ where: 'request body', problem })),
      ...(ex.response ? this._checkResponse(op, ex.response).map((problem) => ({ where: `response ${ex.response?.status}`, problem })) : []),
    ]
    return problems.map((p) => ({ exchange: label, ...p }))
  }

  private _validator(key: string, ajv: Ajv2020, spec: string, direction: Direction, schema: unknown): ValidateFunction {
    const cacheKey = `${ajv === this._json ? 'json' : 'wire'}|${direction}|${key}`
    let fn = this._compiled.get(cacheKey)
    if (!fn) {
      fn = ajv.compile(convertInline(spec, direction, this._rawSchemas.get(spec) ?? {}, schema) as object)
      this._compiled.set(cacheKey, fn)
    }
    return fn
  }

  private _validate(key: string, ajv: Ajv2020, op: Operation, direction: Direction, schema: unknown, data: unknown, root: string): string[] {
    const fn = this._validator(`${op.spec}|${op.method} ${op.template}|${key}`, ajv, op.spec, direction, schema)
    return fn(data) ? [] : describeErrors(fn.errors, root)
  }

  private _checkParameters(op: Operation, params: Record<string, string>, query: URLSearchParams): string[] {
    const out: string[] = []
    for (const p of op.parameters.filter((x) => x.in === 'path')) {
      const raw = params[p.name]
      if (raw === undefined) continue
      let value: string
      try {
        value = decodeURIComponent(raw)
      } catch {
        out.push(`path parameter ${p.name} is not valid percent-encoding: ${raw}`)
        continue
      }
      const box = { v: value }
      out.push(
        ...this._validate(
          `path:${p.name}`,
          this._wire,
          op,
          'request',
          { type: 'object', properties: { v: p.schema ?? {} } },
          box,
          `path parameter ${p.name}`
        ).map((m) => m.replace(/\.v\b/, ''))
      )
    }
    const declared = op.parameters.filter((x) => x.in === 'query')
    for (const p of declared) {
      const values = query.getAll(p.name)
      if (!values.length) {
        if (p.required) out.push(`lacks required query parameter ${p.name}`)
        continue
      }
      const isArray = isObject(p.schema) && p.schema.type === 'array'
      const box = { v: isArray ? values : values[0] }
      out.push(
        ...this._validate(
          `query:${p.name}`,
          this._wire,
          op,
          'request',
          { type: 'object', properties: { v: p.schema ?? {} } },
          box,
          `query parameter ${p.name}`
        ).map((m) => m.replace(/\.v\b/, ''))
      )
    }
    // Requests are strict (to-json-schema.ts): an unknown query parameter is ignored by HubSpot, so it is a silent bug.
    for (const key of new Set(query.keys())) {
      const known = declared.some((p) => p.name === key) || this._apiKeyQueryNames.has(key) || DEVELOPER_KEY_COMPANIONS.includes(key)
      if (!known) out.push(`query parameter ${key} is not a parameter of the operation (it has ${declared.map((p) => p.name).join(', ') || 'none'})`)
    }
    return out
  }

  private _checkRequestBody(op: Operation, req: Exchange['request']): string[] {
    const text = bodyText(req.body)
    const content = op.requestBody?.content ?? {}
    if (!text.length) return op.requestBody?.required ? ['the operation requires a body; none was sent'] : []
    if (!op.requestBody) return [`a body was sent (${text.length} bytes) but the operation takes none`]
    const type = mediaType(req.contentType)
    const media = content[type]
    if (!media) return [`sent as "${type || 'no content type'}"; the operation takes ${Object.keys(content).join(', ')}`]
    const schema = media.schema ?? {}
    if (type === 'application/json') {
      let data: unknown
      try {
        data = JSON.parse(text)
      } catch {
        return ['is not JSON']
      }
      return this._validate(`body:${type}`, this._json, op, 'request', schema, data, '(body)')
    }
    if (type === 'application/x-www-form-urlencoded') {
      const form = new URLSearchParams(text)
      const data: Record<string, string | string[]> = {}
      for (const key of new Set(form.keys())) {
        const all = form.getAll(key)
        data[key] = all.length > 1 ? all : (all[0] ?? '')
      }
      return this._validate(`body:${type}`, this._wire, op, 'request', schema, data, '(form)')
    }
    if (type === 'multipart/form-data') return this._checkMultipart(op, req, schema)
    return [`content type ${type} is not checked by the contract tests; add it to tests/helpers/openapi/contract.ts`]
  }

  /**
   * A multipart body as far as the spec describes it: each part is a named field of the schema (a `format: binary` field
   * must be a file part, any other a plain field), the required ones present, and plain values of the declared type.
   */
  private _checkMultipart(op: Operation, req: Exchange['request'], schema: unknown): string[] {
    const boundary = boundaryOf(req.contentType)
    if (!boundary) return ['multipart/form-data without a boundary']
    let form: ReturnType<typeof parseMultipart>
    try {
      form = parseMultipart(Buffer.isBuffer(req.body) ? req.body : Buffer.from(bodyText(req.body), 'latin1'), boundary)
    } catch (err) {
      return [`is not valid multipart/form-data: ${err instanceof MultipartError ? err.message : String(err)}`]
    }
    const props = isObject(schema) && isObject(schema.properties) ? schema.properties : {}
    const out: string[] = []
    const data: Record<string, string> = {}
    for (const [name, value] of form.fields) {
      data[name] = value
      const p = props[name]
      if (isObject(p) && p.format === 'binary') out.push(`(form).${name} is described as a file (format binary) but was sent as a plain field`)
    }
    for (const [name] of form.files) {
      data[name] = ''
      const p = props[name]
      if (isObject(p) && p.format !== 'binary')
        out.push(`(form).${name} was sent as a file part but the spec describes a plain ${String(p.type)} field`)
    }
    return [...out, ...this._validate('body:multipart', this._wire, op, 'request', schema, data, '(form)')]
  }

  private _checkResponse(op: Operation, res: NonNullable<Exchange['response']>): string[] {
    const status = String(res.status)
    const documented = Object.keys(op.responses)
    // `default` is HubSpot's error body; a success status the spec does not list is a wrong fake, not an error.
    const successes = documented.filter((s) => s.startsWith('2'))
    if (res.status < 300 && !documented.includes(status) && !documented.includes('2XX')) {
      return [`status ${status}: HubSpot answers this operation with ${successes.join(' or ') || 'no success status'} (spec)`]
    }
    const response = op.responses[status] ?? op.responses[`${status[0]}XX`] ?? op.responses.default
    if (!response) return [`status ${status} is not among the operation's responses (${documented.join(', ')})`]
    const text = bodyText(res.body)
    const content = response.content ?? {}
    const jsonSchema = content['application/json']?.schema ?? content['*/*']?.schema
    if (!text.length) return jsonSchema && res.status < 300 ? ['is empty; the spec describes a JSON body'] : []
    if (!Object.keys(content).length) return [`has a body (${text.length} bytes) but the spec describes none for ${status}`]
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch {
      // A 5xx can come from HubSpot's edge (load balancer, CDN) as HTML or plain text: the code must cope, and the
      // spec only describes what the API itself answers.
      return res.status >= 500 ? [] : [`is not JSON (${JSON.stringify(text.slice(0, 60))}); the spec describes ${Object.keys(content).join(', ')}`]
    }
    if (!jsonSchema) return []
    return this._validate(`response:${status}`, this._json, op, 'response', jsonSchema, data, '(body)')
  }
}

/** One line per violation, for a failing test's message. */
export const formatViolations = (violations: Violation[]): string => violations.map((v) => `- ${v.exchange}: ${v.where}: ${v.problem}`).join('\n')
