import type { Stack } from './stack'

export type ChatLine = { cls: 'me' | 'bot' | 'agent' | 'system'; who: string; text: string; attachments?: { kind: string; url: string; name?: string }[] }
type HistoryElement = { source: { type: 'user'; userId: string } | { type: 'bot' }; type: 'text'; payload: { text: string } }

const BOT_HELLO = 'Hi! I am the demo bot. Ask me anything, or click "Escalate to a human" (or type "human").'

/**
 * The bot and Botpress's HITL plugin, as far as the integration can tell: it keeps the
 * conversation, calls createUser/startHitl/stopHitl, relays the end user's messages on the hitl
 * channel and shows what the integration posts back (agent messages, hitlAssigned, hitlStopped).
 */
export class SandboxBot {
  public readonly lines: ChatLine[] = [{ cls: 'bot', who: 'Bot', text: BOT_HELLO }]
  public status = 'Talking to the bot'
  public hitlUserId: string | undefined
  public conversationId: string | undefined
  public escalated = false
  private readonly _history: HistoryElement[] = [{ source: { type: 'bot' }, type: 'text', payload: { text: BOT_HELLO } }]
  private readonly _agentNames = new Map<string, string>()
  private _botUserId: string | undefined
  /** The escalation under way: a second click (or "human") while it runs must not open a second thread. */
  private _escalating: Promise<void> | undefined

  public constructor(private readonly _stack: Stack, private readonly _publicUrl: () => string) {
    _stack.standIn.onMessage((m) => this._onMessage(m))
    _stack.standIn.onEvent((e) => this._onEvent(e))
  }

  public async say(text: string): Promise<void> {
    this.lines.push({ cls: 'me', who: 'You', text })
    if (this.escalated && this.conversationId && this.hitlUserId) {
      await this._relay('text', { text })
      return
    }
    this._history.push({ source: { type: 'user', userId: 'end-user' }, type: 'text', payload: { text } })
    if (/human|agent|person/i.test(text)) return this.escalate()
    const reply = `You said "${text}". I am only a demo bot: type "human" to reach an agent.`
    this._history.push({ source: { type: 'bot' }, type: 'text', payload: { text: reply } })
    this.lines.push({ cls: 'bot', who: 'Bot', text: reply })
  }

  public async escalate(email?: string): Promise<void> {
    if (this.escalated) return
    if (!this._escalating) this._escalating = this._escalate(email).finally(() => (this._escalating = undefined))
    return this._escalating
  }

  private async _escalate(email?: string): Promise<void> {
    this.lines.push({ cls: 'system', who: '', text: 'Escalating to a human agent…' })
    const { userId } = await this._stack.standIn.callAction<{ userId: string }>('createUser', { name: 'Sandbox User', email })
    const { conversationId } = await this._stack.standIn.callAction<{ conversationId: string }>('startHitl', {
      userId,
      title: 'Sandbox escalation',
      description: 'The user asked to talk to a human.',
      messageHistory: this._history,
    })
    this.hitlUserId = userId
    this.conversationId = conversationId
    this.escalated = true
    this.status = 'Waiting for an agent…'
    this.lines.push({ cls: 'system', who: '', text: 'You are in the queue; an agent will answer here.' })
  }

  public async sendImage(): Promise<void> {
    if (!this.conversationId || !this.hitlUserId) throw new Error('Escalate first')
    const imageUrl = `${this._publicUrl()}/sample.png`
    this.lines.push({ cls: 'me', who: 'You', text: '', attachments: [{ kind: 'image', url: imageUrl, name: 'sample.png' }] })
    await this._relay('image', { imageUrl, title: 'sample.png' })
  }

  public async end(): Promise<void> {
    if (!this.conversationId) return
    await this._stack.standIn.callAction('stopHitl', { conversationId: this.conversationId })
    this._stop('You ended the conversation with the agent.')
  }

  /** As Botpress's HITL plugin does: the bot posts into the hitl conversation, naming the end user in payload.userId. */
  private async _relay(type: string, payload: Record<string, unknown>): Promise<void> {
    if (!this.conversationId || !this.hitlUserId) throw new Error('Escalate first')
    this._botUserId ??= this._stack.standIn.store.createUser({ name: 'Sandbox bot', tags: {} }).id
    await this._stack.standIn.sendMessage({ conversationId: this.conversationId, userId: this._botUserId, type, payload: { ...payload, userId: this.hitlUserId } })
  }

  private _stop(text: string): void {
    if (!this.escalated) return
    this.escalated = false
    this.status = 'Talking to the bot'
    this.lines.push({ cls: 'system', who: '', text })
    this.lines.push({ cls: 'bot', who: 'Bot', text: 'I am back. Anything else?' })
  }

  private _onEvent(e: { type: string; payload: unknown }): void {
    const payload = e.payload as { conversationId?: string; userId?: string }
    if (payload.conversationId !== this.conversationId) return
    if (e.type.endsWith('hitlAssigned') && payload.userId) {
      const user = this._stack.standIn.store.users.get(payload.userId)
      const name = user?.name ?? 'A Human Agent'
      this._agentNames.set(payload.userId, name)
      this.status = `Talking to ${name}`
      this.lines.push({ cls: 'system', who: '', text: `${name} joined the conversation.` })
    } else if (e.type.endsWith('hitlStopped')) {
      this._stop('The agent closed the conversation.')
    }
  }

  private _onMessage(m: { conversationId: string; userId: string; type: string; payload: unknown }): void {
    if (m.conversationId !== this.conversationId || m.userId === this.hitlUserId || m.userId === this._botUserId || !this.escalated) return
    const who = this._agentNames.get(m.userId) ?? this._stack.standIn.store.users.get(m.userId)?.name ?? 'Agent'
    const p = m.payload as Record<string, string | undefined>
    if (m.type === 'text') return void this.lines.push({ cls: 'agent', who, text: p.text ?? '' })
    const url = p.imageUrl ?? p.audioUrl ?? p.videoUrl ?? p.fileUrl ?? ''
    this.lines.push({ cls: 'agent', who, text: '', attachments: [{ kind: m.type, url, name: p.title }] })
  }
}
