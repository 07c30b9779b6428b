import { describe, expect, it } from 'vitest'
import { unreachable } from '../unreachable'
import { APP_WEBHOOK_SUBSCRIPTIONS, classifyConversationEvent, type ClassifiedKind } from './classify'
import { CHANNEL_EVENT_SCHEMAS, conversationEventSchema } from './event-schemas'
import { CHANNEL_EVENT_HANDLERS, CONVERSATION_EVENT_HANDLERS } from './routes'

describe('the webhook routing tables', () => {
  it('give every parsed channel event type a handler, and nothing else', () => {
    expect(Object.keys(CHANNEL_EVENT_HANDLERS).sort()).toEqual(Object.keys(CHANNEL_EVENT_SCHEMAS).sort())
    // @ts-expect-error a table missing a parsed type does not compile
    const incomplete: typeof CHANNEL_EVENT_HANDLERS = { OUTGOING_CHANNEL_MESSAGE_CREATED: CHANNEL_EVENT_HANDLERS.OUTGOING_CHANNEL_MESSAGE_CREATED }
    expect(Object.keys(incomplete)).toHaveLength(1)
  })

  it('give every kind an app event classifies to a handler; each subscription leads to one that acts', () => {
    const kinds: ClassifiedKind[] = ['assigned', 'unassigned', 'closed', 'reopened', 'archived', 'newMessage', 'ignored']
    expect(Object.keys(CONVERSATION_EVENT_HANDLERS).sort()).toEqual([...kinds].sort())
    for (const s of Object.values(APP_WEBHOOK_SUBSCRIPTIONS)) {
      const propertyName = 'propertyName' in s ? s.propertyName : undefined
      const event = conversationEventSchema.parse({
        eventId: 1,
        objectId: 2,
        subscriptionType: s.subscriptionType,
        propertyName,
        propertyValue: 'CLOSED',
      })
      expect(CONVERSATION_EVENT_HANDLERS[classifyConversationEvent(event).kind].name, s.subscriptionType).toBe('handleThreadChange')
    }
  })

  it('an exhaustive switch fails to compile while a case is missing, and throws if a type lied', () => {
    const kind = (k: 'a' | 'b'): string => {
      switch (k) {
        case 'a':
          return 'A'
        default:
          // @ts-expect-error 'b' is not handled, so `k` is not `never` here
          return unreachable(k, 'letter')
      }
    }
    expect(kind('a')).toBe('A')
    expect(() => kind('b')).toThrow('Unhandled letter: b')
  })
})
