import * as dns from 'node:dns'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ALLOW_PRIVATE_MEDIA_ENV, checkFetchableUrl, isBlockedAddress, UnsafeUrlError } from './url-guard'

// The address table at the edges of every blocked range (media.test.ts covers the download paths).

let savedFlag: string | undefined
beforeEach(() => {
  savedFlag = process.env[ALLOW_PRIVATE_MEDIA_ENV]
  delete process.env[ALLOW_PRIVATE_MEDIA_ENV]
})
afterEach(() => {
  vi.restoreAllMocks()
  if (savedFlag === undefined) delete process.env[ALLOW_PRIVATE_MEDIA_ENV]
  else process.env[ALLOW_PRIVATE_MEDIA_ENV] = savedFlag
})

describe('isBlockedAddress: IPv4 ranges, first and last address, and their public neighbours', () => {
  it.each([
    // [range, last public address below, first blocked, last blocked, first public address above]
    ['0.0.0.0/8', undefined, '0.0.0.0', '0.255.255.255', '1.0.0.0'],
    ['10.0.0.0/8', '9.255.255.255', '10.0.0.0', '10.255.255.255', '11.0.0.0'],
    ['100.64.0.0/10', '100.63.255.255', '100.64.0.0', '100.127.255.255', '100.128.0.0'],
    ['127.0.0.0/8', '126.255.255.255', '127.0.0.0', '127.255.255.255', '128.0.0.0'],
    ['169.254.0.0/16', '169.253.255.255', '169.254.0.0', '169.254.255.255', '169.255.0.0'],
    ['172.16.0.0/12', '172.15.255.255', '172.16.0.0', '172.31.255.255', '172.32.0.0'],
    ['192.168.0.0/16', '192.167.255.255', '192.168.0.0', '192.168.255.255', '192.169.0.0'],
    ['224.0.0.0/4 and 240.0.0.0/4', '223.255.255.255', '224.0.0.0', '255.255.255.255', undefined],
  ])('%s', (_range, below, first, last, above) => {
    expect(isBlockedAddress(first)).toBe(true)
    expect(isBlockedAddress(last)).toBe(true)
    if (below) expect(isBlockedAddress(below)).toBe(false)
    if (above) expect(isBlockedAddress(above)).toBe(false)
  })
})

describe('isBlockedAddress: IPv6 ranges and the forms that embed an IPv4 address', () => {
  it.each([
    ['::ffff:ffff', 'last of ::/96 (IPv4-compatible)'],
    ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'last before fc00::/7', false],
    ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'last of fc00::/7'],
    ['fe80::', 'first of fe80::/10'],
    ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'last of fe80::/10'],
    ['fec0::1', 'just above fe80::/10', false],
    ['ff00::', 'first of ff00::/8'],
    ['2001:0:ffff:ffff:ffff:ffff:ffff:ffff', 'last of Teredo 2001::/32'],
    ['2001:1::1', 'just above Teredo', false],
    ['64:ff9b:1:ffff:ffff:ffff:ffff:ffff', 'last of the local-use NAT64 /48'],
    ['64:ff9b:2::1', 'just above the local-use NAT64 /48', false],
    // Mapped and translated forms, dotted with multi-digit octets: the whole dotted quad is read.
    ['::ffff:64.100.0.1', 'mapped 64.100.0.1 (public; its last three digits read alone would give 100.100.0.1)', false],
    ['::ffff:10.0.0.10', 'mapped 10.0.0.10'],
    ['::ffff:172.16.0.1', 'mapped 172.16.0.1'],
    ['::ffff:0:192.168.100.200', 'translated 192.168.100.200'],
    ['::ffff:0:93.184.216.34', 'translated public 93.184.216.34', false],
    ['64:ff9b::172.31.255.255', 'NAT64 of 172.31.255.255'],
    ['64:ff9b::100.64.0.1', 'NAT64 of 100.64.0.1 (CGNAT)'],
    ['2002:a00:1::', '6to4 of 10.0.0.1'],
    ['2002:808:808::', '6to4 of 8.8.8.8', false],
    ['::1%1.2.3.4', 'loopback whose zone id looks like an IPv4 address'],
    ['2606:4700::1%10.0.0.1', 'a public address whose zone id looks like a private IPv4 address', false],
  ])('%s (%s)', (address, _what, blocked = true) => {
    expect(isBlockedAddress(address)).toBe(blocked)
  })

  // Public addresses that merely carry the bits of a private IPv4 in an embedding's position, without
  // that embedding's prefix: they are not IPv4 addresses and must not be refused as one.
  it.each([
    ['2606:4700::ffff:7f00:1', '::ffff:0:0/96 bits after a non-zero prefix'],
    ['2606:4700:0:0:ffff:0:7f00:1', '::ffff:0:0:0/96 bits after a non-zero prefix'],
    ['::1:7f00:1', 'zeros then 1 (neither mapped nor translated)'],
    ['::1:0:7f00:1', 'zeros, 1, 0 (not translated: that needs ffff)'],
    ['::ffff:1:7f00:1', 'zeros, ffff, 1 (not translated: that needs 0 after ffff)'],
    ['2606:ff9b::7f00:1', 'ff9b as second group without 64 first (not NAT64)'],
    ['64:abcd::7f00:1', '64 first without ff9b second (not NAT64)'],
    ['2606:a00:1::1', 'not 2002 first (not 6to4)'],
  ])('allows %s (%s)', (address) => {
    expect(isBlockedAddress(address)).toBe(false)
  })

  it('refuses a string that is not an IP address, even one a lenient hex parser reads as public', () => {
    expect(isBlockedAddress('2606:4700:0:0:0:0:0:1x')).toBe(true)
    expect(isBlockedAddress('media.example.com')).toBe(true)
    expect(isBlockedAddress('')).toBe(true)
  })
})

describe('checkFetchableUrl', () => {
  it('an invalid URL is refused as such, with an UnsafeUrlError', async () => {
    const err = await checkFetchableUrl('http://exa mple.com/x').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnsafeUrlError)
    expect(err).toMatchObject({ name: 'UnsafeUrlError', message: 'refusing to download media from an invalid URL' })
  })

  it('a private address is refused with an UnsafeUrlError naming the host', async () => {
    const err = await checkFetchableUrl('http://[fe80::1]/x').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnsafeUrlError)
    expect(String(err)).toBe('UnsafeUrlError: refusing to download media from a private or local address ([fe80::1])')
  })

  it('a host the resolver answers with no address at all is refused, not fetched', async () => {
    vi.spyOn(dns.promises, 'lookup').mockResolvedValue([] as never)
    await expect(checkFetchableUrl('https://empty.example.com/x')).rejects.toThrow(
      'refusing to download media from a private or local address (empty.example.com)'
    )
  })

  it('a host resolving only to public addresses is allowed, with them pinned', async () => {
    vi.spyOn(dns.promises, 'lookup').mockResolvedValue([{ address: '8.8.4.4', family: 4 }] as never)
    expect(await checkFetchableUrl('https://public.example.com/x')).toEqual({
      url: new URL('https://public.example.com/x'),
      addresses: [{ address: '8.8.4.4', family: 4 }],
    })
  })
})
