import * as sdk from '@botpress/sdk'
import type { SetupState } from '../../definitions/states'
import { isNotFound } from '../botpress-errors'
import { observeSetup } from '../installation-identity'
import type * as bp from '.botpress'

type Props = { ctx: bp.Context; client: bp.Client }

export const loadSetupState = async ({ ctx, client }: Props): Promise<SetupState | undefined> => {
  try {
    const { state } = await client.getState({ type: 'integration', name: 'setup', id: ctx.integrationId })
    observeSetup(ctx, state.payload ?? undefined)
    return state.payload ?? undefined
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

export const saveSetupState = async ({ ctx, client }: Props, payload: SetupState): Promise<void> => {
  await client.setState({ type: 'integration', name: 'setup', id: ctx.integrationId, payload })
  observeSetup(ctx, payload)
}

/** The setup state, or a RuntimeError telling the bot builder to (re)install. */
export const requireSetupState = async (props: Props): Promise<SetupState> => {
  const state = await loadSetupState(props)
  if (!state?.channelId) {
    throw new sdk.RuntimeError('The HubSpot channel is not set up yet: save the integration configuration again to run its installation.')
  }
  return state
}
