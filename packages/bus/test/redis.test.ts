import { afterAll, beforeAll, describe } from 'vitest'
import { redisTransport } from '../src/index.js'
import { conformance } from './conformance.js'
import { available, type Server, startRedis } from './servers.js'

describe.runIf(available('redis-server'))('BusTransport conformance: Redis Streams', () => {
  let server: Server
  beforeAll(async () => {
    server = await startRedis()
  })
  afterAll(async () => server?.stop())
  conformance({
    transport: (prefix) =>
      redisTransport({ url: server.url, maxLen: 200, leaseTtlMs: 600, demandTtlMs: 800, prefix }),
  })
})
