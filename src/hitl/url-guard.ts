import * as dns from 'node:dns'
import { BlockList, isIP } from 'node:net'

/**
 * Guards the integration's outbound fetches of end-user URLs (media to re-upload) against SSRF:
 * only http(s), and never a host that resolves to a loopback, private, link-local, CGNAT,
 * unspecified or multicast address (nor an IPv6 form that reaches one: mapped, NAT64, 6to4).
 * Also vets links the integration passes on without fetching them (agent attachments).
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
  // RFC 8215 local-use NAT64 prefix: what it translates to is the operator's business (often a
  // private network), and no address embedding is standard for it, so the whole /48 is refused.
  ['64:ff9b:1::', 48],
  // Teredo (RFC 4380): the client's IPv4 address is stored XOR-obfuscated next to a server IPv4,
  // and the relay that reaches it is whoever answers. No media host needs it; refusing the whole
  // /32 is simpler and safer than decoding both addresses.
  ['2001::', 32],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6')
}

/** The eight 16-bit groups of an IPv6 address (any valid textual form, incl. a trailing dotted IPv4). */
const ipv6Groups = (address: string): number[] | undefined => {
  // A zone id (`fe80::1%eth0`) names an interface, not part of the address.
  let text = address.toLowerCase().replace(/%.*$/, '')
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : [])
  const head = parse(halves[0])
  const tail = parse(halves[1])
  const groups = halves.length === 2 ? [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail] : head
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined
}

const ipv4Of = (hi: number, lo: number): string => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.')

/**
 * The IPv4 address an IPv6 one stands for, when it is one of the forms that reach an IPv4 host:
 * IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d (RFC 2765), NAT64 64:ff9b::a.b.c.d
 * (RFC 6052, the last 32 bits) and 6to4 2002:AABB:CCDD:: (RFC 3056, bits 16..47). A NAT64 gateway
 * or 6to4 relay would carry the request to that IPv4 address, so it is checked like one.
 */
const embeddedIpv4 = (g: number[]): string | undefined => {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0)
  if (zeros(0, 5) && g[5] === 0xffff) return ipv4Of(g[6]!, g[7]!)
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return ipv4Of(g[6]!, g[7]!)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return ipv4Of(g[6]!, g[7]!)
  if (g[0] === 0x2002) return ipv4Of(g[1]!, g[2]!)
  return undefined
}

/** True for an address the integration must never fetch from (see the module comment). */
export const isBlockedAddress = (address: string): boolean => {
  const family = isIP(address)
  if (family === 4) return BLOCKED.check(address, 'ipv4')
  if (family !== 6) return true // not an IP address at all: refuse rather than guess
  const groups = ipv6Groups(address)
  if (!groups) return true
  const v4 = embeddedIpv4(groups)
  if (v4 !== undefined && BLOCKED.check(v4, 'ipv4')) return true
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

/** Why a link was not passed on; never the link itself (it may carry a signature or a data: payload). */
export type LinkRefusal = { reason: string }

/**
 * Checks a link the integration hands to someone else's browser without fetching it (an agent's
 * attachment for the end user): http(s) only, and not a host that is `localhost` or a private or
 * local IP literal. Names are not resolved: the integration never connects there, and what the
 * end user's resolver answers is not ours to know. Returns the URL, or why it was refused.
 */
export const checkPassableUrl = (raw: string): { url: URL } | LinkRefusal => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { reason: 'it is not a valid URL' }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { reason: `its scheme ${url.protocol} is not http or https` }
  if (privateAddressesAllowed()) return { url }
  const host = url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase()
  // RFC 6761: every name under localhost is loopback.
  const local = host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isBlockedAddress(host))
  return local ? { reason: `its host ${url.hostname} is a private or local address` } : { url }
}
