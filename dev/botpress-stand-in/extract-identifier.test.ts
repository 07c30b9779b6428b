import { existsSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { extractIdentifier } from './extract-identifier'

/**
 * The script's statements that extractIdentifier models (comments and blank lines of extract.vrl
 * may change freely). If extract.vrl's rule changes, this pin fails: change extract-identifier.ts
 * with it, then the pin.
 */
const PINNED_RULE = ['body = parse_json!(.body)', 'event = if is_array(body) { body[0] } else { body }', 'to_string!(event.portalId)']

const SCRIPT = path.resolve(__dirname, '../../extract.vrl')

const statementsOf = (vrl: string): string[] =>
  vrl
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))

describe('extractIdentifier, the model of extract.vrl', () => {
  it.skipIf(!existsSync(SCRIPT))('extract.vrl states exactly the rule modelled here (skipped while the repository has no extract.vrl)', () => {
    expect(statementsOf(readFileSync(SCRIPT, 'utf8'))).toEqual(PINNED_RULE)
  })

  it('an app batch (JSON array): the first event’s portalId, as a string', () => {
    expect(extractIdentifier(JSON.stringify([{ portalId: 123 }, { portalId: 456 }]))).toBe('123')
    expect(extractIdentifier(JSON.stringify([{ portalId: '789' }]))).toBe('789')
  })

  it('one object (custom-channel event): its portalId', () => {
    expect(extractIdentifier(JSON.stringify({ type: 'OUTGOING_CHANNEL_MESSAGE_CREATED', portalId: 42 }))).toBe('42')
    expect(extractIdentifier(JSON.stringify({ portalId: '42' }))).toBe('42')
  })

  it('VRL to_string: null or missing gives "", booleans their text; an object aborts (undefined)', () => {
    expect(extractIdentifier(JSON.stringify({ other: 1 }))).toBe('')
    expect(extractIdentifier(JSON.stringify([]))).toBe('')
    expect(extractIdentifier(JSON.stringify([[{ portalId: 1 }]]))).toBe('')
    expect(extractIdentifier(JSON.stringify({ portalId: null }))).toBe('')
    expect(extractIdentifier(JSON.stringify({ portalId: true }))).toBe('true')
    expect(extractIdentifier(JSON.stringify({ portalId: { id: 1 } }))).toBeUndefined()
  })

  it('a body that is not JSON aborts the script (parse_json!)', () => {
    expect(extractIdentifier('portalId=1')).toBeUndefined()
    expect(extractIdentifier('')).toBeUndefined()
    expect(extractIdentifier(undefined)).toBeUndefined()
  })
})
