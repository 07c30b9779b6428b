import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'

// The four suites, runnable alone (`npm run test:unit`, `test:e2e`, `test:browser`, `test:reliability`) or all together
// (`npm test`). ARCHITECTURE.md says what each one proves.
const SUITE_DIRS = { e2e: 'tests/e2e', browser: 'tests/browser', reliability: 'tests/reliability' }

export default defineConfig({
  resolve: { alias: { '.botpress': fileURLToPath(new URL('./.botpress/index.ts', import.meta.url)) } },
  test: {
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Beside the code (nock for HubSpot), the dev tools' own tests, and tests/*.test.ts (the build).
          include: ['src/**/*.test.ts', 'dev/**/*.test.ts', 'tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...Object.values(SUITE_DIRS).map((dir) => `${dir}/**`)],
          // Every HubSpot request and faked reply is checked against HubSpot's OpenAPI specs (tests/helpers/openapi/).
          setupFiles: ['tests/setup/contract-unit.ts'],
        },
      },
      // The emulator's traffic is checked against HubSpot's OpenAPI specs the same way (tests/setup/contract-emulator.ts).
      ...Object.entries(SUITE_DIRS).map(([name, dir]) => ({
        extends: true as const,
        test: { name, include: [`${dir}/**/*.test.ts`], setupFiles: ['tests/setup/contract-emulator.ts'] },
      })),
    ],
  },
})
