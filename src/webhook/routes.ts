import type { ClassifiedEvent, ClassifiedKind } from './classify'
import type { ChannelEvent, ChannelEventOf, ChannelEventType } from './event-schemas'
import { handleAgentReplied } from './handlers/agent-replied'
import { handleChannelAccountChanged } from './handlers/channel-account-changed'
import type { EventContext } from './handlers/context'
import { handleThreadChange } from './handlers/conversation-event'

/**
 * Which handler acts on each HubSpot event. The mapped types make both tables complete: a channel
 * event type given a schema in event-schemas.ts, or a kind added to classify.ts, fails to compile
 * until it has an entry here.
 */
type Handle<E> = (ec: EventContext, event: E) => Promise<void>

export const CHANNEL_EVENT_HANDLERS: { [T in ChannelEventType]: Handle<ChannelEventOf<T>> } = {
  OUTGOING_CHANNEL_MESSAGE_CREATED: handleAgentReplied,
  CHANNEL_ACCOUNT_CREATED: handleChannelAccountChanged,
  CHANNEL_ACCOUNT_UPDATED: handleChannelAccountChanged,
  CHANNEL_ACCOUNT_PURGED: handleChannelAccountChanged,
}

const ignore: Handle<ClassifiedEvent> = async (ec, event) => ec.logger.debug(`Ignoring conversation event (${event.kind})`)

export const CONVERSATION_EVENT_HANDLERS: { [K in ClassifiedKind]: Handle<Extract<ClassifiedEvent, { kind: K }>> } = {
  assigned: handleThreadChange,
  unassigned: handleThreadChange,
  closed: handleThreadChange,
  archived: handleThreadChange,
  // Agent messages arrive through the channel webhook; newMessage would only duplicate them.
  newMessage: ignore,
  // A thread reopened in HubSpot does not revive an ended session (agent-replied.ts refuses replies after the end).
  reopened: ignore,
  ignored: ignore,
}

// The tables are typed per entry; a lookup by a union key only loses the pairing of key and event.
export const dispatchChannelEvent = (ec: EventContext, event: ChannelEvent): Promise<void> =>
  (CHANNEL_EVENT_HANDLERS[event.type] as Handle<ChannelEvent>)(ec, event)

export const dispatchConversationEvent = (ec: EventContext, event: ClassifiedEvent): Promise<void> =>
  (CONVERSATION_EVENT_HANDLERS[event.kind] as Handle<ClassifiedEvent>)(ec, event)
