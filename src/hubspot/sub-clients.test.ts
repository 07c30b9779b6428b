import nock from 'nock'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ChannelsApi, type ChannelEgg } from './channels'
import { ContactsApi } from './contacts'
import { ConversationsApi } from './conversations'
import { isHubspotStatus } from './errors'
import { ATTACHMENT_FOLDER, FilesApi } from './files'
import { HubspotHttp } from './http'
import { MessagesApi, type IncomingMessageEgg } from './messages'
import { getAccessTokenInfo } from './oauth'
import { DEFAULT_RETRY_POLICY } from './retry'
import { expectAllInterceptorsUsed } from '../../tests/helpers/nock-guard'
import { offSpec } from '../../tests/helpers/openapi/contract'
import { resetCaches } from '../cache'
import { introspectionOf } from '../../tests/helpers/nock-hubspot'
import { fakeError } from '../../tests/helpers/hubspot-fakes'

const BASE = 'https://api.hubapi.com'
const DEV_KEY = 'dev-key-0f9e8d7c6b5a4321'
const APP_ID = '424242'
const TOKEN = 'access-token-5f4e3d2c1b0a9988'
const CHANNELS = '/conversations/custom-channels/2026-09'
const BEARER = `Bearer ${TOKEN}`
// Ids typed as numbers where the specs type them strings: schemas.ts reads either (docs/hubspot.md, "Date-versioned APIs").
const NUMERIC_IDS = offSpec('ids as numbers: the response schemas must read them as strings')

const delays: number[] = []
const http = new HubspotHttp({
  baseUrl: BASE,
  developerApiKey: DEV_KEY,
  appId: APP_ID,
  tokens: { getAccessToken: async () => TOKEN },
  retryPolicy: { ...DEFAULT_RETRY_POLICY },
  sleep: async (ms) => void delays.push(ms),
})
const channels = new ChannelsApi(http)
const messages = new MessagesApi(http)
const conversations = new ConversationsApi(http)
const files = new FilesApi(http)
const contacts = new ContactsApi(http)

const devKey = (extra: Record<string, string> = {}) => ({ hapikey: DEV_KEY, appId: APP_ID, ...extra })

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
beforeEach(() => {
  resetCaches()
  delays.length = 0
})
afterEach(() => {
  expectAllInterceptorsUsed()
})

