import { actions } from './actions'
import { channels } from './channels/hitl-channel'
import { register } from './setup/register'
import { unregister } from './setup/unregister'
import { handler } from './webhook/handler'
import * as bp from '.botpress'

export default new bp.Integration({ register, unregister, actions, channels, handler })
