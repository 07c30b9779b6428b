import * as sdk from '@botpress/sdk'
import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { httpTuning } from '../hubspot'
import { hubspot, nockTokenRefresh } from '../../tests/helpers/nock-hubspot'
import { makeProps } from '../../tests/helpers/props'
import { resetCaches } from '../cache'
import { TYPED_CONTACT_MAX_CHARS } from '../identity/identity'
import { createUser } from './create-user'

const run = (props: ReturnType<typeof makeProps>, input: unknown) =>
  createUser({ ...props, input: input as never, type: 'createUser', metadata: { setCost: () => {} } })

const searchBody =
  (filters: { propertyName: string; value: string }[][]) =>
  (body: { filterGroups: { filters: { propertyName: string; operator: string; value: string }[] }[] }) =>
    JSON.stringify(body.filterGroups.map((g) => g.filters.map((f) => ({ propertyName: f.propertyName, value: f.value })))) ===
      JSON.stringify(filters) && body.filterGroups.every((g) => g.filters.every((f) => f.operator === 'EQ'))

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
})
afterEach(() => nock.cleanAll())

describe('createUser', () => {
  it('links an existing contact found by email and stores identity on the user', async () => {
    const props = makeProps()
    nockTokenRefresh()
    const search = hubspot()
      .post('/crm/objects/2026-03/contacts/search', searchBody([[{ propertyName: 'email', value: 'ada@example.com' }]]))
      .reply(200, { total: 1, results: [{ id: '501', properties: { email: 'ada@example.com' } }] })
    const { userId } = await run(props, { name: 'Ada Lovelace', email: ' Ada@Example.com ' })
    expect(search.isDone()).toBe(true)
    expect(props.fake.users.get(userId)?.tags).toEqual({
      deliveryIdentifierType: 'HS_EMAIL_ADDRESS',
      deliveryIdentifierValue: 'ada@example.com',
      contactId: '501',
    })
  })

  it('normalises a phone to E.164, searches phone and mobilephone, and creates the missing contact', async () => {
    const props = makeProps()
    nockTokenRefresh()
    hubspot()
      .post(
        '/crm/objects/2026-03/contacts/search',
        searchBody([[{ propertyName: 'phone', value: '+14155550123' }], [{ propertyName: 'mobilephone', value: '+14155550123' }]])
      )
      .reply(200, { total: 0, results: [] })
    const create = hubspot()
      .post('/crm/objects/2026-03/contacts', { properties: { firstname: 'Grace', lastname: 'Hopper', phone: '+14155550123' }, associations: [] })
      .reply(201, { id: '777', properties: {} })
    const { userId } = await run(props, { name: 'Grace Hopper', email: '+1 (415) 555-0123' })
    expect(create.isDone()).toBe(true)
    expect(props.fake.users.get(userId)?.tags).toMatchObject({
      deliveryIdentifierType: 'HS_PHONE_NUMBER',
      deliveryIdentifierValue: '+14155550123',
      contactId: '777',
    })
  })

  it('a 409 on create links the contact HubSpot names as existing', async () => {
    const props = makeProps()
    nockTokenRefresh()
    hubspot().post('/crm/objects/2026-03/contacts/search').reply(200, { total: 0, results: [] })
    hubspot()
      .post('/crm/objects/2026-03/contacts')
      .reply(409, { status: 'error', message: 'Contact already exists. Existing ID: 9876', category: 'CONFLICT', correlationId: 'c-1' })
    const { userId } = await run(props, { name: 'Ada', email: 'ada@example.com' })
    expect(props.fake.users.get(userId)?.tags.contactId).toBe('9876')
  })

  it('does not create a contact when createMissingContacts is off', async () => {
    const props = makeProps({ configuration: { createMissingContacts: false } })
    nockTokenRefresh()
    hubspot().post('/crm/objects/2026-03/contacts/search').reply(200, { total: 0, results: [] })
    const { userId } = await run(props, { name: 'Ann', email: 'ann@example.com' })
    expect(nock.pendingMocks()).toEqual([])
    expect(props.fake.users.get(userId)?.tags.contactId).toBeUndefined()
  })

  it('treats the HITL plugin placeholder email as an anonymous visitor: no CRM call at all', async () => {
    const props = makeProps()
    const { userId } = await run(props, { name: 'Visitor', email: 'user_123@no-reply.bot_9.botpress.com' })
    const tags = props.fake.users.get(userId)?.tags
    expect(tags?.deliveryIdentifierType).toBe('CHANNEL_SPECIFIC_OPAQUE_ID')
    expect(tags?.deliveryIdentifierValue).toMatch(/^botpress-[0-9a-f-]{36}$/)
    expect(tags?.contactId).toBeUndefined()
  })

  it('reuses the user of a known person without asking HubSpot again', async () => {
    const props = makeProps()
    nockTokenRefresh()
    hubspot()
      .post('/crm/objects/2026-03/contacts/search')
      .once()
      .reply(200, { total: 1, results: [{ id: '501' }] })
    const first = await run(props, { name: 'Ada', email: 'ada@example.com' })
    const second = await run(props, { name: 'Ada', email: 'ADA@example.com' })
    expect(second.userId).toBe(first.userId)
  })

  it.each(['not-an-email@', '12345', 'hello world', '+1 555', 'ada@example'])(
    'a typed %j that is neither an email nor a phone gives an anonymous visitor carrying what was typed, a warning, and no HubSpot call',
    async (email) => {
      const props = makeProps()
      const { userId } = await run(props, { name: 'X', email })
      const tags = props.fake.users.get(userId)?.tags
      expect(tags?.deliveryIdentifierType).toBe('CHANNEL_SPECIFIC_OPAQUE_ID')
      expect(tags?.deliveryIdentifierValue).toMatch(/^botpress-[0-9a-f-]{36}$/)
      expect(tags?.typedContact).toBe(email)
      expect(tags?.contactId).toBeUndefined()
      const warnings = props.lines.filter((l) => l.level === 'warn')
      expect(warnings).toHaveLength(1)
      expect(warnings[0]!.message).toMatch(/anonymous visitor/)
      // Personal data the user may have mistyped stays out of the logs.
      expect(warnings[0]!.message).not.toContain(email)
      expect(nock.pendingMocks()).toEqual([])
    }
  )

  it('caps a long typed contact for the tag, on one line', async () => {
    const props = makeProps()
    const typed = `call me\n${'x'.repeat(500)}`
    const { userId } = await run(props, { name: 'X', email: typed })
    const tag = props.fake.users.get(userId)?.tags.typedContact ?? ''
    expect(Array.from(tag)).toHaveLength(TYPED_CONTACT_MAX_CHARS)
    expect(tag.startsWith('call me xxx')).toBe(true)
    expect(tag.endsWith('…')).toBe(true)
  })

  it('an email HubSpot refuses as invalid (400 INVALID_EMAIL) gives an anonymous visitor, not a failed escalation', async () => {
    const props = makeProps()
    nockTokenRefresh()
    hubspot().post('/crm/objects/2026-03/contacts/search').reply(200, { total: 0, results: [] })
    hubspot().post('/crm/objects/2026-03/contacts').reply(400, {
      status: 'error',
      message:
        'Property values were not valid: [{"isValid":false,"message":"Email address ada@example.invalidtld is invalid","error":"INVALID_EMAIL","name":"email"}]',
      category: 'VALIDATION_ERROR',
      correlationId: 'c-400',
    })
    const { userId } = await run(props, { name: 'Ada', email: 'ada@example.invalidtld' })
    expect(nock.pendingMocks()).toEqual([])
    const tags = props.fake.users.get(userId)?.tags
    expect(tags?.deliveryIdentifierType).toBe('CHANNEL_SPECIFIC_OPAQUE_ID')
    expect(tags?.typedContact).toBe('ada@example.invalidtld')
    expect(tags?.contactId).toBeUndefined()
    expect(props.lines.some((l) => l.level === 'warn' && /refuses this email/.test(l.message))).toBe(true)
  })

  it("any other 400 on contact creation still fails with HubSpot's reason", async () => {
    const props = makeProps()
    nockTokenRefresh()
    hubspot().post('/crm/objects/2026-03/contacts/search').twice().reply(200, { total: 0, results: [] })
    hubspot()
      .post('/crm/objects/2026-03/contacts')
      .reply(400, { status: 'error', message: 'Property "firstname" does not exist', category: 'VALIDATION_ERROR', correlationId: 'c-401' })
    await expect(run(props, { name: 'Ada', email: 'ada@example.com' })).rejects.toThrow(/create the HubSpot contact \[400 VALIDATION_ERROR\]/)
    expect(props.fake.users.size).toBe(0)
  })

  it('rejects malformed input', async () => {
    const props = makeProps()
    await expect(run(props, { email: 'a@b.co' })).rejects.toThrow(/createUser: invalid input \(name/)
  })

  it('surfaces a HubSpot failure as a RuntimeError and creates no user', async () => {
    const props = makeProps()
    nockTokenRefresh()
    hubspot()
      .post('/crm/objects/2026-03/contacts/search')
      .reply(403, { status: 'error', message: "This app hasn't been granted all required scopes", category: 'MISSING_SCOPES', correlationId: 'c-9' })
    await expect(run(props, { name: 'Ada', email: 'ada@example.com' })).rejects.toThrow(/search HubSpot contacts \[403 MISSING_SCOPES\].*c-9.*scope/)
    expect(props.fake.users.size).toBe(0)
  })

  it('before HubSpot is connected, tells the bot builder where to connect it, and creates no user', async () => {
    // No refresh token configured (blank in Studio) and none stored by the Connect flow yet.
    const props = makeProps({ configuration: { refreshToken: '' } })
    const err = await run(props, { name: 'Ada', email: 'ada@example.com' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(sdk.RuntimeError)
    expect((err as Error).message).toBe(
      'HubSpot is not connected: no "Refresh token" is configured and none was obtained yet. ' +
        "Open the integration's webhook URL (shown in Botpress) followed by /oauth/start to connect HubSpot."
    )
    expect(props.fake.users.size).toBe(0)
    expect(props.fake.calls).toEqual(['listUsers', 'getState'])
  })
})
