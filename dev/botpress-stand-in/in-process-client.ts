import { errorFrom, type ClientInputs, type ClientOutputs } from '@botpress/client'
import { StandInApiError } from './api-error'
import { buildRoutes, type ApiNotifier, type ApiRoute } from './api-routes'
import { BodyReader } from './json'
import { parseQuery } from './query'
import type { StandInStore } from './store'

/** The client methods the stand-in serves (those of its routes). */
export type InProcessMethod =
  | 'getOrCreateUser'
  | 'createUser'
  | 'listUsers'
  | 'getUser'
  | 'updateUser'
  | 'deleteUser'
  | 'getOrCreateConversation'
  | 'createConversation'
  | 'listConversations'
  | 'getConversation'
  | 'updateConversation'
  | 'deleteConversation'
  | 'addParticipant'
  | 'listParticipants'
  | 'getParticipant'
  | 'removeParticipant'
  | 'getOrCreateMessage'
  | 'createMessage'
  | 'listMessages'
  | 'getMessage'
  | 'updateMessage'
  | 'deleteMessage'
  | 'createEvent'
  | 'listEvents'
  | 'getEvent'
  | 'getOrSetState'
  | 'setStateExpiry'
  | 'getState'
  | 'setState'
  | 'patchState'

/** Each method with the real client's input and output types. */
export type InProcessApi = { [K in InProcessMethod]: (input: ClientInputs[K]) => Promise<ClientOutputs[K]> }

const NO_NOTIFY: ApiNotifier = { message: () => undefined, event: () => undefined }

/** `tags: {a: '1'}` → `tags.a=1`, arrays as repeated keys: the query string `@botpress/client` writes. */
const toQueryString = (input: Record<string, unknown>): string => {
  const q = new URLSearchParams()
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) for (const v of value) q.append(key, String(v))
    else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) q.append(`${key}.${k}`, String(v))
    else q.append(key, String(value))
  }
  return q.toString()
}

/**
 * The stand-in's API without HTTP: each client method runs the very route handler the HTTP server
 * runs (same validation, same store semantics), with the input and output JSON round-tripped as
 * over the wire and errors turned into `@botpress/client`'s typed errors (so `isApiError(err) &&
 * err.type === 'ResourceNotFound'` holds). For unit tests that want the one Botpress model without
 * a server.
 */
export const createInProcessApi = (store: StandInStore, opts: { integrationName?: string; notify?: ApiNotifier } = {}): InProcessApi => {
  const integrationName = opts.integrationName ?? 'hubspot-hitl'
  const routes = buildRoutes({ store, notify: opts.notify ?? NO_NOTIFY, integrationName: () => integrationName })
  const api: Record<string, (input: unknown) => Promise<unknown>> = {}
  for (const route of routes) api[route.clientMethod] = async (input: unknown) => call(route, input)
  return api as unknown as InProcessApi
}

const call = async (route: ApiRoute, input: unknown): Promise<unknown> => {
  const wire = JSON.parse(JSON.stringify(input ?? {})) as Record<string, unknown>
  const params: Record<string, string> = {}
  for (const seg of route.path.split('/')) {
    if (!seg.startsWith(':')) continue
    const name = seg.slice(1)
    params[name] = String(wire[name] ?? '')
    delete wire[name]
  }
  const isQuery = route.method === 'GET' || route.method === 'DELETE'
  try {
    const out = route.handle({
      params,
      query: parseQuery(isQuery ? toQueryString(wire) : ''),
      body: BodyReader.of(isQuery ? {} : wire, route.clientMethod),
      headers: {},
    })
    return JSON.parse(JSON.stringify(out)) as unknown
  } catch (err) {
    if (err instanceof StandInApiError) throw errorFrom(err.toBody())
    throw err
  }
}
