import type { HitlState } from '../../definitions/states'
import { isNotFound } from '../botpress-errors'
import type * as bp from '.botpress'

/** Per-conversation HITL progress; a missing state means "open, nobody assigned yet". */
export const loadHitlState = async (client: bp.Client, conversationId: string): Promise<HitlState> => {
  try {
    const { state } = await client.getState({ type: 'conversation', name: 'hitl', id: conversationId })
    return state.payload ?? { status: 'open' }
  } catch (err) {
    if (isNotFound(err)) return { status: 'open' }
    throw err
  }
}

export const saveHitlState = async (client: bp.Client, conversationId: string, payload: HitlState): Promise<void> => {
  await client.setState({ type: 'conversation', name: 'hitl', id: conversationId, payload })
}

export const markStopped = async (client: bp.Client, conversationId: string): Promise<void> => {
  await saveHitlState(client, conversationId, { status: 'stopped' })
}
