import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Generous: the suite must pass on a loaded 2-core machine (real sockets against @bb/sim).
    testTimeout: 60_000, // sim-based tests on a loaded 2-core machine
    hookTimeout: 30_000,
    // Not `expect.requireAssertions` here: several tests assert by waiting on `until()`, which throws.
    // Real-time runs of many seconds are tagged `soak`: `pnpm test` skips them (`--tags-filter=!soak`
    // in the test script), `pnpm test:soak` runs only them.
    tags: [{ name: 'soak', description: 'real-time soak run; pnpm test:soak', timeout: 180_000 }],
  },
})
