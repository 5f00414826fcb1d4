import { binance } from '@bb/binance'
import { ConnectionClosedError, InvalidRequestError } from '@bb/errors'
import type { Trade } from '@bb/models'
import { type BinanceSim, type Sim, startSim } from '@bb/sim'
import { upbit } from '@bb/upbit'
import { firstValueFrom } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { createMultiBackbone, type MultiBackbone } from '../src/index.js'
import { until } from './helpers.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** An Upbit and a Binance simulator on 127.0.0.1 and one multi backbone over both. */
async function setupMulti(): Promise<{ upbitSim: Sim; binanceSim: BinanceSim; bb: MultiBackbone }> {
  const upbitSim = await startSim({
    port: 0,
    seed: 21,
    markets: ['KRW-BTC', 'USDT-BTC', 'KRW-ETH'],
    limits: false,
    tradesPerSecond: 4,
  })
  const binanceSim = await startSim({
    exchange: 'binance',
    port: 0,
    seed: 21,
    markets: ['BTCUSDT', 'ETHUSDT'],
    tradesPerSecond: 4,
  })
  const bb = createMultiBackbone({
    exchanges: {
      upbit: { restUrl: upbitSim.restUrl, wsUrl: upbitSim.wsUrl },
      binance: { restUrl: binanceSim.restUrl, wsUrl: binanceSim.streamUrl },
    },
  })
  cleanups.push(async () => {
    await bb.close()
    await upbitSim.close()
    await binanceSim.close()
  })
  return { upbitSim, binanceSim, bb }
}

