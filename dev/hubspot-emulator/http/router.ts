import type { Route } from './context'

export type RouteMatch = { kind: 'found'; route: Route; params: Record<string, string> } | { kind: 'method-not-allowed' } | { kind: 'not-found' }

const segments = (path: string): string[] => path.split('/').filter((s) => s.length > 0)

/** Matches method + path against patterns; a trailing slash is ignored, as HubSpot ignores it. */
export class Router {
  private readonly _routes: { route: Route; parts: string[] }[] = []

  public constructor(routes: Route[]) {
    for (const route of routes) this._routes.push({ route, parts: segments(route.pattern) })
  }

  public match(method: string, path: string): RouteMatch {
    let decoded: string[]
    try {
      decoded = segments(path).map((s) => decodeURIComponent(s))
    } catch {
      return { kind: 'not-found' }
    }
    let pathMatched = false
    for (const { route, parts } of this._routes) {
      const params = matchParts(parts, decoded)
      if (!params) continue
      pathMatched = true
      if (route.method === method.toUpperCase()) return { kind: 'found', route, params }
    }
    return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' }
  }
}

const matchParts = (pattern: string[], actual: string[]): Record<string, string> | undefined => {
  if (pattern.length !== actual.length) return undefined
  const params: Record<string, string> = {}
  for (const [i, p] of pattern.entries()) {
    const a = actual[i]
    if (a === undefined) return undefined
    if (p.startsWith(':')) params[p.slice(1)] = a
    else if (p !== a) return undefined
  }
  return params
}
