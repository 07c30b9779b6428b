import type { Message } from '@botpress/client'
import { HitlPluginModel, type HitlPluginConfig } from './hitl-plugin'
import type { Stack } from './stack'

export type ChatLine = {
  cls: 'me' | 'bot' | 'agent' | 'system'
  who: string
  text: string
  attachments?: { kind: string; url: string; name?: string }[]
}

const BOT_HELLO = 'Hi! I am the demo bot. Ask me anything, or click "Escalate to a human" (or type "human").'
/** A markdown bloc, as Studio bots send: the plugin puts it in the escalation history as is. */
const BOT_MENU = { items: [{ type: 'markdown', payload: { markdown: '**While you talk to an agent**, type `/end` to come back to me.' } }] }
/** A choice, as Studio bots send: in the history too, with its options. */
const BOT_CHOICE = {
  text: 'What can I do for you?',
  options: [
    { label: 'Track my order', value: 'track' },
    { label: 'Talk to a human', value: 'human' },
  ],
}
const BOT_BACK = 'I am back. Anything else?'
const P = 'hitl#'

/**
 * `plugin`: this conversation's session configuration (the plugin's configurationOverrides).
 * `hitlSession`: what the bot passes to startHitl on every escalation (inbox, ticket fields…), under what the page adds (priority).
 * `userName`: the end user's name in Botpress (the reset button numbers them, so threads tell apart).
 */
export type SandboxBotOptions = { plugin?: HitlPluginConfig; hitlSession?: Record<string, unknown>; userName?: string }

/**
 * The sandbox's bot: a tiny flow (echo, escalate on "human") in its own conversation in the
 * Botpress stand-in, with Botpress's HITL plugin (modelled in hitl-plugin.ts) doing the
 * escalation, the relays both ways and the end of the session, exactly as far as the integration
 * can tell. `lines` is what the end user's chat window shows.
 */
export class SandboxBot {
  public readonly lines: ChatLine[] = []
  public readonly plugin: HitlPluginModel
  /** The end user's conversation with the bot (the plugin's "upstream" conversation). */
  public readonly botConversationId: string
  /** The end user in the bot conversation. */
  public readonly endUserId: string
  /** The escalation under way: a second click (or "human") while it runs must not open a second thread. */
  private _escalating: Promise<void> | undefined
  private readonly _sessionConfig: HitlPluginConfig
  private readonly _hitlSession: Record<string, unknown>

  public constructor(
    private readonly _stack: Stack,
    private readonly _publicUrl: () => string,
    options: SandboxBotOptions = {}
  ) {
    const store = _stack.standIn.store
    this._sessionConfig = options.plugin ?? {}
    this._hitlSession = options.hitlSession ?? {}
    this.plugin = HitlPluginModel.of(_stack.standIn)
    this.botConversationId = store.createConversation({ channel: 'channel', integration: 'webchat', tags: {} }).id
    this.plugin.watch(this.botConversationId, {
      onUpstreamMessage: (m) => this._show(m),
      onContinueWorkflow: () => this._botSays('text', { text: BOT_BACK }),
    })
    this.endUserId = store.createUser({ name: options.userName ?? 'Sandbox User', tags: {} }).id
    store.addParticipant(this.botConversationId, this.endUserId)
    this._botSays('text', { text: BOT_HELLO })
    this._botSays('bloc', BOT_MENU)
    this._botSays('choice', BOT_CHOICE)
  }

  /** The end user's name in Botpress. */
  public get userName(): string {
    return this._stack.standIn.store.users.get(this.endUserId)?.name ?? 'Sandbox User'
  }

  /** The session is active (the plugin's own state). */
  public get escalated(): boolean {
    return this.plugin.isActive(this.botConversationId)
  }

  /** The HITL conversation of the latest session (the integration's conversation on channel `hitl`). */
  public get conversationId(): string | undefined {
    return this._stack.standIn.store.conversations.get(this.botConversationId)?.tags[`${P}downstream`]
  }

  /** The end user as the integration knows them (createUser's userId). */
  public get hitlUserId(): string | undefined {
    return this._stack.standIn.store.users.get(this.endUserId)?.tags[`${P}downstream`]
  }

  /** The agent's name is status information only, as webchat shows it; the chat gets the plugin's fixed text. */
  public get status(): string {
    if (!this.escalated) return 'Talking to the bot'
    const agent = this._stack.standIn.store.conversations.get(this.botConversationId)?.tags[`${P}humanAgentName`]
    return agent ? `Talking to ${agent}` : 'Waiting for an agent…'
  }

  public async say(text: string): Promise<void> {
    if (await this._userSends('text', { text })) return
    if (/human|agent|person/i.test(text)) return this.escalate()
    this._botSays('text', { text: `You said "${text}". I am only a demo bot: type "human" to reach an agent.` })
  }

