// The remote MarketDataBackbone: the same surface as the local one, late joiners, a slow consumer
// past the trim, on both transports.
import { InvalidRequestError } from '@bb/errors'
import { createBackbone as createLocalBackbone } from '@bb/router'
import { type Sim, startSim } from '@bb/sim'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectBus, createBackbone, createRemoteBackbone, streamKey } from '../src/index.js'
import { startChild, until } from './children.js'
import { available, type Server, startNats, startRedis } from './servers.js'

const MARKETS = ['KRW-BTC', 'KRW-ETH']

describe('remote backbone: surface and bad input (no server needed)', () => {
  it('has exactly the public surface of the local backbone, member for member', async () => {
    const local = createLocalBackbone({
      exchange: 'upbit',
      restUrl: 'http://127.0.0.1:9',
      wsUrl: 'ws://127.0.0.1:9',
    })
    const remote = createRemoteBackbone({
      exchange: 'upbit',
      bus: 'redis://127.0.0.1:9',
      restUrl: 'http://127.0.0.1:9',
      wsUrl: 'ws://127.0.0.1:9',
    })
    const shape = (o: object) =>
      Object.keys(o)
        .sort()
        .map((k) => `${k}: ${typeof (o as Record<string, unknown>)[k]}`)
    expect(shape(remote)).toEqual(shape(local))
    // createBackbone of @bb/bus without `bus` is the local one.
    const plain = createBackbone({
      exchange: 'upbit',
      restUrl: 'http://127.0.0.1:9',
      wsUrl: 'ws://127.0.0.1:9',
    })
    expect(shape(plain)).toEqual(shape(local))
    await Promise.all([local.close(), remote.close(), plain.close()])
  })

  it('names a bad bus URL and bad symbols in typed errors', async () => {
    expect(() => createRemoteBackbone({ exchange: 'upbit', bus: 'http://x' })).toThrow(InvalidRequestError)
    expect(() => createRemoteBackbone({ exchange: 'upbit', bus: 'http://x' })).toThrow(
      /redis:\/\/ or nats:\/\/ URL, got "http:\/\/x"/,
    )
    const remote = createRemoteBackbone({ exchange: 'upbit', bus: 'redis://127.0.0.1:9' })
    expect(() => remote.trades$(42 as unknown as string)).toThrow(
      /symbols must be a market code or a non-empty list of them, got 42/,
    )
    expect(() => remote.ticker$([])).toThrow(InvalidRequestError)
    await remote.close()
    await expect(connectBus('mqtt://x')).rejects.toThrow(/got "mqtt:\/\/x"/)
  })
})

