// History on request, on both transports: past trades and tickers of a stream from the bus, the
// part the bus trimmed read back from REST, checked against the simulator's tape.
import { InvalidRequestError } from '@bb/errors'
import { createBackbone as createLocalBackbone, type MarketDataBackbone } from '@bb/router'
import { type Sim, startSim } from '@bb/sim'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type BusTransport,
  connectBus,
  createPublisher,
  createRemoteBackbone,
  history,
  type Publisher,
  streamKey,
} from '../src/index.js'
import { available, type Server, startNats, startRedis } from './servers.js'

const SYMBOL = 'KRW-BTC'
const KEPT = 50

describe('history: bad input (no server needed)', () => {
  it('names every bad argument in a typed error', async () => {
    const remote = createRemoteBackbone({ exchange: 'upbit', bus: 'redis://127.0.0.1:9' })
    const local = createLocalBackbone({ exchange: 'upbit', restUrl: 'http://127.0.0.1:9' })
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => history(local, 'trade', SYMBOL), /needs a backbone made by createRemoteBackbone/],
      [
        () => history(remote, 'candle' as 'trade', SYMBOL),
        /candles are not carried by the bus: use getCandles/,
      ],
      [
        () => history(remote, 'trades' as 'trade', SYMBOL),
        /channel must be one of trade, ticker, orderbook, got "trades"/,
      ],
      [() => history(remote, 'trade', 'KRW BTC'), /Malformed symbol "KRW BTC"/],
      [() => history(remote, 'trade', SYMBOL, { since: 1, fromSeq: 1 }), /give since or fromSeq, not both/],
      [() => history(remote, 'trade', SYMBOL, { since: Number.NaN }), /since must be a time in ms UTC/],
      [() => history(remote, 'trade', SYMBOL, { fromSeq: 0 }), /fromSeq must be an integer >= 1, got 0/],
      [() => history(remote, 'trade', SYMBOL, { limit: 10_001 }), /limit must be an integer from 1 to 10000/],
    ]
    for (const [call, message] of cases) {
      const error = await call().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidRequestError)
      expect(String((error as Error).message)).toMatch(message)
    }
    await remote.close()
    await local.close()
  })
})

