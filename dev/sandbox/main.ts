import { loadBuiltIntegration } from './load-integration'
import { sandboxStackOf, startPublisherStack } from './publisher-stack'
import { sandboxModeOf, startStack, wantsConnectedSandbox } from './stack'
import { startWebServer, type SandboxWeb } from './web'

/**
 * `npm start`: the whole escalation on this machine. By default the publisher mode, as a bot builder
 * meets the integration on the Hub: ONE HubSpot app (the publisher's) and two bots, each with its own
 * page and its own emulated HubSpot account; each clicks "Connect HubSpot", picks its account and
 * inboxes, and escalates; each account's agents reach only their bot. `SANDBOX_MODE=own-app npm start`
 * (or `--own-app`) runs one bot with its own HubSpot app instead, unconnected; `SANDBOX_CONNECTED=1`
 * (or `--connected`) with that app installed by hand (refresh token and inbox ids in the configuration).
 */
const main = async () => {
  // The HITL plugin's agent-assigned timeout is off by default, as in the plugin; set it to watch it fire.
  const agentAssignedTimeoutSeconds = Number(process.env.HITL_AGENT_ASSIGNED_TIMEOUT_SECONDS ?? 0) || undefined
  const botOptions = { plugin: { agentAssignedTimeoutSeconds } }
  const port = Number(process.env.PORT ?? 3000)
  const webs: SandboxWeb[] = []
  let closeStack: () => Promise<void>

  if (sandboxModeOf() === 'publisher') {
    const stack = await startPublisherStack({ integration: loadBuiltIntegration() })
    closeStack = () => stack.close()
    const pages: { bot: string; account: number; url: string }[] = []
    for (const [index, bot] of stack.bots.entries()) {
      const view = sandboxStackOf(stack, bot)
      const web = await startWebServer(view, port + index, botOptions)
      webs.push(web)
      pages.push({ bot: bot.label, account: bot.portalId, url: web.url })
    }
    console.log('\nHubSpot HITL sandbox ready: one publisher HubSpot app, two bots, two HubSpot accounts.\n')
    for (const p of pages) console.log(`  ${p.bot.padEnd(10)} ${p.url}   (connects HubSpot account ${p.account})`)
    console.log(`\n  HubSpot app        ${stack.app.url}`)
    console.log(`  Botpress stand-in  ${stack.hub.url}   (integration-level URL ${stack.hub.integrationWebhookUrl})`)
    console.log(`  integration        ${stack.integrationUrl}`)
    console.log('\nOn each page: click "Connect HubSpot", choose that bot\'s account, allow the app, pick inboxes; then chat and escalate.')
    console.log('(SANDBOX_MODE=own-app npm start runs one bot with its own HubSpot app instead.)')
  } else {
    const connected = wantsConnectedSandbox()
    const stack = await startStack({ integration: loadBuiltIntegration(), connected })
    closeStack = () => stack.close()
    const web = await startWebServer(stack, port, botOptions)
    webs.push(web)
    console.log(`\nHubSpot HITL sandbox ready (own HubSpot app): ${web.url}\n`)
    console.log(`  HubSpot emulator   ${stack.emulator.url}`)
    console.log(`  Botpress stand-in  ${stack.standIn.url}`)
    console.log(`  integration        ${stack.integrationUrl}`)
    if (connected) console.log('\nHubSpot is connected from the start (SANDBOX_CONNECTED=1): escalate right away.')
    else {
      console.log('\nHubSpot is not connected yet: click "Connect HubSpot" on the page, or open')
      console.log(`  ${stack.connectUrls.start}`)
      console.log('(SANDBOX_CONNECTED=1 npm start skips this.)')
    }
  }
  console.log('\nPress Ctrl-C to stop.')

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    console.log('\nStopping…')
    for (const web of webs) await web.close()
    await closeStack()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

main().catch((err: unknown) => {
  console.error(`Sandbox failed to start: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
