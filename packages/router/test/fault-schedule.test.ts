import type { Trade } from '@bb/models'
import { describe, expect, it } from 'vitest'
import type { BackboneEvent } from '../src/index.js'
import { sleep, until, watchProcess } from './helpers.js'
import { expectExactlyOnce, setupBinance, setupCoinone } from './sim-profiles.js'

// The fault schedule of test/faults.test.ts on the Coinone and Binance profiles of the sim: each
// fault alone, then some together, none scripted for the client. Coinone ids are not consecutive,
// so every gap is found from the connection and back-filled from REST's recent trades; Binance ids
// are contiguous, so a jump in them is a gap too.
const profiles = [
  {
    exchange: 'coinone',
    symbols: ['BTC/KRW', 'ETH/KRW', 'XRP/KRW', 'SOL/KRW'],
    setup: (options: Parameters<typeof setupCoinone>[0]) =>
      setupCoinone(options, { markets: ['BTC', 'ETH', 'XRP', 'SOL'], tradesPerSecond: 10 }),
  },
  {
    exchange: 'binance',
    symbols: ['BTCUSDT', 'ETHUSDT', 'XRPUSDT', 'SOLUSDT'],
    setup: (options: Parameters<typeof setupBinance>[0]) =>
      setupBinance(options, { markets: ['BTCUSDT', 'ETHUSDT', 'XRPUSDT', 'SOLUSDT'], tradesPerSecond: 10 }),
  },
] as const

describe.each(profiles)(
  '$exchange: trades$ under a schedule of faults nobody scripted for the WebSocket client',
  (profile) => {
    it('drops, a silent socket, refused connections, failing REST, a 429 storm and delayed frames: every trade exactly once, in order', async () => {
      const symbols = [...profile.symbols]
      const process = watchProcess()
      const { sim, backbone } = await profile.setup({
        tradeReconcileMs: 0,
        switchbackHoldMs: 1000,
        ws: { reconnect: { initialDelayMs: 100, maxDelayMs: 800 } },
        rest: { retries: { retries: 6, baseDelayMs: 100, maxDelayMs: 1000 } },
      })
      const received = new Map<string, Trade[]>(symbols.map((s) => [s, []]))
      // Trades arrive under the unified symbol; Binance's markets are asked for by native id.
      const key = (t: Trade) => (received.has(t.symbol) ? t.symbol : t.marketId)
      const events: BackboneEvent[] = []
      backbone.events$.subscribe((e) => events.push(e))
      const sub = backbone.trades$(symbols).subscribe((t) => received.get(key(t))!.push(t))
      const trace = () =>
        JSON.stringify({
          received: symbols.map((s) => received.get(s)!.length),
          events: events.filter((e) => e.type !== 'decision').slice(-30),
          ws: backbone.ws.stats(),
          sim: sim.stats.faults,
        })
      await until(() => symbols.every((s) => received.get(s)!.length > 2), 30_000, 'first trades', trace)
      const f = sim.faults
      const schedule: [number, () => void][] = [
        [1, () => f.dropConnections()],
        [3, () => f.silence(3000)],
        [
          8,
          () => {
            f.refuseConnections(2500)
            f.dropConnections()
          },
        ],
        [9, () => f.failRest(0.5, { status: 503, durationMs: 3000 })],
        [13, () => f.delayWs(300)],
        [15, () => f.storm429(1500)],
        [15.5, () => f.dropConnections()],
        [18, () => f.delayWs(0)],
        [
          19,
          () => {
            f.silence(2500)
            f.failRest(0.3, { durationMs: 2500 })
          },
        ],
      ]
      const started = Date.now()
      for (const [at, fault] of schedule) {
        const wait = started + at * 1000 - Date.now()
        if (wait > 0) await sleep(wait)
        fault()
      }
      // Let the last fault pass, the back-fill run and the link prove itself: live trades past the
      // last trade emitted during the schedule, on every market.
      const marks = symbols.map((s) => sim.emittedTradeIds(s).at(-1) ?? '0')
      await until(
        () =>
          symbols.every(
            (s, i) =>
              received.get(s)!.some((t) => t.source === 'ws') &&
              BigInt(received.get(s)!.at(-1)!.id) > BigInt(marks[i]!),
          ),
        60_000,
        'live trades after the schedule',
        trace,
      )
      sub.unsubscribe()
      process.stop()
      let total = 0
      for (const symbol of symbols) total += expectExactlyOnce(sim, symbol, received.get(symbol)!, trace)
      expect(total, trace()).toBeGreaterThan(200)
      expect(process.seen, trace()).toEqual([])
      expect(new Set([...received.values()].flat().map((t) => t.source))).toEqual(new Set(['ws', 'rest']))
      expect(sim.stats.faults.wsDropped, trace()).toBeGreaterThanOrEqual(3)
      expect(sim.stats.faults.framesSilenced, trace()).toBeGreaterThan(0)
    }, 150_000)
  },
)
