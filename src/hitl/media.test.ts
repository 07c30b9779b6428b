import * as dns from 'node:dns'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import axios from 'axios'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { downloadMedia, fileNameFor, mediaTuning } from './media'
import { startMediaServer } from '../../tests/helpers/media-server'
import { startRecordingProxy, type RecordingProxy } from '../../tests/helpers/recording-proxy'
import { ALLOW_PRIVATE_MEDIA_ENV, checkFetchableUrl, checkPassableUrl, isBlockedAddress, pinnedLookup } from './url-guard'

const MEDIA = 'https://media.example.com'
const CDN = 'https://cdn.example.net'

/** What the mocked resolver answers: public-looking hosts, and names that point inside. */
const DNS: Record<string, string[]> = {
  'media.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'cdn.example.net': ['151.101.1.1'],
  'internal.example.com': ['10.1.2.3'],
  'metadata.example.com': ['::ffff:169.254.169.254'],
  'mixed.example.com': ['93.184.216.34', '192.168.1.10'],
  localhost: ['127.0.0.1', '::1'],
}

const refusedPrivate = (host: string) => `refusing to download media from a private or local address (${host})`

let lookup: ReturnType<typeof vi.spyOn>
let savedFlag: string | undefined

beforeEach(() => {
  savedFlag = process.env[ALLOW_PRIVATE_MEDIA_ENV]
  delete process.env[ALLOW_PRIVATE_MEDIA_ENV]
  nock.disableNetConnect()
  lookup = vi.spyOn(dns.promises, 'lookup').mockImplementation((async (host: string) => {
    const addresses = DNS[host]
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }) as unknown as typeof dns.promises.lookup)
})

afterEach(() => {
  nock.cleanAll()
  nock.enableNetConnect()
  vi.restoreAllMocks()
  if (savedFlag === undefined) delete process.env[ALLOW_PRIVATE_MEDIA_ENV]
  else process.env[ALLOW_PRIVATE_MEDIA_ENV] = savedFlag
})

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '::1',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.1.1',
    'fc00::1',
    'fd12:3456::1',
    '169.254.169.254',
    'fe80::1',
    '0.0.0.0',
    '::',
    '100.64.0.1',
    '100.127.255.254',
    '224.0.0.1',
    '239.255.255.250',
    'ff02::1',
    '255.255.255.255',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '0:0:0:0:0:ffff:a00:1',
    '::ffff:192.168.0.1',
    '::ffff:100.64.0.1',
    // IPv4-translated (::ffff:0:a.b.c.d), dotted and hex
    '::ffff:0:127.0.0.1',
    '::ffff:0:7f00:1',
    '::ffff:0:a9fe:a9fe',
    '0:0:0:0:ffff:0:a00:1',
    // NAT64 (64:ff9b::/96) embedding a blocked IPv4, dotted and hex
    '64:ff9b::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b::10.0.0.1',
    '64:ff9b:0:0:0:0:c0a8:101',
    // RFC 8215 local-use NAT64: the whole /48, whatever it embeds
    '64:ff9b:1::8.8.8.8',
    '64:ff9b:1:ffff::1',
    // 6to4 (2002::/16) embedding a blocked IPv4 in bits 16..47
    '2002:7f00:1::',
    '2002:a9fe:a9fe::1',
    '2002:c0a8:101:1::1',
    '2002::1',
    // Teredo (2001::/32), whole prefix
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '2001::1',
    'not-an-ip',
    '1:2:3:4:5:6:7:8:9',
    'fe80::1%eth0',
    '::ffff:10.0.0.1%eth0',
    '64:ff9b::192.168.1.1%2',
  ])('blocks %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true)
  })

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '172.15.255.255',
    '100.128.0.1',
    '11.0.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '::ffff:0:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '64:ff9b::5db8:d822',
    '2002:5db8:d822::1',
    '2001:4860:4860::8888',
    '2001:db9::1',
    // A zone id (scope) names an interface, not a host: the address before it is what counts.
    '64:ff9b::8.8.8.8%eth0',
    '0:0:0:0:0:ffff:8.8.8.8%1',
  ])('allows the public address %s', (address) => {
    expect(isBlockedAddress(address)).toBe(false)
  })
})

