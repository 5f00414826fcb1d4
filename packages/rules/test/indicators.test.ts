import { Decimal, type Trade } from '@bb/models'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CandleAggregator, Ema, RollingWindow, Rsi, Sma } from '../src/index.js'

// Plain, non-incremental reference implementations: recompute from the whole history each time.
function smaRef(values: readonly number[], period: number): number | undefined {
  if (values.length < period) return undefined
  return values.slice(-period).reduce((a, b) => a + b, 0) / period
}
function emaRef(values: readonly number[], period: number, smoothing = 2): number | undefined {
  if (values.length < period) return undefined
  const alpha = smoothing / (period + 1)
  let ema = values.slice(0, period).reduce((a, b) => a + b, 0) / period
  for (const value of values.slice(period)) ema = value * alpha + ema * (1 - alpha)
  return ema
}
function rsiRef(closes: readonly number[], period: number): number | undefined {
  if (closes.length < period + 1) return undefined
  const changes = closes.slice(1).map((c, i) => c - closes[i]!)
  let gain = changes.slice(0, period).reduce((a, c) => a + Math.max(c, 0), 0) / period
  let loss = changes.slice(0, period).reduce((a, c) => a + Math.max(-c, 0), 0) / period
  for (const c of changes.slice(period)) {
    gain = (gain * (period - 1) + Math.max(c, 0)) / period
    loss = (loss * (period - 1) + Math.max(-c, 0)) / period
  }
  if (loss === 0) return gain === 0 ? 50 : 100
  return 100 - 100 / (1 + gain / loss)
}

const prices = fc.array(fc.double({ min: 1, max: 1e7, noNaN: true }), { minLength: 1, maxLength: 300 })
const close = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? a === b : Math.abs(a - b) <= 1e-7 * Math.max(1, Math.abs(b))

describe('indicators match plain reference implementations (property tests)', () => {
  it('SMA', () => {
    fc.assert(
      fc.property(prices, fc.integer({ min: 1, max: 50 }), (values, period) => {
        const sma = new Sma(period)
        values.forEach((value, i) => {
          expect(close(sma.update(value), smaRef(values.slice(0, i + 1), period))).toBe(true)
        })
      }),
    )
  })

  it('EMA', () => {
    fc.assert(
      fc.property(
        prices,
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (values, period, k) => {
          const ema = new Ema(period, k)
          // A large smoothing factor makes the EMA an extrapolation: compare with a relative tolerance.
          values.forEach((value, i) => {
            const expected = emaRef(values.slice(0, i + 1), period, k)
            const got = ema.update(value)
            if (expected === undefined) expect(got).toBeUndefined()
            else
              expect(Math.abs(got! - expected)).toBeLessThanOrEqual(
                1e-6 * Math.max(1, ...values.map(Math.abs)),
              )
          })
        },
      ),
    )
  })

  it('RSI (Wilder)', () => {
    fc.assert(
      fc.property(prices, fc.integer({ min: 2, max: 30 }), (values, period) => {
        const rsi = new Rsi(period)
        values.forEach((value, i) => {
          const got = rsi.update(value)
          const expected = rsiRef(values.slice(0, i + 1), period)
          expect(close(got, expected)).toBe(true)
          if (got !== undefined) expect(got >= 0 && got <= 100).toBe(true)
        })
      }),
    )
  })

  it('RSI on a known series (Wilder 14 on the classic 15 closes)', () => {
    const rsi = new Rsi(14)
    const closes = [
      44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28,
    ]
    for (const c of closes) rsi.update(c)
    expect(rsi.value).toBeCloseTo(70.46, 1)
  })

  it('time-windowed rolling min/max and coverage', () => {
    const samples = fc.array(
      fc.tuple(fc.integer({ min: 0, max: 30_000 }), fc.double({ min: 1, max: 1e6, noNaN: true })),
      {
        minLength: 1,
        maxLength: 200,
      },
    )
    fc.assert(
      fc.property(samples, fc.integer({ min: 1_000, max: 120_000 }), (raw, windowMs) => {
        const window = new RollingWindow(windowMs)
        let t = 0
        const seen: [number, number][] = []
        for (const [dt, value] of raw) {
          t += dt
          // Reference: a gap longer than the window starts over.
          if (seen.length > 0 && t - seen[seen.length - 1]![0] > windowMs) seen.length = 0
          seen.push([t, value])
          window.push(t, value)
          const inside = seen.filter(([at]) => at >= t - windowMs).map(([, v]) => v)
          expect(window.max).toBe(Math.max(...inside))
          expect(window.min).toBe(Math.min(...inside))
          expect(window.coverage(t)).toBeCloseTo(Math.min(1, (t - seen[0]![0]) / windowMs), 12)
        }
      }),
    )
  })

  it('aggregates trades into candles (OHLCV exact)', () => {
    const trades = fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 10_000 }),
      ),
      { minLength: 1, maxLength: 150 },
    )
    fc.assert(
      fc.property(trades, (raw) => {
        let t = Date.UTC(2025, 0, 1)
        const list: Trade[] = raw.map(([dt, price, size], i) => {
          t += dt
          return {
            exchange: 'upbit',
            symbol: 'KRW-ABC',
            marketId: 'KRW-ABC',
            base: 'ABC',
            quote: 'KRW',
            timestamp: t,
            receivedAt: t,
            source: 'ws',
            id: String(i),
            price: new Decimal(price),
            size: new Decimal(size).dividedBy(1000),
            side: 'buy',
          }
        })
        const aggregator = new CandleAggregator('1m')
        const candles = list.flatMap((trade) => aggregator.push(trade) ?? [])
        const last = aggregator.flush()
        if (last) candles.push(last)
        // Reference: group by minute.
        const groups = new Map<number, Trade[]>()
        for (const trade of list) {
          const minute = Math.floor(trade.timestamp / 60_000) * 60_000
          groups.set(minute, [...(groups.get(minute) ?? []), trade])
        }
        expect(candles.map((c) => c.timestamp)).toEqual([...groups.keys()])
        for (const candle of candles) {
          const group = groups.get(candle.timestamp)!
          expect(candle.open.toString()).toBe(group[0]!.price.toString())
          expect(candle.close.toString()).toBe(group.at(-1)!.price.toString())
          expect(candle.high.toNumber()).toBe(Math.max(...group.map((g) => g.price.toNumber())))
          expect(candle.low.toNumber()).toBe(Math.min(...group.map((g) => g.price.toNumber())))
          const volume = group.reduce((sum, g) => sum.plus(g.size), new Decimal(0))
          expect(candle.volume.toString()).toBe(volume.toString())
        }
      }),
    )
  })
})
