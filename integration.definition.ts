import * as sdk from '@botpress/sdk'
import {
  configuration,
  configurations,
  entities,
  identifier,
  secrets,
  hitlPackage,
  hitlConversationTags,
  hitlMessageTags,
  states,
  userTags,
} from './definitions'

export const INTEGRATION_NAME = 'hubspot-hitl'

/**
 * `BP_WORKSPACE_HANDLE=<handle> bp deploy` names the integration `<handle>/hubspot-hitl`. A name without a handle
 * makes `bp deploy` (CLI 7.x) rename it by rebuilding the definition from its props, which on sdk 5.4.3 drops all
 * that `.extend(hitl)` added below: the deploy then "succeeds" without the hitl actions, events, channel and
 * interface. With the handle in the name the CLI sends this definition unchanged.
 */
export const integrationName = (handle: string | undefined): string => {
  if (handle === undefined || handle === '') return INTEGRATION_NAME
  if (!/^[a-z0-9-]+$/.test(handle)) {
    throw new Error(
      `BP_WORKSPACE_HANDLE "${handle}" is not a workspace handle: use only lowercase letters, digits and dashes ` +
        '(the handle shown in your Botpress workspace settings), or unset it.'
    )
  }
  return `${handle}/${INTEGRATION_NAME}`
}

export default new sdk.IntegrationDefinition({
  name: integrationName(process.env.BP_WORKSPACE_HANDLE),
  version: '0.1.0',
  title: 'HubSpot HITL',
  description: 'Hand conversations to live agents in a HubSpot Conversations Inbox or Help Desk, and back.',
  icon: 'icon.svg',
  readme: 'hub.md',
  configuration,
  configurations,
  secrets,
  identifier,
  states,
  entities,
  user: { tags: userTags },
  attributes: { category: 'Customer Support' },
  // `bp deploy` and `bp lint` convert every schema to JSON Schema. Without this flag they use zui's newer
  // transformer, which rejects `.trim()` (zui 1.3.3, CLI 5.x) or cannot read zui-1.3.3 schemas at all (CLI 7.x);
  // Botpress's own hubspot integration sets it too. tests/definition/cli-schemas.test.ts converts them the same way.
  __advanced: { useLegacyZuiTransformer: true },
}).extend(hitlPackage, (self) => ({
  entities: { hitlSession: self.entities.ticket },
  channels: {
    hitl: {
      title: 'HubSpot Inbox',
      description: 'Conversation with a human agent in HubSpot',
      conversation: { tags: hitlConversationTags },
      message: { tags: hitlMessageTags },
    },
  },
}))
