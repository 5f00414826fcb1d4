// 10 consumer processes on one set of exchange connections: all receive the identical sequence.
// Real processes (11 Node processes on 2 cores): tagged soak, run by `pnpm test:soak`.
import { type Sim, startSim } from '@bb/sim'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Child, startChild, until } from './children.js'
import { available, type Server, startRedis } from './servers.js'

describe.runIf(available('redis-server'))('fan-out to 10 consumer processes', () => {
  let server: Server
  let sim: Sim
  beforeAll(async () => {
    server = await startRedis()
    sim = await startSim({ markets: ['KRW-BTC', 'KRW-ETH'], tradesPerSecond: 10, seed: 9 })
  })
  afterAll(async () => {
    await sim?.close()
    await server?.stop()
  })

  it('one set of WebSocket connections, 0 REST calls from consumers, 10 identical id sequences', {
    tags: ['soak'],
  }, async () => {
    const serve = startChild('serve-child.ts', [
      server.url,
      sim.restUrl,
      sim.wsUrl,
      'KRW-BTC,KRW-ETH',
      'F',
      '1000',
      '10000',
      'trade',
    ])
    const consumers: Child[] = []
    try {
      await serve.waitFor((l) => l.role === 'leader')
      for (let i = 0; i < 10; i++)
        consumers.push(
          startChild('consumer-child.ts', [server.url, sim.restUrl, sim.wsUrl, 'KRW-BTC,KRW-ETH']),
        )
      await Promise.all(consumers.map((c) => c.waitFor((l) => l.ready === true, 120_000)))
      const ids = (c: Child) =>
        c.lines.filter((l) => typeof l.id === 'string').map((l) => `${l.symbol}:${l.id}`)
      // Every consumer has started reading; the common part begins at the newest first id.
      await until(() => consumers.every((c) => ids(c).length >= 5), 'every consumer reading', 120_000)
      const start = sim.emittedTrades('KRW-BTC').length
      await until(() => sim.emittedTrades('KRW-BTC').length >= start + 50, 'fifty more trades', 120_000)
      await new Promise((r) => setTimeout(r, 2000))
      // Per market (each market is its own stream, so only the order within one is defined): the
      // window every consumer saw entirely starts at the latest first id.
      for (const symbol of ['KRW-BTC', 'KRW-ETH']) {
        const sequences = consumers.map((c) => ids(c).filter((id) => id.startsWith(`${symbol}:`)))
        const order = sim.emittedTrades(symbol).map((t) => `${symbol}:${t.sequentialId}`)
        const latestStart = sequences
          .map((s) => s[0]!)
          .reduce((a, b) => (order.indexOf(a) > order.indexOf(b) ? a : b))
        const common = sequences.map((s) => s.slice(s.indexOf(latestStart)))
        const length = Math.min(...common.map((s) => s.length))
        expect(length).toBeGreaterThan(symbol === 'KRW-BTC' ? 40 : 5)
        for (const s of common) expect(s.slice(0, length)).toEqual(common[0]!.slice(0, length))
        // …and it is the sim's own order, with nothing missing.
        const from = order.indexOf(latestStart)
        expect(common[0]!.slice(0, length)).toEqual(order.slice(from, from + length))
      }
      expect(sim.stats.ws.connectionsOpen).toBe(1)
      // No consumer asked REST for anything: each reports its own client's count. (The sim's total
      // is not the measure: the publisher's backbone reconciles its trades over REST every 30 s.)
      const restOf = (c: Child) => {
        const reports = c.lines.filter((l) => typeof l.restRequests === 'number')
        return reports.length > 0 ? (reports.at(-1)!.restRequests as number) : undefined
      }
      await until(() => consumers.every((c) => restOf(c) !== undefined), 'REST counts', 30_000)
      expect(consumers.map(restOf)).toEqual(consumers.map(() => 0))
    } finally {
      await Promise.all(consumers.map((c) => c.stop()))
      await serve.stop()
    }
  })
})
