import * as sdk from '@botpress/sdk'
import { stopHitlInputSchema } from '../../definitions/hitl-interface'
import { readHitlTags } from '../hitl/conversation-tags'
import { markStopped } from '../hitl/hitl-state'
import { createHubspotClient, isHubspotStatus } from '../hubspot'
import { parseInput } from './validate'
import type * as bp from '.botpress'

export const stopHitl: bp.IntegrationProps['actions']['stopHitl'] = async (props) => {
  const { client, logger } = props
  const { conversationId } = parseInput('stopHitl', stopHitlInputSchema, props.input)
  const conversation = await getConversation(client, conversationId)
  const tags = readHitlTags(conversation)
  const hs = createHubspotClient(props)

  try {
    await hs.conversations.setThreadStatus(tags.hubspotThreadId, 'CLOSED')
  } catch (err) {
    if (!isHubspotStatus(err, 404)) throw err
    logger.forBot().warn(`HubSpot thread ${tags.hubspotThreadId} no longer exists; treating the HITL session as closed.`)
  }
  // The CLOSED webhook that follows must not report a stop the bot itself asked for.
  await markStopped(client, conversationId)
  return {}
}

const getConversation = async (client: bp.Client, id: string) => {
  try {
    const { conversation } = await client.getConversation({ id })
    return conversation
  } catch (err) {
    if (sdk.isApiError(err) && err.type === 'ResourceNotFound') {
      throw new sdk.RuntimeError(`stopHitl: conversation ${id} does not exist; pass the conversationId returned by startHitl.`)
    }
    throw err
  }
}
