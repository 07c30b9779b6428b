/**
 * What `bp build` does, without the CLI: bundle src/index.ts into .botpress/dist/index.cjs with the
 * same esbuild options, exporting the implementation as default and its `handler`.
 */
import * as esbuild from 'esbuild'
import * as fs from 'node:fs'
import * as path from 'node:path'

const root = path.resolve(__dirname, '..')
const outfile = path.join(root, '.botpress', 'dist', 'index.cjs')

async function main(): Promise<void> {
  const definition = (await import(path.join(root, 'integration.definition.ts'))).default
  if (!definition?.name || !definition?.version) throw new Error('integration.definition.ts has no default IntegrationDefinition')

  fs.mkdirSync(path.dirname(outfile), { recursive: true })
  const result = await esbuild.build({
    stdin: {
      contents: "import x from './src/index'; export default x; export const handler = x.handler;",
      resolveDir: root,
      sourcefile: 'entry.ts',
      loader: 'ts',
    },
    tsconfig: path.join(root, 'tsconfig.json'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'es2020',
    keepNames: true,
    legalComments: 'none',
    sourcemap: false,
    outfile,
    logLevel: 'warning',
    metafile: true,
    // One axios: @botpress/client requires its CJS build; without this our imports add the ESM one too.
    alias: { axios: require.resolve('axios/dist/node/axios.cjs') },
  })
  const bytes = fs.statSync(outfile).size
  const inputs = Object.keys(result.metafile?.inputs ?? {})
  const leaked = inputs.filter((f) => /(^|\/)(dev|tests|scripts)\//.test(f) && !f.includes('node_modules'))
  if (leaked.length) throw new Error(`dev tooling leaked into the bundle: ${leaked.join(', ')}`)
  console.log(`built ${definition.name}@${definition.version} -> ${path.relative(root, outfile)} (${(bytes / 1024).toFixed(0)} KiB)`)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