describe('ChannelsApi', () => {
  it('lists every channel, following paging.next.after', async () => {
    const scope = nock(BASE, { badheaders: ['authorization'] })
      .get(CHANNELS)
      .query(devKey({ limit: '100' }))
      .reply(
        200,
        {
          results: [
            { id: 1, name: 'one' },
            { id: '2', name: 'two' },
          ],
          paging: { next: { after: 'cursor-2', link: 'x' } },
        },
        NUMERIC_IDS
      )
      .get(CHANNELS)
      .query(devKey({ limit: '100', after: 'cursor-2' }))
      .reply(200, { results: [{ id: '3', name: 'three' }], paging: { next: { after: 'cursor-3' } } })
      .get(CHANNELS)
      .query(devKey({ limit: '100', after: 'cursor-3' }))
      .reply(200, { results: [{ id: '4', name: 'four' }] })
    const all = await channels.list()
    expect(all.map((c) => c.id)).toEqual(['1', '2', '3', '4'])
    expect(scope.isDone()).toBe(true)
  })

  it('stops after one page without paging', async () => {
    nock(BASE)
      .get(CHANNELS)
      .query(devKey({ limit: '100' }))
      .reply(200, { results: [], total: 0 })
    expect(await channels.list()).toEqual([])
  })

  it('creates a channel with the developer key and the given egg as JSON', async () => {
    const egg: ChannelEgg = {
      name: 'Botpress',
      webhookUrl: 'https://webhook.botpress.test/wh_1',
      capabilities: {
        deliveryIdentifierTypes: ['CHANNEL_SPECIFIC_OPAQUE_ID'],
        richText: ['HYPERLINK'],
        threadingModel: 'INTEGRATION_THREAD_ID',
        allowInlineImages: false,
        allowOutgoingMessages: true,
        allowConversationStart: false,
        allowMultipleRecipients: false,
        outgoingAttachmentTypes: ['FILE'],
        allowedFileAttachmentMimeTypes: ['image/png'],
        maxFileAttachmentCount: 1,
        maxFileAttachmentSizeBytes: 1000,
        maxTotalFileAttachmentSizeBytes: 1000,
      },
    }
    nock(BASE, { badheaders: ['authorization'] })
      .post(CHANNELS, JSON.parse(JSON.stringify(egg)))
      .query(devKey())
      .matchHeader('content-type', /^application\/json/)
      .reply(201, { id: '5551', name: 'Botpress', webhookUrl: egg.webhookUrl, capabilities: egg.capabilities, createdAt: '2026-01-01T00:00:00Z' })
    expect(await channels.create(egg)).toMatchObject({ id: '5551', name: 'Botpress' })
  })

  it('does not resend a channel creation after a 500 (it would create a duplicate)', async () => {
    nock(BASE)
      .post(CHANNELS)
      .query(true)
      .reply(500, fakeError({ message: 'boom' }))
    const err = await channels.create({ name: 'x', webhookUrl: 'https://x', capabilities: {} as ChannelEgg['capabilities'] }).catch((e) => e)
    expect(isHubspotStatus(err, 500)).toBe(true)
    expect(delays).toEqual([])
  })

  it('deletes a channel (204, id encoded)', async () => {
    nock(BASE).delete(`${CHANNELS}/55%2F1`).query(devKey()).reply(204)
    await expect(channels.delete('55/1')).resolves.toBeUndefined()
  })

  it('lists channel accounts with OAuth, non-archived, following paging', async () => {
    nock(BASE)
      .get(`${CHANNELS}/5551/channel-accounts`)
      .query({ limit: '100', archived: 'false' })
      .matchHeader('authorization', BEARER)
      .reply(
        200,
        { results: [{ id: 10, inboxId: 1001, channelId: 5551, name: 'a', authorized: true }], paging: { next: { after: 'p2' } } },
        NUMERIC_IDS
      )
      .get(`${CHANNELS}/5551/channel-accounts`)
      .query({ limit: '100', archived: 'false', after: 'p2' })
      .matchHeader('authorization', BEARER)
      .reply(
        200,
        { results: [{ id: '11', inboxId: '1002', name: 'b', authorized: false, deliveryIdentifier: null }] },
        offSpec('a null delivery identifier must be read as none')
      )
    const accounts = await channels.listAccounts('5551')
    expect(accounts).toMatchObject([
      { id: '10', inboxId: '1001', channelId: '5551' },
      { id: '11', inboxId: '1002', authorized: false },
    ])
  })

  it('creates a channel account with the inbox, name, authorized flag and delivery identifier', async () => {
    const egg = {
      inboxId: '1001',
      name: 'Botpress (Support)',
      authorized: true,
      deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID' as const, value: 'botpress-int_1-1001' },
    }
    nock(BASE)
      .post(`${CHANNELS}/5551/channel-accounts`, {
        inboxId: '1001',
        name: 'Botpress (Support)',
        authorized: true,
        deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: 'botpress-int_1-1001' },
      })
      .query((q) => Object.keys(q).length === 0)
      .matchHeader('authorization', BEARER)
      .reply(201, {
        id: '777',
        channelId: '5551',
        inboxId: '1001',
        name: egg.name,
        authorized: true,
        active: true,
        archived: false,
        createdAt: '2026-01-01T00:00:00Z',
      })
    expect(await channels.createAccount('5551', egg)).toMatchObject({ id: '777', inboxId: '1001', channelId: '5551' })
  })

  it('updates a channel account with PATCH', async () => {
    nock(BASE)
      .patch(`${CHANNELS}/5551/channel-accounts/777`, { authorized: false })
      .matchHeader('authorization', BEARER)
      .reply(200, { id: '777', authorized: false })
    expect(await channels.updateAccount('5551', '777', { authorized: false })).toMatchObject({ id: '777', authorized: false })
  })
})

