import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
    transport: (prefix) =>
      natsTransport({ url: server.url, maxLen: 200, leaseTtlMs: 600, demandTtlMs: 800, prefix }),
  })

  it('a process with another demandTtlMs joins the existing demand bucket and renews by its TTL', async () => {
    const a = await natsTransport({ url: server.url, demandTtlMs: 1500, prefix: 'ttl' })
    const b = await natsTransport({ url: server.url, demandTtlMs: 9000, prefix: 'ttl' })
    expect(a.demandTtlMs).toBe(1500)
    expect(b.demandTtlMs).toBe(1500)
    await a.close()
    await b.close()
  })
})