describe('checkPassableUrl (links passed on unfetched, e.g. agent attachments)', () => {
  it.each([
    ['javascript:alert(document.cookie)', 'its scheme javascript: is not http or https'],
    ['data:text/html;base64,PHNjcmlwdD4=', 'its scheme data: is not http or https'],
    ['file:///etc/passwd', 'its scheme file: is not http or https'],
    ['not a url', 'it is not a valid URL'],
    ['http://127.0.0.1:8080/x', 'its host 127.0.0.1 is a private or local address'],
    ['http://2130706433/x', 'its host 127.0.0.1 is a private or local address'],
    ['https://10.1.2.3/x', 'its host 10.1.2.3 is a private or local address'],
    ['http://169.254.169.254/latest/meta-data/', 'its host 169.254.169.254 is a private or local address'],
    ['http://[::1]/x', 'its host [::1] is a private or local address'],
    ['http://[64:ff9b::a9fe:a9fe]/x', 'its host [64:ff9b::a9fe:a9fe] is a private or local address'],
    ['http://localhost:3000/x', 'its host localhost is a private or local address'],
    ['http://LOCALHOST./x', 'its host localhost. is a private or local address'],
    ['http://admin.localhost/x', 'its host admin.localhost is a private or local address'],
  ])('refuses %s: %s', (url, reason) => {
    expect(checkPassableUrl(url)).toEqual({ reason })
  })

  it.each(['https://files.example/a.png?sig=1', 'http://93.184.216.34/x', 'https://[2606:4700::1111]/x', 'https://internal.example.com/x'])(
    'passes %s on (names are not resolved: the integration never fetches it)',
    (url) => {
      expect(checkPassableUrl(url)).toEqual({ url: new URL(url) })
      expect(lookup).not.toHaveBeenCalled()
    }
  )

  it(`passes private hosts, but still only http(s), with ${ALLOW_PRIVATE_MEDIA_ENV}=true`, () => {
    process.env[ALLOW_PRIVATE_MEDIA_ENV] = 'true'
    expect(checkPassableUrl('http://127.0.0.1:8080/x')).toEqual({ url: new URL('http://127.0.0.1:8080/x') })
    expect(checkPassableUrl('javascript:alert(1)')).toEqual({ reason: 'its scheme javascript: is not http or https' })
  })
})

