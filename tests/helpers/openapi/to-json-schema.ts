/**
 * OpenAPI 3.0 schema objects → JSON Schema 2020-12 for Ajv, per direction of an exchange.
 *
 * Strictness, decided per direction (docs/hubspot.md, "Contract tests"):
 * - **request** (what the integration sends): an object the spec describes with `properties` and no
 *   `additionalProperties` accepts no other field. HubSpot ignores unknown fields, so a misspelt field or one a dated
 *   version dropped (2026-09 removed `senders[].senderActorId`) is silently lost in production: only this check sees it.
 * - **response** (what a test fakes, or the emulator answers): `additionalProperties` as the spec says (absent: any
 *   field allowed). HubSpot adds response fields without a new version and the code parses them leniently on purpose;
 *   types, required fields and enums are still checked, so a fake cannot invent a shape HubSpot does not send.
 */

export type Direction = 'request' | 'response'

type JsonObject = Record<string, unknown>

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Documentation-only keywords of OpenAPI 3.0 that JSON Schema does not have (Ajv runs non-strict, but be explicit). */
const DOC_ONLY = new Set(['example', 'examples', 'discriminator', 'xml', 'externalDocs', 'deprecated', 'nullable'])

const COMPONENT_REF = /^#\/components\/schemas\/(.+)$/

export const componentName = (ref: string): string | undefined => COMPONENT_REF.exec(ref)?.[1]

/** The `$id` under which one spec's component schemas are registered with Ajv, per direction. */
export const defsId = (spec: string, direction: Direction): string => `https://openapi.contract.test/${encodeURIComponent(spec)}/${direction}`

/**
 * HubSpot's generator writes discriminated unions both ways: `PublicActor = oneOf [AgentActor, …]` and
 * `AgentActor = allOf [PublicActor, { type: AGENT, … }]` (Conversations 2026-09), a cycle no validator can finish. The
 * `allOf` member naming the union that lists the schema itself is dropped (what the union adds besides its `oneOf`
 * is kept): the union's branches are then the plain objects they describe.
 */
export const breakUnionCycles = (schemas: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(schemas)) {
    if (!isObject(schema) || !Array.isArray(schema.allOf)) {
      out[name] = schema
      continue
    }
    const allOf: unknown[] = []
    for (const member of schema.allOf) {
      const parentName = isObject(member) && typeof member.$ref === 'string' ? componentName(member.$ref) : undefined
      const parent = parentName ? schemas[parentName] : undefined
      const branches = isObject(parent)
        ? [...(Array.isArray(parent.oneOf) ? parent.oneOf : []), ...(Array.isArray(parent.anyOf) ? parent.anyOf : [])]
        : []
      const listsSelf = branches.some((b) => isObject(b) && b.$ref === `#/components/schemas/${name}`)
      if (!listsSelf || !isObject(parent)) {
        allOf.push(member)
        continue
      }
      const { oneOf: _o, anyOf: _a, discriminator: _d, ...rest } = parent
      if (rest.properties !== undefined || rest.required !== undefined) allOf.push(rest)
    }
    out[name] = { ...schema, allOf }
  }
  return out
}

const isUntypedObject = (node: JsonObject): boolean =>
  node.type === 'object' &&
  isObject(node.properties) &&
  !Object.keys(node.properties).length &&
  node.required === undefined &&
  node.additionalProperties === undefined &&
  node.allOf === undefined &&
  node.oneOf === undefined

type ConvertOptions = {
  spec: string
  direction: Direction
  /** The spec's component schemas (cycles already broken): `allOf` members that are refs are inlined from here. */
  components: Record<string, unknown>
}

const rewriteRef = (ref: string, opts: ConvertOptions): string => {
  const name = componentName(ref)
  if (!name) throw new Error(`contract: unsupported $ref ${ref} in ${opts.spec} (only #/components/schemas/… is used by HubSpot's specs)`)
  return `${defsId(opts.spec, opts.direction)}#/$defs/${encodeURIComponent(name)}`
}

const withNull = (schema: JsonObject): JsonObject => {
  if (typeof schema.type === 'string') {
    const enumWithNull = Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}
    return { ...schema, type: [schema.type, 'null'], ...enumWithNull }
  }
  return { anyOf: [schema, { type: 'null' }] }
}

/** The value a union branch fixes `field` to with a one-value enum (directly or in an `allOf` member), if it does. */
const tagOf = (branch: unknown, field: string, components: Record<string, unknown>, depth = 0): string | undefined => {
  if (!isObject(branch) || depth > 5) return undefined
  if (typeof branch.$ref === 'string') return tagOf(components[componentName(branch.$ref) ?? ''], field, components, depth + 1)
  const own = isObject(branch.properties) ? branch.properties[field] : undefined
  if (isObject(own) && Array.isArray(own.enum) && own.enum.length === 1 && typeof own.enum[0] === 'string') return own.enum[0]
  for (const m of Array.isArray(branch.allOf) ? branch.allOf : []) {
    const t = tagOf(m, field, components, depth + 1)
    if (t) return t
  }
  return undefined
}

