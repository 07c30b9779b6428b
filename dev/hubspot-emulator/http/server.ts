import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Core } from '../core'
import { ApiError, defaultFaultBody, errorBody, rateLimitBody, unauthenticated, validationError } from '../errors'
import type { FaultQueue } from '../faults'
import type { RequestAuth, RequestLogEntry } from '../types'
import type { Reply, RequestContext } from './context'
import { BodyTooLarge, MAX_BODY_BYTES, readBody } from './body'
import { DEFAULT_RATE_MAX, rateLimitHeaders, RollingWindow } from './rate-limit'
import type { Router } from './router'

const FILE_HOSTING_PREFIX = '/_files/'
const EMULATOR_UI_PREFIX = '/_emulator/'
const AUTHORIZE_PAGE = '/oauth/authorize'

export type PipelineDeps = {
  core: Core
  router: Router
  faults: FaultQueue
  log: RequestLogEntry[]
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const authKind = (req: IncomingMessage, url: URL): RequestAuth => {
  if (url.searchParams.has('hapikey')) return 'hapikey'
  return /^Bearer\s/i.test(req.headers.authorization ?? '') ? 'bearer' : 'none'
}

const loggedQuery = (url: URL): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const key of new Set(url.searchParams.keys())) {
    out[key] = key === 'hapikey' ? '[redacted]' : url.searchParams.getAll(key).join(',')
  }
  return out
}

/** The request pipeline: body, fault injection, rate limit, routing, auth, handler, latency, log. */
export const createPipeline = (deps: PipelineDeps) => {
  const window = new RollingWindow()
  const { core } = deps

  const checkDeveloper = (url: URL): void => {
    const key = url.searchParams.get('hapikey')
    if (!key || key !== core.opts.developerApiKey) {
      throw unauthenticated(
        'The developer API key (hapikey) is missing or invalid. Custom channel endpoints need ?hapikey=<developer API key>&appId=<app id>.'
      )
    }
    const appId = url.searchParams.get('appId')
    if (!appId) throw validationError('The appId query parameter is required with a developer API key.')
    if (appId !== core.opts.appId) throw unauthenticated(`App ${appId} does not belong to the developer account of this API key.`)
  }

  const dispatch = async (ctx: RequestContext, url: URL): Promise<Reply> => {
    const match = deps.router.match(ctx.method, ctx.path)
    if (match.kind === 'not-found') return { status: 404, json: errorBody('OBJECT_NOT_FOUND', `No API at ${ctx.method} ${ctx.path}.`) }
    if (match.kind === 'method-not-allowed') {
      return { status: 405, json: errorBody('VALIDATION_ERROR', `HTTP ${ctx.method} is not supported by ${ctx.path}.`) }
    }
    try {
      if (match.route.auth === 'bearer') {
        const denied = core.tokens.check(ctx.headers.authorization)
        if (denied) throw denied
      } else if (match.route.auth === 'developer') {
        checkDeveloper(url)
      }
      return await match.route.handle({ ...ctx, params: match.params })
    } catch (err) {
      if (err instanceof ApiError) return { status: err.status, json: err.body }
      console.error('[hubspot-emulator] handler crashed:', err)
      return { status: 500, json: errorBody('INTERNAL_ERROR', 'internal error') }
    }
  }

  const write = (res: ServerResponse, reply: Reply): { headers: Record<string, string>; payload: Buffer | undefined } => {
    const headers: Record<string, string> = { ...reply.headers }
    let payload: Buffer | undefined
    if (reply.raw) {
      payload = reply.raw.body
      headers['Content-Type'] = reply.raw.contentType
    } else if (reply.json !== undefined && reply.status !== 204) {
      payload = Buffer.from(typeof reply.json === 'string' ? reply.json : JSON.stringify(reply.json))
      headers['Content-Type'] ??= 'application/json;charset=utf-8'
    }
    if (payload) headers['Content-Length'] = String(payload.length)
    res.writeHead(reply.status, headers)
    res.end(payload)
    return { headers, payload }
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = core.now()
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = (req.method ?? 'GET').toUpperCase()
    const path = url.pathname
    const auth = authKind(req, url)
    const log = (status: number): void => {
      deps.log.push({ method, path, query: loggedQuery(url), auth, status, at })
    }
    const drop = () => {
      log(0)
      req.socket.destroy()
    }

    let body: Buffer
    try {
      body = await readBody(req)
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) return drop()
      write(res, { status: 413, json: errorBody('VALIDATION_ERROR', `Request body larger than ${MAX_BODY_BYTES} bytes.`) })
      return log(413)
    }

    const fault = deps.faults.take(method, path)
    if (fault?.kind === 'reset' && !fault.afterProcessing) return drop()
    if (fault?.kind === 'delay') await sleep(fault.ms)

    // Browser pages (file bytes, consent, settings) are not API calls: no rate limit, no rate-limit headers.
    const isApi = !path.startsWith(FILE_HOSTING_PREFIX) && !path.startsWith(EMULATOR_UI_PREFIX) && path !== AUTHORIZE_PAGE
    const count = isApi ? window.hit() : 0
    const tasks: (() => Promise<unknown>)[] = []
    let reply: Reply
    if (fault?.kind === 'status') {
      reply = { status: fault.status, json: fault.body ?? defaultFaultBody(fault.status), headers: fault.headers ?? {} }
    } else if (isApi && core.opts.rateLimitPerTenSeconds !== undefined && count > core.opts.rateLimitPerTenSeconds) {
      reply = { status: 429, json: rateLimitBody() }
    } else {
      const ctx: RequestContext = {
        core,
        method,
        path,
        params: {},
        query: url.searchParams,
        headers: req.headers,
        body,
        afterResponse: (t) => tasks.push(t),
      }
      reply = await dispatch(ctx, url)
    }

    const startBackground = () => tasks.forEach((t) => core.webhooks.background(t))
    if (fault?.kind === 'reset') {
      drop()
      return startBackground()
    }
    if (isApi) {
      reply.headers = {
        ...rateLimitHeaders(core.opts.rateLimitPerTenSeconds ?? DEFAULT_RATE_MAX, count, auth),
        'X-HubSpot-Correlation-Id': correlationOf(reply),
        ...reply.headers,
      }
      if (core.opts.latencyMs) await sleep(core.opts.latencyMs)
    }
    const written = write(res, reply)
    log(reply.status)
    if (isApi) {
      const contentType = req.headers['content-type']
      core.opts.onExchange?.({
        method,
        path,
        query: url.searchParams,
        request: { contentType, body },
        response: { status: reply.status, headers: written.headers, body: written.payload },
      })
    }
    startBackground()
  }
}

const correlationOf = (reply: Reply): string => {
  const json = reply.json
  if (json && typeof json === 'object' && 'correlationId' in json && typeof json.correlationId === 'string') return json.correlationId
  return randomUUID()
}
