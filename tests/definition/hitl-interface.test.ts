/**
 * The vendored hitl interface (definitions/hitl-interface.ts) against the real one.
 *
 * tests/fixtures/hitl-interface-2.1.0.schemas.json holds the real interface's JSON Schemas: botpress/botpress commit
 * ec41162e36a6082bacad7eb51c80ad0e5032e78c (the commit that introduced version 2.1.0; later commits up to the
 * mirrored HEAD only renamed types), file interfaces/hitl/interface.definition.ts, loaded with this project's
 * @botpress/sdk 5.4.3 and converted the way `bp deploy` converts an interface (legacy transformer, as that interface
 * sets it, then @apidevtools/json-schema-ref-parser dereferencing). The script that made it ran outside the repo
 * and is not part of it.
 *
 * Accepted differences, and only these: display text. Every string `title` and `description` (schema annotations,
 * zui `x-zui.title`, and the titles/descriptions of actions, events and the entity) is removed from both sides before
 * comparing. Reasons: they are labels shown in the Studio and validate nothing; the cloud links the integration to
 * the hub's own hitl@2.1.0 by name and version, so the interface's labels come from there; and this project writes
 * its own wording rather than copying Botpress's. Types, required fields, enums, literals, unions and their order,
 * length limits, additionalProperties and attributes must be identical.
 */
import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ticketSchema } from '../../definitions/entities'
import { buildStartHitlInputSchema, hitl, messageHistoryElementSchema } from '../../definitions/hitl-interface'
import definition from '../../integration.definition'
import { startHitl } from '../../src/actions/start-hitl'
import { parseInput } from '../../src/actions/validate'
import { resetCaches } from '../../src/cache'
import { httpTuning } from '../../src/hubspot'
import fixture from '../fixtures/hitl-interface-2.1.0.schemas.json'
import { publishedMessage, seedEndUser, seedSetup } from '../helpers/hitl-fixtures'
import { hubspot, nockTokenRefresh } from '../helpers/nock-hubspot'
import { makeProps } from '../helpers/props'
import { integrationDeployBody, interfaceSchemas, toCliJsonSchema } from './cli-body'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

const withoutDisplayText = (node: Json): Json => {
  if (Array.isArray(node)) return node.map(withoutDisplayText)
  if (node === null || typeof node !== 'object') return node
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !((k === 'title' || k === 'description') && typeof v === 'string'))
      .map(([k, v]) => [k, withoutDisplayText(v)])
  )
}
const asJson = (value: unknown): Json => JSON.parse(JSON.stringify(value)) as Json

const { $comment: source, ...real } = fixture
const ours = asJson(interfaceSchemas(hitl)) as unknown as typeof real

describe('vendored hitl interface vs the real hitl 2.1.0', () => {
  it('the fixture is the real 2.1.0 and is complete', () => {
    expect(source).toContain('ec41162e36a6082bacad7eb51c80ad0e5032e78c')
    expect([real.name, real.version]).toEqual(['hitl', '2.1.0'])
    expect(Object.keys(real.actions)).toEqual(['createUser', 'startHitl', 'stopHitl'])
    expect(Object.keys(real.events)).toEqual(['hitlAssigned', 'hitlStopped'])
    expect(Object.keys(real.channels.hitl.messages)).toEqual(['text', 'image', 'audio', 'video', 'file', 'bloc'])
    expect(real.actions.startHitl.input.schema.properties.messageHistory.items.anyOf).toHaveLength(12)
  })

  it('same name, version and transformer flag', () => {
    expect([ours.name, ours.version, ours.__advanced]).toEqual([real.name, real.version, real.__advanced])
  })

  // One case per schema, so a failure names the schema that drifted.
  const cases: [string, (x: typeof real) => unknown][] = [
    ['entity hitlSession', (x) => x.entities.hitlSession],
    ...(['createUser', 'startHitl', 'stopHitl'] as const).flatMap((a): [string, (x: typeof real) => unknown][] => [
      [`action ${a} (attributes)`, (x) => ({ ...x.actions[a], input: undefined, output: undefined })],
      [`action ${a} input`, (x) => x.actions[a].input],
      [`action ${a} output`, (x) => x.actions[a].output],
    ]),
    ...(['hitlAssigned', 'hitlStopped'] as const).map((e): [string, (x: typeof real) => unknown] => [`event ${e}`, (x) => x.events[e]]),
    ...(['text', 'image', 'audio', 'video', 'file', 'bloc'] as const).map((m): [string, (x: typeof real) => unknown] => [
      `channel hitl message ${m}`,
      (x) => x.channels.hitl.messages[m],
    ]),
  ]
  it.each(cases)('%s: identical apart from display text', (_name, pick) => {
    expect(withoutDisplayText(asJson(pick(ours) ?? null))).toEqual(withoutDisplayText(asJson(pick(real) ?? null)))
  })

  it('whole interface: identical apart from display text (nothing outside the cases above)', () => {
    expect(withoutDisplayText(asJson(ours))).toEqual(withoutDisplayText(asJson(real)))
  })
})

