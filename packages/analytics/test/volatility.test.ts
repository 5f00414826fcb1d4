import { InvalidRequestError } from '@bb/errors'
import { Decimal, type Trade } from '@bb/models'
import { ManualClock } from '@bb/utils/testing'
import fc from 'fast-check'
import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { isRefusal, type Refusal, realizedVolatility, type Volatility, YEAR_MS } from '../src/index.js'
import { T0, trade } from './fixtures.js'

function setup(windowMs = 60_000, maxAgeMs?: number) {
  const clock = new ManualClock(T0)
  const trades = new Subject<Trade>()
  const out: (Volatility | Refusal)[] = []
  trades
    .pipe(realizedVolatility({ windowMs, clock, ...(maxAgeMs === undefined ? {} : { maxAgeMs }) }))
    .subscribe((v) => out.push(v))
  return { clock, trades, out }
}

describe('realizedVolatility', () => {
  it('sums squared log returns over the window and annualises on a 365-day year', () => {
    const { clock, trades, out } = setup()
    trades.next(trade('100', T0))
    expect(out[0]).toMatchObject({ refused: true, stale: false })
    clock.advance(1000)
    trades.next(trade('110', T0 + 1000))
    clock.advance(1000)
    trades.next(trade('99', T0 + 2000))
    const v = out.at(-1) as Volatility
    const r1 = new Decimal('1.1').ln()
    const r2 = new Decimal('0.9').ln()
    const variance = r1.times(r1).plus(r2.times(r2))
    expect(v.refused).toBe(false)
    expect(v.trades).toBe(3)
    expect(v.variance.equals(variance)).toBe(true)
    expect(v.volatility.equals(variance.sqrt())).toBe(true)
    expect(v.annualized.equals(variance.times(new Decimal(YEAR_MS).div(60_000)).sqrt())).toBe(true)
    expect([v.from, v.to]).toEqual([T0, T0 + 2000])
    expect(v.input).toMatchObject({
      exchange: 'ex1',
      symbol: 'BTC/USD',
      marketId: 'BTCUSD',
      timestamp: T0 + 2000,
    })
  })

  it('equal timestamps keep arrival order; a late trade is placed by its timestamp', () => {
    const { trades, out } = setup()
    trades.next(trade('100', T0))
    trades.next(trade('100', T0))
    expect((out.at(-1) as Volatility).variance.isZero()).toBe(true)
    trades.next(trade('200', T0 - 10)) // older: goes first, so the returns are ln(100/200), 0
    const v = out.at(-1) as Volatility
    expect(v.variance.equals(new Decimal('0.5').ln().pow(2))).toBe(true)
    expect(v.from).toBe(T0 - 10)
  })

  it('drops trades that leave the window and refuses a stale market', () => {
    const { clock, trades, out } = setup(10_000)
    trades.next(trade('100', T0))
    trades.next(trade('101', T0 + 1))
    expect(out.at(-1)?.refused).toBe(false)
    clock.advance(10_001)
    trades.next(trade('102', T0 + 10_001))
    const v = out.at(-1) as Refusal
    expect(v).toMatchObject({ refused: true, stale: false })
    expect(v.reason).toContain('1 trade(s)')
    clock.advance(5001)
    trades.next(trade('103', T0 + 10_001)) // delivered late: its timestamp is 5001 ms old
    expect(out.at(-1)).toMatchObject({ refused: true, stale: true })
  })

  it('keeps markets apart by (exchange, marketId), even under one unified symbol', () => {
    const { trades, out } = setup()
    trades.next(trade('100', T0, 'ex1'))
    trades.next(trade('200', T0, 'ex2')) // another exchange, same marketId
    trades.next(trade('300', T0, 'ex1', 'BTCUSD-2')) // same exchange and symbol BTC/USD, another market
    trades.next(trade('100', T0, 'ex1'))
    const v = out.at(-1) as Volatility
    expect(isRefusal(out[1])).toBe(true)
    expect(isRefusal(out[2])).toBe(true)
    expect(v.trades).toBe(2)
    expect(v.variance.isZero()).toBe(true)
    expect(v.input).toMatchObject({ exchange: 'ex1', symbol: 'BTC/USD', marketId: 'BTCUSD' })
  })

  it('equals a from-scratch computation over any arrival order and window (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: -3, max: 4 })), {
          minLength: 1,
          maxLength: 40,
        }),
        (steps) => {
          const { clock, trades, out } = setup(10, 1_000)
          const seen: { price: number; timestamp: number }[] = []
          for (const [price, dt] of steps) {
            clock.advance(1)
            const timestamp = clock.now() + Math.min(0, dt) // some arrive late
            seen.push({ price, timestamp })
            trades.next(trade(String(price), timestamp))
            // Reference: the window's trades, stable-sorted by timestamp, every return recomputed.
            const window = seen
              .map((t, i) => ({ ...t, i }))
              .sort((a, b) => a.timestamp - b.timestamp || a.i - b.i)
              .filter((t) => t.timestamp > clock.now() - 10)
            const v = out.at(-1)!
            if (window.length < 2) {
              expect(v.refused).toBe(true)
              continue
            }
            let variance = new Decimal(0)
            for (let i = 1; i < window.length; i++) {
              const r = new Decimal(window[i]!.price).div(window[i - 1]!.price).ln()
              variance = variance.plus(r.times(r))
            }
            expect(isRefusal(v) ? v.reason : v.variance.toString()).toBe(variance.toString())
          }
        },
      ),
      { numRuns: 100 },
    )
  })

  it('bad options are InvalidRequestErrors naming the option', () => {
    expect(() => realizedVolatility({ windowMs: 0 })).toThrow(InvalidRequestError)
    expect(() => realizedVolatility({ windowMs: Number.NaN })).toThrow(/windowMs/)
    expect(() => realizedVolatility({ windowMs: 1000, maxTrades: 1 })).toThrow(/maxTrades/)
    expect(() => realizedVolatility({ windowMs: 1000, maxAgeMs: -1 })).toThrow(/maxAgeMs/)
  })
})
