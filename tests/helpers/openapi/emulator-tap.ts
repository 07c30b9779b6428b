import type { EmulatorExchange } from '../../../dev/hubspot-emulator'
import { OFF_SPEC_HEADER } from './contract'
import { recordExchange } from './recorder'

const headerOf = (headers: Record<string, string>, name: string): string | undefined =>
  Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1]

/**
 * One exchange the emulator reports (`onExchange`: its API only, not its own pages), checked like nock's in unit tests.
 */
export const recordEmulatorExchange = (ex: EmulatorExchange): void => {
  recordExchange({
    method: ex.method,
    path: ex.path,
    query: ex.query,
    request: { contentType: ex.request.contentType, body: ex.request.body },
    response: {
      status: ex.response.status,
      contentType: headerOf(ex.response.headers, 'content-type'),
      body: ex.response.body,
      offSpec: headerOf(ex.response.headers, OFF_SPEC_HEADER),
    },
  })
}