describe('downloadMedia: refusals (the link is sent as text instead)', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', '169.254.169.254'],
    ['http://10.0.0.1/x', '10.0.0.1'],
    ['http://[::1]/x', '[::1]'],
    ['http://[::ffff:169.254.169.254]/x', '[::ffff:a9fe:a9fe]'],
    ['http://0.0.0.0/x', '0.0.0.0'],
    ['http://100.64.0.1/x', '100.64.0.1'],
    ['http://2130706433/x', '127.0.0.1'], // decimal form of 127.0.0.1
    ['http://[64:ff9b::169.254.169.254]/latest/meta-data/', '[64:ff9b::a9fe:a9fe]'], // NAT64
    ['http://[2002:a9fe:a9fe::1]/latest/meta-data/', '[2002:a9fe:a9fe::1]'], // 6to4
    ['http://[::ffff:0:127.0.0.1]/x', '[::ffff:0:7f00:1]'], // IPv4-translated
  ])('refuses %s without requesting it', async (url, shownHost) => {
    const target = nock(new URL(url).origin).get(new URL(url).pathname).reply(200, 'secret')
    await expect(downloadMedia(url, 'image')).rejects.toThrow(refusedPrivate(shownHost))
    expect(target.isDone()).toBe(false)
  })

  it.each([
    ['http://localhost/x', 'localhost'],
    ['https://internal.example.com/x.png', 'internal.example.com'],
    ['https://metadata.example.com/x', 'metadata.example.com'],
    ['https://mixed.example.com/x', 'mixed.example.com'], // one private answer is enough
  ])('refuses %s, whose host resolves to a private or local address', async (url, host) => {
    const target = nock(new URL(url).origin).get(new URL(url).pathname).reply(200, 'secret')
    await expect(downloadMedia(url, 'image')).rejects.toThrow(refusedPrivate(host))
    expect(lookup).toHaveBeenCalledWith(host, { all: true })
    expect(target.isDone()).toBe(false)
  })

  it.each([
    ['ftp://media.example.com/pic.png', 'ftp:'],
    ['file:///etc/passwd', 'file:'],
    ['data:image/png;base64,AAAA', 'data:'],
  ])('refuses %s: only http and https', async (url, scheme) => {
    await expect(downloadMedia(url, 'image')).rejects.toThrow(`refusing to download media over ${scheme} (only http and https are allowed)`)
    expect(lookup).not.toHaveBeenCalled()
  })

  it('refuses a redirect from an allowed host to a private one, without following it', async () => {
    nock(MEDIA).get('/pic.png').reply(302, '', { location: 'http://169.254.169.254/latest/meta-data/' })
    const metadata = nock('http://169.254.169.254').get('/latest/meta-data/').reply(200, 'secret')
    await expect(downloadMedia(`${MEDIA}/pic.png`, 'image')).rejects.toThrow(refusedPrivate('169.254.169.254'))
    expect(metadata.isDone()).toBe(false)
  })

  it('refuses a redirect to a host name that resolves inside', async () => {
    nock(MEDIA).get('/pic.png').reply(301, '', { location: 'https://internal.example.com/admin' })
    const internal = nock('https://internal.example.com').get('/admin').reply(200, 'secret')
    await expect(downloadMedia(`${MEDIA}/pic.png`, 'image')).rejects.toThrow(refusedPrivate('internal.example.com'))
    expect(lookup).toHaveBeenCalledWith('internal.example.com', { all: true })
    expect(internal.isDone()).toBe(false)
  })

  it('refuses a redirect to a non-http scheme', async () => {
    nock(MEDIA).get('/pic.png').reply(302, '', { location: 'file:///etc/passwd' })
    await expect(downloadMedia(`${MEDIA}/pic.png`, 'image')).rejects.toThrow('refusing to download media over file:')
  })

  it('follows at most 3 redirects and refuses a 4th, without requesting its target', async () => {
    nock(MEDIA)
      .get('/1')
      .reply(302, '', { location: '/2' })
      .get('/2')
      .reply(302, '', { location: '/3' })
      .get('/3')
      .reply(302, '', { location: '/4' })
      .get('/4')
      .reply(302, '', { location: '/5' })
    const fifth = nock(MEDIA).get('/5').reply(200, 'bytes')
    await expect(downloadMedia(`${MEDIA}/1`, 'image')).rejects.toThrow('refusing to follow more than 3 redirects')
    expect(fifth.isDone()).toBe(false)
  })

  it('a 3xx without a Location fails', async () => {
    nock(MEDIA).get('/pic.png').reply(304)
    await expect(downloadMedia(`${MEDIA}/pic.png`, 'image')).rejects.toThrow('HTTP 304 without a Location')
  })
})

