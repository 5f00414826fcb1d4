import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Generous: the smoke run starts a dozen processes on a loaded 2-core machine.
    testTimeout: 240_000,
    hookTimeout: 30_000,
    // A test that asserts nothing cannot fail: every test must make at least one assertion.
    expect: { requireAssertions: true },
  },
})
