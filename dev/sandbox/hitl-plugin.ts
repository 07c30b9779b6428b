import type { Conversation, Event, Message, User } from '@botpress/client'
import type { BotpressStandIn } from '../botpress-stand-in'

/**
 * A model of Botpress's HITL plugin (v1.4.2) as an integration sees it, driving the stand-in the
 * way the plugin drives the Botpress API: same calls, same order, same checks, same texts. It is
 * what the sandbox bot and the end-to-end tests escalate through, so the integration is exercised
 * under the plugin's real behaviour (its races and silences included), not under a kinder one.
 *
 * Deliberate differences (each for a reason the sandbox has):
 * - It calls the store directly instead of the HTTP API: same process, and the integration only
 *   sees the effects (records, operations), which are the same.
 * - The agent-assigned timeout is a process timer, not a scheduled Botpress event.
 * - Errors in a hook are kept in `errors` (and logged) instead of the bot's logs.
 * - No webchat user linking (useHumanAgentInfo): the sandbox page shows the agent's name as
 *   status instead, which is what webchat does with it.
 */

/** The plugin's configuration keys (a subset: the ones that change what the integration sees). */
export type HitlPluginConfig = {
  onHitlHandoffMessage?: string
  onHumanAgentAssignedMessage?: string
  onHitlStoppedMessage?: string
  onUserHitlCancelledMessage?: string
  onIncompatibleMsgTypeMessage?: string
  onUserHitlCloseMessage?: string
  onAgentAssignedTimeoutMessage?: string
  userHitlCloseCommand?: string
  /** 0 or absent = no timeout (the plugin's default). Fractions are allowed here, for tests. */
  agentAssignedTimeoutSeconds?: number
  /** Default true: the bot flow continues when the session ends. */
  flowOnHitlStopped?: boolean
}

/** The plugin's observable default texts (v1.4.2); "NULL" as a configured text sends nothing. */
export const PLUGIN_TEXTS = {
  handoff: 'I have escalated this conversation to a human agent. They should be with you shortly.',
  agentAssigned: 'A human agent has joined the conversation.',
  stopped: 'The human agent closed the conversation. I will continue assisting you.',
  userCancelled: '( The user has ended the session. )',
  incompatible: 'Sorry, the user can not receive this type of message. Please resend your message as a text message.',
  closeCommand: '/end',
  userClosed: 'You have ended the session with the human agent. I will continue assisting you.',
  assignTimeout: 'No human agent is available at the moment. Please try again later. I will continue assisting you for the time being.',
}
const NULL_TEXT = 'NULL'
/** What the plugin relays in either direction; anything else is refused with a note. */
const RELAYED_TYPES = ['text', 'image', 'video', 'audio', 'file', 'bloc']
/** Plugin tags and states carry the plugin alias prefix (the SDK adds `hitl#`). */
const P = 'hitl#'

export type StartHitlInput = {
  /** The bot (upstream) conversation. */
  conversationId: string
  /** The end user in the bot conversation. */
  userId: string
  /** Whatever the bot passes, typically what the user typed: handed to createUser verbatim. */
  userEmail?: string
  title: string
  description?: string
  hitlSession?: Record<string, unknown>
  /** Per-session configuration, over the plugin's (the plugin's `configurationOverrides`). */
  configurationOverrides?: HitlPluginConfig
}

/** What the bot's side of one bot conversation hears from the plugin. */
export type PluginHooks = {
  /** A message the plugin (as the bot) wrote into the bot conversation. */
  onUpstreamMessage?: (m: Message) => void
  /** flowOnHitlStopped: the bot flow resumes in this bot conversation. */
  onContinueWorkflow?: () => void
}

/** One plugin per bot: every sandbox bot conversation on a stand-in shares it, as they share the bot. */
const PLUGINS = new WeakMap<BotpressStandIn, HitlPluginModel>()

type Payload = Record<string, unknown>

export class HitlPluginModel {
  /** Each API call and action, in order (`startHitl`, `getConversation`, `link`, `activate`…), for tests. */
  public readonly trace: string[] = []
  /** Hook failures: the real plugin logs them and carries on. */
  public readonly errors: Error[] = []
  private readonly _pending = new Set<Promise<unknown>>()
  private readonly _timers = new Set<NodeJS.Timeout>()
  private readonly _hooks = new Map<string, PluginHooks>()

