import type { Credentials } from '../credentials'
import type * as bp from '.botpress'

/** What every Connect page needs: the runtime's props, the parsed request and the public webhook URL. */
export type ConnectContext = {
  props: bp.HandlerProps
  webhookUrl: string
  config: Credentials
  query: URLSearchParams
  headers: Record<string, string | undefined>
  now: number
}
