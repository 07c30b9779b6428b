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
      // These three run against HubSpot as it will be after September 2027: the emulator's sunset switch answers every
      // v1–v3 path with a retired version's error (dev/hubspot-emulator/sunset.ts), so a call left on one fails them, and
      // the guard names every such call after each test. The emulator's traffic is also checked against HubSpot's
      // OpenAPI specs (tests/setup/contract-emulator.ts).
      ...Object.entries(SUITE_DIRS).map(([name, dir]) => ({
        extends: true as const,
        test: {
          name,
          include: [`${dir}/**/*.test.ts`],
          env: { HUBSPOT_EMULATOR_SUNSET: '1' },
          setupFiles: ['tests/helpers/retired-calls-guard.ts', 'tests/setup/contract-emulator.ts'],
        },
      })),
    ],
  },
})
