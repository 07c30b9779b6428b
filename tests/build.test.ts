import { execFileSync } from 'node:child_process'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'

const root = path.resolve(__dirname, '..')

describe('npm run build', () => {
  it('bundles like `bp build`: a CommonJS file whose default export has handler and start, without dev tooling', () => {
    const out = execFileSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/build.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
    // With BP_WORKSPACE_HANDLE set in the shell the name carries the handle.
    expect(out).toMatch(/built (?:[a-z0-9-]+\/)?hubspot-hitl@0\.1\.0 -> \.botpress\/dist\/index\.cjs/)
    // A fresh node process, as the Botpress runtime loads it.
    const probe = execFileSync(
      process.execPath,
      [
        '-e',
        "const m=require('./.botpress/dist/index.cjs');console.log(JSON.stringify([typeof m.default.handler,typeof m.default.start,typeof m.handler]))",
      ],
      { cwd: root, encoding: 'utf8' }
    )
    expect(JSON.parse(probe)).toEqual(['function', 'function', 'function'])
  }, 60_000)
})
