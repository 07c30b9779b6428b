/**
 * Publisher mode in the definition (issue 17): the secrets the CLI asks for at `bp deploy --secrets`, the
 * identifier script Botpress runs to route the integration-level URL, and the own-app configuration kept as before.
 * No VRL runtime is installable here, so the script's text is pinned; the integration's side of the routing
 * (events of other portals ignored) is tested in src/webhook/installation.test.ts.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import definition from '../../integration.definition'

const root = path.resolve(__dirname, '../..')

describe('publisher mode in the definition', () => {
  it('declares the app credentials as optional secrets (each named in the error publisher mode gives without it)', () => {
    expect(Object.keys(definition.secrets ?? {}).sort()).toEqual([
      'APP_ID',
      'CLIENT_ID',
      'CLIENT_SECRET',
      'DEVELOPER_API_KEY',
      'INTEGRATION_WEBHOOK_URL',
    ])
    for (const secret of Object.values(definition.secrets ?? {})) expect(secret).toMatchObject({ optional: true, description: expect.any(String) })
  })

  it('routes by an identifier extracted by extract.vrl, which exists and reads portalId of an array or an object body', () => {
    expect(definition.identifier).toEqual({ extractScript: 'extract.vrl' })
    const code = fs
      .readFileSync(path.join(root, 'extract.vrl'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    expect(code).toEqual(['body = parse_json!(.body)', 'event = if is_array(body) { body[0] } else { body }', 'to_string!(event.portalId)'])
  })

  it('keeps the Connect link in both configurations', () => {
    expect(definition.configuration?.identifier).toEqual({ linkTemplateScript: 'linkTemplate.vrl' })
    expect(definition.configurations?.ownApp?.identifier).toEqual({ linkTemplateScript: 'linkTemplate.vrl' })
  })
})
