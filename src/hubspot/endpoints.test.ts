import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { endpoints, HUBSPOT_API_FAMILIES, HUBSPOT_API_VERSIONS, type HubspotApiFamily } from './endpoints'

const ROOT = resolve(__dirname, '../..')
const SRC = join(ROOT, 'src')
const TABLE = join(SRC, 'hubspot', 'endpoints.ts')

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(path)
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : []
  })

/**
 * A HubSpot API path: a segment of one of HubSpot's API roots, or a version segment (v1–v4, or a
 * date version). Our own Connect pages (`/oauth/start`, `/oauth/callback`) and the
 * browser's consent page on app.hubspot.com (`/oauth/authorize`: src/connect/urls.ts, not an API path)
 * share the `/oauth/` root.
 */
const HUBSPOT_ROOT =
  /\/(?:conversations|crm|files|oauth|webhooks|cms|marketing|automation|communication-preferences|integrators|account-info)\/(?!(?:start|callback|authorize)\b)/
const VERSION_SEGMENT = /[a-z]\/(?:v[1-4]|20\d\d-\d\d)(?:\/|$)/
const isHubspotPath = (text: string): boolean => HUBSPOT_ROOT.test(text) || VERSION_SEGMENT.test(text)

/** The text of every string and template literal of a source file (comments are not literals). */
const literalsOf = (fileName: string, text: string): string[] => {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true)
  const found: string[] = []
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) found.push(node.text)
    else if (ts.isTemplateExpression(node)) found.push([node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('${}'))
    ts.forEachChild(node, visit)
  }
  visit(file)
  return found
}

const hubspotPathLiterals = (fileName: string, text: string): string[] => literalsOf(fileName, text).filter(isHubspotPath)

describe('the endpoint table is the only place that spells a HubSpot path', () => {
  it('the detector finds path literals and leaves our Connect pages and comments alone', () => {
    const sample = [
      "const a = '/crm/v3/owners'",
      'const b = `/conversations/conversations/2026-09/threads/${id}/assignee`',
      "const c = 'Remove it by hand (DELETE /files/2026-03/files/{id}).'",
      "const d = 'x' + `/something/v3/${id}`",
      '// GET /crm/objects/2026-03/tickets/{id} in a comment is fine',
      "const e = '/oauth/start'",
      'const f = `${url}/oauth/callback?code=1`',
      "const g = '/setup'",
      'const h = `${appBase}/oauth/authorize`',
    ].join('\n')
    expect(hubspotPathLiterals('sample.ts', sample)).toEqual([
      '/crm/v3/owners',
      '/conversations/conversations/2026-09/threads/${}/assignee',
      'Remove it by hand (DELETE /files/2026-03/files/{id}).',
      '/something/v3/${}',
    ])
  })

  it('no file of src/ outside src/hubspot/endpoints.ts has a HubSpot path literal', () => {
    const files = sourceFiles(SRC).filter((f) => f !== TABLE)
    const offenders = files.flatMap((f) => hubspotPathLiterals(f, readFileSync(f, 'utf8')).map((lit) => `${relative(ROOT, f)}: ${lit}`))
    expect(files.length).toBeGreaterThan(50)
    expect(offenders).toEqual([])
  })
})

/** Sample arguments: characters that must be percent-encoded, so an unencoded parameter shows. */
const ARG = 'a/b?c#d'
const ENCODED = encodeURIComponent(ARG)
/** Each builder of a family: its name, the path it builds from sample arguments, and how many parameters it takes. */
const allPaths = (family: Record<string, unknown>): [string, string, number][] =>
  Object.entries(family).map(([name, builder]) => {
    if (typeof builder !== 'function') throw new Error(`${name} is not a path builder`)
    const fn = builder as (...args: string[]) => string
    return [name, fn(...Array.from({ length: fn.length }, () => ARG)), fn.length]
  })