describe('MessagesApi', () => {
  const egg: IncomingMessageEgg = {
    channelAccountId: '777',
    integrationThreadId: 'conv_abc',
    integrationIdempotencyId: 'msg_123',
    text: 'I need a human',
    senders: [{ deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'jane@example.com' }, name: 'Jane' }],
    recipients: [{ deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: 'botpress-int_1-1001' } }],
    timestamp: '2026-01-01T00:00:00.000Z',
    attachments: [{ type: 'FILE', fileId: '9001', fileUsageType: 'IMAGE' }],
  }
  const published = {
    id: 'm1',
    conversationsThreadId: '123456',
    channelId: '5551',
    channelAccountId: '777',
    direction: 'INCOMING',
    text: 'I need a human',
  }

  it('publishes an incoming message with messageDirection INCOMING and the idempotency id', async () => {
    nock(BASE)
      .post(`${CHANNELS}/5551/messages`, { ...egg, messageDirection: 'INCOMING' })
      .matchHeader('authorization', BEARER)
      .reply(201, published)
    const res = await messages.publishIncoming('5551', egg)
    expect(res).toMatchObject({ id: 'm1', conversationsThreadId: '123456' })
  })

  it('resends a publish after a 503, with the same idempotency id', async () => {
    const bodies: Array<Record<string, unknown>> = []
    nock(BASE)
      .post(`${CHANNELS}/5551/messages`, (b: Record<string, unknown>) => bodies.push(b) > 0)
      .reply(503, fakeError({ message: 'unavailable' }))
      .post(`${CHANNELS}/5551/messages`, (b: Record<string, unknown>) => bodies.push(b) > 0)
      .reply(201, published)
    await messages.publishIncoming('5551', egg)
    expect(delays).toHaveLength(1)
    expect(bodies.map((b) => b.integrationIdempotencyId)).toEqual(['msg_123', 'msg_123'])
  })

  it('reports a delivery status with PATCH and accepts an empty answer', async () => {
    nock(BASE)
      .patch(`${CHANNELS}/5551/messages/m1`, { statusType: 'FAILED', errorMessage: 'bot offline' })
      .matchHeader('authorization', BEARER)
      .reply(204, '', offSpec('the spec answers 200 with the message; an empty 204 must be accepted too'))
    await expect(messages.updateStatus('5551', 'm1', { statusType: 'FAILED', errorMessage: 'bot offline' })).resolves.toBeUndefined()
  })
})

describe('ConversationsApi', () => {
  const THREADS = '/conversations/conversations/2026-09/threads'

  it('reads an inbox, a thread and an actor with ids as strings', async () => {
    nock(BASE)
      .get('/conversations/conversations/2026-09/inboxes/1001')
      .matchHeader('authorization', BEARER)
      .reply(200, { id: 1001, name: 'Support', type: 'HELP_DESK', archived: false }, NUMERIC_IDS)
      .get(`${THREADS}/42`)
      .reply(200, { id: 42, status: 'OPEN', inboxId: 1001, associatedContactId: 5, assignedTo: 'A-1', closedAt: null, extra: 1 }, NUMERIC_IDS)
      .get('/conversations/conversations/2026-09/actors/A-1')
      .reply(200, { id: 'A-1', type: 'AGENT', name: 'Ann', email: 'ann@example.com', avatar: null }, offSpec('a null avatar must be read as none'))
    expect(await conversations.getInbox('1001')).toMatchObject({ id: '1001', type: 'HELP_DESK' })
    expect(await conversations.getThread('42')).toMatchObject({ id: '42', inboxId: '1001', associatedContactId: '5', extra: 1 })
    expect(await conversations.getActor('A-1')).toMatchObject({ id: 'A-1', name: 'Ann' })
  })

  it('closes a thread with PATCH {status: CLOSED}', async () => {
    nock(BASE).patch(`${THREADS}/42`, { status: 'CLOSED' }).reply(200, { id: '42', status: 'CLOSED' })
    expect(await conversations.setThreadStatus('42', 'CLOSED')).toMatchObject({ status: 'CLOSED' })
  })

  it('posts an agent-only COMMENT note on a thread', async () => {
    nock(BASE)
      .post(`${THREADS}/42/messages`, { type: 'COMMENT', text: 'Summary', richText: '<p>Summary</p>', attachments: [] })
      .matchHeader('authorization', BEARER)
      .reply(201, { id: 'c1', type: 'COMMENT', conversationsThreadId: '42' })
    expect(await conversations.addComment('42', { text: 'Summary', richText: '<p>Summary</p>' })).toMatchObject({ id: 'c1', type: 'COMMENT' })
  })

  it('assigns a thread with PUT on the assignee path of the conversations root', async () => {
    nock(BASE)
      .put('/conversations/conversations/2026-09/threads/42/assignee', { actorId: 'A-7' })
      .matchHeader('authorization', BEARER)
      .reply(204, '', offSpec("the spec answers 200 with the assignment; HubSpot's answer is UNCONFIRMED, an empty 204 must be accepted"))
    await expect(conversations.assignThread('42', 'A-7')).resolves.toBeUndefined()
  })

  it('names the operation and the id in a 404', async () => {
    nock(BASE)
      .get(`${THREADS}/404404`)
      .reply(404, fakeError({ message: 'Thread not found', category: 'OBJECT_NOT_FOUND' }))
    const err = await conversations.getThread('404404').catch((e: Error) => e)
    expect(isHubspotStatus(err, 404)).toBe(true)
    expect((err as Error).message).toContain(
      'HubSpot could not read thread 404404 [404 OBJECT_NOT_FOUND]: Thread not found (correlationId 0b6e4c1a-8f3d-4e2b-9a7c-5d1e2f3a4b5c).'
    )
  })
})

