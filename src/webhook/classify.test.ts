import { describe, expect, it } from 'vitest'
import { classifyConversationEvent, type ClassifiedEvent } from './classify'
import { conversationEventSchema } from './event-schemas'

describe('classifyConversationEvent', () => {
  const change = (propertyName: string | undefined, propertyValue: unknown, extra: Record<string, unknown> = {}) =>
    classifyConversationEvent(
      conversationEventSchema.parse({
        eventId: 5,
        subscriptionType: 'conversation.propertyChange',
        objectId: 9,
        propertyName,
        propertyValue,
        ...extra,
      })
    )
  const at = { threadId: '9', eventId: '5' }

  it('normalises the assignee to the prefixed actor id, whatever form it came in', () => {
    expect(change('assignedTo', '123')).toEqual({ kind: 'assigned', ...at, actorId: 'A-123' })
    expect(change('assignedTo', 123)).toEqual({ kind: 'assigned', ...at, actorId: 'A-123' })
    expect(change('assignedTo', ' A-123 ')).toEqual({ kind: 'assigned', ...at, actorId: 'A-123' })
  })

  it("carries HubSpot's occurredAt, when there is one, for ordering thread changes", () => {
    expect(change('assignedTo', '123', { occurredAt: 1_763_720_100_000 })).toEqual({
      kind: 'assigned',
      ...at,
      actorId: 'A-123',
      occurredAt: 1_763_720_100_000,
    })
    expect(change('status', 'CLOSED', { occurredAt: 7 })).toEqual({ kind: 'closed', ...at, occurredAt: 7 })
    expect('occurredAt' in change('assignedTo', '')).toBe(false)
  })

  it('reads an empty, blank or absent assignee as unassigned', () => {
    for (const value of ['', '   ', null, undefined]) expect(change('assignedTo', value)).toEqual({ kind: 'unassigned', ...at })
  })

  it('maps status values in any case; unknown statuses are ignored', () => {
    expect(change('status', 'closed')).toEqual({ kind: 'closed', ...at })
    expect(change('status', 'Open')).toEqual({ kind: 'reopened', ...at })
    expect(change('status', 'ARCHIVED')).toEqual({ kind: 'archived', ...at })
    expect(change('status', 'PENDING')).toMatchObject({ kind: 'ignored' })
  })

  it('archives on isArchived true (string or boolean), ignores a restore', () => {
    expect(change('isArchived', 'true')).toEqual({ kind: 'archived', ...at })
    expect(change('isArchived', true)).toEqual({ kind: 'archived', ...at })
    expect(change('isArchived', 'false')).toMatchObject({ kind: 'ignored' })
  })

  it('ignores other properties, other subscriptions and a newMessage without messageId', () => {
    expect(change('hs_thread_name', 'x')).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('hs_thread_name') })
    expect(change(undefined, undefined)).toMatchObject({ kind: 'ignored' })
    expect(change('status', 'CLOSED', { subscriptionType: 'conversation.creation' })).toMatchObject({ kind: 'ignored' })
    expect(change(undefined, undefined, { subscriptionType: 'conversation.newMessage' })).toMatchObject({ kind: 'ignored' })
  })

  it('ignored events carry no thread id, so the router does not key them on a thread', () => {
    const event: ClassifiedEvent = change('foo', 'bar')
    expect('threadId' in event).toBe(false)
  })
})
