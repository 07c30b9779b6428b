import { startBotpressHub } from './hub'
import type { BotpressStandIn, StandInOptions } from './types'

export type { BotpressHub, BotpressStandIn, HubOptions, InstallationOptions, SendMessageArgs, StandInData, StandInOptions } from './types'
export type { ApiLogEntry } from './api-server'
export { IntegrationOperationError } from './integration-caller'
export { StandInStore } from './store'
export { startIntegrationOnLoopback, type LoopbackOptions, type RunningIntegration, type StartableIntegration } from './integration-server'
export { startBotpressHub } from './hub'
export { extractIdentifier } from './extract-identifier'

/**
 * Starts a local, in-memory stand-in for the Botpress Cloud API on 127.0.0.1 with one bot that has
 * the integration installed: it serves the chat API the integration's client calls (give it `url`
 * as BP_API_URL) and sends the runtime's operations to the integration's HTTP server
 * (`integration.start(port)`). For several bots sharing one integration, see `startBotpressHub`.
 */
export const startBotpressStandIn = async (opts: StandInOptions): Promise<BotpressStandIn> => {
  const { port, integrationId, integrationUrl, operationTimeoutMs, ...installation } = opts
  const hub = await startBotpressHub({ port, integrationId, integrationUrl, operationTimeoutMs })
  const bot = hub.install(installation)
  return {
    ...bot,
    close: async () => {
      await bot.close()
      await hub.close()
    },
  }
}
