import { errorBody } from './errors'
import type { HttpMethod, Reply, Route } from './http/context'
import type { RequestLogEntry } from './types'
import { API_ROOTS, isLegacy, type ApiVersion } from './versions'

/**
 * The sunset switch: HubSpot stops supporting its v1–v3 APIs in September 2027. With the switch on
 * (option `sunset`, or env HUBSPOT_EMULATOR_SUNSET), every v1–v3 route answers the error of a retired
 * version, except the calls in `NO_DATED_SUCCESSOR`. What HubSpot really answers then is UNCONFIRMED
 * (docs/hubspot.md, "Date-versioned APIs"): 410 with HubSpot's error body by default, 404 on request,
 * since HubSpot's earlier retired APIs answered "not found".
 */

export type RetiredStatus = 404 | 410
export type SunsetOption = boolean | { status: RetiredStatus }
export type SunsetSetting = { on: false } | { on: true; status: RetiredStatus }

/** `sunset` wins over the environment: HUBSPOT_EMULATOR_SUNSET=1 (or true, 410) → 410, =404 → 404, unset/0/false → off. */
export const sunsetOf = (option: SunsetOption | undefined, env: string | undefined = process.env.HUBSPOT_EMULATOR_SUNSET): SunsetSetting => {
  if (option !== undefined) {
    if (option === false) return { on: false }
    return { on: true, status: option === true ? 410 : option.status }
  }
  const v = (env ?? '').trim().toLowerCase()
  if (v === '' || v === '0' || v === 'false') return { on: false }
  if (v === '404') return { on: true, status: 404 }
  if (v === '1' || v === 'true' || v === '410') return { on: true, status: 410 }
  throw new Error(`HUBSPOT_EMULATOR_SUNSET must be 1, true, 410, 404, 0 or false; got "${env ?? ''}"`)
}

/**
 * v1–v3 calls that stay answered under the switch: the dated specs have no successor for them. Keep
 * this list equal to docs/hubspot.md's "Left on v1–v3".
 */
export const NO_DATED_SUCCESSOR: { method: HttpMethod; pattern: string; why: string }[] = [
  {
    method: 'GET',
    pattern: `${API_ROOTS.crmPipelines.v3}/:objectType`,
    why: 'no dated pipelines spec is published with the others; the integration calls none (stage and pipeline are ticket properties)',
  },
]

const LEGACY_SEGMENT = /^v[1-3]$/
const versionOfPath = (path: string): string | undefined => path.split('/').find((s) => LEGACY_SEGMENT.test(s))

const patternRegExp = (pattern: string): RegExp => new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`)
const KEPT = NO_DATED_SUCCESSOR.map((k) => ({ method: k.method, re: patternRegExp(k.pattern) }))

const isKept = (method: string, path: string): boolean => KEPT.some((k) => k.method === method.toUpperCase() && k.re.test(path))

/** A v1–v3 API call that the switch retires (a route pattern or a real request path). */
export const isRetiredCall = (method: string, path: string): boolean => versionOfPath(path) !== undefined && !isKept(method, path)

/** The logged requests the switch would refuse: the e2e suite and the bench assert there are none. */
export const retiredCalls = (log: readonly RequestLogEntry[]): RequestLogEntry[] => log.filter((r) => isRetiredCall(r.method, r.path))

/** The dated root that replaces a legacy path's family (the newest version), for the error message. */
const successorOf = (path: string): string | undefined => {
  for (const roots of Object.values(API_ROOTS)) {
    const entries = Object.entries(roots) as [ApiVersion, string][]
    const legacy = entries.find(([v, root]) => isLegacy(v) && (path === root || path.startsWith(`${root}/`)))
    const dated = entries.filter(([v]) => !isLegacy(v)).at(-1)
    if (legacy && dated) return `${dated[1]}${path.slice(legacy[1].length)}`
  }
  return undefined
}

export const retiredReply = (method: string, path: string, status: RetiredStatus): Reply => {
  const successor = successorOf(path)
  const message =
    `API version ${versionOfPath(path) ?? 'v1-v3'} of ${method.toUpperCase()} ${path} is no longer supported: HubSpot ended support for its v1-v3 APIs in September 2027. ` +
    (successor ? `Use the date-versioned path instead (${successor}).` : 'Use a date-versioned path instead.')
  return { status, json: errorBody(status === 410 ? 'API_VERSION_UNSUPPORTED' : 'OBJECT_NOT_FOUND', message) }
}

/** With the switch on, every retired route answers `retiredReply` before any auth check; the rest stay as they are. */
export const applySunset = (routes: Route[], setting: SunsetSetting): Route[] => {
  if (!setting.on) return routes
  const { status } = setting
  return routes.map((r) =>
    isRetiredCall(r.method, r.pattern)
      ? { method: r.method, pattern: r.pattern, auth: 'none', handle: (ctx) => retiredReply(ctx.method, ctx.path, status) }
      : r
  )
}

/**
 * Request logs of the emulators started in this process while someone watches for v1–v3 calls (the
 * e2e, browser and reliability suites do: tests/helpers/retired-calls-guard.ts). Nothing is kept
 * until `watchRetiredCalls` is called, so other users of the emulator hold no logs for it.
 */
let watched: Map<RequestLogEntry[], number> | undefined

export const registerRequestLog = (log: RequestLogEntry[]): void => {
  watched?.set(log, 0)
}

/** `take()` answers the retired calls logged since the last `take()`, by every emulator started since the watch began. */
export const watchRetiredCalls = (): { take(): RequestLogEntry[] } => {
  const logs = (watched ??= new Map())
  return {
    take: () => {
      const found: RequestLogEntry[] = []
      for (const [log, seen] of logs) {
        // resetRequestLog() empties a log in place: start again from its beginning.
        found.push(...retiredCalls(log.slice(seen > log.length ? 0 : seen)))
        logs.set(log, log.length)
      }
      return found
    },
  }
}
