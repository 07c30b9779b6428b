import type { Event, Message } from '@botpress/client'
import type { BodyReader } from './json'
import type { ParsedQuery } from './query'
import { StandInApiError, invalidPayload } from './api-error'
import { parseStateType, type StandInStore, type StateKey } from './store'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export type ApiRequest = {
  params: Record<string, string>
  query: ParsedQuery
  body: BodyReader
  headers: Record<string, string>
}

export type ApiRoute = {
  method: HttpMethod
  /** e.g. `/v1/chat/users/:id` */
  path: string
  /** The client method that calls it, for reports. */
  clientMethod: string
  handle: (req: ApiRequest) => unknown
}

/** What the routes tell the outside world: records the integration created through the API. */
export type ApiNotifier = { message(m: Message): void; event(e: Event): void }

export type RouteDeps = {
  store: StandInStore
  notify: ApiNotifier
  /** Name stored as `conversation.integration` when the request does not give integrationName. */
  integrationName: (req: ApiRequest) => string
  /**
   * `POST /v1/chat/integrations/configure` (`client.configureIntegration`), served only when given:
   * the integration's own calls carry `x-integration-id`, which must be this integration's id.
   */
  configure?: { integrationId: string; apply: (identifier: string | null) => void }
}

const stateKey = (req: ApiRequest): StateKey => ({
  type: parseStateType(req.params.type ?? ''),
  id: req.params.id ?? '',
  name: req.params.name ?? '',
})

const param = (req: ApiRequest, name: string): string => req.params[name] ?? ''
const tagFilter = (req: ApiRequest) => (Object.keys(req.query.tags).length > 0 ? req.query.tags : undefined)

