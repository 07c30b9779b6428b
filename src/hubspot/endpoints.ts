/**
 * The one table of HubSpot endpoints: API family → version → path builders. No other file of src/
 * spells a HubSpot path (src/hubspot/endpoints.test.ts fails on one). Paths are relative to the
 * configured `apiBaseUrl`, and every parameter is percent-encoded here, once.
 *
 * Moving a family to another version is one line in `HUBSPOT_API_VERSIONS`; the steps around it
 * (spec diff, emulator, contract tests, bench) are in CONTRIBUTING.md ("Moving an API family to a new
 * version"), and what changed between versions is in docs/hubspot.md#date-versioned-apis.
 */

const enc = encodeURIComponent

/** Custom channels (channel calls: developer key; accounts, staging tokens, messages: OAuth). */
const customChannelsAt = (root: string) => ({
  channels: () => root,
  channel: (channelId: string) => `${root}/${enc(channelId)}`,
  stagingToken: (channelId: string, accountToken: string) => `${root}/${enc(channelId)}/channel-account-staging-tokens/${enc(accountToken)}`,
  channelAccounts: (channelId: string) => `${root}/${enc(channelId)}/channel-accounts`,
  channelAccount: (channelId: string, accountId: string) => `${root}/${enc(channelId)}/channel-accounts/${enc(accountId)}`,
  messages: (channelId: string) => `${root}/${enc(channelId)}/messages`,
  message: (channelId: string, messageId: string) => `${root}/${enc(channelId)}/messages/${enc(messageId)}`,
})

/**
 * Conversations: inboxes, threads, thread messages, actors, assignee. In v3 the assignee lives under
 * another root (`/conversations/conversations/v3`, as the v3 spec prints it); from 2026-09 on, one root
 * serves all.
 */
const conversationsAt = (root: string, assigneeRoot = root) => ({
  inboxes: () => `${root}/inboxes`,
  inbox: (inboxId: string) => `${root}/inboxes/${enc(inboxId)}`,
  // `?association=TICKET` on a thread is in both the v3 and the 2026-09 spec (docs/hubspot.md#date-versioned-apis).
  thread: (threadId: string) => `${root}/threads/${enc(threadId)}`,
  threadMessages: (threadId: string) => `${root}/threads/${enc(threadId)}/messages`,
  threadAssignee: (threadId: string) => `${assigneeRoot}/threads/${enc(threadId)}/assignee`,
  actor: (actorId: string) => `${root}/actors/${enc(actorId)}`,
})

/** CRM objects: contacts and tickets (the integration calls no association endpoint). */
const crmObjectsAt = (root: string) => ({
  contacts: () => `${root}/contacts`,
  contactSearch: () => `${root}/contacts/search`,
  ticket: (ticketId: string) => `${root}/tickets/${enc(ticketId)}`,
})

const ownersAt = (root: string) => ({ owners: () => root })

const filesAt = (root: string) => ({
  files: () => root,
  signedUrl: (fileId: string) => `${root}/${enc(fileId)}/signed-url`,
})

/**
 * Every version of each family the code can run on. A version is listed only if every builder of
 * the family exists in its spec (src/hubspot/endpoints.test.ts checks it against the specs).
 */
export const HUBSPOT_API_FAMILIES = {
  customChannels: {
    v3: customChannelsAt('/conversations/v3/custom-channels'),
    // Same schemas as v3. 2026-09 requires what the code always sends (staging token: accountName and
    // deliveryIdentifier) and drops `senderActorId` on message participants, which the code never sends.
    '2026-03': customChannelsAt('/conversations/custom-channels/2026-03'),
    '2026-09': customChannelsAt('/conversations/custom-channels/2026-09'),
  },
  conversations: {
    v3: conversationsAt('/conversations/v3/conversations', '/conversations/conversations/v3'),
    '2026-09': conversationsAt('/conversations/conversations/2026-09'),
  },
  crmObjects: {
    v3: crmObjectsAt('/crm/v3/objects'),
    '2026-03': crmObjectsAt('/crm/objects/2026-03'),
  },
  owners: {
    v3: ownersAt('/crm/v3/owners'),
    '2026-03': ownersAt('/crm/owners/2026-03'),
  },
  files: {
    v3: filesAt('/files/v3/files'),
    '2026-03': filesAt('/files/2026-03/files'),
  },
  oauth: {
    // v1 is not listed: its `GET /oauth/v1/access-tokens/{token}` has no 2026-03 path of the same form; the
    // dated successor is `POST …/token/introspect` (form body, client credentials), which src/hubspot/oauth.ts
    // speaks. The browser's consent page (app.hubspot.com/oauth/authorize) is not an API path: src/connect/urls.ts.
    '2026-03': {
      token: () => '/oauth/2026-03/token',
      introspect: () => '/oauth/2026-03/token/introspect',
    },
  },
} as const

type Families = typeof HUBSPOT_API_FAMILIES
export type HubspotApiFamily = keyof Families

/** The version each family is called at. Moving a family is changing its line here (and nothing else in src/). */
export const HUBSPOT_API_VERSIONS = {
  customChannels: '2026-09',
  conversations: '2026-09',
  crmObjects: '2026-03',
  owners: '2026-03',
  files: '2026-03',
  oauth: '2026-03',
} as const satisfies { [F in HubspotApiFamily]: keyof Families[F] }

type Versions = typeof HUBSPOT_API_VERSIONS

/** The path builders the clients use: each family at its version in `HUBSPOT_API_VERSIONS`. */
export const endpoints: { [F in HubspotApiFamily]: Families[F][Versions[F] & keyof Families[F]] } = {
  customChannels: HUBSPOT_API_FAMILIES.customChannels[HUBSPOT_API_VERSIONS.customChannels],
  conversations: HUBSPOT_API_FAMILIES.conversations[HUBSPOT_API_VERSIONS.conversations],
  crmObjects: HUBSPOT_API_FAMILIES.crmObjects[HUBSPOT_API_VERSIONS.crmObjects],
  owners: HUBSPOT_API_FAMILIES.owners[HUBSPOT_API_VERSIONS.owners],
  files: HUBSPOT_API_FAMILIES.files[HUBSPOT_API_VERSIONS.files],
  oauth: HUBSPOT_API_FAMILIES.oauth[HUBSPOT_API_VERSIONS.oauth],
}