describe('createMultiBackbone: one backbone per exchange behind one API', () => {
  it('routes each call to the exchange it names (or the default), and the same symbol text resolves per exchange', async () => {
    const { bb } = await setupMulti()
    expect(bb.exchanges).toEqual(['upbit', 'binance'])
    expect(bb.defaultExchange).toBe('upbit')

    const byDefault = await bb.getTicker('BTC/KRW')
    expect([byDefault.exchange, byDefault.marketId]).toEqual(['upbit', 'KRW-BTC'])
    // One unified symbol, two exchanges, two native ids.
    const onUpbit = await bb.getTicker('BTC/USDT', { exchange: 'upbit' })
    const onBinance = await bb.getTicker('BTC/USDT', { exchange: 'binance' })
    expect([onUpbit.exchange, onUpbit.marketId, onUpbit.symbol]).toEqual(['upbit', 'USDT-BTC', 'BTC/USDT'])
    expect([onBinance.exchange, onBinance.marketId, onBinance.symbol]).toEqual([
      'binance',
      'BTCUSDT',
      'BTC/USDT',
    ])
    const book = await bb.getOrderbook('ETH/USDT', { exchange: 'binance', depth: 5 })
    expect([book.exchange, book.marketId, book.bids.length]).toEqual(['binance', 'ETHUSDT', 5])
    expect(bb.adapter('binance').id).toBe('binance')
    expect(bb.backbone('upbit').adapter.id).toBe('upbit')

    // Streams of both exchanges at once; every value carries its exchange.
    const got: Trade[] = []
    const subs = [
      bb.trades$('BTC/KRW').subscribe((t) => got.push(t)),
      bb.trades$('BTC/USDT', { exchange: 'binance' }).subscribe((t) => got.push(t)),
    ]
    await until(
      () => got.some((t) => t.exchange === 'upbit') && got.some((t) => t.exchange === 'binance'),
      30_000,
      'trades from both exchanges',
      () => `${got.length} trades: ${[...new Set(got.map((t) => `${t.exchange}:${t.marketId}`))].join(', ')}`,
    )
    for (const s of subs) s.unsubscribe()
    // The for-await twins route the same way.
    const controller = new AbortController()
    for await (const c of bb.streamCandles('ETH/USDT', '1m', {
      exchange: 'binance',
      signal: controller.signal,
    })) {
      expect([c.exchange, c.marketId]).toEqual(['binance', 'ETHUSDT'])
      controller.abort()
    }
    expect(new Set(got.map((t) => `${t.exchange}:${t.marketId}`))).toEqual(
      new Set(['upbit:KRW-BTC', 'binance:BTCUSDT']),
    )
  }, 60_000)

  it('an unknown exchange is a typed error naming the known ones (a rejection for snapshots, a throw for streams)', async () => {
    const { bb } = await setupMulti()
    const rejected = await bb.getTicker('BTC/KRW', { exchange: 'nope' }).catch((e: unknown) => e)
    expect(InvalidRequestError.isInstance(rejected)).toBe(true)
    expect((rejected as InvalidRequestError).param).toBe('exchange')
    expect((rejected as InvalidRequestError).shortMessage).toMatch(/Unknown exchange "nope".*upbit, binance/)
    expect(() => bb.ticker$('BTC/KRW', { exchange: 'nope' })).toThrow(
      /Unknown exchange "nope".*upbit, binance/,
    )
    expect(() => bb.health$('nope')).toThrow(InvalidRequestError)
    expect(() => bb.backbone(42 as never)).toThrow(InvalidRequestError)
    // Creation: unknown, repeated, empty, a default that is not served.
    expect(() => createMultiBackbone({ exchanges: ['upbit', 'nope'] })).toThrow(/Unknown exchange "nope"/)
    expect(() => createMultiBackbone({ exchanges: ['upbit', 'upbit'] })).toThrow(/upbit twice/)
    expect(() => createMultiBackbone({ exchanges: [] })).toThrow(/exchanges is empty/)
    expect(() => createMultiBackbone({ exchanges: 'upbit' as never })).toThrow(InvalidRequestError)
    expect(() => createMultiBackbone({ exchanges: ['upbit'], defaultExchange: 'binance' })).toThrow(
      /defaultExchange "binance" is not one of the exchanges \(upbit\)/,
    )
    expect(() => createMultiBackbone({ exchanges: { upbit: { exchange: 'binance' } as never } })).toThrow(
      /exchanges\.upbit must not set exchange/,
    )
    // `shared` reaches every exchange's backbone (a bad shared option fails the creation).
    expect(() =>
      createMultiBackbone({ exchanges: ['upbit'], shared: { pollIntervalMs: { ticker: 0 } } }),
    ).toThrow(/pollIntervalMs\.ticker must be an integer/)
  }, 30_000)

  it('a list of ids (or adapters) is the real exchanges; defaultExchange picks the default', async () => {
    const listed = createMultiBackbone({ exchanges: [binance, 'upbit'] })
    expect([listed.exchanges, listed.defaultExchange, listed.backbone().adapter.id]).toEqual([
      ['binance', 'upbit'],
      'binance',
      'binance',
    ])
    expect(listed.backbone('upbit').adapter).toBe(upbit)
    await listed.close()
    const chosen = createMultiBackbone({ exchanges: ['upbit', 'binance'], defaultExchange: 'binance' })
    expect(chosen.adapter().id).toBe('binance')
    await chosen.close()
  }, 30_000)

  it('health$ per exchange; merged, every value tagged with its exchange', async () => {
    const { bb } = await setupMulti()
    const only = await firstValueFrom(bb.health$('binance'))
    expect(only.exchange).toBe('binance')
    expect(typeof only.value.wsConnected).toBe('boolean')
    expect(only.value.rest.state).toBeDefined()
    const seen = new Set<string>()
    const sub = bb.health$().subscribe((h) => seen.add(h.exchange))
    await until(
      () => seen.size === 2,
      20_000,
      'health of both exchanges',
      () => [...seen].join(','),
    )
    sub.unsubscribe()
    expect(seen).toEqual(new Set(['upbit', 'binance']))
  }, 30_000)

  it('health is per exchange: an outage of one exchange’s WebSocket leaves the other’s link up', async () => {
    const { binanceSim, bb } = await setupMulti()
    const latest: Record<string, string> = {}
    const log: string[] = []
    const subs = [
      bb.health$().subscribe((h) => {
        if (latest[h.exchange] !== h.value.link.state) log.push(`${h.exchange}:${h.value.link.state}`)
        latest[h.exchange] = h.value.link.state
      }),
      bb.trades$('BTC/KRW').subscribe(),
      bb.trades$('BTC/USDT', { exchange: 'binance' }).subscribe(),
    ]
    const explain = () => log.join(' ')
    await until(() => latest.upbit === 'up' && latest.binance === 'up', 30_000, 'both links up', explain)
    binanceSim.faults.refuseConnections(60_000)
    binanceSim.faults.dropConnections()
    await until(() => latest.binance === 'down', 30_000, 'the binance link down', explain)
    expect(latest.upbit, explain()).toBe('up')
    binanceSim.faults.clear()
    for (const s of subs) s.unsubscribe()
  }, 60_000)

  it('separate budgets: a 429 storm on one exchange leaves the other’s calls untouched', async () => {
    const { upbitSim, binanceSim, bb } = await setupMulti()
    expect(bb.backbone('upbit').rest.limiter).not.toBe(bb.backbone('binance').rest.limiter)
    upbitSim.faults.storm429(120_000)
    const stormed = new AbortController()
    const upbitCall = bb.getTicker('BTC/KRW', { signal: stormed.signal }).catch((e: unknown) => e)
    await until(
      () => upbitSim.stats.faults.restStormed >= 1,
      20_000,
      'the storm answered upbit',
      () => `stormed ${upbitSim.stats.faults.restStormed}`,
    )
    const before = bb.metrics().binance?.counters ?? {}
    for (let i = 0; i < 5; i++) {
      const t = await bb.getTicker('BTC/USDT', { exchange: 'binance' })
      expect(t.exchange).toBe('binance')
    }
    const after = bb.metrics()
    expect(binanceSim.stats.faults.restStormed).toBe(0)
    const count = (snapshot: Record<string, number> | undefined, name: string) =>
      Object.entries(snapshot ?? {})
        .filter(([k]) => k.startsWith(name))
        .reduce((a, [, v]) => a + v, 0)
    expect(count(after.binance?.counters, 'rest_errors_total')).toBe(count(before, 'rest_errors_total'))
    expect(count(after.binance?.counters, 'limiter_waits_total')).toBe(0)
    expect(count(after.upbit?.counters, 'rest_errors_total')).toBeGreaterThan(0)
    stormed.abort()
    upbitSim.faults.clear()
    expect(await upbitCall).toBeInstanceOf(Error)
  }, 60_000)

  it('close() closes every exchange’s backbone', async () => {
    const { bb } = await setupMulti()
    await bb.getTicker('BTC/KRW')
    await bb.getTicker('BTC/USDT', { exchange: 'binance' })
    await bb.close()
    for (const exchange of ['upbit', 'binance']) {
      const error = await firstValueFrom(bb.ticker$('BTC/USDT', { exchange })).catch((e: unknown) => e)
      expect(ConnectionClosedError.isInstance(error), `${exchange}: ${String(error)}`).toBe(true)
    }
    await bb.close() // twice is fine
  }, 30_000)
})