describe('FilesApi', () => {
  /** Splits a multipart body into its parts: name → { filename, contentType, value }. */
  const parseMultipart = (raw: string, contentType: string) => {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType)
    if (!boundary) throw new Error(`no boundary in ${contentType}`)
    const parts: Record<string, { filename?: string; contentType?: string; value: string }> = {}
    for (const chunk of raw.split(`--${boundary[1] ?? boundary[2]}`)) {
      const [head, ...rest] = chunk.split('\r\n\r\n')
      const name = /name="([^"]+)"/.exec(head ?? '')
      if (!name?.[1]) continue
      parts[name[1]] = {
        filename: /filename="([^"]*)"/.exec(head ?? '')?.[1],
        contentType: /Content-Type:\s*([^\r\n]+)/i.exec(head ?? '')?.[1],
        value: rest.join('\r\n\r\n').replace(/\r\n$/, ''),
      }
    }
    return parts
  }

  it('uploads multipart with file, fileName, folderPath and options JSON', async () => {
    let seen: ReturnType<typeof parseMultipart> | undefined
    let contentType = ''
    nock(BASE)
      .post('/files/2026-03/files', (body: unknown) => {
        seen = parseMultipart(String(body), contentType)
        return true
      })
      .matchHeader('content-type', (v: string) => {
        contentType = v
        return v.startsWith('multipart/form-data; boundary=')
      })
      .matchHeader('authorization', BEARER)
      .reply(201, { id: 9001, name: 'photo', url: null, size: 11, type: 'IMG' }, offSpec('a numeric id and a null url (a private file) must be read'))
    const res = await files.upload({ name: 'photo.png', mimeType: 'image/png', content: Buffer.from('PNG-bytes-1') })
    expect(res).toMatchObject({ id: '9001' })
    expect(seen).toBeDefined()
    expect(seen!.file).toEqual({ filename: 'photo.png', contentType: 'image/png', value: 'PNG-bytes-1' })
    expect(seen!.fileName?.value).toBe('photo.png')
    expect(seen!.folderPath?.value).toBe(ATTACHMENT_FOLDER)
    expect(JSON.parse(seen!.options?.value ?? '')).toEqual({ access: 'PRIVATE', overwrite: false, duplicateValidationStrategy: 'NONE' })
  })

  it('resends the whole multipart body after a 429', async () => {
    const bodies: string[] = []
    nock(BASE)
      .post('/files/2026-03/files', (b: unknown) => bodies.push(String(b)) > 0)
      .reply(429, { status: 'error', errorType: 'RATE_LIMIT' }, { 'Retry-After': '1' })
      .post('/files/2026-03/files', (b: unknown) => bodies.push(String(b)) > 0)
      .reply(201, { id: '9002' })
    await files.upload({ name: 'a.txt', mimeType: 'text/plain', content: Buffer.from('hello world') })
    expect(delays).toEqual([1000])
    expect(bodies).toHaveLength(2)
    for (const b of bodies) expect(b).toContain('hello world')
  })

  it('gets a signed URL valid for a week', async () => {
    nock(BASE)
      .get('/files/2026-03/files/9001/signed-url')
      .query({ expirationSeconds: String(7 * 24 * 3600) })
      .reply(200, { url: 'https://cdn.example/signed', expiresAt: '2026-01-08T00:00:00Z' })
    expect(await files.signedUrl('9001')).toBe('https://cdn.example/signed')
  })
})

