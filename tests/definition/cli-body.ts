/**
 * What `bp deploy` / `bp lint` do with a definition before anything reaches Botpress Cloud, rebuilt from the CLI's
 * source (botpress/botpress packages/cli: src/utils/schema-utils.ts `mapZodToJsonSchema`, src/api/integration-body.ts
 * `prepareCreateIntegrationBody`, src/command-implementations/project-command.ts for `configuration(s)` and
 * `prepareIntegrationDependencies`). Written for these tests, no CLI code copied; CLI 5.5.6 bundles sdk 5.4.3, the
 * version this project pins, so the transformers below are the very ones that CLI calls.
 * Checked once outside the repo: the real CLI 5.5.6, run with BP_WORKSPACE_HANDLE=acme against a recording
 * stand-in of the Botpress API, sent a create-integration body whose fields built here (name, version, title,
 * description, user, configuration schema, events, actions, channels, states, entities, attributes, interfaces
 * apart from the hub id) are identical to `integrationDeployBody`'s, keys sorted.
 */
import * as sdk from '@botpress/sdk'

type JsonSchema = ReturnType<typeof sdk.transforms.toJSONSchemaLegacy>
type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type Advanced = { useLegacyZuiTransformer?: boolean } | undefined
type SchemaHolder = { schema: sdk.z.ZodTypeAny }

/**
 * The CLI's choice: `toJSONSchemaLegacy(schema, { target: 'jsonSchema7' })` when the definition sets
 * `__advanced.useLegacyZuiTransformer`, else `toJSONSchema(schema)`; then it dereferences the result.
 */
export const toCliJsonSchema = (holder: SchemaHolder, advanced: Advanced): Json => {
  const schema: JsonSchema = advanced?.useLegacyZuiTransformer
    ? sdk.transforms.toJSONSchemaLegacy(holder.schema, { target: 'jsonSchema7' })
    : (sdk.transforms.toJSONSchema(holder.schema) as JsonSchema)
  return dereferenceLocal(JSON.parse(JSON.stringify(schema)) as Json)
}

/**
 * The CLI dereferences with @apidevtools/json-schema-ref-parser and `resolve: { external: false }`: local pointers
 * (`#/properties/...`, which the legacy transformer emits for a sub-schema used twice) are inlined, anything else
 * (an interface's entity reference, `$ref: "hitlSession"`) is left as it is. This project does not depend on that
 * library, so the same rules are applied here (checked once against json-schema-ref-parser 11.9.3, the CLI's
 * version, on every schema of this definition and a shared sub-schema case: identical output, key order aside).
 */
export const dereferenceLocal = (root: Json): Json => {
  const resolvePointer = (pointer: string): Json => {
    let node: Json = root
    for (const raw of pointer
      .slice(2)
      .split('/')
      .filter((p) => p !== '')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
      if (node === null || typeof node !== 'object') throw new Error(`unresolvable $ref ${pointer}`)
      const next: Json | undefined = Array.isArray(node) ? node[Number(key)] : node[key]
      if (next === undefined) throw new Error(`unresolvable $ref ${pointer}`)
      node = next
    }
    return node
  }
  const walk = (node: Json, seen: ReadonlySet<string>): Json => {
    if (Array.isArray(node)) return node.map((n) => walk(n, seen))
    if (node === null || typeof node !== 'object') return node
    const ref = node['$ref']
    if (typeof ref === 'string' && ref.startsWith('#')) {
      if (seen.has(ref)) throw new Error(`circular $ref ${ref}`)
      const { $ref: _ignored, ...siblings } = node
      const target = walk(resolvePointer(ref), new Set([...seen, ref]))
      if (typeof target !== 'object' || target === null || Array.isArray(target) || Object.keys(siblings).length === 0) return target
      // An "extended" $ref, as json-schema-ref-parser merges it: its own keys first and winning, then the target's.
      const merged = walk(siblings, seen) as { [k: string]: Json }
      for (const [k, v] of Object.entries(target)) if (!(k in merged)) merged[k] = v
      return merged
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, seen)]))
  }
  return walk(root, new Set())
}

export type SchemaSite = { where: string; holder: SchemaHolder }

/** Every schema `bp deploy` converts for an integration, each with the place the CLI names in its error message. */
export const integrationSchemaSites = (def: sdk.IntegrationDefinition): SchemaSite[] => {
  const sites: SchemaSite[] = []
  if (def.configuration) sites.push({ where: 'configuration', holder: def.configuration })
  for (const [name, c] of Object.entries(def.configurations ?? {})) sites.push({ where: `configuration ${name}`, holder: c })
  for (const [name, e] of Object.entries(def.events ?? {})) sites.push({ where: `event ${name}`, holder: e })
  for (const [name, a] of Object.entries(def.actions ?? {})) {
    sites.push({ where: `action ${name} input`, holder: a.input })
    sites.push({ where: `action ${name} output`, holder: a.output })
  }
  for (const [channel, c] of Object.entries(def.channels ?? {})) {
    for (const [message, m] of Object.entries(c.messages)) sites.push({ where: `channel ${channel} for message ${message}`, holder: m })
  }
  for (const [name, s] of Object.entries(def.states ?? {})) sites.push({ where: `state ${name}`, holder: s })
  for (const [name, e] of Object.entries(def.entities ?? {})) sites.push({ where: `entity ${name}`, holder: e })
  return sites
}

