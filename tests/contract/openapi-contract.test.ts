/**
 * The contract checker itself (tests/helpers/openapi/): against HubSpot's real specs, conforming exchanges pass and
 * each kind of departure is reported; the nock tap reports what a unit test's traffic violates.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import axios from 'axios'
import nock from 'nock'
import { afterEach, describe, expect, it } from 'vitest'
import { OpenApiContract, offSpec, type Exchange } from '../helpers/openapi/contract'
import { contractState, loadContract, takeViolations } from '../helpers/openapi/recorder'
import { locateSpecs } from '../helpers/openapi/spec-files'

const state = contractState()
const CC = '/conversations/custom-channels/2026-09'
const CONV = '/conversations/conversations/2026-09'

const json = (body: unknown) => ({ contentType: 'application/json', body: JSON.stringify(body) })
const exchange = (
  method: string,
  pathAndQuery: string,
  request: Exchange['request'] = {},
  response?: { status: number; body?: unknown; offSpec?: string }
): Exchange => {
  const url = new URL(pathAndQuery, 'https://api.hubapi.com')
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    request,
    ...(response
      ? {
          response: {
            status: response.status,
            contentType: 'application/json',
            body: response.body === undefined ? '' : JSON.stringify(response.body),
            offSpec: response.offSpec,
          },
        }
      : {}),
  }
}

const CAPABILITIES = {
  deliveryIdentifierTypes: ['CHANNEL_SPECIFIC_OPAQUE_ID'],
  richText: ['HYPERLINK'],
  threadingModel: 'INTEGRATION_THREAD_ID',
  allowInlineImages: false,
  allowOutgoingMessages: true,
  outgoingAttachmentTypes: ['FILE'],
  allowedFileAttachmentMimeTypes: ['image/png'],
  maxFileAttachmentCount: 10,
  maxFileAttachmentSizeBytes: 1_000_000,
  maxTotalFileAttachmentSizeBytes: 1_000_000,
  allowMultipleRecipients: false,
  allowConversationStart: false,
}
const CHANNEL_EGG = { name: 'Botpress', webhookUrl: 'https://webhook.botpress.test/wh_1', capabilities: CAPABILITIES }
const THREAD = {
  id: '42',
  status: 'OPEN',
  archived: false,
  spam: false,
  inboxId: '1001',
  associatedContactId: '9',
  originalChannelId: '5551',
  originalChannelAccountId: '77',
  createdAt: '2026-01-01T00:00:00Z',
}
const ERROR = { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'not found', correlationId: '0b3c6a4e-9a3c-4c55-8a3e-1f2d3c4b5a69' }

const problems = (c: OpenApiContract, ex: Exchange) => c.check(ex).map((v) => `${v.where}: ${v.problem}`)

describe.skipIf(!state.enabled)("the contract checker, on HubSpot's specs", () => {
  const c = state.enabled ? state.contract : (undefined as never)

  it('reads every v1/v3 and dated spec', () => {
    const located = locateSpecs()
    expect(located.found && located.files.map((f) => f.name)).toEqual(
      expect.arrayContaining(['dated/Conversations_Custom_Channels_2026-09.json', 'Conversations_Custom_Channels_v3_customChannels.json'])
    )
    expect(c.operationCount).toBeGreaterThan(150)
  })

  it('passes a conforming request and reply (JSON, ids as strings, dates as ISO)', () => {
    expect(
      problems(
        c,
        exchange('POST', `${CC}?hapikey=k&appId=1`, json(CHANNEL_EGG), {
          status: 201,
          body: { id: '5551', createdAt: '2026-01-01T00:00:00Z', ...CHANNEL_EGG },
        })
      )
    ).toEqual([])
    expect(problems(c, exchange('GET', `${CONV}/threads/42?association=TICKET`, {}, { status: 200, body: THREAD }))).toEqual([])
  })

  it('reports a wrong type, a missing required field and an unknown enum value in a request body', () => {
    expect(problems(c, exchange('POST', CC, json({ ...CHANNEL_EGG, name: 5 })))).toEqual(['request body: (body).name must be string'])
    const { capabilities: _, ...noCapabilities } = CHANNEL_EGG
    expect(problems(c, exchange('POST', CC, json(noCapabilities)))).toEqual(['request body: (body) lacks required field "capabilities"'])
    expect(problems(c, exchange('PATCH', `${CONV}/threads/42`, json({ status: 'DONE' })))).toEqual([
      'request body: (body).status must be one of "CLOSED", "OPEN"',
    ])
  })

  it('rejects a request field the spec does not define, but lets a reply carry one (HubSpot adds fields)', () => {
    expect(problems(c, exchange('PATCH', `${CONV}/threads/42`, json({ status: 'CLOSED', closed: true })))).toEqual([
      'request body: (body) has a field the spec does not define: "closed"',
    ])
    expect(
      problems(c, exchange('PATCH', `${CONV}/threads/42`, json({ status: 'CLOSED' }), { status: 200, body: { ...THREAD, newField: 1 } }))
    ).toEqual([])
  })

  it('reports a wrong type, a missing field and an unknown enum value in a faked reply', () => {
    expect(problems(c, exchange('GET', `${CONV}/threads/42`, {}, { status: 200, body: { ...THREAD, id: 42 } }))).toEqual([
      'response 200: (body).id must be string',
    ])
    const { inboxId: _, ...noInbox } = THREAD
    expect(problems(c, exchange('GET', `${CONV}/threads/42`, {}, { status: 200, body: noInbox }))).toEqual([
      'response 200: (body) lacks required field "inboxId"',
    ])
    expect(problems(c, exchange('GET', `${CONV}/threads/42`, {}, { status: 200, body: { ...THREAD, status: 'ARCHIVED' } }))).toEqual([
      'response 200: (body).status must be one of "CLOSED", "OPEN"',
    ])
    expect(problems(c, exchange('GET', `${CONV}/threads/42`, {}, { status: 200, body: { ...THREAD, createdAt: 1767225600000 } }))).toEqual([
      'response 200: (body).createdAt must be string',
    ])
  })

  it('checks error replies against the Error body and success statuses against the documented ones', () => {
    expect(problems(c, exchange('GET', `${CONV}/threads/42`, {}, { status: 404, body: ERROR }))).toEqual([])
    expect(problems(c, exchange('GET', `${CONV}/threads/42`, {}, { status: 404, body: { message: 'nope' } }))).toEqual([
      'response 404: (body) lacks required field "category"',
      'response 404: (body) lacks required field "correlationId"',
    ])
    expect(
      problems(c, exchange('POST', CC, json(CHANNEL_EGG), { status: 200, body: { id: '1', ...CHANNEL_EGG, createdAt: '2026-01-01T00:00:00Z' } }))
    ).toEqual(['response 200: status 200: HubSpot answers this operation with 201 (spec)'])
    // A gateway's HTML 502 is not the API's answer: allowed. A 200 that is not JSON is not.
    expect(
      problems(c, { ...exchange('GET', `${CONV}/threads/42`), response: { status: 502, contentType: 'text/html', body: '<html>bad gateway</html>' } })
    ).toEqual([])
    expect(
      problems(c, { ...exchange('GET', `${CONV}/threads/42`), response: { status: 200, contentType: 'text/html', body: '<html></html>' } })[0]
    ).toMatch(/is not JSON/)
  })

  it('skips an exchange whose fake is marked off-spec, and only that one', () => {
    expect(
      problems(c, exchange('PATCH', `${CONV}/threads/42`, json({ status: 'SHUT' }), { status: 204, offSpec: 'HubSpot was seen answering 204' }))
    ).toEqual([])
    expect(problems(c, exchange('PATCH', `${CONV}/threads/42`, json({ status: 'SHUT' }), { status: 204 }))).toEqual([
      'request body: (body).status must be one of "CLOSED", "OPEN"',
      'response 204: status 204: HubSpot answers this operation with 200 (spec)',
    ])
  })

  it('reports a path no spec has, a method the path lacks, unknown query parameters and ids of the wrong type', () => {
    expect(problems(c, exchange('GET', '/conversations/custom-channel/2026-09'))).toEqual([
      'path: no operation of any HubSpot spec has the path /conversations/custom-channel/2026-09',
    ])
    expect(problems(c, exchange('PUT', `${CONV}/threads/42`))[0]).toMatch(/has no PUT operation; it has GET, DELETE, PATCH/)
    expect(problems(c, exchange('GET', `${CONV}/threads/42?associations=TICKET`))).toEqual([
      'parameters: query parameter associations is not a parameter of the operation (it has archived, association, property)',
    ])
    expect(problems(c, exchange('GET', `${CONV}/threads/42?association=CONTACT`))).toEqual([
      'parameters: query parameter association.0 must be one of "TICKET"',
    ])
    expect(problems(c, exchange('GET', `${CONV}/threads/t-42`))).toEqual(['parameters: path parameter threadId must be integer'])
    // hapikey (a security scheme) and appId (required beside it by HubSpot, not in the spec) are allowed.
    expect(problems(c, exchange('GET', `${CC}?hapikey=k&appId=1&limit=100`))).toEqual([])
  })

  it('prefers a literal path segment to a template, and knows the v3 channel list path by the name the code uses', () => {
    expect(c.find('GET', '/files/2026-03/files/search')).toMatchObject({ op: { template: '/files/2026-03/files/search' } })
    expect(c.find('GET', '/files/2026-03/files/123')).toMatchObject({ op: { template: '/files/2026-03/files/{fileId}' }, params: { fileId: '123' } })
    expect(c.find('GET', '/conversations/v3/custom-channels')).toMatchObject({
      op: { template: '/conversations/custom-channels/v3', spec: 'Conversations_Custom_Channels_v3_customChannels.json' },
    })
  })

  it('breaks the union cycles of the dated conversations spec: actors and messages validate by their type', () => {
    expect(
      problems(
        c,
        exchange('GET', `${CONV}/actors/A-1`, {}, { status: 200, body: { type: 'AGENT', id: 'A-1', name: 'Ada', email: 'ada@example.com' } })
      )
    ).toEqual([])
    expect(problems(c, exchange('GET', `${CONV}/actors/A-1`, {}, { status: 200, body: { type: 'ROBOT', id: 'A-1' } })).join('\n')).toMatch(
      /type must be one of "AGENT"/
    )
    const comment = { type: 'COMMENT', text: 'note', richText: '<p>note</p>', attachments: [] }
    expect(problems(c, exchange('POST', `${CONV}/threads/42/messages`, json(comment)))).toEqual([])
    expect(problems(c, exchange('POST', `${CONV}/threads/42/messages`, json({ ...comment, senderActorId: 'A-1', colour: 'red' })))).toEqual([
      // A COMMENT egg has no sender (a MESSAGE egg has): only the COMMENT branch is reported, the one `type` names.
      'request body: (body) has a field the spec does not define: "senderActorId"',
      'request body: (body) has a field the spec does not define: "colour"',
    ])
  })

  it('checks a form-encoded token request field by field (values are strings on the wire)', () => {
    const form = (fields: Record<string, string>) => ({
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams(fields).toString(),
    })
    const refresh = { grant_type: 'refresh_token', client_id: 'id', client_secret: 's', refresh_token: 'r' }
    expect(problems(c, exchange('POST', '/oauth/2026-03/token', form(refresh)))).toEqual([])
    expect(problems(c, exchange('POST', '/oauth/2026-03/token', form({ ...refresh, portal: '1' })))).toEqual([
      'request body: (form) has a field the spec does not define: "portal"',
    ])
    expect(problems(c, exchange('POST', '/oauth/2026-03/token', json(refresh)))[0]).toMatch(
      /sent as "application\/json"; the operation takes application\/x-www-form-urlencoded/
    )
  })

  it('checks a multipart upload by its field names and which of them are files', () => {
    const boundary = 'b0undary'
    const part = (name: string, value: string, filename?: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"\r\nContent-Type: image/png` : ''}\r\n\r\n${value}\r\n`
    const upload = (parts: string) => ({ contentType: `multipart/form-data; boundary=${boundary}`, body: `${parts}--${boundary}--\r\n` })
    const good =
      part('file', '\x89PNG', 'a.png') + part('fileName', 'a.png') + part('folderPath', '/botpress') + part('options', '{"access":"PRIVATE"}')
    expect(problems(c, exchange('POST', '/files/2026-03/files', upload(good)))).toEqual([])
    expect(problems(c, exchange('POST', '/files/2026-03/files', upload(part('file', 'bytes') + part('folder', '/x'))))).toEqual([
      'request body: (form).file is described as a file (format binary) but was sent as a plain field',
      'request body: (form) has a field the spec does not define: "folder"',
    ])
  })

  it('converts OpenAPI nullable (none of HubSpot specs uses it today)', () => {
    const spec = {
      name: 'synthetic.json',
      doc: {
        openapi: '3.0.1',
        paths: {
          '/things/{id}': { get: { responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } } } } },
        },
        components: {
          schemas: {
            Thing: { type: 'object', required: ['name'], properties: { name: { type: 'string', nullable: true }, size: { type: 'integer' } } },
          },
        },
      },
    }
    const one = new OpenApiContract([spec])
    expect(problems(one, exchange('GET', '/things/1', {}, { status: 200, body: { name: null } }))).toEqual([])
    expect(problems(one, exchange('GET', '/things/1', {}, { status: 200, body: { name: 'x', size: null } }))).toEqual([
      'response 200: (body).size must be integer',
    ])
  })
})

describe('without the specs', () => {
  const emptyDir = () => mkdtempSync(path.join(tmpdir(), 'no-specs-'))

  it('skips with the reason printed, outside CI', () => {
    const lines: string[] = []
    const s = loadContract({ HUBSPOT_OPENAPI_DIR: emptyDir() }, (l) => lines.push(l))
    expect(s.enabled).toBe(false)
    expect(lines).toEqual([
      expect.stringMatching(
        /HubSpot contract checks skipped: HubSpot's OpenAPI specs were not found \(looked in .*no-specs-.*\); set HUBSPOT_OPENAPI_DIR/
      ),
    ])
  })

  it('fails under CI=true', () => {
    expect(() => loadContract({ HUBSPOT_OPENAPI_DIR: emptyDir(), CI: 'true' }, () => {})).toThrow(
      /Contract tests cannot run under CI=true: HubSpot's OpenAPI specs were not found/
    )
  })

  it('uses HUBSPOT_OPENAPI_DIR when set', () => {
    const dir = emptyDir()
    writeFileSync(path.join(dir, 'Only.json'), JSON.stringify({ openapi: '3.0.1', paths: { '/only': { get: { responses: { '204': {} } } } } }))
    const s = loadContract({ HUBSPOT_OPENAPI_DIR: dir }, () => {})
    expect(s.enabled && s.contract.operationCount).toBe(1)
  })
})

describe.skipIf(!state.enabled)("the nock tap (this project's setup file)", () => {
  afterEach(() => {
    nock.cleanAll()
    takeViolations()
  })

  it("reports a unit test's request and faked reply that depart from the spec, naming the operation", async () => {
    nock('https://api.hubapi.com')
      .patch(`${CONV}/threads/42`)
      .reply(200, { ...THREAD, status: 'GONE' })
    await axios.patch(`https://api.hubapi.com${CONV}/threads/42`, { status: 'SHUT' })
    expect(takeViolations().map((v) => `${v.exchange} | ${v.where}: ${v.problem}`)).toEqual([
      `PATCH ${CONV}/threads/42 (dated/Conversations_Conversations_2026-09.json: PATCH ${CONV}/threads/{threadId}) | request body: (body).status must be one of "CLOSED", "OPEN"`,
      `PATCH ${CONV}/threads/42 (dated/Conversations_Conversations_2026-09.json: PATCH ${CONV}/threads/{threadId}) | response 200: (body).status must be one of "CLOSED", "OPEN"`,
    ])
  })

  it("reports a path of no spec on HubSpot's host (a typo both the code and its test share), and ignores other hosts' unknown paths", async () => {
    nock('https://api.hubapi.com').get('/conversations/conversation/2026-09/threads/42').reply(200, THREAD)
    nock('https://media.example.test').get('/a.png').reply(200, 'png')
    await axios.get('https://api.hubapi.com/conversations/conversation/2026-09/threads/42')
    await axios.get('https://media.example.test/a.png')
    expect(takeViolations().map((v) => v.problem)).toEqual([
      'no operation of any HubSpot spec has the path /conversations/conversation/2026-09/threads/42',
    ])
  })

  it('passes a conforming exchange and an off-spec fake', async () => {
    nock('https://api.hubapi.com')
      .get(`${CONV}/threads/42`)
      .reply(200, THREAD)
      .patch(`${CONV}/threads/42`)
      .reply(204, '', offSpec('the code must accept an empty 204'))
    await axios.get(`https://api.hubapi.com${CONV}/threads/42`)
    await axios.patch(`https://api.hubapi.com${CONV}/threads/42`, { status: 'CLOSED' })
    expect(takeViolations()).toEqual([])
  })
})
