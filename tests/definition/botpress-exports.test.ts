/**
 * `.botpress/index.ts` stands in for what `bp gen` writes, and `bp gen`/`bp build` overwrite it. Any name it exports
 * beyond the generator's would compile here and break after a real `bp gen`, so this pins the exports to the
 * generator's list (botpress/botpress packages/cli/src/code-generation/integration-implementation: the index
 * re-exports `./implementation` and `./secrets`; the implementation declares the types below and re-exports the
 * typings module's `TIntegration` and its namespaces). Checked once outside the repo: over the module the real
 * `bp gen` 5.5.6 writes for this project, this test and `npm run check` pass; before this list was enforced,
 * `npm run check` failed there (tests/reliability/harness.ts used RegisterProps/UnregisterProps).
 */
import * as path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const BP_GEN_EXPORTS = new Set([
  'Integration',
  'IntegrationProps',
  'Client',
  'HandlerProps',
  'Context',
  'Logger',
  'CommonHandlerProps',
  'ActionProps',
  'AnyActionProps',
  'MessageProps',
  'AnyMessageProps',
  'AckFunctions',
  'AnyAckFunction',
  'ClientOperation',
  'ClientRequests',
  'ClientResponses',
  'TIntegration',
  'configuration',
  'configurations',
  'actions',
  'channels',
  'events',
  'states',
  'entities',
  'secrets',
])

const root = path.resolve(__dirname, '../..')

const compilerOptions: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  baseUrl: root,
  paths: { '.botpress': ['./.botpress/index.ts'] },
}

/**
 * Exported names of a module (re-exports included) as the type checker sees them, and those of a namespace in it.
 * With `text`, the module at `file` is that in-memory source instead (nothing is written to disk).
 */
const exportsOf = (file: string, text?: string): { names: string[]; namespace: (dotted: string) => string[] } => {
  const host = ts.createCompilerHost(compilerOptions)
  if (text !== undefined) {
    const { getSourceFile, fileExists } = host
    host.getSourceFile = (name, lang, ...rest) =>
      path.resolve(name) === file ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, ...rest)
    host.fileExists = (name) => path.resolve(name) === file || fileExists(name)
  }
  const program = ts.createProgram([file], compilerOptions, host)
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(file)
  const moduleSymbol = source && checker.getSymbolAtLocation(source)
  if (!moduleSymbol) throw new Error(`${file} is not a module`)
  const top = checker.getExportsOfModule(moduleSymbol)
  const namespace = (dotted: string): string[] => {
    let symbols = top
    for (const part of dotted.split('.')) {
      const found = symbols.find((s) => s.name === part)
      if (!found) throw new Error(`no namespace ${dotted}`)
      symbols = checker.getExportsOfModule(found.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(found) : found)
    }
    return symbols.map((s) => s.name)
  }
  return { names: top.map((s) => s.name), namespace }
}

describe('.botpress/index.ts (stand-in for `bp gen`)', () => {
  const botpress = exportsOf(path.join(root, '.botpress/index.ts'))

  it('exports only names the real `bp gen` emits', () => {
    expect(botpress.names.length).toBeGreaterThan(0)
    expect(botpress.names.filter((n) => !BP_GEN_EXPORTS.has(n))).toEqual([])
  })

  it('keeps what the code relies on', () => {
    expect(botpress.names).toEqual(
      expect.arrayContaining(['Integration', 'IntegrationProps', 'Client', 'Context', 'Logger', 'ActionProps', 'MessageProps'])
    )
  })

  // Shape of the generated channels module: a `Channels` type and one namespace per channel, each with its `Hitl`-style
  // type, `Messages` and a namespace per message type (checked against the output of the real `bp gen` 5.5.6).
  it('`channels` has the generated shape: one namespace per channel holding the `Messages` type (and per-message namespaces)', () => {
    expect(botpress.namespace('channels').filter((n) => n !== 'Channels')).toEqual(['hitl'])
    const hitl = botpress.namespace('channels.hitl')
    const allowed = new Set(['Hitl', 'Messages', 'text', 'image', 'audio', 'video', 'file', 'bloc'])
    expect(hitl).toContain('Messages')
    expect(hitl.filter((n) => !allowed.has(n))).toEqual([])
  })

  it('catches a name the generator does not emit (the check itself works)', () => {
    // The stand-in's exports plus one stray name, as an in-memory module checked with the same function.
    const probe = path.join(root, 'tests/definition/probe-extra-export.ts')
    const { names } = exportsOf(probe, "export * from '.botpress'\nexport type RegisterProps = unknown\n")
    expect(names).toContain('Integration')
    expect(names.filter((n) => !BP_GEN_EXPORTS.has(n))).toEqual(['RegisterProps'])
  })
})
