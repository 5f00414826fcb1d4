import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Every test runs real sockets against a sim with timing assertions (staleness, backoff,
    // slow consumers): run the files one after another so they do not compete for the CPU.
    fileParallelism: false,
    testTimeout: 15_000,
  },
})
