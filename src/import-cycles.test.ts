import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '..')

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(path)
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : []
  })

/** Relative imports (type-only ones too: a type cycle is still two modules that cannot be read apart). */
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']*)'/g)].flatMap(([, spec]) => {
    const target = resolve(dirname(file), spec!)
    return [`${target}.ts`, join(target, 'index.ts')].filter((p) => existsSync(p)).slice(0, 1)
  })

describe('module structure', () => {
  it('src/ and definitions/ have no import cycles', () => {
    const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'definitions'))]
    const graph = new Map(files.map((f) => [f, importsOf(f)]))
    const cycles: string[] = []
    const onStack: string[] = []
    const done = new Set<string>()
    const visit = (file: string) => {
      onStack.push(file)
      for (const dep of graph.get(file) ?? []) {
        const at = onStack.indexOf(dep)
        if (at >= 0) cycles.push([...onStack.slice(at), dep].map((f) => relative(ROOT, f)).join(' → '))
        else if (!done.has(dep)) visit(dep)
      }
      onStack.pop()
      done.add(file)
    }
    for (const file of files) if (!done.has(file)) visit(file)
    expect(files.length).toBeGreaterThan(50)
    expect(cycles).toEqual([])
  })
})
