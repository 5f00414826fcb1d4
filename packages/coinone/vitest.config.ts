import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Generous: the suite must pass on a loaded 2-core machine (real sockets against @bb/sim).
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Not `expect.requireAssertions` here: the conformance kit's checks assert by throwing.
  },
})
