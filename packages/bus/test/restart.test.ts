// A Redis restart without persistence mid-stream: the publisher re-leases with a higher epoch, the
// streams restart empty, consumers see the pseq reset and re-sync from REST: 0 missing after it.
import type { BackboneEvent } from '@bb/router'
import { type Sim, startSim } from '@bb/sim'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRemoteBackbone } from '../src/index.js'
import { startChild, until } from './children.js'
import { available, type Server, startRedis } from './servers.js'

describe.runIf(available('redis-server'))('Redis restart', () => {
  let server: Server
  let sim: Sim
  beforeAll(async () => {
    server = await startRedis()
    sim = await startSim({ markets: ['KRW-BTC'], tradesPerSecond: 20, seed: 5 })
  })
  afterAll(async () => {
    await sim?.close()
    await server?.stop()
  })

  it('re-lease, re-sync, 0 missing and 0 duplicated after recovery', async () => {
    const serve = startChild('serve-child.ts', [
      server.url,
      sim.restUrl,
      sim.wsUrl,
      'KRW-BTC',
      'R',
      '1000',
      '10000',
      'trade',
    ])
    const consumer = createRemoteBackbone({
      exchange: 'upbit',
      bus: server.url,
      restUrl: sim.restUrl,
      wsUrl: sim.wsUrl,
      rest: { limits: 'private' },
    })
    try {
      const first = await serve.waitFor((l) => l.role === 'leader')
      const ids: string[] = []
      const events: BackboneEvent[] = []
      consumer.events$.subscribe((e) => events.push(e))
      const sub = consumer.trades$('KRW-BTC').subscribe((t) => ids.push(t.id))
      await until(() => ids.length >= 20, 'trades before the restart')
      await server.restart()
      const again = await serve.waitFor((l) => l.role === 'leader' && l.epoch !== first.epoch, 30_000)
      expect(again.epoch as number).toBeGreaterThan(first.epoch as number)
      const at = ids.length
      await until(() => ids.length >= at + 40, 'trades after the restart', 40_000)
      sub.unsubscribe()
      const low = BigInt(ids[0]!)
      const high = ids.reduce((m, id) => (BigInt(id) > m ? BigInt(id) : m), low)
      const tape = sim
        .emittedTrades('KRW-BTC')
        .map((t) => t.sequentialId)
        .filter((id) => BigInt(id) >= low && BigInt(id) <= high)
      const got = new Set(ids)
      console.log(
        `[restart] ${ids.length} trades, epoch ${first.epoch} → ${again.epoch}, events ${events.map((e) => e.type).join(',')}`,
      )
      expect(tape.filter((id) => !got.has(id))).toEqual([])
      expect(ids.length).toBe(got.size)
      expect(events.some((e) => e.type === 'gap')).toBe(true)
    } finally {
      await consumer.close()
      await serve.stop()
    }
  })
})
