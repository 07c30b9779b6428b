import type { Credentials } from '../credentials'
import type { AppUrls } from '../app-urls'
import type * as bp from '.botpress'

/** What every Connect page needs: the runtime's props, the parsed request and the public webhook URL. */
export type ConnectContext = {
  props: bp.HandlerProps
  webhookUrl: string
  /** Where HubSpot sends the browser back (OAuth redirect) and how that finds this installation. */
  urls: AppUrls
  config: Credentials
  query: URLSearchParams
  headers: Record<string, string | undefined>
  now: number
}
