import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Every test runs real sockets against a sim with timing assertions (staleness, backoff,
    // slow consumers): run the files one after another so they do not compete for the CPU.
    fileParallelism: false,
    // Generous: the suite must pass on a loaded 2-core machine.
    testTimeout: 60_000, // sim-based tests on a loaded 2-core machine
    hookTimeout: 30_000,
    // A test that asserts nothing cannot fail: every test must make at least one assertion.
    expect: { requireAssertions: true },
    // Real-time runs of many seconds are tagged `soak`: `pnpm test` skips them (`--tags-filter=!soak`
    // in the test script), `pnpm test:soak` runs only them.
    tags: [{ name: 'soak', description: 'real-time soak run; pnpm test:soak', timeout: 180_000 }],
  },
})
