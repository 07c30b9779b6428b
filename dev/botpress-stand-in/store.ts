import type { Conversation, Event, Message, State, User } from '@botpress/client'
import { invalidPayload, notFound } from './api-error'
import { newId, nowIso } from './ids'
import type { JsonRecord, Tags } from './json'
import { discriminatingTags, initialTags, matchesAllTags, mergeTags } from './tags'

export type StateType = State['type']
export const STATE_TYPES: readonly StateType[] = ['conversation', 'user', 'bot', 'task', 'integration', 'workflow']

export type UserInput = { tags: Tags; name?: string; pictureUrl?: string; attributes?: Tags }
export type UserPatch = { tags?: Tags; name?: string; pictureUrl?: string; attributes?: Tags }
export type ConversationInput = { channel: string; tags: Tags; integration: string }
export type MessageInput = {
  conversationId: string
  userId: string
  type: string
  payload: JsonRecord
  tags: Tags
  direction: Message['direction']
  origin?: 'synthetic'
}
export type EventInput = {
  type: string
  payload: JsonRecord
  conversationId?: string
  userId?: string
  messageId?: string
  scheduled?: boolean
}
export type StateKey = { type: StateType; id: string; name: string }
export type Created<T> = { record: T; created: boolean }

export type Page<T> = { items: T[]; nextToken?: string }

/**
 * Messages per page of `GET /v1/chat/messages`. The real page size is not documented
 * (UNCONFIRMED); 20 keeps the paging visible in tests with short conversations.
 */
export const MESSAGE_PAGE_SIZE = 20

const encodeToken = (offset: number): string => Buffer.from(`offset:${offset}`, 'utf8').toString('base64url')
const parseToken = (token: string): number => {
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'))
  if (!m?.[1]) throw invalidPayload('nextToken is not a token this API returned')
  return Number(m[1])
}

const stateKeyOf = (k: StateKey): string => `${k.type}/${k.id}/${k.name}`

/**
 * The in-memory Botpress data of one bot. Plain maps, readable by tests and the sandbox; all the
 * API semantics (tags, getOrCreate, states) live in these methods. Records are replaced, never
 * mutated, so a reference handed out earlier keeps its old content.
 */
export class StandInStore {
  readonly users = new Map<string, User>()
  readonly conversations = new Map<string, Conversation>()
  readonly messages = new Map<string, Message>()
  readonly events: Event[] = []
  /** Keyed `${type}/${id}/${name}`. */
  readonly states = new Map<string, State>()
  /** conversationId → userIds. */
  readonly participants = new Map<string, Set<string>>()
  /** Idle expiry of states that have one: stateKey → {expiry ms, last touched}. */
  private readonly stateExpiry = new Map<string, { expiryMs: number; touchedAt: number }>()

  constructor(readonly botId: string) {}

  // ---- users ----