  /** The plugin of the bot behind this stand-in (created on first use, with the plugin's configuration). */
  public static of(standIn: BotpressStandIn, config: HitlPluginConfig = {}): HitlPluginModel {
    const existing = PLUGINS.get(standIn)
    if (existing) return existing
    const plugin = new HitlPluginModel(standIn, config)
    PLUGINS.set(standIn, plugin)
    return plugin
  }

  private constructor(
    private readonly _standIn: BotpressStandIn,
    public config: HitlPluginConfig
  ) {
    _standIn.onMessage((m) => this._background(() => this.beforeIncomingMessage(m)))
    _standIn.onEvent((e) => this._background(() => this.beforeIncomingEvent(e)))
  }

  /** Registers the bot side of a bot conversation (what its chat window shows). */
  public watch(upstreamConversationId: string, hooks: PluginHooks): void {
    this._hooks.set(upstreamConversationId, hooks)
  }

  private get _store() {
    return this._standIn.store
  }

  /** The bot's own user: the plugin writes every message (relays and notes) as the bot. */
  public get botUserId(): string {
    const id = this._standIn.botId
    if (!this._store.users.has(id))
      this._store.users.set(id, { id, name: 'Bot', tags: {}, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() })
    return id
  }

  /** Resolves once every hook started so far (and those they started) has finished. */
  public async settled(): Promise<void> {
    while (this._pending.size > 0) await Promise.allSettled([...this._pending])
  }

  public close(): void {
    for (const t of this._timers) clearTimeout(t)
    this._timers.clear()
  }

  // ---- actions ----

  /** The plugin's `startHitl` action. Returns whether a session was opened (the plugin returns `{}` either way). */
  public async startHitl(input: StartHitlInput): Promise<{ downstreamConversationId?: string }> {
    const upstream = this._getConversation(input.conversationId)
    if (upstream.tags[`${P}upstream`] || upstream.integration === this._standIn.integrationAlias)
      return this._skip('startHitl: is a HITL conversation')
    if (this._isActive(upstream.id)) return this._skip('startHitl: already active')
    const lastUserMessageId = this._lastUserMessageId(upstream.id)
    // The plugin's guard against the Studio replaying the message that started the last session: no
    // new user message since, no new session. With an oldest-first listing this compares the FIRST
    // user message, and every later escalation in the conversation is silently refused.
    if (upstream.tags[`${P}startMessageId`] && upstream.tags[`${P}startMessageId`] === lastUserMessageId) {
      return this._skip('startHitl: no user message since the last session')
    }
    const config = { ...this.config, ...input.configurationOverrides }
    this._sessionConfigs.set(upstream.id, config)

    this._respond(upstream.id, config.onHitlHandoffMessage, PLUGIN_TEXTS.handoff)
    const downstreamUserId = await this._downstreamUserOf(input.userId, { email: input.userEmail })
    const messageHistory = this._history(upstream.id)

    this.trace.push('startHitl')
    const { conversationId } = await this._standIn.callAction<{ conversationId: string }>('startHitl', {
      title: input.title,
      description: input.description,
      hitlSession: input.hitlSession,
      userId: downstreamUserId,
      messageHistory,
    })
    this.trace.push('getConversation')
    const downstream = this._getConversation(conversationId) // a made-up id throws here, after the user was told "escalated"

    this._setState(upstream.id, 'initiatingUser', { upstreamUserId: input.userId })
    this.trace.push('link')
    this._store.updateConversation(upstream.id, { tags: { [`${P}downstream`]: downstream.id } })
    this._store.updateConversation(downstream.id, { tags: { [`${P}upstream`]: upstream.id } })
    if (lastUserMessageId) this._store.updateConversation(upstream.id, { tags: { [`${P}startMessageId`]: lastUserMessageId } })
    // Only now is the session active: whatever the integration reported before this line was dropped.
    this.trace.push('activate')
    this._setActive(upstream.id, true)
    this._setActive(downstream.id, true)
    this._scheduleAssignTimeout(upstream.id, downstream.id, config)
    return { downstreamConversationId: downstream.id }
  }

  /** The plugin's `stopHitl` action (the bot ends the session). */
  public async stopHitl(upstreamConversationId: string): Promise<void> {
    const upstream = this._getConversation(upstreamConversationId)
    if (!this._isActive(upstream.id)) return void this._skip('stopHitl: not active')
    const downstreamId = upstream.tags[`${P}downstream`]
    if (!downstreamId) return void this._skip('stopHitl: no downstream conversation')
    const config = this._configOf(upstream.id)
    await this._note(downstreamId, config.onUserHitlCancelledMessage, PLUGIN_TEXTS.userCancelled)
    this._endSession(upstream.id, downstreamId, 'close-action-called')
    await this._callStopHitl(downstreamId)
  }

