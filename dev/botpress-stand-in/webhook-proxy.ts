import type * as http from 'node:http'
import { flattenRawHeaders, readBody, sendJson } from './http'
import type { IntegrationCaller } from './integration-caller'

/** Response headers that describe the hop, not the content; node sets its own. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date', 'upgrade'])

export type WebhookRequest = {
  method: string
  /** The part after `/webhooks/{webhookId}`, `/` for the URL itself (like a URL's pathname). */
  path: string
  /** The query string without the leading `?`. */
  query: string
  headers: Record<string, string>
  /** The raw body decoded once as UTF-8; absent for a bodiless GET/HEAD/DELETE. */
  body?: string
}

/** The request line and headers of a public webhook call, as Botpress hands them over. */
export type IncomingWebhook = { method: string; subPath: string; query: string; rawHeaders: string[] }

/**
 * Forwards one public webhook call to the integration as operation `webhook_received` with
 * `{req: {method, path, query, headers, body}}` and relays its `{status, headers, body}` unchanged.
 */
export const forwardWebhook = async (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  subPath: string,
  query: string,
  caller: IntegrationCaller
): Promise<void> => {
  const raw = await readBody(req)
  await deliverWebhook({ method: req.method ?? 'GET', subPath, query, rawHeaders: req.rawHeaders }, raw, res, caller)
}

/** The same, for a body already read (a route that looked into it to pick the installation). */
export const deliverWebhook = async (incoming: IncomingWebhook, raw: Buffer, res: http.ServerResponse, caller: IntegrationCaller): Promise<void> => {
  const method = incoming.method.toUpperCase()
  const carriesBody = raw.length > 0 || method === 'POST' || method === 'PUT' || method === 'PATCH'
  const forwarded: WebhookRequest = {
    method,
    path: incoming.subPath || '/',
    query: incoming.query,
    headers: flattenRawHeaders(incoming.rawHeaders),
    ...(carriesBody ? { body: raw.toString('utf8') } : {}),
  }
  let answer
  try {
    answer = await caller.send('webhook_received', { req: forwarded })
  } catch (err) {
    sendJson(res, 502, { message: `The integration did not answer: ${err instanceof Error ? err.message : String(err)}` })
    return
  }
  const headers = Object.fromEntries(Object.entries(answer.headers).filter(([k]) => !HOP_HEADERS.has(k)))
  res.writeHead(answer.status, { ...headers, 'content-length': answer.body.length })
  res.end(answer.body)
}
