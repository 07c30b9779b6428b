import type { AuthRequirement, HttpMethod, Reply, RequestContext, Route } from './http/context'

/**
 * The one table of the emulator's API paths: family → version → path root. Every handler declares its
 * routes relative to a family (`versionedRoutes`), and is registered once per version of that family,
 * so one handler serves v1–v3 and the date-versioned paths alike; it is told the version, for the few
 * shapes that differ (docs/hubspot.md, "Date-versioned APIs"). Adding a version to a family is one line here.
 */

export type ApiVersion = 'v1' | 'v3' | '2026-03' | '2026-09'
/** The versions HubSpot retires in September 2027 (the sunset switch answers them: sunset.ts). */
export const LEGACY_VERSIONS: readonly ApiVersion[] = ['v1', 'v3']

export const API_ROOTS = {
  // The v3 spec prints list/create as `/conversations/custom-channels/v3`; HubSpot and every client use this form.
  customChannels: {
    v3: '/conversations/v3/custom-channels',
    '2026-03': '/conversations/custom-channels/2026-03',
    '2026-09': '/conversations/custom-channels/2026-09',
  },
  conversations: { v3: '/conversations/v3/conversations', '2026-09': '/conversations/conversations/2026-09' },
  // The v3 spec puts the assignee under a root of its own (exact v3 path UNCONFIRMED, docs/hubspot.md); 2026-09 has one root.
  conversationsAssignee: { v3: '/conversations/conversations/v3', '2026-09': '/conversations/conversations/2026-09' },
  crmObjects: { v3: '/crm/v3/objects', '2026-03': '/crm/objects/2026-03' },
  // No dated pipelines spec is published with the others (docs/hubspot.md, "Date-versioned APIs"): v3 only.
  crmPipelines: { v3: '/crm/v3/pipelines' },
  owners: { v3: '/crm/v3/owners', '2026-03': '/crm/owners/2026-03' },
  files: { v3: '/files/v3/files', '2026-03': '/files/2026-03/files' },
  oauth: { v1: '/oauth/v1', '2026-03': '/oauth/2026-03' },
} as const satisfies Record<string, Partial<Record<ApiVersion, string>>>

export type ApiFamily = keyof typeof API_ROOTS
export type VersionOf<F extends ApiFamily> = keyof (typeof API_ROOTS)[F] & ApiVersion

export const isLegacy = (v: ApiVersion): boolean => LEGACY_VERSIONS.includes(v)

/** The root of a family at a version (for Location headers and messages that name a path). */
export const rootOf = <F extends ApiFamily>(family: F, version: VersionOf<F>): string => (API_ROOTS[family] as Record<ApiVersion, string>)[version]

/** A route of a family, without its root; `versions` limits it to the versions whose spec has it. */
export type VersionedRoute<F extends ApiFamily> = {
  method: HttpMethod
  /** After the family's root: '' or e.g. '/:channelId/messages'. */
  path: string
  auth: AuthRequirement
  versions?: readonly VersionOf<F>[]
  handle(ctx: RequestContext, version: VersionOf<F>): Promise<Reply> | Reply
}

/** One route per version of the family (the same handler each time), in the family's version order. */
export const versionedRoutes = <F extends ApiFamily>(family: F, routes: VersionedRoute<F>[]): Route[] =>
  (Object.entries(API_ROOTS[family]) as [VersionOf<F>, string][]).flatMap(([version, root]) =>
    routes
      .filter((r) => !r.versions || r.versions.includes(version))
      .map((r) => ({ method: r.method, pattern: `${root}${r.path}`, auth: r.auth, handle: (ctx: RequestContext) => r.handle(ctx, version) }))
  )