  // ---- hooks ----

  /**
   * before_incoming_message. Messages in a conversation of the HITL integration come from agents;
   * the others are the bot's own conversations, where the plugin takes over while a session is
   * active. Returns true when the plugin stopped the message (the bot must not handle it).
   */
  public async beforeIncomingMessage(message: Message): Promise<boolean> {
    const conversation = this._store.conversations.get(message.conversationId)
    if (!conversation) return false
    return conversation.integration === this._standIn.integrationAlias
      ? this._fromAgent(conversation, message)
      : this._fromUser(conversation, message)
  }

  /** before_incoming_event for `hitlAssigned` / `hitlStopped` (other events: left to the bot). */
  public async beforeIncomingEvent(event: Event): Promise<void> {
    const payload = event.payload as { conversationId?: string; userId?: string }
    const name = event.type.replace(/^.*:/, '')
    if (name !== 'hitlAssigned' && name !== 'hitlStopped') return
    const downstream = payload.conversationId ? this._store.conversations.get(payload.conversationId) : undefined
    if (!downstream) return
    if (!this._isActive(downstream.id)) return void this._skip(`${name}: dropped, session not active`)
    if (name === 'hitlAssigned' && payload.userId) return void this._assignAgent(downstream, payload.userId)
    if (name === 'hitlStopped') {
      const upstreamId = downstream.tags[`${P}upstream`]
      if (!upstreamId) return void this._skip('hitlStopped: not linked')
      const config = this._configOf(upstreamId)
      this._respond(upstreamId, config.onHitlStoppedMessage, PLUGIN_TEXTS.stopped)
      this._endSession(upstreamId, downstream.id, 'agent-closed-ticket')
      this._continueWorkflow(upstreamId, config)
    }
  }

  private async _fromUser(upstream: Conversation, message: Message): Promise<boolean> {
    if (!this._isActive(upstream.id)) return false
    const config = this._configOf(upstream.id)
    if (!RELAYED_TYPES.includes(message.type)) {
      this._respondPayload(upstream.id, 'text', { text: `Sorry, I can only handle one of the following message types: ${RELAYED_TYPES.join(', ')}` })
      return true
    }
    const downstreamId = upstream.tags[`${P}downstream`]
    const patientDownstreamId = this._store.users.get(message.userId)?.tags[`${P}downstream`]
    if (!downstreamId || !patientDownstreamId) {
      this._endSession(upstream.id, undefined, 'internal-error')
      this._respondPayload(upstream.id, 'text', { text: 'Something went wrong, you are not connected to a human agent...' })
      return true
    }
    const command = config.userHitlCloseCommand?.length ? config.userHitlCloseCommand : PLUGIN_TEXTS.closeCommand
    const text = (message.payload as { text?: unknown }).text
    if (typeof text === 'string' && text.trim().toLowerCase() === command.trim().toLowerCase()) {
      this.trace.push('closeCommand')
      await this._note(downstreamId, config.onUserHitlCancelledMessage, PLUGIN_TEXTS.userCancelled)
      this._endSession(upstream.id, downstreamId, 'patient-used-termination-command')
      await this._callStopHitl(downstreamId)
      this._respond(upstream.id, config.onUserHitlCloseMessage, PLUGIN_TEXTS.userClosed)
      this._continueWorkflow(upstream.id, config)
      return true
    }
    // As the bot, naming the end user's downstream user in payload.userId (plus the payload's own type).
    await this.relayToAgent(
      downstreamId,
      message.type,
      { type: message.type, ...message.payload, userId: patientDownstreamId },
      { [`${P}upstream`]: message.id }
    )
    return true
  }

  private async _fromAgent(downstream: Conversation, message: Message): Promise<boolean> {
    if (!this._isActive(downstream.id)) {
      this._skip(`agent message ${message.id}: dropped, session not active`)
      return true
    }
    const upstreamId = downstream.tags[`${P}upstream`]
    if (!upstreamId) {
      this._endSession(downstream.id, undefined, 'internal-error')
      await this._notePayload(downstream.id, { text: 'Something went wrong, you are not connected to a human agent...' })
      return true
    }
    const config = this._configOf(upstreamId)
    if (!RELAYED_TYPES.includes(message.type)) {
      await this._note(downstream.id, config.onIncompatibleMsgTypeMessage, PLUGIN_TEXTS.incompatible)
      return true
    }
    // No assignment reported yet: the first agent to write is taken as assigned (and announced).
    if (!downstream.tags[`${P}humanAgentId`]) this._assignAgent(downstream, message.userId)
    const additionalData = (message.payload as { additionalData?: unknown }).additionalData
    this._respondPayload(
      upstreamId,
      message.type,
      { type: message.type, ...message.payload },
      {
        [`${P}downstream`]: message.id,
        ...(typeof additionalData === 'string' ? { [`${P}additionalData`]: additionalData } : {}),
      }
    )
    return true
  }

