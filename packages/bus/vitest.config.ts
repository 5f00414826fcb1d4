import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Generous: real redis-server / nats-server / @bb/sim and child processes on a loaded 2-core machine.
    testTimeout: 60_000,
    // Hooks start servers, sims and clients: minutes on a loaded CI machine.
    hookTimeout: 150_000,
    tags: [{ name: 'soak', description: 'real-time soak run; pnpm test:soak', timeout: 240_000 }],
  },
})