/** Fields a branch could be told apart by: its properties (and its allOf members'). */
const fieldsOf = (branch: unknown, components: Record<string, unknown>, depth = 0): string[] => {
  if (!isObject(branch) || depth > 5) return []
  if (typeof branch.$ref === 'string') return fieldsOf(components[componentName(branch.$ref) ?? ''], components, depth + 1)
  const own = isObject(branch.properties) ? Object.keys(branch.properties) : []
  return [...own, ...(Array.isArray(branch.allOf) ? branch.allOf.flatMap((m) => fieldsOf(m, components, depth + 1)) : [])]
}

/**
 * A union whose branches each fix one field to a distinct value (`type` for actors and messages, `token_use` for token
 * answers: HubSpot's discriminators) is checked against the branch its data names (if/then, which 2020-12's
 * `unevaluatedProperties` sees through), so a failure names what is wrong with that branch rather than every branch's
 * mismatch; data naming no branch falls through to "at least one".
 */
const discriminated = (branches: unknown[], opts: ConvertOptions): JsonObject => {
  const converted = branches.map((b) => convertSchema(b, opts))
  const field = fieldsOf(branches[0], opts.components).find((f) => {
    const tags = branches.map((b) => tagOf(b, f, opts.components))
    return tags.every((t) => t !== undefined) && new Set(tags).size === tags.length
  })
  if (field === undefined || branches.length < 2) return { anyOf: converted }
  let chain: JsonObject = { anyOf: converted }
  for (let i = branches.length - 1; i >= 0; i--) {
    const test = { properties: { [field]: { const: tagOf(branches[i], field, opts.components) } }, required: [field] }
    chain = {
      if: test,
      // oxlint-disable-next-line unicorn/no-thenable -- `then` is JSON Schema's keyword; this object is never awaited.
      then: converted[i],
      else: chain,
    }
  }
  return chain
}

/**
 * One schema object, converted. `asMember`: it is an `allOf` member, whose fields are judged by the `allOf` as a whole
 * (`unevaluatedProperties` there sees what every member declared), so it gets no strictness of its own.
 */
export const convertSchema = (node: unknown, opts: ConvertOptions, asMember = false): unknown => {
  if (Array.isArray(node)) return node.map((n) => convertSchema(n, opts))
  if (!isObject(node)) return node
  // HubSpot's generator renders a Java `Object` (any JSON value: a capability may be a list, a flag or a string) as an
  // object with no properties; read as written it would reject every real value.
  if (isUntypedObject(node)) return {}
  if (typeof node.$ref === 'string') {
    // OpenAPI 3.0 ignores a $ref's siblings. An allOf member's ref is inlined so that it is not strict on its own.
    if (!asMember) return { $ref: rewriteRef(node.$ref, opts) }
    const name = componentName(node.$ref)
    return convertSchema(name ? opts.components[name] : undefined, opts, true)
  }
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(node)) {
    if (DOC_ONLY.has(key) || key.startsWith('x-')) continue
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convertSchema(v, opts)]))
    } else if (key === 'allOf' && Array.isArray(value)) {
      out.allOf = value.map((m) => convertSchema(m, opts, true))
    } else if ((key === 'oneOf' || key === 'anyOf') && Array.isArray(value)) {
      // HubSpot's unions are told apart by a `type` enum (their discriminator), not by exclusive shapes; a branch that
      // only adds optional fields to another would make a valid body match twice, so "at least one" is the check.
      Object.assign(out, discriminated(value, opts))
    } else if (['items', 'additionalProperties', 'not'].includes(key) && isObject(value)) {
      out[key] = convertSchema(value, opts)
    } else {
      out[key] = value
    }
  }
  // A union's own `properties: {}` adds no field: its branches are strict themselves.
  const describesObject = (isObject(out.properties) && Object.keys(out.properties).length > 0) || out.allOf !== undefined
  if (opts.direction === 'request' && !asMember && describesObject && out.additionalProperties === undefined) {
    out.unevaluatedProperties = false
  }
  return node.nullable === true ? withNull(out) : out
}

/** A spec's component schemas as one Ajv document (`$defs`), refs pointing into the same direction's document. */
export const defsDocument = (spec: string, direction: Direction, rawSchemas: Record<string, unknown>): JsonObject => {
  const components = breakUnionCycles(rawSchemas)
  const opts: ConvertOptions = { spec, direction, components }
  const $defs = Object.fromEntries(Object.entries(components).map(([name, schema]) => [encodeURIComponent(name), convertSchema(schema, opts)]))
  return { $id: defsId(spec, direction), $defs }
}

/** A schema found inline in an operation (request body, response, parameter), converted for its direction. */
export const convertInline = (spec: string, direction: Direction, rawSchemas: Record<string, unknown>, schema: unknown): unknown =>
  convertSchema(schema, { spec, direction, components: breakUnionCycles(rawSchemas) })
