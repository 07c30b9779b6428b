import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { median, msSince, round } from './stats'

const run = promisify(execFile)
const RUNS = 5

export type BundleResult = {
  path: string
  bytes: number
  /** `require()` of the bundle inside a fresh node process (its own clock). */
  requireMs: { median: number; samples: number[] }
  /** Whole child process: spawn, require, exit. */
  processMs: { median: number; samples: number[] }
}

/** Part 4: size of .botpress/dist/index.cjs and its load time in fresh `node` processes. */
export const measureBundle = async (root: string): Promise<BundleResult> => {
  const file = path.join(root, '.botpress', 'dist', 'index.cjs')
  if (!fs.existsSync(file)) throw new Error(`${path.relative(root, file)} is missing: run \`npm run build\` first`)
  const bytes = fs.statSync(file).size
  const script = [
    'const t = process.hrtime.bigint();',
    `const m = require(${JSON.stringify(file)});`,
    'const ms = Number(process.hrtime.bigint() - t) / 1e6;',
    "if (typeof m.handler !== 'function' || !m.default) throw new Error('bundle exports neither handler nor default');",
    'process.stdout.write(String(ms));',
  ].join('\n')
  // A plain node: no tsx loader or inspector inherited through NODE_OPTIONS.
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  const requireMs: number[] = []
  const processMs: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint()
    const { stdout } = await run(process.execPath, ['-e', script], { env, cwd: root })
    processMs.push(round(msSince(t), 1))
    const ms = Number(stdout.trim())
    if (!Number.isFinite(ms)) throw new Error(`bundle load printed ${JSON.stringify(stdout)}`)
    requireMs.push(round(ms, 1))
  }
  return {
    path: path.relative(root, file),
    bytes,
    requireMs: { median: round(median(requireMs), 1), samples: requireMs },
    processMs: { median: round(median(processMs), 1), samples: processMs },
  }
}
