import { afterAll, beforeAll, describe } from 'vitest'
import { natsTransport } from '../src/index.js'
import { conformance } from './conformance.js'
import { available, type Server, startNats } from './servers.js'

describe.runIf(available('nats-server'))('BusTransport conformance: NATS JetStream', () => {
  let server: Server
  beforeAll(async () => {
    server = await startNats()
  })
  afterAll(async () => server?.stop())
  conformance({
    transport: (prefix) => natsTransport({ url: server.url, maxLen: 200, leaseTtlMs: 600, prefix }),
  })
})