for (const kind of ['redis', 'nats'] as const) {
  describe.runIf(available(kind === 'redis' ? 'redis-server' : 'nats-server'))(`history on ${kind}`, () => {
    let server: Server
    let sim: Sim
    let transport: BusTransport
    let local: MarketDataBackbone
    let publisher: Publisher
    let remote: MarketDataBackbone
    beforeAll(async () => {
      // Small stream nodes, so that `MAXLEN ~ 50` trims close to 50 (the default node is 100 entries).
      server = kind === 'redis' ? await startRedis(['--stream-node-max-entries', '10']) : await startNats()
      sim = await startSim({ markets: [SYMBOL, 'KRW-ETH'], tradesPerSecond: 40, seed: 21 })
      transport = await connectBus(server.url, { maxLen: KEPT, leaseTtlMs: 1000 })
      local = createLocalBackbone({
        exchange: 'upbit',
        restUrl: sim.restUrl,
        wsUrl: sim.wsUrl,
        rest: { limits: 'private' },
      })
      publisher = createPublisher({
        transport,
        backbone: local,
        // Given in the unified form: the publisher keys its streams by the native id (SYMBOL).
        markets: ['BTC/KRW'],
        channels: ['trade', 'ticker'],
        leaseTtlMs: 1000,
        demand: false,
      })
      remote = createRemoteBackbone({
        exchange: 'upbit',
        bus: server.url,
        restUrl: sim.restUrl,
        rest: { limits: 'private' },
        announce: false,
      })
      // Well past the trim: about 3 times what the bus keeps.
      const deadline = Date.now() + 100_000
      for (;;) {
        const tail = await transport.tail(streamKey('upbit', 'trade', SYMBOL))
        if ((tail?.record.pseq ?? 0) >= 3 * KEPT) break
        if (Date.now() > deadline)
          throw new Error(
            `the publisher did not fill the bus past its trim: pseq ${tail?.record.pseq ?? 0} of ${3 * KEPT}, sim emitted ${sim.emittedTrades(SYMBOL).length}`,
          )
        await new Promise((r) => setTimeout(r, 200))
      }
      // Starting a server, the sim and three clients, then ~4 s of trades: minutes on a machine
      // loaded by three other test tasks and a browser (the hook timed out at 60 s in CI).
    }, 150_000)
    afterAll(async () => {
      await remote?.close()
      await publisher?.close()
      await local?.close()
      await transport?.close()
      await sim?.close()
      await server?.stop()
    })

    const tapeIds = () => sim.emittedTrades(SYMBOL).map((t) => t.sequentialId)

    it('since: a time before what the bus keeps → every trade from then on, the trimmed part from REST, no hole, no repeat', async () => {
      // Two bus-lengths before the bus's newest trade (not the sim's: the publisher may lag the tape
      // by more than the bus keeps on a loaded machine, and then nothing would be trimmed).
      const tape = sim.emittedTrades(SYMBOL)
      const tail = (await transport.tail(streamKey('upbit', 'trade', SYMBOL)))!
      const tailAt = tape.findIndex(
        (t) => t.sequentialId === (JSON.parse(tail.record.body) as { id: string }).id,
      )
      expect(tailAt).toBeGreaterThan(3 * KEPT)
      const since = tape[tailAt - 2 * KEPT]!.timestamp
      const page = await history(remote, 'trade', 'BTC/KRW', { since }) // the unified form reads SYMBOL's stream
      const ids = page.values.map((t) => t.id)
      const last = ids.at(-1)!
      // The tape as it is now (trades published while history ran are in the answer too).
      const expected = sim
        .emittedTrades(SYMBOL)
        .filter((t) => t.timestamp >= since && BigInt(t.sequentialId) <= BigInt(last))
        .map((t) => t.sequentialId)
      console.log(`[${kind}] history since: ${ids.length} trades, ${page.backfilled} from REST`)
      expect(ids).toEqual(expected)
      expect(page.backfilled).toBeGreaterThan(0)
      expect(page.values.slice(0, page.backfilled).every((t) => t.source === 'rest')).toBe(true)
      // After the trimmed part, what the bus keeps (a hole in its sequence, if any, filled from REST).
      const fills = page.values.slice(page.backfilled).filter((t) => t.source !== 'ws')
      if (fills.length > 0)
        console.log(`[${kind}] history since: ${fills.length} bus hole(s) filled from REST`)
      expect(fills.every((t) => t.source === 'rest')).toBe(true)
      expect(page.values.every((t) => t.timestamp >= since)).toBe(true)
    })

    it('fromSeq below the trim: exactly limit consecutive trades starting at that publisher sequence', async () => {
      const tail = (await transport.tail(streamKey('upbit', 'trade', SYMBOL)))!
      const tape = tapeIds()
      const tailId = (JSON.parse(tail.record.body) as { id: string }).id
      const at = tape.indexOf(tailId)
      expect(at).toBeGreaterThan(0)
      // Published without a gap (one leader, no failover): pseq k is the tape entry k - tail.pseq away.
      const fromSeq = tail.record.pseq - 2 * KEPT
      const page = await history(remote, 'trade', SYMBOL, { fromSeq, limit: 30 })
      const start = at - (tail.record.pseq - fromSeq)
      expect(page.values.map((t) => t.id)).toEqual(tape.slice(start, start + 30))
      expect(page.backfilled).toBe(30) // all of it was trimmed from the bus
    })

    it('paging by nextSeq from the bus continues exactly where the last page ended', async () => {
      const tail = (await transport.tail(streamKey('upbit', 'trade', SYMBOL)))!
      const first = await history(remote, 'trade', SYMBOL, { fromSeq: tail.record.pseq - 20, limit: 10 })
      expect(first.backfilled).toBe(0)
      expect(first.nextSeq).toBe(tail.record.pseq - 10)
      const second = await history(remote, 'trade', SYMBOL, { fromSeq: first.nextSeq!, limit: 10 })
      const tape = tapeIds()
      const a = tape.indexOf(first.values[0]!.id)
      expect([...first.values, ...second.values].map((t) => t.id)).toEqual(tape.slice(a, a + 20))
    })

    it('tickers: the values the bus keeps, from since on, oldest first', async () => {
      const all = await history(remote, 'ticker', SYMBOL, { limit: 10_000 })
      expect(all.values.length).toBeGreaterThan(5)
      expect(all.values.length).toBeLessThanOrEqual(KEPT + 100)
      expect(all.backfilled).toBe(0)
      const since = all.values[Math.floor(all.values.length / 2)]!.timestamp
      const later = await history(remote, 'ticker', SYMBOL, { since, limit: 5 })
      expect(later.values).toHaveLength(5)
      expect(later.values.every((t) => t.timestamp >= since && t.symbol === all.values[0]!.symbol)).toBe(true)
      const stamps = later.values.map((t) => t.timestamp)
      expect(stamps).toEqual([...stamps].sort((x, y) => x - y))
    })

    // Last: it deletes an entry from the stream.
    it.runIf(kind === 'redis')(
      'an entry missing from the bus (a hole in the publisher sequence) is filled from REST: no hole in the page',
      async () => {
        const key = streamKey('upbit', 'trade', SYMBOL)
        const kept = await transport.range(key, 'start', 1000)
        expect(kept.length).toBeGreaterThan(20)
        const victim = kept[10]!
        const client = createClient({ url: server.url })
        await client.connect()
        try {
          expect(await client.xDel(`bb:{upbit}:md:trade:${SYMBOL}`, victim.cursor)).toBe(1)
        } finally {
          await client.quit()
        }
        const since = (JSON.parse(kept[5]!.record.body) as { timestamp: number }).timestamp
        const page = await history(remote, 'trade', SYMBOL, { since, limit: 20 })
        const victimId = (JSON.parse(victim.record.body) as { id: string }).id
        const ids = page.values.map((t) => t.id)
        const expected = sim
          .emittedTrades(SYMBOL)
          .filter((t) => t.timestamp >= since && BigInt(t.sequentialId) <= BigInt(ids.at(-1)!))
          .map((t) => t.sequentialId)
        expect(ids).toEqual(expected)
        expect(page.values.find((t) => t.id === victimId)?.source).toBe('rest')
      },
    )
  })
}
