import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { agentView, sandboxAgent } from './agent-view'
import { SandboxBot, type SandboxBotOptions } from './bot'
import { connectView, startChannelConnection } from './connect-view'
import type { Stack } from './stack'

const PUBLIC_DIR = path.join(__dirname, 'public')
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' }
const SAMPLE_ATTACHMENT = Buffer.from('Order #42 — return label\n', 'utf8')

type Body = { text?: string; email?: string; threadId?: string; attach?: boolean; inboxId?: string }

const readJson = async (req: http.IncomingMessage): Promise<Body> => {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  if (chunks.length === 0) return {}
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  return parsed && typeof parsed === 'object' ? (parsed as Body) : {}
}

const send = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

/** The sandbox page and its small JSON API (user actions go through the bot, agent actions through the emulator). */
export const startWebServer = async (stack: Stack, port = 0, botOptions: SandboxBotOptions = {}) => {
  let publicUrl = ''
  const bot = new SandboxBot(stack, () => publicUrl, botOptions)
  const threadOf = (body: Body) => {
    if (!body.threadId || !stack.emulator.state.threads.has(body.threadId)) throw new Error('Select a conversation first')
    return body.threadId
  }
  const routes: Record<string, (body: Body) => Promise<unknown>> = {
    'POST /api/user/message': async (b) => bot.say(String(b.text ?? '').slice(0, 2000)),
    'POST /api/user/escalate': async (b) => bot.escalate(b.email || undefined),
    'POST /api/user/image': async () => bot.sendImage(),
    'POST /api/user/end': async () => bot.end(),
    'POST /api/agent/assign': async (b) => stack.emulator.agent.assign(threadOf(b), sandboxAgent),
    'POST /api/agent/reply': async (b) =>
      stack.emulator.agent.reply(threadOf(b), {
        text: String(b.text ?? ''),
        agentId: sandboxAgent.id,
        attachments: b.attach ? [{ name: 'return-label.txt', mimeType: 'text/plain', content: SAMPLE_ATTACHMENT }] : [],
      }),
    'POST /api/agent/close': async (b) => stack.emulator.agent.close(threadOf(b)),
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox')
    if (req.method === 'GET' && url.pathname === '/api/state') {
      return send(res, 200, {
        user: { messages: bot.lines, status: bot.status, escalated: bot.escalated },
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
    if (req.method !== 'GET' || !file.startsWith(PUBLIC_DIR) || !fs.existsSync(file)) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
    fs.createReadStream(file).pipe(res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      // A busy preferred port is no reason to fail: take any free one.
      if (err.code === 'EADDRINUSE' && port !== 0) server.listen(0, '127.0.0.1', resolve)
      else reject(err)
    })
    server.listen(port, '127.0.0.1', resolve)
  })
  publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: publicUrl,
    bot,
    close: () =>
      new Promise<void>((resolve) => {
        bot.plugin.close()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
