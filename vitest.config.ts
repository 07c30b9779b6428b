import * as path from 'node:path'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { alias: { '.botpress': path.resolve(__dirname, '.botpress/index.ts') } },
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts', 'dev/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