  /** `session`: more hitlSession fields for this escalation (the page's priority), over the bot's own. */
  public async escalate(email?: string, session: Record<string, unknown> = {}): Promise<void> {
    if (this.escalated) return
    if (!this._escalating) this._escalating = this._escalate(email, session).finally(() => (this._escalating = undefined))
    return this._escalating
  }

  /** Resolves once an escalation under way (if any) has ended, however it ended. */
  public async settled(): Promise<void> {
    await this._escalating?.catch(() => undefined)
  }

  private async _escalate(email: string | undefined, session: Record<string, unknown>): Promise<void> {
    let downstreamConversationId: string | undefined
    try {
      ;({ downstreamConversationId } = await this.plugin.startHitl({
        conversationId: this.botConversationId,
        userId: this.endUserId,
        userEmail: email,
        title: 'Sandbox escalation',
        description: 'The user asked to talk to a human.',
        hitlSession: { ...this._hitlSession, ...session },
        configurationOverrides: this._sessionConfig,
      }))
    } catch (err) {
      // The plugin already said "escalated": the chat must not leave the user waiting for nobody.
      this.lines.push({
        cls: 'system',
        who: '',
        text: `The escalation failed, no agent will answer: ${err instanceof Error ? err.message : String(err)}`,
      })
      throw err
    }
    if (!downstreamConversationId) {
      this.lines.push({
        cls: 'system',
        who: '',
        text: 'The HITL plugin ignored this escalation (no new message since the last one, or a session is on).',
      })
      return
    }
    this.lines.push({ cls: 'system', who: '', text: 'You are in the queue; an agent will answer here.' })
  }

  public async sendImage(): Promise<void> {
    const imageUrl = `${this._publicUrl()}/sample.png`
    if (await this._userSends('image', { imageUrl, title: 'sample.png' })) return
    this._botSays('text', { text: 'Nice picture! I only read text: type "human" to reach an agent.' })
  }

  /** The page's "/end" button: the user types the plugin's close command. */
  public async end(): Promise<void> {
    if (!this.escalated) return
    await this.say(this._sessionConfig.userHitlCloseCommand || this.plugin.config.userHitlCloseCommand || '/end')
  }

  /** The end user's message enters the bot conversation; true when the plugin took it (session active). */
  private async _userSends(type: string, payload: Record<string, unknown>): Promise<boolean> {
    const store = this._stack.standIn.store
    const message = store.createMessage({
      conversationId: this.botConversationId,
      userId: this.endUserId,
      type,
      payload,
      tags: {},
      direction: 'incoming',
    })
    this._show(message)
    return this.plugin.beforeIncomingMessage(message)
  }

  private _botSays(type: string, payload: Record<string, unknown>): void {
    const store = this._stack.standIn.store
    this._show(
      store.createMessage({ conversationId: this.botConversationId, userId: this.plugin.botUserId, type, payload, tags: {}, direction: 'outgoing' })
    )
  }

  /** One chat line per message of the bot conversation; relayed agent messages show as the agent. */
  private _show(m: Message): void {
    const p = m.payload as Record<string, unknown>
    const fromAgent = Boolean(m.tags[`${P}downstream`])
    const who = m.direction === 'incoming' ? 'You' : fromAgent ? this._agentName() : 'Bot'
    const cls: ChatLine['cls'] = m.direction === 'incoming' ? 'me' : fromAgent ? 'agent' : 'bot'
    const items =
      m.type === 'bloc' && Array.isArray(p.items) ? (p.items as { type: string; payload: Record<string, unknown> }[]) : [{ type: m.type, payload: p }]
    const texts: string[] = []
    const attachments: NonNullable<ChatLine['attachments']> = []
    for (const item of items) {
      const q = item.payload
      const url = q.imageUrl ?? q.audioUrl ?? q.videoUrl ?? q.fileUrl
      if (typeof url === 'string') attachments.push({ kind: item.type, url, ...(typeof q.title === 'string' ? { name: q.title } : {}) })
      else if (typeof q.text === 'string') texts.push(q.text)
      else if (typeof q.markdown === 'string') texts.push(q.markdown)
      if (Array.isArray(q.options)) texts.push((q.options as { label?: unknown }[]).map((o) => `[${String(o.label)}]`).join(' '))
    }
    this.lines.push({ cls, who, text: texts.join('\n'), ...(attachments.length ? { attachments } : {}) })
  }

  private _agentName(): string {
    return this._stack.standIn.store.conversations.get(this.botConversationId)?.tags[`${P}humanAgentName`] ?? 'Agent'
  }
}
