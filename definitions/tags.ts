import type * as sdk from '@botpress/sdk'

/** Tags on the `hitl` channel's conversations: every id later steps need, so none is looked up again. */
export const hitlConversationTags = {
  hubspotThreadId: { title: 'HubSpot thread ID', description: 'Conversations thread id in HubSpot' },
  integrationThreadId: { title: 'Integration thread ID', description: 'Our threading key for this escalation' },
  channelId: { title: 'Channel ID', description: 'HubSpot custom channel id' },
  channelAccountId: { title: 'Channel account ID', description: 'HubSpot channel account (inbox connection)' },
  inboxId: { title: 'Inbox ID', description: 'HubSpot inbox the escalation went to' },
  userId: { title: 'End user ID', description: 'Botpress id of the escalating end user' },
  // The HITL plugin relays the end user's messages as the bot (payload.userId names the end user),
  // so the sender identity travels on the conversation: forwarding needs no user lookup.
  senderIdentifierType: { title: 'End user identifier type', description: 'HS_EMAIL_ADDRESS, HS_PHONE_NUMBER or CHANNEL_SPECIFIC_OPAQUE_ID' },
  senderIdentifierValue: { title: 'End user identifier', description: 'Email, E.164 phone or opaque id of the end user' },
  senderName: { title: 'End user name', description: 'Name shown to agents' },
  contactId: { title: 'HubSpot contact ID', description: 'CRM contact the thread is associated with, when known' },
  // Message props carry conversation.tags, so checking this costs nothing on the normal path.
  ticketPending: { title: 'Ticket pending', description: '"true" while ticket fields wait for HubSpot to create the thread’s ticket' },
  // When startHitl returned (ms epoch): an assignment reported before the HITL plugin can have
  // activated the session waits for it (src/hitl/activation.ts). Set in a write startHitl makes anyway.
  openedAt: { title: 'Opened at', description: 'When startHitl returned (ms since epoch)' },
  // 'true' while an early assignment waits in the hitl state: the next relayed end-user message
  // (which proves the session active) announces it. A tag, so the normal forward path reads nothing.
  assignmentPending: { title: 'Assignment pending', description: "'true' while an early HubSpot assignment awaits announcement" },
} as const satisfies Record<string, sdk.TagDefinition>

export const hitlMessageTags = {
  hubspotMessageId: { title: 'HubSpot message ID', description: 'Id of the same message in HubSpot' },
} as const satisfies Record<string, sdk.TagDefinition>

export const userTags = {
  contactId: { title: 'HubSpot contact ID', description: 'CRM contact of the end user, when known' },
  deliveryIdentifierType: {
    title: 'Delivery identifier type',
    description: 'HS_EMAIL_ADDRESS, HS_PHONE_NUMBER or CHANNEL_SPECIFIC_OPAQUE_ID',
  },
  deliveryIdentifierValue: { title: 'Delivery identifier', description: 'Email, E.164 phone or opaque id' },
  hubspotActorId: { title: 'HubSpot actor ID', description: 'Set on users that stand for HubSpot agents (A-…)' },
  // What the end user typed as their contact when it was neither an email nor a phone (or HubSpot
  // refused it): carried from createUser to startHitl so the agent sees it, with no extra call.
  typedContact: { title: 'Contact as typed', description: 'Unusable contact the end user gave (truncated); shown to the agent' },
} as const satisfies Record<string, sdk.TagDefinition>