  /**
   * The bot posting into the HITL conversation, as the plugin does: `payload.userId` set for the
   * end user's relayed messages, absent for the plugin's own notes. Resolves when the integration
   * answered `message_created`.
   */
  public async relayToAgent(downstreamConversationId: string, type: string, payload: Payload, tags: Record<string, string> = {}): Promise<void> {
    this.trace.push(`relay ${type}${payload.userId ? '' : ' (bot note)'}`)
    await this._standIn.sendMessage({ conversationId: downstreamConversationId, userId: this.botUserId, type, payload, tags })
  }

  // ---- plumbing ----

  private readonly _sessionConfigs = new Map<string, HitlPluginConfig>()
  private _configOf(upstreamId: string): HitlPluginConfig {
    return this._sessionConfigs.get(upstreamId) ?? this.config
  }

  private _assignAgent(downstream: Conversation, agentUserId: string): void {
    const upstreamId = downstream.tags[`${P}upstream`]
    if (!upstreamId) return void this._skip('assign: not linked')
    const agent = this._store.users.get(agentUserId)
    const name = agent?.name?.length ? agent.name : 'A Human Agent'
    this.trace.push(`assign ${name}`)
    const tags = { [`${P}humanAgentId`]: agentUserId, [`${P}humanAgentName`]: name }
    this._store.updateConversation(downstream.id, { tags })
    this._store.updateConversation(upstreamId, { tags })
    // A fixed text: the agent's name reaches the end user only through webchat's agent display.
    this._respond(upstreamId, this._configOf(upstreamId).onHumanAgentAssignedMessage, PLUGIN_TEXTS.agentAssigned)
  }

  private _scheduleAssignTimeout(upstreamId: string, downstreamId: string, config: HitlPluginConfig): void {
    const seconds = config.agentAssignedTimeoutSeconds
    if (!seconds) return
    const timer = setTimeout(() => {
      this._timers.delete(timer)
      this._background(async () => {
        const upstream = this._store.conversations.get(upstreamId)
        if (!upstream || upstream.tags[`${P}humanAgentId`]) {
          this._skip('timeout: agent assigned')
          return
        }
        if (!this._isActive(upstreamId) || !this._isActive(downstreamId)) {
          this._skip('timeout: not active')
          return
        }
        this.trace.push('assignTimeout')
        await this._note(downstreamId, config.onUserHitlCancelledMessage, PLUGIN_TEXTS.userCancelled)
        this._endSession(upstreamId, downstreamId, 'agent-assignment-timeout')
        await this._callStopHitl(downstreamId)
        this._respond(upstreamId, config.onAgentAssignedTimeoutMessage, PLUGIN_TEXTS.assignTimeout)
        this._continueWorkflow(upstreamId, config)
      })
    }, seconds * 1000)
    timer.unref()
    this._timers.add(timer)
  }

  private async _callStopHitl(downstreamId: string): Promise<void> {
    this.trace.push('stopHitl')
    await this._standIn.callAction('stopHitl', { conversationId: downstreamId })
  }

  private _endSession(upstreamId: string, downstreamId: string | undefined, reason: string): void {
    for (const id of [upstreamId, downstreamId]) {
      if (!id) continue
      this._setActive(id, false)
      this._store.updateConversation(id, { tags: { [`${P}hitlEndReason`]: reason } })
    }
  }

  private _continueWorkflow(upstreamId: string, config: HitlPluginConfig): void {
    if (config.flowOnHitlStopped === false) return
    this._hooks.get(upstreamId)?.onContinueWorkflow?.()
  }