describe('downloadMedia: allowed downloads', () => {
  it('downloads from a public host: bytes, content type and file name', async () => {
    nock(MEDIA).get('/files/receipt%20scan.jpg').reply(200, Buffer.from('jpeg-bytes'), { 'content-type': 'image/jpeg; charset=binary' })
    const media = await downloadMedia(`${MEDIA}/files/receipt%20scan.jpg`, 'image', 'Receipt')
    expect(media).toEqual({ name: 'receipt scan.jpg', mimeType: 'image/jpeg', content: Buffer.from('jpeg-bytes') })
    expect(lookup).toHaveBeenCalledWith('media.example.com', { all: true })
  })

  it('falls back to the kind’s default type when the server sends none', async () => {
    nock(MEDIA).get('/voice').reply(200, Buffer.from('mp3'))
    const media = await downloadMedia(`${MEDIA}/voice`, 'audio')
    expect(media.mimeType).toBe('audio/mpeg')
    expect(lookup).toHaveBeenCalledWith('media.example.com', { all: true })
  })

  it('follows 3 redirects (relative, cross-host, relative) checking every hop; names the file after the original URL', async () => {
    const chain = nock(MEDIA)
      .get('/a/photo.png')
      .reply(301, '', { location: '../b/next' }) // relative to /a/photo.png → /b/next
      .get('/b/next')
      .reply(302, '', { location: `${CDN}/c/hop` })
    const cdn = nock(CDN)
      .get('/c/hop')
      .reply(307, '', { location: 'final?sig=1' }) // → /c/final?sig=1
      .get('/c/final')
      .query({ sig: '1' })
      .reply(200, Buffer.from('png'), { 'content-type': 'image/png' })
    const media = await downloadMedia(`${MEDIA}/a/photo.png`, 'image')
    expect(media).toEqual({ name: 'photo.png', mimeType: 'image/png', content: Buffer.from('png') })
    expect(chain.isDone() && cdn.isDone()).toBe(true)
    expect(lookup.mock.calls.map((c: unknown[]) => c[0])).toEqual(['media.example.com', 'media.example.com', 'cdn.example.net', 'cdn.example.net'])
  })

  it('connects only to the addresses it checked (no second DNS answer between check and connect)', async () => {
    const get = vi.spyOn(axios, 'get')
    nock(MEDIA).get('/pic.png').reply(200, Buffer.from('png'), { 'content-type': 'image/png' })
    await downloadMedia(`${MEDIA}/pic.png`, 'image')
    const config = get.mock.calls[0]![1] as {
      lookup?: (h: string, o: object, cb: (e: Error | null, a: unknown) => void) => void
      maxRedirects?: number
    }
    expect(config.maxRedirects).toBe(0)
    const answered = await new Promise((resolve) => config.lookup!('media.example.com', { all: true }, (_e, a) => resolve(a)))
    expect(answered).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ])
    expect(lookup).toHaveBeenCalledTimes(1)
  })

  it.each([
    ['http://93.184.216.34/pic.png', 'http://93.184.216.34'],
    ['http://[2606:4700::1111]/pic.png', 'http://[2606:4700::1111]'],
    ['http://[64:ff9b::5db8:d822]/pic.png', 'http://[64:ff9b::5db8:d822]'], // NAT64 of a public IPv4
  ])(`downloads from the public IP literal %s with ${ALLOW_PRIVATE_MEDIA_ENV} unset, without DNS`, async (url, origin) => {
    expect(process.env[ALLOW_PRIVATE_MEDIA_ENV]).toBeUndefined()
    expect(await checkFetchableUrl(url)).toEqual({ url: new URL(url) })
    const target = nock(origin).get('/pic.png').reply(200, Buffer.from('png'), { 'content-type': 'image/png' })
    expect(await downloadMedia(url, 'image')).toEqual({ name: 'pic.png', mimeType: 'image/png', content: Buffer.from('png') })
    expect(target.isDone()).toBe(true)
    expect(lookup).not.toHaveBeenCalled()
  })

  it('pinnedLookup answers with the checked addresses', async () => {
    const checked = await checkFetchableUrl(`${MEDIA}/x`)
    expect(checked.addresses).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ])
    const cb = vi.fn()
    pinnedLookup(checked.addresses!)('media.example.com', { all: true }, cb)
    expect(cb).toHaveBeenCalledWith(null, checked.addresses)
  })
})

describe(`downloadMedia from 127.0.0.1 (${ALLOW_PRIVATE_MEDIA_ENV})`, () => {
  let server: http.Server
  let base = ''
  let hits = 0
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits++
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('local-png'))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))
  beforeEach(() => {
    nock.enableNetConnect('127.0.0.1')
    hits = 0
  })

  it('is refused by default, without a request', async () => {
    await expect(downloadMedia(`${base}/pic.png`, 'image')).rejects.toThrow(refusedPrivate('127.0.0.1'))
    expect(hits).toBe(0)
  })

  it('is refused when the flag is anything but "true"', async () => {
    process.env[ALLOW_PRIVATE_MEDIA_ENV] = '1'
    await expect(downloadMedia(`${base}/pic.png`, 'image')).rejects.toThrow(refusedPrivate('127.0.0.1'))
    expect(hits).toBe(0)
  })

  it('is allowed with the flag set to "true" (sandbox, e2e, reliability, bench)', async () => {
    process.env[ALLOW_PRIVATE_MEDIA_ENV] = 'true'
    const media = await downloadMedia(`${base}/pic.png`, 'image')
    expect(media).toEqual({ name: 'pic.png', mimeType: 'image/png', content: Buffer.from('local-png') })
    expect(hits).toBe(1)
  })

  it('still refuses non-http schemes with the flag set', async () => {
    process.env[ALLOW_PRIVATE_MEDIA_ENV] = 'true'
    await expect(downloadMedia('file:///etc/passwd', 'file')).rejects.toThrow('refusing to download media over file:')
  })
})

