import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Startable } from './stack'

/** The built bundle, exactly what `bp deploy` would ship (run `npm run build` first). */
export const loadBuiltIntegration = (): Startable => {
  const bundle = path.resolve(__dirname, '../../.botpress/dist/index.cjs')
  if (!fs.existsSync(bundle)) throw new Error(`No built integration at ${bundle}: run "npm run build" first.`)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(bundle) as { default: Startable }
  return mod.default
}
