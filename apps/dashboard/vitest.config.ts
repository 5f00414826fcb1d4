import { defineConfig } from 'vitest/config'

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  test: {
    // Generous: the suite must pass on a loaded 2-core machine (real sockets, a real browser).
    testTimeout: 60_000,
    hookTimeout: 90_000,
    expect: { requireAssertions: true },
    // One browser at a time on a 2-core machine.
    fileParallelism: false,
  },
})
