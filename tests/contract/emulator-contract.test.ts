/**
 * The emulator's `onExchange` hook and the tap that checks what it reports (tests/setup/contract-emulator.ts adds it
 * to every emulator of the e2e, browser and reliability suites; here it is passed by hand).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startHubspotEmulator, type EmulatorExchange, type HubspotEmulator } from '../../dev/hubspot-emulator'
import { offSpec } from '../helpers/openapi/contract'
import { recordEmulatorExchange } from '../helpers/openapi/emulator-tap'
import { contractState, takeViolations, takeWaived } from '../helpers/openapi/recorder'
import { CREDENTIALS } from '../reliability/harness'

const CC = '/conversations/custom-channels/2026-09'

describe.skipIf(!contractState().enabled)('the emulator tap', () => {
  let emu: HubspotEmulator
  const seen: EmulatorExchange[] = []
  beforeAll(async () => {
    emu = await startHubspotEmulator({
      ...CREDENTIALS,
      onExchange: (ex) => {
        seen.push(ex)
        recordEmulatorExchange(ex)
      },
    })
  })
  afterAll(() => emu.close())
  afterEach(() => {
    seen.length = 0
    takeViolations()
    takeWaived()
  })

  const developer = (path: string, init: RequestInit = {}) =>
    fetch(`${emu.url}${path}${path.includes('?') ? '&' : '?'}hapikey=${CREDENTIALS.developerApiKey}&appId=${CREDENTIALS.appId}`, {
      ...init,
      headers: { 'content-type': 'application/json' },
    })

  it('reports each API exchange once, with the request and the reply as sent', async () => {
    const res = await developer(CC)
    expect(res.status).toBe(200)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({
      method: 'GET',
      path: CC,
      response: { status: 200, headers: { 'Content-Type': expect.stringMatching(/^application\/json/) } },
    })
    expect(JSON.parse(String(seen[0]?.response.body))).toEqual(await res.json())
    expect(takeViolations()).toEqual([])
  })

  it('fails what a client sends against the spec, and a path no spec has', async () => {
    await developer(CC, { method: 'POST', body: JSON.stringify({ name: 5, capabilities: {} }) })
    await developer('/conversations/custom-channel/2026-09')
    expect(takeViolations().map((v) => `${v.where}: ${v.problem}`)).toEqual([
      'request body: (body).name must be string',
      'path: no operation of any HubSpot spec has the path /conversations/custom-channel/2026-09',
    ])
  })

  it("fails an injected fault whose body is not HubSpot's error, unless it says it is off-spec", async () => {
    const correlationId = '0b6e4c1a-8f3d-4e2b-9a7c-5d1e2f3a4b5c'
    emu.faults.failNext(1, { status: 503, body: { status: 'error', category: 'INTERNAL_ERROR', message: 503, correlationId } })
    await developer(CC)
    expect(takeViolations().map((v) => `${v.where}: ${v.problem}`)).toEqual(['response 503: (body).message must be string'])
    emu.faults.failNext(1, {
      status: 400,
      body: { status: 'error', category: 'VALIDATION_ERROR', message: 400, correlationId },
      headers: offSpec('a body the client must survive'),
    })
    await developer(CC)
    expect(takeViolations()).toEqual([])
  })

  it("does not report the emulator's own pages", async () => {
    await fetch(emu.settingsUrl)
    expect(seen).toEqual([])
  })
})