describe('downloadMedia: one deadline for the whole download, body included', () => {
  const BUDGET_MS = 400
  let server: http.Server
  let base = ''
  let trickles = { started: 0, finished: 0 }
  let closed: Promise<void> = Promise.resolve()
  beforeAll(async () => {
    // Headers at once, then one byte every 100 ms for 4 s: axios's `timeout` alone never fires.
    server = http.createServer((req, res) => {
      if (req.url === '/hop') return void res.writeHead(302, { location: '/trickle.png' }).end()
      trickles.started++
      res.writeHead(200, { 'content-type': 'image/png' })
      res.flushHeaders()
      let sent = 0
      const timer = setInterval(() => {
        res.write('x')
        if (++sent === 40) {
          trickles.finished++
          res.end()
        }
      }, 100)
      closed = new Promise((resolve) => res.on('close', () => (clearInterval(timer), resolve())))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => {
    server.closeAllConnections()
    return new Promise<void>((r) => server.close(() => r()))
  })
  beforeEach(() => {
    nock.enableNetConnect('127.0.0.1')
    process.env[ALLOW_PRIVATE_MEDIA_ENV] = 'true'
    mediaTuning.downloadTimeoutMs = BUDGET_MS
    trickles = { started: 0, finished: 0 }
  })
  afterEach(() => {
    mediaTuning.downloadTimeoutMs = 15_000
  })

  it.each([
    ['/trickle.png', 'a server that sends the headers, then trickles the body'],
    ['/hop', 'a redirect to such a server (the budget spans the chain)'],
  ])('%s: rejects %s before it stops, and hangs up', async (path) => {
    await expect(downloadMedia(`${base}${path}`, 'image')).rejects.toThrow(`media download took longer than ${BUDGET_MS} ms`)
    expect(trickles).toEqual({ started: 1, finished: 0 })
    await closed // the server sees the connection close (a leaked socket would keep it until the 40th byte)
    expect(trickles.finished).toBe(0)
  })
})

it('a DNS lookup that never answers counts against the same deadline', async () => {
  mediaTuning.downloadTimeoutMs = 200
  lookup.mockImplementation(() => new Promise(() => {}))
  try {
    await expect(downloadMedia(`${MEDIA}/pic.png`, 'image')).rejects.toThrow('media download took longer than 200 ms')
  } finally {
    mediaTuning.downloadTimeoutMs = 15_000
  }
})

describe('downloadMedia ignores HTTP_PROXY and HTTPS_PROXY', () => {
  let proxy: RecordingProxy
  beforeAll(async () => {
    proxy = await startRecordingProxy()
  })
  afterAll(() => proxy.close())
  beforeEach(() => {
    proxy.useAsEnvProxy()
    nock.enableNetConnect('127.0.0.1')
  })
  afterEach(() => proxy.restore())

  // http only: for https axios would tunnel with CONNECT through an agent that nock bypasses, so
  // nock cannot show it; `proxy: false` turns off both.
  it('an http download is fetched from the checked address, never through the proxy', async () => {
    const origin = 'http://media.example.com'
    const direct = nock(origin).get('/pic.png').reply(200, Buffer.from('direct'), { 'content-type': 'image/png' })
    const media = await downloadMedia(`${origin}/pic.png`, 'image')
    expect(media.content.toString()).toBe('direct')
    expect(direct.isDone()).toBe(true)
    expect(proxy.hits).toEqual([])
  })
})

describe('fileNameFor', () => {
  it('uses the URL, then the title, then the kind', () => {
    expect(fileNameFor('https://x.example/a/b%20c.pdf', 'file')).toBe('b c.pdf')
    expect(fileNameFor('https://x.example/', 'file', 'Invoice #3')).toBe('Invoice _3')
    expect(fileNameFor('not a url', 'image')).toBe('image')
  })
})

describe('downloadMedia: what a response turns into', () => {
  it('binary bytes come back exactly as served (never decoded as text)', async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x80, 0xc3, 0x28, 0xfe])
    const server = await startMediaServer(() => bytes)
    nock.enableNetConnect('127.0.0.1')
    try {
      expect(await downloadMedia(`${server.url}/photo.png`, 'image')).toEqual({ name: 'photo.png', mimeType: 'image/png', content: bytes })
    } finally {
      await server.close()
    }
  })

  it('an error status fails the download instead of uploading the error page', async () => {
    const server = await startMediaServer()
    nock.enableNetConnect('127.0.0.1')
    try {
      await expect(downloadMedia(`${server.url}/missing.png`, 'image')).rejects.toThrow('Request failed with status code 404')
    } finally {
      await server.close()
    }
  })

  it('HTTP 400 fails the download (only 2xx is content, 3xx a redirect)', async () => {
    nock(MEDIA).get('/pic.png').reply(400, 'bad request page', { 'content-type': 'text/html' })
    await expect(downloadMedia(`${MEDIA}/pic.png`, 'image')).rejects.toThrow('Request failed with status code 400')
  })

  it('HTTP 300 with a Location is followed like any redirect', async () => {
    nock(MEDIA)
      .get('/pic.png')
      .reply(300, 'choices page', { location: '/real.png' })
      .get('/real.png')
      .reply(200, Buffer.from('png'), { 'content-type': 'image/png' })
    expect(await downloadMedia(`${MEDIA}/pic.png`, 'image')).toEqual({ name: 'pic.png', mimeType: 'image/png', content: Buffer.from('png') })
  })

  it('a redirect with an empty Location fails at once (no loop back to the same URL)', async () => {
    const hop = nock(MEDIA).get('/pic.png').reply(302, '', { location: '' })
    await expect(downloadMedia(`${MEDIA}/pic.png`, 'image')).rejects.toThrow('media download got HTTP 302 without a Location')
    expect(hop.isDone()).toBe(true)
    expect(lookup).toHaveBeenCalledTimes(1)
  })

  it.each([
    ['', 'image/png'], // the kind's default, not an empty type
    ['image/webp ; charset=binary', 'image/webp'],
  ])('content type %j is stored as %s', async (header, mimeType) => {
    nock(MEDIA).get('/pic').reply(200, Buffer.from('x'), { 'content-type': header })
    expect((await downloadMedia(`${MEDIA}/pic`, 'image')).mimeType).toBe(mimeType)
  })

  it('a download over its deadline keeps what stopped it as the cause', async () => {
    mediaTuning.downloadTimeoutMs = 100
    lookup.mockImplementation(() => new Promise(() => {}))
    try {
      const err = await downloadMedia(`${MEDIA}/pic.png`, 'image').catch((e: unknown) => e)
      expect(err).toMatchObject({ message: 'media download took longer than 100 ms', cause: expect.any(Error) })
    } finally {
      mediaTuning.downloadTimeoutMs = 15_000
    }
  })

  it('a finished download leaves no deadline timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      nock(MEDIA).get('/pic.png').reply(200, Buffer.from('png'), { 'content-type': 'image/png' })
      await downloadMedia(`${MEDIA}/pic.png`, 'image')
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('fileNameFor: unsafe characters and length', () => {
  it('replaces each run of unsafe characters with one underscore', () => {
    expect(fileNameFor('https://x.example/', 'file', 'Q3 report: ##final## <v2>/draft')).toBe('Q3 report_ _final_ _v2_draft')
  })

  it('keeps at most 100 characters', () => {
    expect(fileNameFor(`https://x.example/${'a'.repeat(150)}.pdf`, 'file')).toBe('a'.repeat(100))
  })
})
