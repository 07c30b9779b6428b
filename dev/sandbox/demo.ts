import { agentView, sandboxAgent } from './agent-view'
import type { ChatLine } from './bot'
import { loadBuiltIntegration } from './load-integration'
import { startStack } from './stack'
import { startWebServer } from './web'

const waitFor = async (what: string, check: () => boolean, timeoutMs = 10_000) => {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const print = (title: string, lines: (Omit<ChatLine, 'cls'> & { cls: string })[]) => {
  console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}`)
  for (const l of lines) {
    const media = (l.attachments ?? []).map((a) => ` [${a.kind}: ${a.name ?? a.url}]`).join('')
    const text = l.text.length > 400 ? `${l.text.slice(0, 400)}…` : l.text
    console.log(l.cls === 'system' ? `   (${text})` : `${l.who}: ${text}${media}`.replace(/\n/g, '\n    '))
  }
}

/** `npm run demo`: the sandbox scenario without a browser; exits non-zero with the reason if any step fails. */
const main = async () => {
  const stack = await startStack({ integration: loadBuiltIntegration() })
  const web = await startWebServer(stack, 0)
  const { bot } = web
  try {
    await bot.say('Hello, my order #42 arrived broken')
    await bot.escalate('ada@example.com')
    const threadId = stack.standIn.store.conversations.get(bot.conversationId!)?.tags.hubspotThreadId
    if (!threadId) throw new Error('startHitl returned a conversation without a HubSpot thread')
    await bot.say('The screen is cracked, see the photo')
    await bot.sendImage()

    await stack.emulator.agent.assign(threadId, sandboxAgent)
    await waitFor('hitlAssigned', () => bot.status.startsWith('Talking to Maya'))
    await stack.emulator.agent.reply(threadId, {
      text: 'So sorry! Here is a return label.',
      agentId: sandboxAgent.id,
      attachments: [{ name: 'return-label.txt', mimeType: 'text/plain', content: Buffer.from('label') }],
    })
    await waitFor('the agent reply', () => bot.lines.some((l) => l.cls === 'agent' && l.text.includes('return label')))
    await waitFor('the attachment', () => bot.lines.some((l) => l.cls === 'agent' && (l.attachments?.length ?? 0) > 0))
    await stack.emulator.agent.close(threadId)
    await waitFor('hitlStopped', () => !bot.escalated)

    print('End user (bot channel)', bot.lines)
    const [thread] = agentView(stack.emulator)
    print(`HubSpot agent inbox (thread ${thread?.id}, ${thread?.status})`, thread?.messages ?? [])
    const incoming = thread?.messages.filter((m) => m.cls === 'bot') ?? []
    if (incoming.length < 3) throw new Error(`HubSpot received ${incoming.length} end-user messages, expected 3`)
    if (!incoming[0]?.text.includes('order #42')) throw new Error('the transcript did not reach HubSpot')
    if (!incoming.some((m) => m.attachments?.some((a) => a.kind === 'image'))) throw new Error('the image did not reach HubSpot as an attachment')
    console.log('\nDemo passed: escalation, messages both ways, image, assignment and close all worked.')
  } finally {
    await web.close()
    await stack.close()
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`\nDemo FAILED: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  }
)
