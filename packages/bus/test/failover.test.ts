// `bb serve` under a fenced lease, with real child processes, a real bus server and the simulator
// as the exchange and the ground truth (its tape of emitted trades).
import type { BackboneEvent } from '@bb/router'
import { type Sim, startSim } from '@bb/sim'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BusTransport, connectBus, createRemoteBackbone, streamKey } from '../src/index.js'
import { startChild, until } from './children.js'
import { available, type Server, startNats, startRedis } from './servers.js'

const MARKETS = ['KRW-BTC', 'KRW-ETH']
const TTL = 1000

interface Received {
  id: string
  symbol: string
}

/** Trades the sim emitted between the first and the last id received, compared with what was received. */
function audit(sim: Sim, received: readonly Received[]) {
  const report: Record<string, { expected: number; missing: string[]; duplicated: number }> = {}
  for (const symbol of MARKETS) {
    const ids = received.filter((t) => t.symbol === symbol).map((t) => t.id)
    if (ids.length === 0) continue
    const first = BigInt(ids[0]!)
    const last = ids.reduce((m, id) => (BigInt(id) > m ? BigInt(id) : m), first)
    const tape = sim
      .emittedTrades(symbol)
      .map((t) => t.sequentialId)
      .filter((id) => BigInt(id) >= first && BigInt(id) <= last)
    const got = new Set(ids)
    report[symbol] = {
      expected: tape.length,
      missing: tape.filter((id) => !got.has(id)),
      duplicated: ids.length - got.size,
    }
  }
  return report
}

for (const kind of ['redis', 'nats'] as const) {
  describe.runIf(available(kind === 'redis' ? 'redis-server' : 'nats-server'))(
    `bb serve failover on ${kind}`,
    () => {
      let server: Server
      let sim: Sim
      beforeAll(async () => {
        server = kind === 'redis' ? await startRedis() : await startNats()
        sim = await startSim({ markets: MARKETS, tradesPerSecond: 20, seed: 7 })
      })
      afterAll(async () => {
        await sim?.close()
        await server?.stop()
      })
      const serveArgs = (instance: string, maxLen = 10_000) => [
        server.url,
        sim.restUrl,
        sim.wsUrl,
        MARKETS.join(','),
        instance,
        String(TTL),
        String(maxLen),
      ]
      const leader = (l: Record<string, unknown>) => l.role === 'leader'

      it('kill the leader mid-stream: the standby takes over, 0 lost / 0 duplicated trades against the sim tape', async () => {
        const a = startChild('serve-child.ts', serveArgs('A'))
        const b = startChild('serve-child.ts', serveArgs('B'))
        const consumer = createRemoteBackbone({
          exchange: 'upbit',
          bus: server.url,
          restUrl: sim.restUrl,
          wsUrl: sim.wsUrl,
          rest: { limits: 'private' },
        })
        try {
          const first = await Promise.race([a.waitFor(leader), b.waitFor(leader)])
          const [lead, standby] = a.lines.some(leader) ? [a, b] : [b, a]
          const received: Received[] = []
          const events: BackboneEvent[] = []
          consumer.events$.subscribe((e) => events.push(e))
          const sub = consumer
            .trades$(MARKETS)
            .subscribe((t) => received.push({ id: t.id, symbol: t.marketId }))
          await until(() => received.length >= 40, 'trades before the kill')
          lead.process.kill('SIGKILL')
          const killedAt = Date.now()
          const atKill = received.length
          const took = await standby.waitFor(leader)
          const takeoverMs = Date.now() - killedAt
          expect(took.epoch as number).toBeGreaterThan(first.epoch as number)
          await until(() => received.length >= atKill + 60, 'trades after the takeover')
          sub.unsubscribe()
          const report = audit(sim, received)
          console.log(
            `[${kind}] takeover ${takeoverMs} ms, received ${received.length}`,
            JSON.stringify(report, (k, v) => (k === 'missing' ? v.length : v)),
          )
          expect(takeoverMs).toBeLessThan(TTL + 8000)
          for (const r of Object.values(report)) {
            expect(r.missing).toEqual([])
            expect(r.duplicated).toBe(0)
          }
          expect(Object.keys(report)).toContain('KRW-BTC')
        } finally {
          await consumer.close()
          await a.stop()
          await b.stop()
        }
      })

      it('pause the leader past its lease (zombie): its writes are fenced, it steps down; the bus stays exact', async () => {
        const prefixCheck: BusTransport = await connectBus(server.url)
        const a = startChild('serve-child.ts', serveArgs('Z1'))
        await a.waitFor(leader)
        const b = startChild('serve-child.ts', serveArgs('Z2'))
        const consumer = createRemoteBackbone({
          exchange: 'upbit',
          bus: server.url,
          restUrl: sim.restUrl,
          wsUrl: sim.wsUrl,
          rest: { limits: 'private' },
        })
        try {
          const received: Received[] = []
          const sub = consumer
            .trades$(MARKETS)
            .subscribe((t) => received.push({ id: t.id, symbol: t.marketId }))
          await until(() => received.length >= 20, 'trades before the pause')
          a.process.kill('SIGSTOP')
          const taken = await b.waitFor(leader)
          await until(() => received.length >= 60, 'trades from the new leader')
          a.process.kill('SIGCONT')
          // The zombie notices (a refused write, a failed renewal, or no renewal in time) and steps down.
          await a.waitFor((l) => l.role === 'standby' && l.reason !== 'started', 20_000)
          const at = received.length
          await until(() => received.length >= at + 20, 'trades after the zombie woke')
          sub.unsubscribe()
          for (const r of Object.values(audit(sim, received))) {
            expect(r.missing).toEqual([])
            expect(r.duplicated).toBe(0)
          }
          // On the bus: epochs never go back once the new leader wrote, and no trade id twice.
          const entries = await prefixCheck.range(streamKey('upbit', 'trade', 'KRW-BTC'), 'start', 100_000)
          const firstNew = entries.findIndex((e) => e.record.epoch === taken.epoch)
          expect(firstNew).toBeGreaterThanOrEqual(0)
          expect(entries.slice(firstNew).every((e) => e.record.epoch >= (taken.epoch as number))).toBe(true)
          const dids = entries.map((e) => e.record.did)
          expect(new Set(dids).size).toBe(dids.length)
        } finally {
          await consumer.close()
          await prefixCheck.close()
          await a.stop()
          await b.stop()
        }
      })
    },
  )
}
