import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

/** One published OpenAPI document, as read from disk (never copied into the repository). */
export type SpecFile = { name: string; doc: OpenApiDoc }

/** The parts of an OpenAPI 3.0 document the contract checks read. */
export type OpenApiDoc = {
  openapi: string
  paths: Record<string, Record<string, unknown>>
  components?: {
    schemas?: Record<string, unknown>
    responses?: Record<string, unknown>
    parameters?: Record<string, unknown>
    securitySchemes?: Record<string, unknown>
  }
}

export type SpecLocation = { found: true; dir: string; files: SpecFile[] } | { found: false; reason: string }

const REPO_ROOT = path.resolve(__dirname, '../../..')
const RELATIVE_SPEC_DIR = path.join('..', 'shared', 'reference', 'openapi')

/**
 * The root of the main checkout when this one is a `git worktree` (its `.git` is a file naming the worktree's git dir,
 * whose `commondir` leads to the main `.git`): the specs sit beside the main checkout, not beside each worktree.
 */
const mainCheckoutOf = (root: string): string | undefined => {
  const dotGit = path.join(root, '.git')
  if (!existsSync(dotGit) || statSync(dotGit).isDirectory()) return undefined
  const gitDir = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim()
  if (!gitDir) return undefined
  const commonFile = path.join(path.resolve(root, gitDir), 'commondir')
  if (!existsSync(commonFile)) return undefined
  return path.dirname(path.resolve(path.resolve(root, gitDir), readFileSync(commonFile, 'utf8').trim()))
}

/** Where to look, in order: `HUBSPOT_OPENAPI_DIR`, `<repo>/../shared/reference/openapi`, the same beside the main checkout. */
export const specDirCandidates = (env: NodeJS.ProcessEnv = process.env, root = REPO_ROOT): string[] => {
  if (env.HUBSPOT_OPENAPI_DIR) return [path.resolve(env.HUBSPOT_OPENAPI_DIR)]
  const main = mainCheckoutOf(root)
  return [path.resolve(root, RELATIVE_SPEC_DIR), ...(main ? [path.resolve(main, RELATIVE_SPEC_DIR)] : [])]
}

const jsonFilesIn = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : []

/** The v1/v3 specs of `dir` and the date-versioned ones of `dir/dated`, every file of both. */
export const locateSpecs = (env: NodeJS.ProcessEnv = process.env, root = REPO_ROOT): SpecLocation => {
  const tried = specDirCandidates(env, root)
  for (const dir of tried) {
    const names = [...jsonFilesIn(dir), ...jsonFilesIn(path.join(dir, 'dated')).map((f) => path.join('dated', f))]
    if (!names.length) continue
    const files = names.map((name) => ({ name, doc: JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as OpenApiDoc }))
    return { found: true, dir, files }
  }
  return {
    found: false,
    reason: `HubSpot's OpenAPI specs were not found (looked in ${tried.join(', ')}); set HUBSPOT_OPENAPI_DIR to a folder holding them (v1/v3 files, dated/ for the date-versioned ones)`,
  }
}
