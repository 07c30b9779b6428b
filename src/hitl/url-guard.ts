import * as dns from 'node:dns'
import { BlockList, isIP } from 'node:net'

/**
 * Guards the integration's outbound fetches of end-user URLs (media to re-upload) against SSRF:
 * only http(s), and never a host that resolves to a loopback, private, link-local, CGNAT,
 * unspecified or multicast address (nor the IPv4-mapped IPv6 form of one).
 */

/** Dev/test escape hatch: the sandbox, e2e and reliability suites serve media from 127.0.0.1. */
export const ALLOW_PRIVATE_MEDIA_ENV = 'HUBSPOT_HITL_ALLOW_PRIVATE_MEDIA'

const privateAddressesAllowed = (): boolean => process.env[ALLOW_PRIVATE_MEDIA_ENV] === 'true'

const BLOCKED = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", incl. the unspecified 0.0.0.0
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata endpoints)
  ['172.16.0.0', 12], // private
  ['192.168.0.0', 16], // private
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast 255.255.255.255
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::', 96], // unspecified ::, loopback ::1 and the deprecated IPv4-compatible ::a.b.c.d
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6')
}

const MAPPED_V4 = /^::ffff:(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i
const MAPPED_V4_HEX = /^::ffff:(?:0:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i

/** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d or ::ffff:XXXX:XXXX), if it is one. */
const embeddedIpv4 = (address: string): string | undefined => {
  const dotted = MAPPED_V4.exec(address)
  if (dotted) return dotted[1]
  const hex = MAPPED_V4_HEX.exec(address)
  if (!hex) return undefined
  const hi = parseInt(hex[1]!, 16)
  const lo = parseInt(hex[2]!, 16)
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.')
}

/** True for an address the integration must never fetch from (see the module comment). */
export const isBlockedAddress = (address: string): boolean => {
  const family = isIP(address)
  if (family === 4) return BLOCKED.check(address, 'ipv4')
  if (family !== 6) return true // not an IP address at all: refuse rather than guess
  const v4 = embeddedIpv4(address)
  if (v4 !== undefined && isIP(v4) === 4 && BLOCKED.check(v4, 'ipv4')) return true
  return BLOCKED.check(address, 'ipv6')
}

export class UnsafeUrlError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnsafeUrlError'
  }
}

export type ResolvedAddress = { address: string; family: 4 | 6 }

export type CheckedUrl = {
  url: URL
  /**
   * Where the host was resolved to and checked; undefined for IP literals and when private
   * addresses are allowed. Connect only to these, so a second DNS answer cannot differ.
   */
  addresses?: ResolvedAddress[]
}

/**
 * Parses and checks a URL the integration is about to fetch: http(s) only, and every address its
 * host resolves to must be public. Throws UnsafeUrlError otherwise (or the DNS error).
 */
export const checkFetchableUrl = async (raw: string | URL): Promise<CheckedUrl> => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UnsafeUrlError('refusing to download media from an invalid URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UnsafeUrlError(`refusing to download media over ${url.protocol} (only http and https are allowed)`)
  }
  if (privateAddressesAllowed()) return { url }

  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const refuse = () => new UnsafeUrlError(`refusing to download media from a private or local address (${url.hostname})`)
  if (isIP(host)) {
    if (isBlockedAddress(host)) throw refuse()
    return { url }
  }
  const resolved = await dns.promises.lookup(host, { all: true })
  if (resolved.length === 0 || resolved.some((a) => isBlockedAddress(a.address))) throw refuse()
  return { url, addresses: resolved.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })) }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: ResolvedAddress[]) => void

/**
 * A socket `lookup` that answers with addresses already checked by checkFetchableUrl instead of
 * resolving the host again (DNS rebinding between the check and the connection).
 */
export const pinnedLookup =
  (addresses: ResolvedAddress[]) =>
  (_hostname: string, _options: object, cb: LookupCallback): void =>
    cb(
      null,
      addresses.map((a) => ({ ...a }))
    )