describe('ContactsApi', () => {
  const SEARCH = '/crm/objects/2026-03/contacts/search'

  it('searches by email with one EQ filter', async () => {
    nock(BASE)
      .post(SEARCH, {
        filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'jane@example.com' }] }],
        properties: ['email', 'phone', 'mobilephone', 'firstname', 'lastname'],
        limit: 1,
        after: '0',
        sorts: [],
      })
      .matchHeader('authorization', BEARER)
      .reply(
        200,
        { total: 1, results: [{ id: 501, properties: { email: 'jane@example.com', phone: null } }] },
        offSpec('a numeric id and an unset property as null must be read')
      )
    expect(await contacts.find({ kind: 'email', email: 'jane@example.com' })).toMatchObject({ id: '501' })
  })

  it('searches a phone as phone OR mobilephone (two filter groups)', async () => {
    let groups: unknown
    nock(BASE)
      .post(SEARCH, (b: { filterGroups: unknown }) => {
        groups = b.filterGroups
        return true
      })
      .reply(200, { total: 0, results: [] })
    expect(await contacts.find({ kind: 'phone', phone: '+15145550100' })).toBeUndefined()
    expect(groups).toEqual([
      { filters: [{ propertyName: 'phone', operator: 'EQ', value: '+15145550100' }] },
      { filters: [{ propertyName: 'mobilephone', operator: 'EQ', value: '+15145550100' }] },
    ])
  })

  it('retries a search after a 5xx (a search has no side effect)', async () => {
    nock(BASE)
      .post(SEARCH)
      .reply(502, 'bad gateway')
      .post(SEARCH)
      .reply(200, { results: [{ id: '7' }] })
    expect(await contacts.find({ kind: 'email', email: 'a@b.c' })).toMatchObject({ id: '7' })
    expect(delays).toHaveLength(1)
  })

  it('creates a contact with its properties', async () => {
    nock(BASE)
      .post('/crm/objects/2026-03/contacts', { properties: { email: 'jane@example.com', firstname: 'Jane' }, associations: [] })
      .reply(201, { id: '502', properties: { email: 'jane@example.com' }, createdAt: '2026-01-01T00:00:00Z' })
    expect(await contacts.create({ email: 'jane@example.com', firstname: 'Jane' })).toMatchObject({ id: '502' })
  })
})

describe('getAccessTokenInfo (token introspection)', () => {
  const INTROSPECT = '/oauth/2026-03/token/introspect'
  const owner = { clientId: 'client-id-1', clientSecret: 'client-secret-zz99yy88', accessToken: TOKEN }
  const exactForm = (b: Record<string, string>) =>
    Object.keys(b).length === 4 &&
    b.client_id === owner.clientId &&
    b.client_secret === owner.clientSecret &&
    b.token === TOKEN &&
    b.token_type_hint === 'access_token'

  it('posts the token and the app credentials as a form, without auth, and reads hub_id and hub_domain (1 request)', async () => {
    const scope = nock(BASE, { badheaders: ['authorization'] })
      .post(INTROSPECT, exactForm)
      .query((q) => Object.keys(q).length === 0)
      .matchHeader('content-type', /application\/x-www-form-urlencoded/)
      .reply(200, introspectionOf(TOKEN, 555, 'acme.hubspot.com'))
    expect(await getAccessTokenInfo(http, owner)).toEqual({ hubId: '555', hubDomain: 'acme.hubspot.com' })
    expect(scope.isDone()).toBe(true)
  })

  it('asks again after a 5xx: introspection is a read', async () => {
    nock(BASE)
      .post(INTROSPECT, exactForm)
      .reply(503)
      .post(INTROSPECT, exactForm)
      .reply(200, introspectionOf(TOKEN, 556, 'beta.hubspot.com'))
    expect(await getAccessTokenInfo(http, owner)).toEqual({ hubId: '556', hubDomain: 'beta.hubspot.com' })
    expect(delays).toHaveLength(1)
  })

  // Off-spec on purpose: the spec requires hub_id in every answer, RFC 7662 answers an inactive token with
  // `{ active: false }` alone (UNCONFIRMED which HubSpot does: docs/hubspot.md#date-versioned-apis).
  it('an inactive token, or an answer without hub_id, is an error naming the operation', async () => {
    nock(BASE).post(INTROSPECT).reply(200, { active: false })
    await expect(getAccessTokenInfo(http, owner)).rejects.toThrow(
      'HubSpot could not read which HubSpot account the new token belongs to [200]: HubSpot reports the token as inactive.'
    )
    nock(BASE).post(INTROSPECT).reply(200, { active: true })
    await expect(getAccessTokenInfo(http, owner)).rejects.toThrow(/could not read which HubSpot account .*hub_id: Required/)
  })

  it("a 4xx keeps HubSpot's category and correlationId, and never shows the token or the secret", async () => {
    nock(BASE)
      .post(INTROSPECT)
      .reply(400, { status: 'error', message: 'invalid client', category: 'BAD_CLIENT_ID', correlationId: 'c0ffee00-0000-4000-8000-000000000000' })
    const err: unknown = await getAccessTokenInfo(http, owner).catch((e: unknown) => e)
    expect(isHubspotStatus(err, 400)).toBe(true)
    const message = err instanceof Error ? err.message : ''
    expect(message).toContain('BAD_CLIENT_ID')
    expect(message).toContain('correlationId c0ffee00-0000-4000-8000-000000000000')
    expect(message).not.toContain(TOKEN)
    expect(message).not.toContain(owner.clientSecret)
  })
})