describe('endpoints', () => {
  it('every family is called at a date version: no v1–v3 path is left', () => {
    const paths = Object.values(endpoints).flatMap((family) => allPaths(family).map(([, p]) => p))
    expect(paths.length).toBeGreaterThan(15)
    expect(paths.filter((p) => /\/v[1-4](?:\/|$)/.test(p))).toEqual([])
    expect(paths.every((p) => /\/20\d\d-\d\d(?:\/|$)/.test(p))).toBe(true)
  })

  it('encodes every parameter', () => {
    expect(endpoints.customChannels.stagingToken('1 2', 'tok/en')).toBe(
      '/conversations/custom-channels/2026-09/1%202/channel-account-staging-tokens/tok%2Fen'
    )
    expect(endpoints.conversations.threadAssignee('7')).toBe('/conversations/conversations/2026-09/threads/7/assignee')
    for (const family of Object.values(HUBSPOT_API_FAMILIES)) {
      for (const builders of Object.values(family)) {
        for (const [name, path, params] of allPaths(builders)) {
          expect(path.includes(ARG), name).toBe(false)
          expect(path.split(ENCODED).length - 1, name).toBe(params)
        }
      }
    }
  })

  it('the clients use the versions of HUBSPOT_API_VERSIONS', () => {
    for (const family of Object.keys(HUBSPOT_API_VERSIONS) as HubspotApiFamily[]) {
      const versions: Record<string, unknown> = HUBSPOT_API_FAMILIES[family]
      expect(endpoints[family]).toBe(versions[HUBSPOT_API_VERSIONS[family]])
    }
  })
})

/**
 * HubSpot's published specs live outside the repository (`../shared/reference/openapi/`, or
 * `HUBSPOT_OPENAPI_DIR`): without them this check is skipped, except under CI where it must run.
 */
const SPEC_DIR = [process.env.HUBSPOT_OPENAPI_DIR, join(ROOT, '../shared/reference/openapi'), join(ROOT, '../../shared/reference/openapi')].find(
  (d): d is string => d !== undefined && existsSync(join(d, 'dated'))
)
const SPEC_FILES: { [F in HubspotApiFamily]: Record<string, string> } = {
  customChannels: {
    v3: 'Conversations_Custom_Channels_v3_customChannels.json',
    '2026-03': 'dated/Conversations_Custom_Channels_2026-03.json',
    '2026-09': 'dated/Conversations_Custom_Channels_2026-09.json',
  },
  conversations: { v3: 'Conversations_Conversations_v3_conversations.json', '2026-09': 'dated/Conversations_Conversations_2026-09.json' },
  crmObjects: {
    v3: 'CRM_Contacts_v3_contacts.json+CRM_Tickets_v3_tickets.json',
    '2026-03': 'dated/CRM_Contacts_2026-03.json+dated/CRM_Tickets_2026-03.json',
  },
  owners: { v3: 'CRM_Owners_v3_owners.json', '2026-03': 'dated/CRM_Owners_2026-03.json' },
  files: { v3: 'Files_Files_v3_files.json', '2026-03': 'dated/Files_2026-03.json' },
  oauth: { '2026-03': 'dated/Auth_Oauth_2026-03.json' },
}
/**
 * The v3 custom-channels spec prints list/create as `/conversations/custom-channels/v3` (a generator
 * quirk, like v3's assignee root); every working integration and this code's v3 entry use
 * `/conversations/v3/custom-channels` (docs/hubspot.md#date-versioned-apis).
 */
const V3_SPEC_QUIRKS = new Set(['/conversations/v3/custom-channels'])

describe.skipIf(!SPEC_DIR && process.env.CI !== 'true')("every path of the table is in HubSpot's spec of its version", () => {
  const specPaths = (files: string): RegExp[] =>
    files.split('+').flatMap((f) => {
      const spec = JSON.parse(readFileSync(join(SPEC_DIR ?? '(no spec directory)', f), 'utf8')) as { paths: Record<string, unknown> }
      return Object.keys(spec.paths).map((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`))
    })

  it('finds the specs', () => {
    // Under CI the check must run: say where the specs were looked for rather than fail on a missing file.
    expect(SPEC_DIR, 'HubSpot OpenAPI specs not found: set HUBSPOT_OPENAPI_DIR or check out ../shared/reference/openapi').toBeDefined()
  })

  it.each(Object.keys(SPEC_FILES) as HubspotApiFamily[])('%s', (family) => {
    const versions: Record<string, Record<string, unknown>> = HUBSPOT_API_FAMILIES[family]
    expect(Object.keys(versions).sort()).toEqual(Object.keys(SPEC_FILES[family]).sort())
    for (const [version, builders] of Object.entries(versions)) {
      const templates = specPaths(SPEC_FILES[family][version]!)
      const missing = allPaths(builders).filter(([, path]) => !V3_SPEC_QUIRKS.has(path) && !templates.some((t) => t.test(path)))
      expect(missing, `${family} ${version}`).toEqual([])
    }
  })
})
