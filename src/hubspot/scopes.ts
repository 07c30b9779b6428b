/**
 * The OAuth scopes this integration's code needs, in one place: the authorize URL, the HubSpot
 * project files (app-hsmeta.json) and the docs must all agree with this list (a test checks).
 * Each entry says which calls need it, so removing a feature shows which scope can go.
 */
export const REQUIRED_SCOPES = {
  'conversations.custom_channels.read': 'list channels and channel accounts',
  'conversations.custom_channels.write': 'publish messages, create/update channel accounts, report delivery status',
  'conversations.read': 'read inboxes, threads and actors',
  'conversations.write': 'close threads, assign them, post agent-only notes',
  'crm.objects.contacts.read': 'find the escalating user’s contact',
  'crm.objects.contacts.write': 'create a missing contact (createMissingContacts)',
  'crm.objects.owners.read': 'find the HubSpot user to assign an escalation to (hitlSession.assigneeEmail)',
  files: 'upload end-user media and sign agent attachment links',
  oauth: 'every OAuth app',
  tickets: 'set priority, subject, category, pipeline and custom properties on the Help Desk ticket of an escalation',
} as const satisfies Record<string, string>

export type HubspotScope = keyof typeof REQUIRED_SCOPES
export const requiredScopes = (): HubspotScope[] => Object.keys(REQUIRED_SCOPES) as HubspotScope[]