  createUser(input: UserInput): User {
    const at = nowIso()
    const user: User = {
      id: newId('user'),
      createdAt: at,
      updatedAt: at,
      tags: initialTags(input.tags),
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.pictureUrl !== undefined ? { pictureUrl: input.pictureUrl } : {}),
      ...(input.attributes !== undefined ? { attributes: input.attributes } : {}),
    }
    this.users.set(user.id, user)
    return user
  }

  getOrCreateUser(input: UserInput & { discriminateByTags?: string[] }): Created<User> {
    const key = discriminatingTags(input.tags, input.discriminateByTags)
    const found = Object.keys(key).length > 0 ? [...this.users.values()].find((u) => matchesAllTags(u.tags, key)) : undefined
    return found ? { record: found, created: false } : { record: this.createUser(input), created: true }
  }

  getUser(id: string): User {
    return this.users.get(id) ?? fail(notFound('User', id))
  }

  updateUser(id: string, patch: UserPatch): User {
    const user = this.getUser(id)
    const next: User = {
      ...user,
      updatedAt: nowIso(),
      tags: mergeTags(user.tags, patch.tags),
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.pictureUrl !== undefined ? { pictureUrl: patch.pictureUrl } : {}),
      ...(patch.attributes !== undefined ? { attributes: mergeTags(user.attributes ?? {}, patch.attributes) } : {}),
    }
    this.users.set(id, next)
    return next
  }

  listUsers(filter: { tags?: Tags; conversationId?: string }): User[] {
    const members = filter.conversationId !== undefined ? (this.participants.get(filter.conversationId) ?? new Set()) : undefined
    return [...this.users.values()].filter((u) => (!filter.tags || matchesAllTags(u.tags, filter.tags)) && (!members || members.has(u.id)))
  }

  deleteUser(id: string): void {
    this.getUser(id)
    this.users.delete(id)
    for (const members of this.participants.values()) members.delete(id)
  }

  // ---- conversations ----

  createConversation(input: ConversationInput): Conversation {
    const at = nowIso()
    const conversation: Conversation = {
      id: newId('conv'),
      createdAt: at,
      updatedAt: at,
      channel: input.channel,
      integration: input.integration,
      tags: initialTags(input.tags),
    }
    this.conversations.set(conversation.id, conversation)
    this.participants.set(conversation.id, new Set())
    return conversation
  }

  getOrCreateConversation(input: ConversationInput & { discriminateByTags?: string[] }): Created<Conversation> {
    const key = discriminatingTags(input.tags, input.discriminateByTags)
    const found =
      Object.keys(key).length > 0
        ? [...this.conversations.values()].find((c) => c.channel === input.channel && matchesAllTags(c.tags, key))
        : undefined
    return found ? { record: found, created: false } : { record: this.createConversation(input), created: true }
  }

  getConversation(id: string): Conversation {
    return this.conversations.get(id) ?? fail(notFound('Conversation', id))
  }

  updateConversation(id: string, patch: { tags?: Tags; currentTaskId?: string }): Conversation {
    const conversation = this.getConversation(id)
    const next: Conversation = {
      ...conversation,
      updatedAt: nowIso(),
      tags: mergeTags(conversation.tags, patch.tags),
      ...(patch.currentTaskId !== undefined ? { currentTaskId: patch.currentTaskId } : {}),
    }
    this.conversations.set(id, next)
    return next
  }

  listConversations(filter: { tags?: Tags; channel?: string; integration?: string; participantIds?: string[] }): Conversation[] {
    return [...this.conversations.values()].filter((c) => {
      if (filter.channel !== undefined && c.channel !== filter.channel) return false
      if (filter.integration !== undefined && c.integration !== filter.integration) return false
      if (filter.tags && !matchesAllTags(c.tags, filter.tags)) return false
      const members = this.participants.get(c.id) ?? new Set<string>()
      return (filter.participantIds ?? []).every((id) => members.has(id))
    })
  }

  deleteConversation(id: string): void {
    this.getConversation(id)
    this.conversations.delete(id)
    this.participants.delete(id)
    for (const m of this.messages.values()) if (m.conversationId === id) this.messages.delete(m.id)
  }

  // ---- participants ----

  addParticipant(conversationId: string, userId: string): User {
    this.getConversation(conversationId)
    const user = this.getUser(userId)
    const members = this.participants.get(conversationId) ?? new Set<string>()
    members.add(userId)
    this.participants.set(conversationId, members)
    return user
  }

  getParticipant(conversationId: string, userId: string): User {
    this.getConversation(conversationId)
    if (!this.participants.get(conversationId)?.has(userId)) throw notFound('Participant', userId)
    return this.getUser(userId)
  }

  removeParticipant(conversationId: string, userId: string): void {
    this.getParticipant(conversationId, userId)
    this.participants.get(conversationId)?.delete(userId)
  }

  listParticipants(conversationId: string): User[] {
    this.getConversation(conversationId)
    return [...(this.participants.get(conversationId) ?? [])].flatMap((id) => this.users.get(id) ?? [])
  }

  // ---- messages ----

  createMessage(input: MessageInput): Message {
    this.getConversation(input.conversationId)
    this.getUser(input.userId)
    const at = nowIso()
    const message: Message = {
      id: newId('msg'),
      createdAt: at,
      updatedAt: at,
      type: input.type,
      payload: input.payload,
      direction: input.direction,
      userId: input.userId,
      conversationId: input.conversationId,
      tags: initialTags(input.tags),
      ...(input.origin ? { origin: input.origin } : {}),
    }
    this.messages.set(message.id, message)
    this.participants.get(input.conversationId)?.add(input.userId)
    return message
  }

  /**
   * Finds a message of the given conversation by its discriminating tags, so a redelivered webhook
   * creates nothing new. Messages are looked up within `conversationId`, as the real API does (the
   * request is about one conversation; the same tags in another conversation are another message).
   */
  getOrCreateMessage(input: MessageInput & { discriminateByTags?: string[] }): Created<Message> {
    const key = discriminatingTags(input.tags, input.discriminateByTags)
    const found =
      Object.keys(key).length > 0
        ? [...this.messages.values()].find((m) => m.conversationId === input.conversationId && matchesAllTags(m.tags, key))
        : undefined
    return found ? { record: found, created: false } : { record: this.createMessage(input), created: true }
  }

  getMessage(id: string): Message {
    return this.messages.get(id) ?? fail(notFound('Message', id))
  }

  updateMessage(id: string, patch: { tags?: Tags; payload?: JsonRecord }): Message {
    const message = this.getMessage(id)
    const next: Message = {
      ...message,
      updatedAt: nowIso(),
      tags: mergeTags(message.tags, patch.tags),
      ...(patch.payload !== undefined ? { payload: patch.payload } : {}),
    }
    this.messages.set(id, next)
    return next
  }

  /** Every matching message, newest first (the API's order; see listMessagesPage). */
  listMessages(filter: { conversationId?: string; tags?: Tags }): Message[] {
    return [...this.messages.values()]
      .filter(
        (m) =>
          (filter.conversationId === undefined || m.conversationId === filter.conversationId) && (!filter.tags || matchesAllTags(m.tags, filter.tags))
      )
      .reverse() // Map order is insertion order and createdAt strictly increases (ids.ts): reversed = newest first
  }

  /**
   * One page of listMessages as `GET /v1/chat/messages` answers it: newest first, at most
   * `pageSize`, with `nextToken` when more remain. The real API pages newest-first too (Botpress's
   * HITL plugin takes `takePage(1)` and re-sorts it oldest-first; a stand-in listing oldest-first
   * makes the plugin's "last user message" check refuse a second escalation in a conversation).
   * The token is opaque to clients; here it is the offset of the next page.
   */
  listMessagesPage(filter: { conversationId?: string; tags?: Tags }, nextToken?: string, pageSize = MESSAGE_PAGE_SIZE): Page<Message> {
    const all = this.listMessages(filter)
    const start = nextToken === undefined ? 0 : parseToken(nextToken)
    const items = all.slice(start, start + pageSize)
    const next = start + pageSize < all.length ? encodeToken(start + pageSize) : undefined
    return { items, ...(next !== undefined ? { nextToken: next } : {}) }
  }

  deleteMessage(id: string): void {
    this.getMessage(id)
    this.messages.delete(id)
  }

  // ---- events ----

  createEvent(input: EventInput): Event {
    if (input.conversationId !== undefined) this.getConversation(input.conversationId)
    if (input.userId !== undefined) this.getUser(input.userId)
    if (input.messageId !== undefined) this.getMessage(input.messageId)
    const event: Event = {
      id: newId('evt'),
      createdAt: nowIso(),
      type: input.type,
      payload: input.payload,
      ...(input.conversationId !== undefined ? { conversationId: input.conversationId } : {}),
      ...(input.userId !== undefined ? { userId: input.userId } : {}),
      ...(input.messageId !== undefined ? { messageId: input.messageId } : {}),
      status: input.scheduled ? 'scheduled' : 'pending',
      failureReason: null,
    }
    this.events.push(event)
    return event
  }

  getEvent(id: string): Event {
    return this.events.find((e) => e.id === id) ?? fail(notFound('Event', id))
  }

  listEvents(filter: { type?: string; conversationId?: string; userId?: string; messageId?: string; status?: string }): Event[] {
    return this.events.filter(
      (e) =>
        (filter.type === undefined || e.type === filter.type) &&
        (filter.conversationId === undefined || e.conversationId === filter.conversationId) &&
        (filter.userId === undefined || e.userId === filter.userId) &&
        (filter.messageId === undefined || e.messageId === filter.messageId) &&
        (filter.status === undefined || e.status === filter.status)
    )
  }

  // ---- states ----

  /** The live state, or undefined when missing or idle past its expiry (an expired state is dropped). */
  findState(key: StateKey): State | undefined {
    const k = stateKeyOf(key)
    const state = this.states.get(k)
    if (!state) return undefined
    const expiry = this.stateExpiry.get(k)
    if (expiry && Date.now() - expiry.touchedAt > expiry.expiryMs) {
      this.states.delete(k)
      this.stateExpiry.delete(k)
      return undefined
    }
    if (expiry) expiry.touchedAt = Date.now()
    return state
  }

  getState(key: StateKey): State {
    return this.findState(key) ?? fail(notFound('State', stateKeyOf(key)))
  }

  /** A null payload deletes the state (that is how the SDK's `state.delete()` works). */
  setState(key: StateKey, payload: JsonRecord | null, expiryMs?: number): State {
    const k = stateKeyOf(key)
    const existing = this.findState(key)
    const at = nowIso()
    const state: State = {
      id: existing?.id ?? newId('state'),
      createdAt: existing?.createdAt ?? at,
      updatedAt: at,
      botId: this.botId,
      ...(key.type === 'conversation' ? { conversationId: key.id } : {}),
      ...(key.type === 'user' ? { userId: key.id } : {}),
      name: key.name,
      type: key.type,
      payload: payload ?? {},
    }
    if (payload === null) {
      this.states.delete(k)
      this.stateExpiry.delete(k)
      return state
    }
    this.states.set(k, state)
    if (expiryMs !== undefined) this.setStateExpiry(key, expiryMs)
    return state
  }

  getOrSetState(key: StateKey, payload: JsonRecord, expiryMs?: number): Created<State> {
    const existing = this.findState(key)
    return existing ? { record: existing, created: false } : { record: this.setState(key, payload, expiryMs), created: true }
  }

  /** Shallow merge of the top-level payload keys into an existing state. */
  patchState(key: StateKey, payload: JsonRecord): State {
    const existing = this.getState(key)
    const next: State = { ...existing, updatedAt: nowIso(), payload: { ...existing.payload, ...payload } }
    this.states.set(stateKeyOf(key), next)
    return next
  }

  /** `expiryMs` 0 or less removes the expiry. */
  setStateExpiry(key: StateKey, expiryMs: number): State {
    const state = this.getState(key)
    const k = stateKeyOf(key)
    if (expiryMs > 0) this.stateExpiry.set(k, { expiryMs, touchedAt: Date.now() })
    else this.stateExpiry.delete(k)
    return state
  }
}

export const parseStateType = (value: string): StateType => {
  const found = STATE_TYPES.find((t) => t === value)
  if (!found) throw invalidPayload(`Unknown state type "${value}"`)
  return found
}

const fail = (err: Error): never => {
  throw err
}