  /** createUser once per end user, then linked both ways with tags (the plugin's UserLinker). */
  private async _downstreamUserOf(upstreamUserId: string, overrides: { email?: string } = {}): Promise<string> {
    const upstreamUser = this._store.getUser(upstreamUserId)
    const linked = upstreamUser.tags[`${P}downstream`]
    if (linked && upstreamUser.tags[`${P}integrationAlias`] === this._standIn.integrationAlias && this._store.users.has(linked)) return linked
    const email = overrides.email ?? upstreamUser.tags[`${P}email`] ?? this._placeholderEmail(upstreamUser)
    this.trace.push('createUser')
    const { userId } = await this._standIn.callAction<{ userId: string }>('createUser', {
      name: upstreamUser.tags[`${P}name`] ?? upstreamUser.name ?? 'Unknown User',
      pictureUrl: upstreamUser.tags[`${P}pictureUrl`] ?? upstreamUser.pictureUrl,
      email,
    })
    this._store.getUser(userId)
    const link = { [`${P}integrationName`]: 'hitl', [`${P}integrationAlias`]: this._standIn.integrationAlias }
    this._store.updateUser(upstreamUser.id, { tags: { [`${P}downstream`]: userId, ...link } })
    this._store.updateUser(userId, { tags: { [`${P}upstream`]: upstreamUser.id, ...link } })
    return userId
  }

  private _placeholderEmail(user: User): string {
    return `${user.id}@no-reply.${this._standIn.botId.replaceAll('_', '-')}.botpress.com`
  }

  /** The first page of the bot conversation (the API lists newest first), re-sorted oldest first; every type, raw. */
  private _history(upstreamId: string): Payload[] {
    this.trace.push('listMessages')
    const page = [...this._store.listMessagesPage({ conversationId: upstreamId }).items]
    page.sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime())
    return page.map((m) => ({
      source:
        m.direction === 'outgoing' ? { type: 'bot' } : { type: 'user', userId: this._store.getUser(m.userId).tags[`${P}downstream`] ?? m.userId },
      type: m.type,
      payload: m.payload,
    }))
  }

  /** The newest incoming message, walking every page (the plugin iterates the paginated listing). */
  private _lastUserMessageId(upstreamId: string): string | undefined {
    let token: string | undefined
    do {
      const page = this._store.listMessagesPage({ conversationId: upstreamId }, token)
      const found = page.items.find((m) => m.direction === 'incoming')
      if (found) return found.id
      token = page.nextToken
    } while (token)
    return undefined
  }

  private _getConversation(id: string): Conversation {
    return this._store.getConversation(id)
  }

  /** Read-only look at the session state (for the page; the plugin's own check is _isActive). */
  public isActive(conversationId: string): boolean {
    return this._store.findState({ type: 'conversation', id: conversationId, name: `${P}hitl` })?.payload.hitlActive === true
  }

  private _isActive(conversationId: string): boolean {
    const state = this._store.getOrSetState({ type: 'conversation', id: conversationId, name: `${P}hitl` }, { hitlActive: false }).record
    return state.payload.hitlActive === true
  }

  private _setActive(conversationId: string, active: boolean): void {
    this._setState(conversationId, 'hitl', { hitlActive: active })
  }

  private _setState(conversationId: string, name: string, payload: Payload): void {
    this._store.setState({ type: 'conversation', id: conversationId, name: `${P}${name}` }, payload)
  }

  /** A configurable text to the end user (bot conversation); "NULL" sends nothing. */
  private _respond(upstreamId: string, configured: string | undefined, fallback: string): void {
    if (configured === NULL_TEXT) return
    this._respondPayload(upstreamId, 'text', { type: 'text', text: configured || fallback })
  }

  private _respondPayload(upstreamId: string, type: string, payload: Payload, tags: Record<string, string> = {}): void {
    const message = this._store.createMessage({ conversationId: upstreamId, userId: this.botUserId, type, payload, tags, direction: 'outgoing' })
    this._hooks.get(upstreamId)?.onUpstreamMessage?.(message)
  }

  /** A configurable note to the agent: posted as the bot into the HITL conversation, without payload.userId. */
  private async _note(downstreamId: string, configured: string | undefined, fallback: string): Promise<void> {
    if (configured === NULL_TEXT) return
    await this._notePayload(downstreamId, { text: configured || fallback })
  }

  private async _notePayload(downstreamId: string, payload: { text: string }): Promise<void> {
    await this.relayToAgent(downstreamId, 'text', { type: 'text', ...payload })
  }

  private _skip(why: string): { downstreamConversationId?: string } {
    this.trace.push(`skip ${why}`)
    return {}
  }

  private _background(run: () => Promise<unknown>): void {
    const p: Promise<unknown> = run()
      .catch((err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err))
        this.errors.push(error)
        console.error(`[hitl plugin model] ${error.message}`)
      })
      .finally(() => this._pending.delete(p))
    this._pending.add(p)
  }
}
