import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'

// Mutation testing only (`npm run mutation`, stryker.config.mjs): the fast unit tests beside the code, without the
// build test (it bundles with esbuild), the dev tools' own tests and the e2e/browser/reliability suites, which are
// far too slow to run once per mutant. Not a project of vitest.config.mts, so `npm test` never runs it twice.
export default defineConfig({
  resolve: { alias: { '.botpress': fileURLToPath(new URL('./.botpress/index.ts', import.meta.url)) } },
  test: {
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    include: ['src/**/*.test.ts', 'tests/definition/**/*.test.ts', 'tests/hubspot-app/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
  },
})
