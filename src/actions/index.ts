import { createUser } from './create-user'
import { startHitl } from './start-hitl'
import { stopHitl } from './stop-hitl'
import type * as bp from '.botpress'

export const actions = { createUser, startHitl, stopHitl } satisfies bp.IntegrationProps['actions']
