import { describe, expect, it } from 'vitest'
import type { ConnectionState } from '../../definitions/states'
import { recordIdentifiers } from '../../tests/helpers/fake-botpress'
import { makeProps } from '../../tests/helpers/props'
import { stopRoutingByPortal, syncRoutingIdentifier } from './routing-identifier'

/**
 * The routing identifier kept in line with the configuration (issue 17, point 2): register claims it again in
 * publisher mode (a reinstall whose states survived is connected without any callback), releases one an earlier
 * publisher-mode configuration left once the bot uses its own app, and never fails the operation.
 */
const CONNECTED: ConnectionState = { refreshToken: 'refresh-1', hubId: '555', identifier: '555' }
const connectionOf = (props: ReturnType<typeof makeProps>) => props.fake.states.get('integration:int_1:connection') as ConnectionState | undefined

describe('syncRoutingIdentifier (register)', () => {
  it('publisher mode, connected: claims the connected account’s portal id (one call), whatever the state says was set', async () => {
    const props = makeProps()
    const identifiers = recordIdentifiers(props.fake)
    await syncRoutingIdentifier(props, 'publisher', CONNECTED)
    expect(identifiers).toEqual(['555'])
    expect(props.fake.calls).toEqual(['configureIntegration'])
  })

  it('publisher mode, not connected (or no account known): nothing; the callback claims it', async () => {
    const props = makeProps()
    const identifiers = recordIdentifiers(props.fake)
    await syncRoutingIdentifier(props, 'publisher', {})
    await syncRoutingIdentifier(props, 'publisher', { refreshToken: 'refresh-1' })
    expect(identifiers).toEqual([])
    expect(props.fake.calls).toEqual([])
  })

  it('publisher mode: a refusal is a warning that says what it means and what to do; register goes on', async () => {
    const props = makeProps()
    recordIdentifiers(props.fake)
    props.fake.failNext = { method: 'configureIntegration', error: new Error('identifier already used') }
    await expect(syncRoutingIdentifier(props, 'publisher', CONNECTED)).resolves.toBeUndefined()
    const warning = props.lines.find((l) => l.level === 'warn')?.message ?? ''
    expect(warning).toContain('identifier already used')
    expect(warning).toContain('Open Connect again')
    expect(warning).not.toContain('refresh-1')
  })

  it('own app, after a publisher-mode configuration: releases the identifier and forgets it (so the next register calls nothing)', async () => {
    const props = makeProps()
    const identifiers = recordIdentifiers(props.fake)
    props.fake.states.set('integration:int_1:connection', CONNECTED)
    await syncRoutingIdentifier(props, 'ownApp', CONNECTED)
    expect(identifiers).toEqual([null])
    expect(connectionOf(props)).toEqual({ refreshToken: 'refresh-1', hubId: '555' })
    await syncRoutingIdentifier(props, 'ownApp', connectionOf(props) ?? {})
    expect(identifiers).toEqual([null])
  })

  it('own app without an identifier: no call', async () => {
    const props = makeProps()
    const identifiers = recordIdentifiers(props.fake)
    await syncRoutingIdentifier(props, 'ownApp', { refreshToken: 'refresh-1', hubId: '555' })
    expect(identifiers).toEqual([])
    expect(props.fake.calls).toEqual([])
  })

  it('own app: a refused release keeps the record (tried again next register) and warns', async () => {
    const props = makeProps()
    recordIdentifiers(props.fake)
    props.fake.states.set('integration:int_1:connection', CONNECTED)
    props.fake.failNext = { method: 'configureIntegration', error: new Error('not allowed now') }
    await syncRoutingIdentifier(props, 'ownApp', CONNECTED)
    expect(connectionOf(props)?.identifier).toBe('555')
    expect(props.lines.some((l) => l.level === 'warn' && l.message.includes('not allowed now'))).toBe(true)
  })
})

describe('stopRoutingByPortal (unregister)', () => {
  it('clears it in publisher mode only', async () => {
    const publisher = makeProps()
    const cleared = recordIdentifiers(publisher.fake)
    await stopRoutingByPortal(publisher, 'publisher')
    expect(cleared).toEqual([null])

    const ownApp = makeProps()
    const untouched = recordIdentifiers(ownApp.fake)
    await stopRoutingByPortal(ownApp, 'ownApp')
    expect(untouched).toEqual([])
  })
})