/** The chat API endpoints `@botpress/client` 1.35.0 calls, with their methods and paths. */
export const buildRoutes = ({ store, notify, integrationName, configure }: RouteDeps): ApiRoute[] => {
  const route = (method: HttpMethod, path: string, clientMethod: string, handle: ApiRoute['handle']): ApiRoute => ({
    method,
    path,
    clientMethod,
    handle,
  })
  const messageInput = (req: ApiRequest) => {
    const b = req.body
    const origin = b.optStr('origin')
    return {
      conversationId: b.str('conversationId'),
      userId: b.str('userId'),
      type: b.str('type'),
      payload: b.record('payload'),
      tags: b.tags(),
      direction: 'incoming' as const, // created by the integration: a message coming into the bot
      ...(origin === 'synthetic' ? { origin: 'synthetic' as const } : {}),
    }
  }
  const userInput = (req: ApiRequest) => {
    const b = req.body
    return { tags: b.tags(), name: b.optStr('name'), pictureUrl: b.optStr('pictureUrl'), attributes: b.optStringMap('attributes') }
  }

  return [
    // users
    route('POST', '/v1/chat/users/get-or-create', 'getOrCreateUser', (req) => ({
      user: store.getOrCreateUser({ ...userInput(req), discriminateByTags: req.body.optStrArray('discriminateByTags') }).record,
    })),
    route('POST', '/v1/chat/users', 'createUser', (req) => ({ user: store.createUser(userInput(req)) })),
    route('GET', '/v1/chat/users', 'listUsers', (req) => ({
      users: store.listUsers({ tags: tagFilter(req), conversationId: req.query.get('conversationId') }),
      meta: {},
    })),
    route('GET', '/v1/chat/users/:id', 'getUser', (req) => ({ user: store.getUser(param(req, 'id')) })),
    route('PUT', '/v1/chat/users/:id', 'updateUser', (req) => ({
      user: store.updateUser(param(req, 'id'), {
        tags: req.body.optStringMap('tags'),
        name: req.body.optStr('name'),
        pictureUrl: req.body.optStr('pictureUrl'),
        attributes: req.body.optStringMap('attributes'),
      }),
    })),
    route('DELETE', '/v1/chat/users/:id', 'deleteUser', (req) => {
      store.deleteUser(param(req, 'id'))
      return {}
    }),

    // conversations
    route('POST', '/v1/chat/conversations/get-or-create', 'getOrCreateConversation', (req) => ({
      conversation: store.getOrCreateConversation({
        channel: req.body.str('channel'),
        tags: req.body.tags(),
        integration: req.body.optStr('integrationName') ?? integrationName(req),
        discriminateByTags: req.body.optStrArray('discriminateByTags'),
      }).record,
    })),
    route('POST', '/v1/chat/conversations', 'createConversation', (req) => ({
      conversation: store.createConversation({
        channel: req.body.str('channel'),
        tags: req.body.tags(),
        integration: req.body.optStr('integrationName') ?? integrationName(req),
      }),
    })),
    route('GET', '/v1/chat/conversations', 'listConversations', (req) => ({
      conversations: store.listConversations({
        tags: tagFilter(req),
        channel: req.query.get('channel'),
        integration: req.query.get('integrationName'),
        participantIds: req.query.getAll('participantIds'),
      }),
      meta: {},
    })),
    route('GET', '/v1/chat/conversations/:id', 'getConversation', (req) => ({
      conversation: store.getConversation(param(req, 'id')),
    })),
    route('PUT', '/v1/chat/conversations/:id', 'updateConversation', (req) => ({
      conversation: store.updateConversation(param(req, 'id'), {
        tags: req.body.optStringMap('tags'),
        currentTaskId: req.body.optStr('currentTaskId'),
      }),
    })),
    route('DELETE', '/v1/chat/conversations/:id', 'deleteConversation', (req) => {
      store.deleteConversation(param(req, 'id'))
      return {}
    }),
    route('POST', '/v1/chat/conversations/:id/participants', 'addParticipant', (req) => ({
      participant: store.addParticipant(param(req, 'id'), req.body.str('userId')),
    })),
    route('GET', '/v1/chat/conversations/:id/participants', 'listParticipants', (req) => ({
      participants: store.listParticipants(param(req, 'id')),
      meta: {},
    })),
    route('GET', '/v1/chat/conversations/:id/participants/:userId', 'getParticipant', (req) => ({
      participant: store.getParticipant(param(req, 'id'), param(req, 'userId')),
    })),
    route('DELETE', '/v1/chat/conversations/:id/participants/:userId', 'removeParticipant', (req) => {
      store.removeParticipant(param(req, 'id'), param(req, 'userId'))
      return {}
    }),

    // messages
    route('POST', '/v1/chat/messages/get-or-create', 'getOrCreateMessage', (req) => {
      const { record, created } = store.getOrCreateMessage({
        ...messageInput(req),
        discriminateByTags: req.body.optStrArray('discriminateByTags'),
      })
      if (created) notify.message(record)
      return { message: record }
    }),
    route('POST', '/v1/chat/messages', 'createMessage', (req) => {
      const message = store.createMessage(messageInput(req))
      notify.message(message)
      return { message }
    }),
    route('GET', '/v1/chat/messages', 'listMessages', (req) => {
      const page = store.listMessagesPage({ conversationId: req.query.get('conversationId'), tags: tagFilter(req) }, req.query.get('nextToken'))
      return { messages: page.items, meta: page.nextToken !== undefined ? { nextToken: page.nextToken } : {} }
    }),
    route('GET', '/v1/chat/messages/:id', 'getMessage', (req) => ({ message: store.getMessage(param(req, 'id')) })),
    route('PUT', '/v1/chat/messages/:id', 'updateMessage', (req) => ({
      message: store.updateMessage(param(req, 'id'), {
        tags: req.body.optStringMap('tags'),
        ...(req.body.has('payload') ? { payload: req.body.record('payload') } : {}),
      }),
    })),
    route('DELETE', '/v1/chat/messages/:id', 'deleteMessage', (req) => {
      store.deleteMessage(param(req, 'id'))
      return {}
    }),

    // events
    route('POST', '/v1/chat/events', 'createEvent', (req) => {
      const b = req.body
      const event = store.createEvent({
        type: b.str('type'),
        payload: b.record('payload'),
        conversationId: b.optStr('conversationId'),
        userId: b.optStr('userId'),
        messageId: b.optStr('messageId'),
        scheduled: b.has('schedule'),
      })
      notify.event(event)
      return { event }
    }),
    route('GET', '/v1/chat/events', 'listEvents', (req) => ({
      events: store.listEvents({
        type: req.query.get('type'),
        conversationId: req.query.get('conversationId'),
        userId: req.query.get('userId'),
        messageId: req.query.get('messageId'),
        status: req.query.get('status'),
      }),
      meta: {},
    })),
    route('GET', '/v1/chat/events/:id', 'getEvent', (req) => ({ event: store.getEvent(param(req, 'id')) })),

    // states
    route('POST', '/v1/chat/states/:type/:id/:name/get-or-set', 'getOrSetState', (req) => {
      const { record, created } = store.getOrSetState(stateKey(req), req.body.record('payload'), req.body.optNumber('expiry'))
      return { state: record, meta: { cached: !created } }
    }),
    route('POST', '/v1/chat/states/:type/:id/:name/expiry', 'setStateExpiry', (req) => ({
      state: store.setStateExpiry(stateKey(req), req.body.optNumber('expiry') ?? 0),
    })),
    route('GET', '/v1/chat/states/:type/:id/:name', 'getState', (req) => ({ state: store.getState(stateKey(req)) })),
    route('POST', '/v1/chat/states/:type/:id/:name', 'setState', (req) => ({
      state: store.setState(stateKey(req), req.body.recordOrNull('payload'), req.body.optNumber('expiry')),
    })),
    route('PATCH', '/v1/chat/states/:type/:id/:name', 'patchState', (req) => ({
      state: store.patchState(stateKey(req), req.body.record('payload')),
    })),

    // the installation itself
    ...(configure
      ? [
          route('POST', '/v1/chat/integrations/configure', 'configureIntegration', (req) => {
            const caller = req.headers['x-integration-id']
            if (!caller) throw new StandInApiError('Unauthorized', 'Missing x-integration-id header')
            if (caller !== configure.integrationId) throw new StandInApiError('Unauthorized', `Unknown integration "${caller}"`)
            // Absent leaves the identifier as it is (the call may only set scheduleRegisterCall); null clears it.
            if (req.body.has('identifier')) configure.apply(identifierOf(req))
            else if (req.body.isNull('identifier')) configure.apply(null)
            return {}
          }),
        ]
      : []),
  ]
}

const identifierOf = (req: ApiRequest): string => {
  const id = req.body.optStr('identifier')
  if (!id) throw invalidPayload('configureIntegration: "identifier" must be a non-empty string or null')
  return id
}
