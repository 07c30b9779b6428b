// Mutation testing: `npm run mutation` (outside CI; README.md, "Mutation testing" has the command, the last scores and
// what is left out). Only the critical modules are mutated, against the fast unit tests (vitest.mutation.config.mts).
// @stryker-mutator/core 9.6.1 is the last line that runs on Node 20 (10.x needs Node 22).

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.mts' },
  // Each mutant runs only the tests that reached it in the dry run.
  coverageAnalysis: 'perTest',
  mutate: [
    'src/webhook/signature.ts',
    'src/webhook/handler.ts',
    'src/webhook/handlers/*.ts',
    '!src/webhook/handlers/*.test.ts',
    'src/hubspot/retry.ts',
    // The retry loop and its production sleep live here (retry.ts only decides the delays).
    'src/hubspot/http.ts',
    'src/hubspot/token-manager.ts',
    'src/channels/forward-message.ts',
    'src/actions/start-hitl.ts',
    'src/hitl/url-guard.ts',
    'src/hitl/media.ts',
    // Issue 13's webhook edge: which URL is signed, which events are ours, which threads are unknown, rejection logging.
    'src/webhook/public-url.ts',
    'src/webhook/installation.ts',
    'src/webhook/thread-filter.ts',
    'src/webhook/rejection-log.ts',
    'src/hitl/conversation-tags.ts',
    'src/hitl/assignment.ts',
  ],
  // The machine this was tuned on has 2 cores; raise it (or pass --concurrency) on a bigger one.
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Re-runs only test mutants whose code or tests changed (`npm run mutation -- --force` for a full run).
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  // Not needed by the unit tests; keeps the sandbox copy small (node_modules is linked, never copied).
  ignorePatterns: ['dist', '.botpress/dist', 'test-results', 'bench-results.json', '.tmp', 'docs'],
}
