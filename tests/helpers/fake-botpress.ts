import { randomUUID } from 'node:crypto'
import { ResourceNotFoundError } from '@botpress/client'
import type * as bp from '.botpress'

type Tags = Record<string, string>
export type FakeUser = { id: string; name?: string; pictureUrl?: string; tags: Tags }
export type FakeConversation = { id: string; channel: string; integration: string; tags: Tags }
export type FakeMessage = { id: string; conversationId: string; userId: string; type: string; payload: unknown; tags: Tags }
export type FakeEvent = { id: string; type: string; payload: unknown; conversationId?: string }

const matches = (tags: Tags, wanted: Tags | undefined, keys?: string[]) =>
  Object.entries(wanted ?? {}).every(([k, v]) => (keys && !keys.includes(k)) || tags[k] === v)

/**
 * In-memory Botpress API for unit tests (HubSpot is mocked with nock; the end-to-end tests use the
 * real SDK server and the stand-in instead). Counts every call, as each one is latency spent.
 */
export class FakeBotpress {
  public users = new Map<string, FakeUser>()
  public conversations = new Map<string, FakeConversation>()
  public messages = new Map<string, FakeMessage>()
  public events: FakeEvent[] = []
  public states = new Map<string, unknown>()
  public calls: string[] = []
  public failNext: { method: string; error: Error } | undefined

  private _track(method: string) {
    this.calls.push(method)
    if (this.failNext?.method === method) {
      const { error } = this.failNext
      this.failNext = undefined
      throw error
    }
  }

  public readonly api = {
    getState: async (x: { type: string; name: string; id: string }) => {
      this._track('getState')
      const key = `${x.type}:${x.id}:${x.name}`
      if (!this.states.has(key)) throw new ResourceNotFoundError(`state ${key} not found`)
      return { state: { payload: this.states.get(key) } }
    },
    setState: async (x: { type: string; name: string; id: string; payload: unknown }) => {
      this._track('setState')
      this.states.set(`${x.type}:${x.id}:${x.name}`, x.payload)
      return { state: { payload: x.payload } }
    },
    createUser: async (x: { name?: string; pictureUrl?: string; tags: Tags }) => {
      this._track('createUser')
      const user = { id: `user_${randomUUID()}`, name: x.name, pictureUrl: x.pictureUrl, tags: { ...x.tags } }
      this.users.set(user.id, user)
      return { user }
    },
    getOrCreateUser: async (x: { name?: string; pictureUrl?: string; tags: Tags; discriminateByTags?: string[] }) => {
      this._track('getOrCreateUser')
      const found = [...this.users.values()].find((u) => matches(u.tags, x.tags, x.discriminateByTags))
      if (found) return { user: found }
      const user = { id: `user_${randomUUID()}`, name: x.name, pictureUrl: x.pictureUrl, tags: { ...x.tags } }
      this.users.set(user.id, user)
      return { user }
    },
    getUser: async (x: { id: string }) => {
      this._track('getUser')
      const user = this.users.get(x.id)
      if (!user) throw new ResourceNotFoundError(`user ${x.id} not found`)
      return { user }
    },
    listUsers: async (x: { tags?: Tags }) => {
      this._track('listUsers')
      return { users: [...this.users.values()].filter((u) => matches(u.tags, x.tags)), meta: {} }
    },
    updateUser: async (x: { id: string; tags?: Tags; name?: string }) => {
      this._track('updateUser')
      const user = this.users.get(x.id)
      if (!user) throw new ResourceNotFoundError(`user ${x.id} not found`)
      Object.assign(user.tags, x.tags ?? {})
      if (x.name) user.name = x.name
      return { user }
    },
    getOrCreateConversation: async (x: { channel: string; tags: Tags; discriminateByTags?: string[] }) => {
      this._track('getOrCreateConversation')
      const found = [...this.conversations.values()].find((c) => c.channel === x.channel && matches(c.tags, x.tags, x.discriminateByTags))
      if (found) return { conversation: found }
      const conversation = { id: `conv_${randomUUID()}`, channel: x.channel, integration: 'hubspot-hitl', tags: { ...x.tags } }
      this.conversations.set(conversation.id, conversation)
      return { conversation }
    },
    getConversation: async (x: { id: string }) => {
      this._track('getConversation')
      const conversation = this.conversations.get(x.id)
      if (!conversation) throw new ResourceNotFoundError(`conversation ${x.id} not found`)
      return { conversation }
    },
    listConversations: async (x: { channel?: string; tags?: Tags }) => {
      this._track('listConversations')
      const conversations = [...this.conversations.values()].filter((c) => (!x.channel || c.channel === x.channel) && matches(c.tags, x.tags))
      return { conversations, meta: {} }
    },
    updateConversation: async (x: { id: string; tags?: Tags }) => {
      this._track('updateConversation')
      const conversation = this.conversations.get(x.id)
      if (!conversation) throw new ResourceNotFoundError(`conversation ${x.id} not found`)
      Object.assign(conversation.tags, x.tags ?? {})
      return { conversation }
    },
    deleteConversation: async (x: { id: string }) => {
      this._track('deleteConversation')
      if (!this.conversations.delete(x.id)) throw new ResourceNotFoundError(`conversation ${x.id} not found`)
      return {}
    },
    getOrCreateMessage: async (x: Omit<FakeMessage, 'id'> & { discriminateByTags?: string[] }) => {
      this._track('getOrCreateMessage')
      const found = [...this.messages.values()].find(
        (m) => m.conversationId === x.conversationId && matches(m.tags, x.tags, x.discriminateByTags)
      )
      if (found) return { message: found }
      const message = { id: `msg_${randomUUID()}`, conversationId: x.conversationId, userId: x.userId, type: x.type, payload: x.payload, tags: { ...x.tags } }
      this.messages.set(message.id, message)
      return { message }
    },
    listMessages: async (x: { conversationId?: string; tags?: Tags }) => {
      this._track('listMessages')
      const messages = [...this.messages.values()].filter((m) => (!x.conversationId || m.conversationId === x.conversationId) && matches(m.tags, x.tags))
      return { messages, meta: {} }
    },
    createEvent: async (x: { type: string; payload: unknown; conversationId?: string }) => {
      this._track('createEvent')
      const event = { id: `evt_${randomUUID()}`, ...x }
      this.events.push(event)
      return { event }
    },
  }

  /** The fake as the typed client handlers receive; only the methods above exist. */
  public get client(): bp.Client {
    return this.api as unknown as bp.Client
  }

  public setupState(integrationId: string): unknown {
    return this.states.get(`integration:${integrationId}:setup`)
  }
}
