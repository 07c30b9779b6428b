import * as http from 'node:http'
import type { AddressInfo } from 'node:net'

const VARS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'] as const

export type RecordingProxy = {
  /** Every request the proxy received (its request line's target); a client that ignores the proxy leaves it empty. */
  hits: string[]
  /** Points HTTP(S)_PROXY at the proxy (NO_PROXY unset); `restore` undoes it. A test using nock must let 127.0.0.1 through. */
  useAsEnvProxy: () => void
  restore: () => void
  close: () => Promise<void>
}

/**
 * A stand-in for a proxy on 127.0.0.1 that records what reaches it and answers 200 `via-proxy`. A
 * proxy resolves names itself (undoing the SSRF guard's address pinning) and sees every header
 * (a bearer token), so the integration's clients must never go through one.
 */
export const startRecordingProxy = async (): Promise<RecordingProxy> => {
  const hits: string[] = []
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '')
    res.writeHead(200, { 'content-type': 'application/json' }).end('"via-proxy"')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  let saved: Partial<Record<(typeof VARS)[number], string>> = {}
  return {
    hits,
    useAsEnvProxy: () => {
      saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]))
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      for (const v of VARS) delete process.env[v]
      for (const v of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy'] as const) process.env[v] = url
      hits.length = 0
    },
    restore: () => {
      for (const v of VARS) {
        if (saved[v] === undefined) delete process.env[v]
        else process.env[v] = saved[v]
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
