import { loadBuiltIntegration } from './load-integration'
import { startStack, wantsConnectedSandbox } from './stack'
import { startWebServer } from './web'

/**
 * `npm start`: the whole escalation on this machine, in one page. It starts as a newcomer's install
 * does, with HubSpot not connected (the page's "Connect HubSpot" runs the OAuth flow and the inbox
 * picker); `SANDBOX_CONNECTED=1 npm start` (or `npm start -- --connected`) starts with the app
 * installed by hand (refresh token and inbox ids in the configuration).
 */
const main = async () => {
  const connected = wantsConnectedSandbox()
  const stack = await startStack({ integration: loadBuiltIntegration(), connected })
  // The HITL plugin's agent-assigned timeout is off by default, as in the plugin; set it to watch it fire.
  const agentAssignedTimeoutSeconds = Number(process.env.HITL_AGENT_ASSIGNED_TIMEOUT_SECONDS ?? 0) || undefined
  const web = await startWebServer(stack, Number(process.env.PORT ?? 3000), { plugin: { agentAssignedTimeoutSeconds } })
  console.log(`\nHubSpot HITL sandbox ready: ${web.url}\n`)
  console.log(`  HubSpot emulator   ${stack.emulator.url}`)
  console.log(`  Botpress stand-in  ${stack.standIn.url}`)
  console.log(`  integration        ${stack.integrationUrl}`)
  if (connected) console.log('\nHubSpot is connected from the start (SANDBOX_CONNECTED=1): escalate right away.')
  else {
    console.log('\nHubSpot is not connected yet: click "Connect HubSpot" on the page, or open')
    console.log(`  ${stack.connectUrls.start}`)
    console.log('(SANDBOX_CONNECTED=1 npm start skips this.)')
  }
  console.log('\nPress Ctrl-C to stop.')

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    console.log('\nStopping…')
    await web.close()
    await stack.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

main().catch((err: unknown) => {
  console.error(`Sandbox failed to start: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
