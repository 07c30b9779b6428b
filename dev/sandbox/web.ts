import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { agentView, sandboxAgent } from './agent-view'
import { SandboxBot, type SandboxBotOptions } from './bot'
import { connectView, startChannelConnection } from './connect-view'
import type { Stack } from './stack'

const PUBLIC_DIR = path.join(__dirname, 'public')
// Text is served as UTF-8 explicitly: without a charset a browser may read "—" as "â€”".
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
  '.png': 'image/png',
}
const SAMPLE_ATTACHMENT = Buffer.from('Order #42 — return label\n', 'utf8')
/** HubSpot's ticket priorities; '' escalates without one. */
const PRIORITIES = ['', 'LOW', 'MEDIUM', 'HIGH', 'URGENT']

type Body = { text?: string; email?: string; priority?: string; threadId?: string; attach?: boolean; inboxId?: string }

const readJson = async (req: http.IncomingMessage): Promise<Body> => {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  if (chunks.length === 0) return {}
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  return parsed && typeof parsed === 'object' ? (parsed as Body) : {}
}

const send = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body))
}

/**
 * Help Desk creates a ticket per conversation, a plain Inbox none: when the default inbox is not a
 * help desk but one of the other configured inboxes is, the sandbox bot escalates there, so the
 * ticket fields have a ticket to land on. (With inboxes chosen on a Connect page instead of in the
 * configuration, the integration's own default applies.)
 */
const helpDeskInboxOf = (stack: Stack): string | undefined => {
  const { inboxId, additionalInboxIds } = stack.configuration as { inboxId?: unknown; additionalInboxIds?: unknown }
  const configured = [inboxId, ...(Array.isArray(additionalInboxIds) ? additionalInboxIds : [])].filter((x): x is string => typeof x === 'string')
  const isHelpDesk = (id: string) => stack.emulator.state.inboxes.get(id)?.type === 'HELP_DESK'
  if (configured[0] && isHelpDesk(configured[0])) return undefined
  return configured.find(isHelpDesk)
}

/** The sandbox page and its small JSON API (user actions go through the bot, agent actions through the emulator). */
export const startWebServer = async (stack: Stack, port = 0, botOptions: SandboxBotOptions = {}) => {
  let publicUrl = ''
  // The sandbox's HubSpot agent is a user of the account from the start (an owner, findable by email), with an avatar.
  const agentProfile = () => ({ ...sandboxAgent, avatar: `${publicUrl}/avatars/maya.svg` })
  const helpDeskInbox = helpDeskInboxOf(stack)
  const newBot = (n: number) =>
    new SandboxBot(stack, () => publicUrl, {
      ...botOptions,
      hitlSession: { ...(helpDeskInbox ? { inboxId: helpDeskInbox } : {}), ...botOptions.hitlSession },
      userName: n === 1 ? botOptions.userName : `${botOptions.userName ?? 'Sandbox User'} ${n}`,
    })
  let endUsers = 1
  let bot = newBot(endUsers)

  /**
   * Reset: the end user starts over in a new conversation with the bot (a new Botpress user). An
   * ongoing session is ended first the way the user would (/end), so its HubSpot thread is closed.
   * HubSpot and Botpress keep what they recorded, as real accounts do: the old threads stay in the
   * inbox (closed), the channel and contacts stay, nothing has to be installed again.
   */
  const reset = async () => {
    await bot.settled() // an escalation under way ends first
    if (bot.escalated) await bot.end()
    await bot.plugin.settled()
    bot = newBot(++endUsers)
  }

  const threadOf = (body: Body) => {
    if (!body.threadId || !stack.emulator.state.threads.has(body.threadId)) throw new Error('Select a conversation first')
    return body.threadId
  }
  const priorityOf = (body: Body) => {
    const priority = String(body.priority ?? '')
    if (!PRIORITIES.includes(priority)) throw new Error(`Unknown priority "${priority}": use one of ${PRIORITIES.filter(Boolean).join(', ')}`)
    return priority ? { priority } : {}
  }
  const routes: Record<string, (body: Body) => Promise<unknown>> = {
    'POST /api/user/message': async (b) => bot.say(String(b.text ?? '').slice(0, 2000)),
    'POST /api/user/escalate': async (b) => bot.escalate(b.email || undefined, priorityOf(b)),
    'POST /api/user/image': async () => bot.sendImage(),
    'POST /api/user/end': async () => bot.end(),
    'POST /api/reset': reset,
    'POST /api/agent/assign': async (b) => stack.emulator.agent.assign(threadOf(b), agentProfile()),
    'POST /api/agent/reply': async (b) =>
      stack.emulator.agent.reply(threadOf(b), {
        text: String(b.text ?? ''),
        agentId: sandboxAgent.id,
        attachments: b.attach ? [{ name: 'return-label.txt', mimeType: 'text/plain; charset=utf-8', content: SAMPLE_ATTACHMENT }] : [],
      }),
    'POST /api/agent/close': async (b) => stack.emulator.agent.close(threadOf(b)),
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox')
    if (req.method === 'GET' && url.pathname === '/api/state') {
      return send(res, 200, {
        user: { name: bot.userName, messages: bot.lines, status: bot.status, escalated: bot.escalated },
        agent: { threads: agentView(stack.emulator) },
      })
    }
    // Connect (issue 10): the banner's state, and the admin's "Connect channel" (answers where to send the browser).
    if (req.method === 'GET' && url.pathname === '/api/connect') return send(res, 200, connectView(stack))
    if (req.method === 'POST' && url.pathname === '/api/agent/connect-channel') {
      readJson(req)
        .then((b) => startChannelConnection(stack, b.inboxId))
        .then((answer) => send(res, 200, answer))
        .catch((err: unknown) => send(res, 400, { error: err instanceof Error ? err.message : String(err) }))
      return
    }
    const route = routes[`${req.method} ${url.pathname}`]
    if (route) {
      readJson(req)
        .then(route)
        .then(() => send(res, 200, { ok: true }))
        .catch((err: unknown) => send(res, 400, { error: err instanceof Error ? err.message : String(err) }))
      return
    }
    const file = path.join(PUBLIC_DIR, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname))
    if (req.method !== 'GET' || !file.startsWith(PUBLIC_DIR) || !fs.existsSync(file) || !fs.statSync(file).isFile())
      return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
    fs.createReadStream(file).pipe(res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      // A busy preferred port is no reason to fail: take any free one, and say so (the URL printed next has it).
      if (err.code !== 'EADDRINUSE' || port === 0) return reject(err)
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        console.warn(`Port ${port} is busy: the sandbox took port ${(server.address() as AddressInfo).port} instead.`)
        resolve()
      })
    })
    server.listen(port, '127.0.0.1', resolve)
  })
  publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  if (!stack.emulator.state.agents.has(sandboxAgent.id)) stack.emulator.state.agents.set(sandboxAgent.id, agentProfile())
  return {
    url: publicUrl,
    /** The current end user's bot (a reset replaces it). */
    get bot() {
      return bot
    },
    close: () =>
      new Promise<void>((resolve) => {
        bot.plugin.close()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** A running sandbox page. */
export type SandboxWeb = Awaited<ReturnType<typeof startWebServer>>