describe('what the integration sends for the interface (its merged action, event and message schemas)', () => {
  const body = integrationDeployBody(definition)
  const ticketJson = toCliJsonSchema({ schema: ticketSchema }, definition.__advanced) as { [k: string]: Json }
  /** The real schema with the entity reference replaced by our entity, as `.extend()` resolves it. */
  const resolveEntity = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(resolveEntity)
    if (node === null || typeof node !== 'object') return node
    if (node['$ref'] === 'hitlSession') {
      const { $ref: _ref, ...annotations } = node
      const { $schema: _schema, ...ticket } = ticketJson
      return { ...ticket, ...annotations }
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveEntity(v)]))
  }
  const comparable = (schema: unknown) => {
    const { $schema: _schema, ...rest } = asJson(schema) as { [k: string]: Json }
    return withoutDisplayText(rest)
  }

  it.each(['createUser', 'startHitl', 'stopHitl'] as const)('action %s: the real input/output schemas, hitlSession = our ticket', (name) => {
    expect(comparable(body.actions?.[name]?.input.schema)).toEqual(comparable(resolveEntity(asJson(real.actions[name].input.schema))))
    expect(comparable(body.actions?.[name]?.output.schema)).toEqual(comparable(real.actions[name].output.schema))
    expect(body.actions?.[name]?.attributes).toEqual(real.actions[name].attributes)
  })

  it.each(['hitlAssigned', 'hitlStopped'] as const)('event %s: the real schema', (name) => {
    expect(comparable(body.events?.[name]?.schema)).toEqual(comparable(real.events[name].schema))
  })

  it.each(['text', 'image', 'audio', 'video', 'file', 'bloc'] as const)('channel hitl message %s: the real schema', (name) => {
    expect(comparable(body.channels?.hitl?.messages[name]?.schema)).toEqual(comparable(real.channels.hitl.messages[name].schema))
  })
})

/** A bot conversation as the HITL plugin copies it into messageHistory: raw types and payloads, blocs with markdown. */
const pluginHistory = (userId: string) => [
  { source: { type: 'user', userId }, type: 'text', payload: { text: 'Where is my order?' } },
  {
    source: { type: 'bot' },
    type: 'bloc',
    payload: {
      items: [
        { type: 'markdown', payload: { markdown: '**Order 42** ships on *Monday*' } },
        { type: 'image', payload: { imageUrl: 'https://cdn.example.com/parcel.png' } },
        { type: 'text', payload: { text: 'Anything else?' } },
      ],
    },
  },
  { source: { type: 'bot' }, type: 'markdown', payload: { markdown: 'Need a _human_?' } },
  { source: { type: 'bot' }, type: 'choice', payload: { text: 'Pick one', options: [{ label: 'Yes', value: 'yes' }] } },
  { source: { type: 'bot' }, type: 'text', payload: { text: 'I have escalated this conversation to a human agent.' } },
]

describe('startHitl accepts the history the HITL plugin sends', () => {
  beforeEach(() => {
    nock.disableNetConnect()
    resetCaches()
    httpTuning.sleep = async () => {}
  })
  afterEach(() => nock.cleanAll())

  it('a bloc with markdown items passes the startHitl input schema; an unknown bloc item type does not', () => {
    const schema = buildStartHitlInputSchema(ticketSchema) // what src/actions/start-hitl.ts validates with
    expect(() => parseInput('startHitl', schema, { userId: 'u', messageHistory: pluginHistory('u') })).not.toThrow()
    const sticker = { source: { type: 'bot' }, type: 'bloc', payload: { items: [{ type: 'sticker', payload: {} }] } }
    expect(messageHistoryElementSchema.safeParse(sticker).success).toBe(false)
  })

  it('opens the thread with the markdown bloc in the transcript (the action end to end, HubSpot mocked)', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    let text = ''
    nockTokenRefresh()
    const publish = hubspot()
      .post('/conversations/custom-channels/2026-09/ch1/messages', (b: { text: string }) => ((text = b.text), true))
      .reply(201, publishedMessage('m-1'))
    const { conversationId } = await startHitl({
      ...props,
      input: { userId: user.id, title: 'Order question', messageHistory: pluginHistory(user.id) } as never,
      type: 'startHitl',
      metadata: { setCost: () => {} },
    })
    expect(publish.isDone()).toBe(true)
    expect(props.fake.conversations.get(conversationId)?.channel).toBe('hitl')
    expect(text).toContain('Order 42')
    expect(text).toContain('Anything else?')
  })
})
