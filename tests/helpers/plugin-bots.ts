import { SandboxBot } from '../../dev/sandbox/bot'
import type { HitlPluginConfig } from '../../dev/sandbox/hitl-plugin'
import type { Stack } from '../../dev/sandbox/stack'

/** Polls `check` every 20 ms until it holds; fails with `what` after `timeoutMs`. */
export const waitFor = async (what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * The sandbox bots (each with the HITL plugin model) an e2e file creates, and what those files read
 * of them. After each test every plugin must have settled without an error; after the file, their
 * timers are stopped.
 */
export class PluginBots {
  public readonly all: SandboxBot[] = []

  /** `mediaUrl`: where the bot's media live; tests that send none point at a closed port. */
  public constructor(
    private readonly _stack: () => Stack,
    private readonly _mediaUrl: () => string = () => 'http://127.0.0.1:9'
  ) {}

  public readonly add = (plugin: HitlPluginConfig = {}): SandboxBot => {
    const bot = new SandboxBot(this._stack(), this._mediaUrl, { plugin })
    this.all.push(bot)
    return bot
  }

  /** The HubSpot thread of the bot's HITL conversation ('' before it has one). */
  public readonly threadOf = (bot: SandboxBot): string =>
    this._stack().standIn.store.conversations.get(bot.conversationId ?? '')?.tags.hubspotThreadId ?? ''

  /** What the end user saw, in order. */
  public readonly texts = (bot: SandboxBot): string[] => bot.lines.map((l) => l.text)

  /** The hitlAssigned events the integration sent for the bot's HITL conversation. */
  public readonly assignedEvents = (bot: SandboxBot) =>
    this._stack()
      .standIn.eventsOf('hitlAssigned')
      .filter((e) => (e.payload as { conversationId?: string }).conversationId === bot.conversationId)

  /** Waits for every plugin's background work; returns the errors any of them kept. */
  public async settledErrors(): Promise<Error[]> {
    for (const bot of this.all) await bot.plugin.settled()
    return this.all.flatMap((bot) => bot.plugin.errors)
  }

  public close(): void {
    for (const bot of this.all) bot.plugin.close()
  }
}
