/**
 * BP_WORKSPACE_HANDLE puts the workspace handle in the integration's name, so `bp deploy` sends the definition as
 * it is instead of renaming it (which on CLI 7.x with sdk 5.4.3 silently drops the hitl implementation).
 * The definition module reads the variable when it is loaded, hence a fresh import per case.
 */
import type * as sdk from '@botpress/sdk'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { definitionAsDeployed, integrationDeployBody } from './cli-body'

const HITL_MESSAGES = ['text', 'image', 'audio', 'video', 'file', 'bloc']

const loadDefinition = async (handle: string | undefined): Promise<sdk.IntegrationDefinition> => {
  vi.resetModules()
  if (handle === undefined) vi.stubEnv('BP_WORKSPACE_HANDLE', undefined)
  else vi.stubEnv('BP_WORKSPACE_HANDLE', handle)
  return (await import('../../integration.definition')).default
}

/** What the cloud needs to link the integration to the hitl interface and run the HITL plugin against it. */
const expectHitlImplementation = (body: ReturnType<typeof integrationDeployBody>) => {
  expect(body.interfaces).toEqual({
    'hitl<ticket>': {
      id: undefined, // the CLI fills it by looking hitl@2.1.0 up on the hub
      name: 'hitl',
      version: '2.1.0',
      entities: { hitlSession: { name: 'ticket' } },
      actions: { createUser: { name: 'createUser' }, startHitl: { name: 'startHitl' }, stopHitl: { name: 'stopHitl' } },
      events: { hitlAssigned: { name: 'hitlAssigned' }, hitlStopped: { name: 'hitlStopped' } },
      channels: { hitl: { name: 'hitl' } },
    },
  })
  expect(Object.keys(body.actions ?? {}).sort()).toEqual(['createUser', 'startHitl', 'stopHitl'])
  expect(Object.keys(body.events ?? {}).sort()).toEqual(['hitlAssigned', 'hitlStopped'])
  expect(Object.keys(body.channels?.hitl?.messages ?? {}).sort()).toEqual([...HITL_MESSAGES].sort())
  // The session entity the interface maps onto is ours, with its schema converted.
  expect(body.entities?.ticket?.schema).toMatchObject({ type: 'object', properties: { inboxId: { type: 'string' } } })
  expect(JSON.stringify(body.actions?.startHitl?.input.schema)).toContain('"inboxId"')
}

afterEach(() => {
  vi.unstubAllEnvs()
  vi.resetModules()
})

describe('BP_WORKSPACE_HANDLE', () => {
  it('unset: the name is the bare hubspot-hitl', async () => {
    expect((await loadDefinition(undefined)).name).toBe('hubspot-hitl')
    expect((await loadDefinition('')).name).toBe('hubspot-hitl')
  })

  it('set: the name is <handle>/hubspot-hitl', async () => {
    expect((await loadDefinition('acme-support-2')).name).toBe('acme-support-2/hubspot-hitl')
  })

  it.each(['Acme', 'acme/x', 'acme_support', 'acme support', 'acmé'])('rejects %j with an error naming the variable and the rule', async (handle) => {
    await expect(loadDefinition(handle)).rejects.toThrow(/BP_WORKSPACE_HANDLE .* lowercase letters, digits and dashes/)
  })

  it.each([5, 7] as const)(
    'with the handle, CLI %i.x deploys the hitl implementation: interface hitl<ticket>, its actions, events and channel',
    async (major) => {
      const definition = await loadDefinition('acme')
      const deployed = definitionAsDeployed(definition, { major, workspaceHandle: 'acme' })
      expect(deployed).toBe(definition) // used as it is, no rebuild
      const body = integrationDeployBody(deployed)
      expect(body.name).toBe('acme/hubspot-hitl')
      expectHitlImplementation(body)
    }
  )

  it('without it, CLI 7.x renames by rebuilding from props and loses the implementation (why the variable exists)', async () => {
    const definition = await loadDefinition(undefined)
    expect('clone' in definition).toBe(false) // sdk 5.4.3: nothing for the CLI to clone with
    const body = integrationDeployBody(definitionAsDeployed(definition, { major: 7, workspaceHandle: 'acme' }))
    expect(body.name).toBe('acme/hubspot-hitl')
    expect(body.interfaces).toBeUndefined()
    expect(body.actions).toBeUndefined()
    // CLI 5.5.6 spreads the instance instead, and keeps it.
    expectHitlImplementation(integrationDeployBody(definitionAsDeployed(definition, { major: 5, workspaceHandle: 'acme' })))
  })
})
