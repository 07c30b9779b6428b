/**
 * Type-level test, run by `npm run check` (tsc): every `@ts-expect-error` below must be an error.
 * If the typing module stopped deriving types from the definitions, these lines would compile,
 * and tsc would fail on the now-unused directives.
 */
import type * as bp from '.botpress'

declare const client: bp.Client
declare const props: bp.MessageProps['hitl']['text']

export const checks = async (): Promise<void> => {
  // Action outputs are typed.
  const createUser: bp.IntegrationProps['actions']['createUser'] = async () => ({ userId: 'user_1' })
  // @ts-expect-error userId must be a string
  const badOutput: bp.IntegrationProps['actions']['createUser'] = async () => ({ userId: 1 })
  // @ts-expect-error startHitl must return conversationId
  const missingOutput: bp.IntegrationProps['actions']['startHitl'] = async () => ({})

  // Action inputs are typed: messageHistory is required, history elements are checked.
  const ok: bp.ActionProps['startHitl']['input'] = { userId: 'u', messageHistory: [] }
  // @ts-expect-error messageHistory is required
  const noHistory: bp.ActionProps['startHitl']['input'] = { userId: 'u' }
  const badHistory: bp.ActionProps['startHitl']['input'] = {
    userId: 'u',
    // @ts-expect-error 'sticker' is not a history message type
    messageHistory: [{ source: { type: 'bot' }, type: 'sticker', payload: {} }],
  }
  // @ts-expect-error hitlSession.inboxId is a string
  const badSession: bp.ActionProps['startHitl']['input'] = { userId: 'u', messageHistory: [], hitlSession: { inboxId: 5 } }

  // Conversation, message and user tags are the declared ones only.
  await client.getOrCreateConversation({ channel: 'hitl', tags: { hubspotThreadId: 't' }, discriminateByTags: ['hubspotThreadId'] })
  // @ts-expect-error unknown conversation tag
  await client.getOrCreateConversation({ channel: 'hitl', tags: { ticketId: 't' } })
  // @ts-expect-error unknown user tag
  await client.getOrCreateUser({ tags: { slackId: 'x' } })
  await props.ack({ tags: { hubspotMessageId: 'm' } })
  // @ts-expect-error unknown message tag
  await props.ack({ tags: { zendeskId: 'm' } })

  // Message types of the hitl channel are the interface's six.
  await client.createMessage({ conversationId: 'c', userId: 'u', type: 'text', payload: { text: 'hi' }, tags: {} })
  // @ts-expect-error carousel is not a hitl channel message type
  await client.createMessage({ conversationId: 'c', userId: 'u', type: 'carousel', payload: { items: [] }, tags: {} })
  // @ts-expect-error an image needs imageUrl
  await client.createMessage({ conversationId: 'c', userId: 'u', type: 'image', payload: { text: 'x' }, tags: {} })

  // Events and states are typed.
  await client.createEvent({ type: 'hitlStopped', payload: { conversationId: 'c' } })
  // @ts-expect-error unknown event
  await client.createEvent({ type: 'hitlPaused', payload: { conversationId: 'c' } })
  // @ts-expect-error hitlAssigned needs userId
  await client.createEvent({ type: 'hitlAssigned', payload: { conversationId: 'c' } })
  // @ts-expect-error status is open|stopped
  await client.setState({ type: 'conversation', name: 'hitl', id: 'c', payload: { status: 'paused' } })

  const channels: bp.IntegrationProps['channels']['hitl']['messages'] = {
    text: async () => {},
    image: async () => {},
    audio: async () => {},
    video: async () => {},
    file: async () => {},
    bloc: async () => {},
    // @ts-expect-error no such message type on the hitl channel
    card: async () => {},
  }

  // Two configurations: the default (publisher mode) has only channel options, ownApp the app's own values.
  const ctx = {} as bp.Context
  if (ctx.configurationType === null) {
    const name: string | undefined = ctx.configuration.channelName
    // @ts-expect-error the publisher configuration has no clientSecret
    void ctx.configuration.clientSecret
    void name
  } else if (ctx.configurationType === 'ownApp') {
    const secret: string = ctx.configuration.clientSecret
    void secret
  }
  // @ts-expect-error no such configuration
  const noSuch: bp.Context['configurationType'] = 'sandbox'
  const secret: string | undefined = (await import('.botpress')).secrets.CLIENT_ID
  void [createUser, badOutput, missingOutput, ok, noHistory, badHistory, badSession, channels, noSuch, secret]
}
