import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import definition from '../../integration.definition'

/**
 * `bp deploy` reads `configuration.identifier.linkTemplateScript` as a file next to
 * integration.definition.ts and sends its text: a missing or renamed file fails the deploy, and a
 * script that does not build {webhookUrl}/oauth/start sends Studio users nowhere.
 */
describe('Connect link template', () => {
  it('names a VRL file beside the definition that builds {webhookUrl}/oauth/start', () => {
    const script = definition.configuration?.identifier?.linkTemplateScript
    expect(script).toBe('linkTemplate.vrl')
    const text = readFileSync(join(__dirname, '..', '..', script ?? ''), 'utf8')
    expect(text).toMatch(/\.webhookUrl/)
    expect(text).toContain('/oauth/start')
    // Botpress's webhook host routes by `state` (the webhook id); under the installation's own URL it is ignored.
    expect(text).toMatch(/webhookId = to_string!\(\.webhookId\)/)
    expect(text).toContain('/oauth/start?state={{ webhookId }}')
  })
})
