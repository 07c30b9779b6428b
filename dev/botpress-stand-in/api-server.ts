import type * as http from 'node:http'
import { StandInApiError, invalidPayload } from './api-error'
import { buildRoutes, type ApiRequest, type ApiRoute, type RouteDeps } from './api-routes'
import { flattenRawHeaders, readBody, sendJson } from './http'
import { BodyReader } from './json'
import { parseQuery } from './query'

export type ApiLogEntry = { method: string; path: string; at: number }

export type ApiServerDeps = RouteDeps & {
  botId: string
  log: (entry: ApiLogEntry) => void
}

type CompiledRoute = ApiRoute & { regex: RegExp }

const compile = (route: ApiRoute): CompiledRoute => {
  const source = route.path
    .split('/')
    .map((seg) => (seg.startsWith(':') ? `(?<${seg.slice(1)}>[^/]+)` : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
  return { ...route, regex: new RegExp(`^${source}$`) }
}

const decodeParams = (groups: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]))

/** Serves `/v1/...` the way the Botpress API does, with its error bodies (`{id, code, type, message}`). */
export const createApiHandler = (deps: ApiServerDeps) => {
  const routes = buildRoutes(deps).map(compile)

  const dispatch = async (req: http.IncomingMessage, url: URL): Promise<unknown> => {
    const raw = await readBody(req) // always drain the body, even for a request that is refused
    const headers = flattenRawHeaders(req.rawHeaders)
    const botId = headers['x-bot-id']
    if (!botId) throw new StandInApiError('Unauthorized', 'Missing x-bot-id header')
    if (botId !== deps.botId) throw new StandInApiError('Unauthorized', `Unknown bot "${botId}"`)

    const method = (req.method ?? 'GET').toUpperCase()
    const candidates = routes.flatMap((r) => {
      const m = r.regex.exec(url.pathname)
      return m ? [{ route: r, params: decodeParams(m.groups) }] : []
    })
    const hit = candidates.find((c) => c.route.method === method)
    if (!hit) {
      const message = `The Botpress stand-in does not implement ${method} ${url.pathname}`
      console.warn(`[botpress-stand-in] ${message}`)
      throw new StandInApiError('MethodNotFound', message)
    }

    let body: unknown
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        throw invalidPayload('The request body is not valid JSON')
      }
    }
    const apiReq: ApiRequest = {
      params: hit.params,
      query: parseQuery(url.search),
      body: BodyReader.of(body, hit.route.clientMethod),
      headers,
    }
    return hit.route.handle(apiReq)
  }

  return async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    deps.log({ method: (req.method ?? 'GET').toUpperCase(), path: url.pathname, at: Date.now() })
    try {
      sendJson(res, 200, await dispatch(req, url))
    } catch (err) {
      const apiErr = err instanceof StandInApiError ? err : new StandInApiError('Internal', err instanceof Error ? err.message : String(err))
      sendJson(res, apiErr.code, apiErr.toBody())
    }
  }
}
