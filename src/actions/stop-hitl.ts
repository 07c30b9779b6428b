import * as sdk from '@botpress/sdk'
import { stopHitlInputSchema } from '../../definitions/hitl-interface'
import { isNotFound } from '../botpress-errors'
import { readHitlTags } from '../hitl/conversation-tags'
import { loadHitlState, markStopped, saveHitlState } from '../hitl/hitl-state'
import { createHubspotClient, isHubspotStatus } from '../hubspot'
import { parseInput } from './validate'
import type * as bp from '.botpress'

export const stopHitl: bp.IntegrationProps['actions']['stopHitl'] = async (props) => {
  const { client, logger } = props
  const { conversationId } = parseInput('stopHitl', stopHitlInputSchema, props.input)
  const conversation = await getConversation(client, conversationId)
  const tags = readHitlTags(conversation)
  const hs = createHubspotClient(props)

  // Marked first: the CLOSED webhook may arrive before HubSpot even answers, and must not report
  // back a stop the bot itself asked for. Restored if HubSpot refuses to close.
  const previous = await loadHitlState(client, conversationId)
  await markStopped(client, conversationId)
  try {
    await hs.conversations.setThreadStatus(tags.hubspotThreadId, 'CLOSED')
  } catch (err) {
    if (!isHubspotStatus(err, 404)) {
      await saveHitlState(client, conversationId, previous)
      throw err
    }
    logger.forBot().warn(`HubSpot thread ${tags.hubspotThreadId} no longer exists; treating the HITL session as closed.`)
  }
  return {}
}

const getConversation = async (client: bp.Client, id: string) => {
  try {
    const { conversation } = await client.getConversation({ id })
    return conversation
  } catch (err) {
    if (isNotFound(err)) {
      throw new sdk.RuntimeError(`stopHitl: conversation ${id} does not exist; pass the conversationId returned by startHitl.`)
    }
    throw err
  }
}