const mapValues = <T, R>(r: Record<string, T> | undefined, f: (v: T, k: string) => R): Record<string, R> | undefined =>
  r === undefined ? undefined : Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(v, k)]))

/**
 * The JSON body `bp deploy` sends to create the integration (fields that come from files, the code bundle and the
 * interface ids looked up on the hub left out): schemas converted as above, tags and attributes passed through, and
 * `interfaces` copied from the definition (the CLI then only adds each interface's hub `id`).
 */
export const integrationDeployBody = (def: sdk.IntegrationDefinition) => {
  const conv = (holder: SchemaHolder) => toCliJsonSchema(holder, def.__advanced)
  return {
    name: def.name,
    version: def.version,
    title: def.title,
    description: def.description,
    user: def.user,
    configuration: def.configuration ? { schema: conv(def.configuration) } : undefined,
    configurations: mapValues(def.configurations, (c) => ({ title: c.title, description: c.description, schema: conv(c) })),
    events: mapValues(def.events, (e) => ({ ...e, schema: conv(e) })),
    actions: mapValues(def.actions, (a) => ({ ...a, input: { ...a.input, schema: conv(a.input) }, output: { ...a.output, schema: conv(a.output) } })),
    channels: mapValues(def.channels, (c) => ({ ...c, messages: mapValues(c.messages, (m) => ({ ...m, schema: conv(m) })) ?? {} })),
    states: mapValues(def.states, (s) => ({ ...s, schema: conv(s) })),
    entities: mapValues(def.entities, (e) => ({ ...e, schema: conv(e) })),
    attributes: def.attributes,
    interfaces: def.interfaces,
  }
}

/**
 * The definition `bp deploy` goes on with after checking the workspace handle (project-command.ts
 * `manageWorkspaceHandle`, logged in to a workspace whose handle is `workspaceHandle`, answering yes to its prompt).
 * A name that already carries the handle is used as it is. A name without one is renamed: CLI 5.5.6 builds a new
 * definition from a spread of the instance (keeping what `.extend()` set on it); CLI 7.x calls
 * `definition.clone?.()`, absent on sdk 5.4.3, and otherwise rebuilds from `definition.props`, which never saw
 * `.extend()`.
 */
export const definitionAsDeployed = (def: sdk.IntegrationDefinition, cli: { major: 5 | 7; workspaceHandle: string }): sdk.IntegrationDefinition => {
  const parts = def.name.split('/')
  if (parts.length > 2) throw new Error(`Invalid name "${def.name}": a single forward slash is allowed`)
  if (parts.length === 2) return def
  const name = `${cli.workspaceHandle}/${def.name}`
  if (cli.major === 5) return new sdk.IntegrationDefinition({ ...def, name })
  const withClone = def as sdk.IntegrationDefinition & { clone?: (o: Partial<sdk.IntegrationDefinitionProps>) => sdk.IntegrationDefinition }
  return withClone.clone?.({ name }) ?? new sdk.IntegrationDefinition({ ...def.props, name })
}

/**
 * An interface converted the way `bp deploy` converts one (src/api/interface-body.ts): entity, event, action and
 * channel-message schemas through the same transformer choice, with the interface's own `__advanced` flag. This is
 * the shape of tests/fixtures/hitl-interface-2.1.0.schemas.json.
 */
type Labelled = { title?: string; description?: string }
type InterfaceLike = {
  name: string
  version: string
  __advanced?: Advanced
  entities?: Record<string, Labelled & SchemaHolder>
  actions?: Record<string, Labelled & { attributes?: Record<string, string>; input: SchemaHolder; output: SchemaHolder }>
  events?: Record<string, Labelled & { attributes?: Record<string, string> } & SchemaHolder>
  channels?: Record<string, { messages: Record<string, SchemaHolder> }>
}

export const interfaceSchemas = (intrface: InterfaceLike) => {
  const conv = (holder: SchemaHolder) => toCliJsonSchema(holder, intrface.__advanced)
  return {
    name: intrface.name,
    version: intrface.version,
    __advanced: intrface.__advanced,
    entities: mapValues(intrface.entities, (e) => ({ title: e.title, description: e.description, schema: conv(e) })),
    actions: mapValues(intrface.actions, (a) => ({
      title: a.title,
      description: a.description,
      attributes: a.attributes,
      input: { schema: conv(a.input) },
      output: { schema: conv(a.output) },
    })),
    events: mapValues(intrface.events, (e) => ({ title: e.title, description: e.description, attributes: e.attributes, schema: conv(e) })),
    channels: mapValues(intrface.channels, (c) => ({ messages: mapValues(c.messages, (m) => ({ schema: conv(m) })) })),
  }
}