for (const kind of ['redis', 'nats'] as const) {
  describe.runIf(available(kind === 'redis' ? 'redis-server' : 'nats-server'))(
    `remote backbone on ${kind}`,
    () => {
      let server: Server
      let sim: Sim
      beforeAll(async () => {
        // Small stream nodes, so that `MAXLEN ~ 50` trims close to 50 (the default node is 100 entries).
        server = kind === 'redis' ? await startRedis(['--stream-node-max-entries', '10']) : await startNats()
        sim = await startSim({ markets: MARKETS, tradesPerSecond: 20, seed: 11 })
      })
      afterAll(async () => {
        await sim?.close()
        await server?.stop()
      })

      it('a late joiner gets the latest book at once, and getOrderbook answers from it', async () => {
        const serve = startChild('serve-child.ts', [
          server.url,
          sim.restUrl,
          sim.wsUrl,
          MARKETS.join(','),
          'L',
          '1000',
          '1000',
          'trade,orderbook',
        ])
        const bus = await connectBus(server.url)
        try {
          await serve.waitFor((l) => l.role === 'leader')
          const key = streamKey('upbit', 'orderbook', 'KRW-BTC')
          let tail = await bus.tail(key)
          for (let i = 0; i < 300 && !tail; i++) {
            await new Promise((r) => setTimeout(r, 100))
            tail = await bus.tail(key)
          }
          expect(tail).toBeDefined()
          const joiner = createRemoteBackbone({
            exchange: 'upbit',
            bus,
            restUrl: sim.restUrl,
            wsUrl: sim.wsUrl,
          })
          const t0 = Date.now()
          const first = await new Promise<{ ms: number; symbol: string }>((resolve) => {
            const sub = joiner.orderbook$('KRW-BTC').subscribe((book) => {
              resolve({ ms: Date.now() - t0, symbol: book.marketId })
              sub.unsubscribe()
            })
          })
          console.log(`[${kind}] late joiner: first book after ${first.ms} ms`)
          expect(first.symbol).toBe('KRW-BTC')
          expect(first.ms).toBeLessThan(2000)
          const book = await joiner.getOrderbook('KRW-BTC', { depth: 5 })
          expect(book.source).toBe('cache')
          expect(book.bids.length).toBeLessThanOrEqual(5)
          const restBefore = sim.stats.rest.byGroup.orderbook ?? 0
          await joiner.getOrderbook('KRW-BTC')
          expect(sim.stats.rest.byGroup.orderbook ?? 0).toBe(restBefore)
          // The unified symbol is the same stream (the bus keys streams by the native id): the
          // publisher was given KRW-BTC, the consumer asks for BTC/KRW, and neither waits on REST.
          const unified = await joiner.getOrderbook('BTC/KRW')
          expect([unified.source, unified.marketId]).toEqual(['cache', 'KRW-BTC'])
          const streamed = await new Promise<string>((resolve) => {
            const sub = joiner.orderbook$('btc/krw').subscribe((b) => {
              resolve(b.marketId)
              sub.unsubscribe()
            })
          })
          expect(streamed).toBe('KRW-BTC')
          expect(sim.stats.rest.byGroup.orderbook ?? 0).toBe(restBefore)
          await joiner.close()
        } finally {
          await serve.stop()
          await bus.close()
        }
      })

      it('a slow consumer past the trim gets a gap event and a REST back-fill: still 0 missing, 0 duplicated', async () => {
        const serve = startChild('serve-child.ts', [
          server.url,
          sim.restUrl,
          sim.wsUrl,
          MARKETS.join(','),
          'S',
          '1000',
          '50',
          'trade',
        ])
        const consumer = startChild('consumer-child.ts', [server.url, sim.restUrl, sim.wsUrl, 'KRW-BTC'])
        try {
          await serve.waitFor((l) => l.role === 'leader')
          await consumer.waitFor((l) => l.ready === true)
          const trades = () => consumer.lines.filter((l) => typeof l.id === 'string')
          await until(() => trades().length >= 10, 'trades before the pause')
          consumer.process.kill('SIGSTOP')
          await new Promise((r) => setTimeout(r, 8000)) // ~160 trades of KRW-BTC: far past the 50 kept
          consumer.process.kill('SIGCONT')
          await consumer.waitFor(
            (l) => (l.event as { type?: string } | undefined)?.type === 'backfill',
            30_000,
          )
          const at = trades().length
          await until(() => trades().length >= at + 10, 'trades after the back-fill')
          const ids = trades().map((l) => l.id as string)
          const first = BigInt(ids[0]!)
          const last = ids.reduce((m, id) => (BigInt(id) > m ? BigInt(id) : m), first)
          const tape = sim
            .emittedTrades('KRW-BTC')
            .map((t) => t.sequentialId)
            .filter((id) => BigInt(id) >= first && BigInt(id) <= last)
          const got = new Set(ids)
          const backfill = consumer.lines.find(
            (l) => (l.event as { type?: string } | undefined)?.type === 'backfill',
          )!.event as { trades: number }
          console.log(
            `[${kind}] slow consumer: ${ids.length} trades, back-filled ${backfill.trades} from REST`,
          )
          expect(consumer.lines.some((l) => (l.event as { type?: string } | undefined)?.type === 'gap')).toBe(
            true,
          )
          expect(backfill.trades).toBeGreaterThan(0)
          expect(tape.filter((id) => !got.has(id))).toEqual([])
          expect(ids.length).toBe(got.size)
          expect(consumer.lines.some((l) => l.source === 'rest')).toBe(true)
        } finally {
          await consumer.stop()
          await serve.stop()
        }
      })
    },
  )
}
