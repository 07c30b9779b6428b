import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { expectAllInterceptorsUsed } from '../../tests/helpers/nock-guard'
import { ConversationsApi } from './conversations'
import { HubspotHttp } from './http'
import { OwnersApi } from './owners'
import { DEFAULT_RETRY_POLICY } from './retry'
import { TicketsApi } from './tickets'
import { fakeCrmObject, fakeOwner } from '../../tests/helpers/hubspot-fakes'

const BASE = 'https://api.hubapi.com'
const TOKEN = 'access-token-5f4e3d2c1b0a9988'
const http = new HubspotHttp({
  baseUrl: BASE,
  tokens: { getAccessToken: async () => TOKEN },
  retryPolicy: { ...DEFAULT_RETRY_POLICY },
  sleep: async () => {},
})
const owners = new OwnersApi(http)
const tickets = new TicketsApi(http)
const conversations = new ConversationsApi(http)

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
afterEach(() => nock.cleanAll())

describe('OwnersApi.findByEmail', () => {
  it('asks by email and returns the active owner with that email, any case', async () => {
    nock(BASE)
      .get('/crm/owners/2026-03')
      .query({ email: 'sam@example.com', limit: '10' })
      .matchHeader('authorization', `Bearer ${TOKEN}`)
      .reply(200, {
        results: [
          fakeOwner({ id: '1', email: 'sam@example.com', userId: 1, archived: true }),
          fakeOwner({ id: '2', email: 'SAM@example.com', userId: 555, firstName: 'Sam' }),
        ],
      })
    expect(await owners.findByEmail('sam@example.com')).toMatchObject({ id: '2', userId: '555' })
    expectAllInterceptorsUsed()
  })

  it('returns undefined when HubSpot knows no such owner', async () => {
    nock(BASE).get('/crm/owners/2026-03').query(true).reply(200, { results: [] })
    expect(await owners.findByEmail('nobody@example.com')).toBeUndefined()
  })
})

describe('ConversationsApi.getTicketIdOfThread', () => {
  it('reads threadAssociations.associatedTicketId with association=TICKET; undefined while there is none', async () => {
    const thread = { id: '9001', status: 'OPEN', inboxId: '1', archived: false }
    nock(BASE)
      .get('/conversations/conversations/2026-09/threads/9001')
      .query({ association: 'TICKET' })
      .reply(200, { ...thread, threadAssociations: { associatedTicketId: '777' } })
    nock(BASE)
      .get('/conversations/conversations/2026-09/threads/9001')
      .query({ association: 'TICKET' })
      .reply(200, { ...thread, threadAssociations: {} })
    nock(BASE).get('/conversations/conversations/2026-09/threads/9001').query({ association: 'TICKET' }).reply(200, thread)
    expect(await conversations.getTicketIdOfThread('9001')).toBe('777')
    expect(await conversations.getTicketIdOfThread('9001')).toBeUndefined()
    expect(await conversations.getTicketIdOfThread('9001')).toBeUndefined()
    expectAllInterceptorsUsed()
  })
})

describe('TicketsApi.updateProperties', () => {
  it('PATCHes { properties } and surfaces a refusal as a 400 HubspotApiError carrying HubSpot’s message', async () => {
    let body: unknown
    nock(BASE)
      .patch('/crm/objects/2026-03/tickets/777', (b: unknown) => ((body = b), true))
      .reply(200, fakeCrmObject({ id: '777', properties: { subject: 'S' } }))
    await tickets.updateProperties('777', { subject: 'S' })
    expect(body).toEqual({ properties: { subject: 'S' } })
    nock(BASE).patch('/crm/objects/2026-03/tickets/777').reply(400, {
      status: 'error',
      category: 'VALIDATION_ERROR',
      correlationId: 'c',
      message: 'Property values were not valid: [{"name":"x","error":"PROPERTY_DOESNT_EXIST"}]',
    })
    await expect(tickets.updateProperties('777', { x: '1' })).rejects.toMatchObject({
      status: 400,
      details: { hubspotMessage: expect.stringContaining('PROPERTY_DOESNT_EXIST') },
    })
  })
})
