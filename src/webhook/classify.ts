import { normaliseActorId } from '../hitl/agent-users'
import type { ConversationEvent } from './event-schemas'

/**
 * Classifying: what a parsed app-webhook event (event-schemas.ts) means for a HITL conversation.
 * Pure: no I/O, no handler; routes.ts says which handler acts on each kind.
 */

/** `occurredAt`: when HubSpot says the change happened (ms epoch), when it says so; orders assignment changes. */
type ThreadRef = { threadId: string; eventId: string; occurredAt?: number }
/** One member per kind, so that `Extract<ClassifiedEvent, { kind: K }>` finds each (routes.ts relies on it). */
export type ClassifiedEvent =
  | ({ kind: 'assigned'; actorId: string } & ThreadRef)
  | ({ kind: 'unassigned' } & ThreadRef)
  | ({ kind: 'closed' } & ThreadRef)
  | ({ kind: 'reopened' } & ThreadRef)
  | ({ kind: 'archived' } & ThreadRef)
  | ({ kind: 'newMessage'; messageId: string; messageType?: string } & ThreadRef)
  | { kind: 'ignored'; reason: string }
export type ClassifiedKind = ClassifiedEvent['kind']

type Subscription = {
  subscriptionType: string
  propertyName?: string
  classify: (event: ConversationEvent, at: ThreadRef) => ClassifiedEvent
}

const ignored = (reason: string): ClassifiedEvent => ({ kind: 'ignored', reason })
const valueOf = (e: ConversationEvent): string => e.propertyValue?.trim() ?? ''
const archived = (_e: ConversationEvent, at: ThreadRef): ClassifiedEvent => ({ kind: 'archived', ...at })

/**
 * The app-webhook subscriptions the handler acts on, each with how its events are read;
 * hubspot-app/src/app/webhooks/webhooks-hsmeta.json must subscribe to each (tests/hubspot-app checks).
 */
export const APP_WEBHOOK_SUBSCRIPTIONS = {
  assignment: {
    subscriptionType: 'conversation.propertyChange',
    propertyName: 'assignedTo',
    // Whether HubSpot sends "123" or "A-123" is UNCONFIRMED; both end up as "A-123".
    classify: (e, at) => (valueOf(e) ? { kind: 'assigned', ...at, actorId: normaliseActorId(valueOf(e)) } : { kind: 'unassigned', ...at }),
  },
  status: {
    subscriptionType: 'conversation.propertyChange',
    propertyName: 'status',
    classify: (e, at) => {
      const value = valueOf(e)
      if (value.toUpperCase() === 'CLOSED') return { kind: 'closed', ...at }
      if (value.toUpperCase() === 'OPEN') return { kind: 'reopened', ...at }
      if (value.toUpperCase() === 'ARCHIVED') return { kind: 'archived', ...at }
      return ignored(`status ${value || '(empty)'}`)
    },
  },
  deletion: { subscriptionType: 'conversation.deletion', classify: archived },
  privacyDeletion: { subscriptionType: 'conversation.privacyDeletion', classify: archived },
} as const satisfies Record<string, Subscription>

/**
 * Read only defensively: not subscribed to. HubSpot reports archiving as conversation.deletion, and
 * an isArchived subscription is UNCONFIRMED; agent messages come through the channel webhook.
 */
const UNSUBSCRIBED_EVENTS = {
  newMessage: {
    subscriptionType: 'conversation.newMessage',
    classify: (e, at) =>
      e.messageId
        ? { kind: 'newMessage', ...at, messageId: e.messageId, messageType: e.messageType }
        : ignored('conversation.newMessage without messageId'),
  },
  isArchived: {
    subscriptionType: 'conversation.propertyChange',
    propertyName: 'isArchived',
    classify: (e, at) => (valueOf(e).toLowerCase() === 'true' ? { kind: 'archived', ...at } : ignored('thread restored (isArchived false)')),
  },
} as const satisfies Record<string, Subscription>

const PROPERTY_CHANGE = 'conversation.propertyChange'
const keyOf = (subscriptionType: string, propertyName: string | undefined): string =>
  subscriptionType === PROPERTY_CHANGE ? `${subscriptionType}/${propertyName ?? ''}` : subscriptionType
const CLASSIFIERS = new Map<string, Subscription['classify']>(
  [...Object.values(APP_WEBHOOK_SUBSCRIPTIONS), ...Object.values(UNSUBSCRIBED_EVENTS)].map((s: Subscription) => [
    keyOf(s.subscriptionType, s.propertyName),
    s.classify,
  ])
)

export const classifyConversationEvent = (e: ConversationEvent): ClassifiedEvent => {
  const classify = CLASSIFIERS.get(keyOf(e.subscriptionType, e.propertyName))
  if (classify) return classify(e, { threadId: e.objectId, eventId: e.eventId, ...(e.occurredAt === undefined ? {} : { occurredAt: e.occurredAt }) })
  return e.subscriptionType === PROPERTY_CHANGE ? ignored(`property ${e.propertyName ?? '(none)'}`) : ignored(`subscription ${e.subscriptionType}`)
}
