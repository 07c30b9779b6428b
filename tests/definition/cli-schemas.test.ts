/**
 * `bp deploy` and `bp lint` convert every schema of the definition to JSON Schema before sending anything; one
 * failure and nothing is deployed. This converts each one exactly the way the CLI chooses (see cli-body.ts).
 */
import * as sdk from '@botpress/sdk'
import { describe, expect, it } from 'vitest'
import definition from '../../integration.definition'
import { dereferenceLocal, integrationDeployBody, integrationSchemaSites, toCliJsonSchema } from './cli-body'

const sites = integrationSchemaSites(definition)

describe('the definition as `bp deploy` / `bp lint` convert it', () => {
  it('walks every kind of schema the CLI converts (so the per-schema checks below cannot pass on an empty list)', () => {
    const wheres = sites.map((s) => s.where)
    expect(wheres).toEqual(
      expect.arrayContaining([
        'configuration',
        'event hitlAssigned',
        'event hitlStopped',
        'action createUser input',
        'action createUser output',
        'action startHitl input',
        'action startHitl output',
        'action stopHitl input',
        'action stopHitl output',
        ...['text', 'image', 'audio', 'video', 'file', 'bloc'].map((m) => `channel hitl for message ${m}`),
        'state setup',
        'entity ticket',
      ])
    )
    expect(wheres.filter((w) => w.startsWith('state '))).toHaveLength(Object.keys(definition.states ?? {}).length)
  })

  it('selects the legacy zui transformer, as Botpress own hubspot integration does', () => {
    expect(definition.__advanced?.useLegacyZuiTransformer).toBe(true)
  })

  it.each(sites.map((s) => [s.where, s] as const))('converts %s without error', (_where, site) => {
    const json = toCliJsonSchema(site.holder, definition.__advanced)
    expect(json).toMatchObject({ type: 'object' })
  })

  it('builds the whole create-integration body; tags and attributes pass through unconverted', () => {
    const body = integrationDeployBody(definition)
    expect(body.channels?.hitl?.conversation?.tags).toEqual(expect.objectContaining({ hubspotThreadId: expect.any(Object) }))
    expect(body.user?.tags).toEqual(definition.user?.tags)
    expect(body.attributes).toEqual({ category: 'Customer Support' })
    // The default (publisher) configuration asks for nothing secret; the own-app one keeps its secrets marked for the Studio form.
    expect(JSON.stringify(body.configuration?.schema)).not.toContain('"secret":true')
    expect(Object.keys((body.configuration?.schema as { properties: object } | undefined)?.properties ?? {}).sort()).toEqual(
      ['channelDescription', 'channelLogoUrl', 'channelName', 'createMissingContacts'].sort()
    )
    expect(body.configurations?.ownApp?.title).toBe('Your own HubSpot app')
    expect(JSON.stringify(body.configurations?.ownApp?.schema)).toContain('"secret":true')
    expect(Object.keys((body.configurations?.ownApp?.schema as { properties: object } | undefined)?.properties ?? {})).toEqual(
      expect.arrayContaining(['clientId', 'clientSecret', 'appId', 'developerApiKey', 'refreshToken', 'inboxId'])
    )
  })
})

describe('the dereferencing step (json-schema-ref-parser with external refs off, as the CLI runs it)', () => {
  it('inlines a sub-schema the legacy transformer emitted once and pointed at after, keeps entity references', () => {
    const shared = sdk.z.object({ url: sdk.z.string() })
    const holder = { schema: sdk.z.object({ a: shared, b: sdk.z.array(shared), session: sdk.z.ref('hitlSession') }) }
    const raw = JSON.stringify(sdk.transforms.toJSONSchemaLegacy(holder.schema, { target: 'jsonSchema7' }))
    expect(raw).toContain('"$ref":"#/properties/a"') // what the transformer really emits for the second use
    const json = toCliJsonSchema(holder, { useLegacyZuiTransformer: true }) as { properties: Record<string, unknown> }
    expect(JSON.stringify(json)).not.toContain('"#/')
    expect((json.properties.b as { items: unknown }).items).toEqual(json.properties.a)
    expect(json.properties.session).toMatchObject({ $ref: 'hitlSession' })
  })

  it('fails on a pointer that leads nowhere, as the CLI would', () => {
    expect(() => dereferenceLocal({ properties: { a: { $ref: '#/properties/nope' } } })).toThrow(/unresolvable \$ref/)
  })
})
