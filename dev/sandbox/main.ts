import { loadBuiltIntegration } from './load-integration'
import { startStack } from './stack'
import { startWebServer } from './web'

/** `npm start`: the whole escalation on this machine, in one page. */
const main = async () => {
  const stack = await startStack({ integration: loadBuiltIntegration() })
  // The HITL plugin's agent-assigned timeout is off by default, as in the plugin; set it to watch it fire.
  const agentAssignedTimeoutSeconds = Number(process.env.HITL_AGENT_ASSIGNED_TIMEOUT_SECONDS ?? 0) || undefined
  const web = await startWebServer(stack, Number(process.env.PORT ?? 3000), { plugin: { agentAssignedTimeoutSeconds } })
  console.log(`\nHubSpot HITL sandbox ready: ${web.url}\n`)
  console.log(`  HubSpot emulator   ${stack.emulator.url}`)
  console.log(`  Botpress stand-in  ${stack.standIn.url}`)
  console.log(`  integration        ${stack.integrationUrl}`)
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
