// Demand drives what `bb serve` subscribes to, on both transports: the publisher (in this process,
// the same createPublisher the CLI runs) against the simulator, consumers are remote backbones.
import { UnknownSymbolError } from '@bb/errors'
import type { Trade } from '@bb/models'
import { createBackbone as createLocalBackbone, type MarketDataBackbone } from '@bb/router'
import { type Sim, startSim } from '@bb/sim'
import { firstValueFrom } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectBus, createPublisher, createRemoteBackbone, type Publisher, streamKey } from '../src/index.js'
import { until } from './children.js'
import { available, type Server, startNats, startRedis } from './servers.js'

const DEMAND_TTL = 1000
const GRACE = 500

for (const kind of ['redis', 'nats'] as const) {
  describe.runIf(available(kind === 'redis' ? 'redis-server' : 'nats-server'))(
    `demand-driven subscriptions on ${kind}`,
    () => {
      let server: Server
      let sim: Sim
      let codes: readonly string[]
      let n = 0
      beforeAll(async () => {
        server = kind === 'redis' ? await startRedis() : await startNats()
        sim = await startSim({ markets: 60, tradesPerSecond: 20, seed: 5 })
        codes = sim.market.codes
      })
      afterAll(async () => {
        await sim?.close()
        await server?.stop()
      })

      /** A publisher of `configured` trades (plus demand) on its own prefix, and a consumer factory. */
      async function setup(configured: string[]) {
        const prefix = `d${++n}`
        const settings = { prefix, demandTtlMs: DEMAND_TTL, leaseTtlMs: 1000 }
        const transport = await connectBus(server.url, settings)
        const local = createLocalBackbone({
          exchange: 'upbit',
          restUrl: sim.restUrl,
          wsUrl: sim.wsUrl,
          rest: { limits: 'private' },
        })
        const publisher = createPublisher({
          transport,
          backbone: local,
          markets: configured,
          channels: ['trade'],
          leaseTtlMs: 1000,
          retryMs: 100,
          demand: { pollMs: 100, debounceMs: 250, graceMs: GRACE },
        })
        await until(() => publisher.state().role === 'leader', 'the publisher leads')
        const consumers: MarketDataBackbone[] = []
        const consumer = () => {
          const c = createRemoteBackbone({
            exchange: 'upbit',
            bus: server.url,
            busOptions: settings,
            restUrl: sim.restUrl,
            rest: { limits: 'private' },
          })
          consumers.push(c)
          return c
        }
        const close = async () => {
          await Promise.all(consumers.map((c) => c.close()))
          await publisher.close()
          await local.close()
          await transport.close()
        }
        return { transport, publisher, consumer, close, local }
      }

      const streams = (p: Publisher) => p.stats().streams

      it('a consumer asking for a market serve was not started with gets its trades; after it leaves, serve drops it after the grace', async () => {
        const [configured, wanted] = [codes[0]!, codes[1]!]
        const { publisher, consumer, close } = await setup([configured])
        try {
          expect(streams(publisher)).toBe(1)
          const c = consumer()
          const trades: Trade[] = []
          const sub = c.trades$(wanted).subscribe((t) => trades.push(t))
          await until(() => trades.length >= 3, `trades of ${wanted} from the bus`)
          expect(trades.every((t) => t.symbol === trades[0]!.symbol)).toBe(true)
          expect(streams(publisher)).toBe(2)
          const left = Date.now()
          sub.unsubscribe()
          await until(() => streams(publisher) === 1, 'serve drops the market', 20_000)
          // Not before the grace (the demand was withdrawn at once).
          expect(Date.now() - left).toBeGreaterThanOrEqual(GRACE - 50)
          expect(publisher.stats().resubscribes).toBeGreaterThanOrEqual(2)
          expect(publisher.state().role).toBe('leader')
        } finally {
          await close()
        }
      })

      it('two consumers on one market → one subscription, both receive; renewed while they stay', async () => {
        const { publisher, consumer, close } = await setup([codes[0]!])
        try {
          const market = codes[2]!
          const [a, b] = [consumer(), consumer()]
          const got = await Promise.all([a, b].map((c) => firstValueFrom(c.trades$(market))))
          expect(got.map((t) => typeof t.id)).toEqual(['string', 'string'])
          expect(streams(publisher)).toBe(2)
          expect(publisher.stats().resubscribes).toBeLessThanOrEqual(2)
          // One consumer stays subscribed past several TTLs + grace: its renewals keep the market.
          const sub = a.trades$(market).subscribe()
          const changes = publisher.stats().resubscribes
          await new Promise((r) => setTimeout(r, 3 * DEMAND_TTL + GRACE))
          expect(streams(publisher)).toBe(2)
          expect(publisher.stats().resubscribes).toBe(changes)
          sub.unsubscribe()
        } finally {
          await close()
        }
      })

      it('a burst of 50 demands is applied in few debounced changes, within the WebSocket message limits', async () => {
        const { publisher, transport, close } = await setup([codes[0]!])
        try {
          const violationsBefore = sim.stats.limitViolations['websocket-message'] ?? 0
          const wanted = codes.slice(3, 53)
          expect(wanted).toHaveLength(50)
          // 50 consumers, each asking for one market, all at once.
          await Promise.all(
            wanted.map((symbol, i) => transport.demand(`burst-${i}`, [streamKey('upbit', 'trade', symbol)])),
          )
          const renew = setInterval(() => {
            for (const [i, symbol] of wanted.entries())
              void transport.demand(`burst-${i}`, [streamKey('upbit', 'trade', symbol)]).catch(() => {})
          }, DEMAND_TTL / 3)
          try {
            await until(() => streams(publisher) === 51, 'all 50 subscribed')
          } finally {
            clearInterval(renew)
          }
          console.log(
            `[${kind}] burst of 50 demands: ${publisher.stats().resubscribes} subscription change(s)`,
          )
          // Polls every 100 ms may split the burst, but never into anything like 50 changes.
          expect(publisher.stats().resubscribes).toBeLessThanOrEqual(3)
          expect(sim.stats.limitViolations['websocket-message'] ?? 0).toBe(violationsBefore)
          // The registrations lapse (no renewal): serve drops all 50 after TTL + grace.
          await until(() => streams(publisher) === 1, 'the 50 dropped', 30_000)
        } finally {
          await close()
        }
      })

      it('a market the exchange does not list: that consumer gets UnknownSymbolError; serve keeps leading and publishing', async () => {
        const { publisher, consumer, close } = await setup([codes[0]!])
        try {
          const c = consumer()
          const error = await new Promise<unknown>((resolve) => {
            c.trades$('KRW-NOPE').subscribe({ error: resolve, complete: () => resolve('completed') })
          })
          expect(error).toBeInstanceOf(UnknownSymbolError)
          expect((error as UnknownSymbolError).symbol).toBe('KRW-NOPE')
          expect(publisher.state().role).toBe('leader')
          expect(publisher.stats().refused).toBe(1)
          expect(streams(publisher)).toBe(1)
          // Other consumers are unaffected.
          const trade = await firstValueFrom(consumer().trades$(codes[0]!))
          expect(typeof trade.id).toBe('string')
        } finally {
          await close()
        }
      })
    },
  )
}
