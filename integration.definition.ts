import * as sdk from '@botpress/sdk'
import { configuration, entities, hitlPackage, hitlConversationTags, hitlMessageTags, states, userTags } from './definitions'

export const INTEGRATION_NAME = 'hubspot-hitl'

export default new sdk.IntegrationDefinition({
  name: INTEGRATION_NAME,
  version: '0.1.0',
  title: 'HubSpot HITL',
  description: 'Hand conversations to live agents in a HubSpot Conversations Inbox or Help Desk, and back.',
  icon: 'icon.svg',
  readme: 'hub.md',
  configuration,
  states,
  entities,
  user: { tags: userTags },
  attributes: { category: 'Customer Support' },
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
