import { InvalidRequestError } from '@bb/errors'
import { Decimal, type Ticker } from '@bb/models'
import { ManualClock } from '@bb/utils/testing'
import { of, Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { isRefusal, type Premium, premium, premium$, type Refusal } from '../src/index.js'
import { T0, ticker } from './fixtures.js'

const a = ticker('upbit', 'BTC', 'KRW', '105000000')
const b = ticker('binance', 'BTC', 'USDT', '100000')
const fxTicker = ticker('upbit', 'USDT', 'KRW', '1000')

describe('premium', () => {
  it('is last_a / (last_b × fx) − 1, exact, with every input stated', () => {
    const v = premium(a, b, {
      fx: { name: 'upbit USDT', ticker: fxTicker },
      now: T0,
      maxAgeMs: 5000,
    }) as Premium
    expect(v.refused).toBe(false)
    expect(v.premium.toString()).toBe('0.05')
    expect(v.premiumPct.toString()).toBe('5')
    expect(v.priceB.toString()).toBe('100000000')
    expect(v.a).toMatchObject({
      exchange: 'upbit',
      symbol: 'BTC/KRW',
      marketId: 'KRW-BTC',
      timestamp: T0,
      source: 'sim',
    })
    expect(v.b).toMatchObject({ exchange: 'binance', symbol: 'BTC/USDT', marketId: 'BTCUSDT' })
    expect(v.fx).toMatchObject({
      name: 'upbit USDT',
      from: 'USDT',
      to: 'KRW',
      input: { symbol: 'USDT/KRW', marketId: 'KRW-USDT' },
    })
    // The other way round: a discount, through the inverse rate.
    const back = premium(b, a, {
      fx: { name: 'upbit USDT', ticker: fxTicker },
      now: T0,
      maxAgeMs: 5000,
    }) as Premium
    expect(back.fx?.rate.toString()).toBe('0.001')
    expect(back.premium.equals(new Decimal(100).div(105).minus(1))).toBe(true)
  })

  it('same quote needs no FX; different quotes without one, or a stale FX, are refused', () => {
    const same = premium(a, ticker('other', 'BTC', 'KRW', '100000000'), {
      now: T0,
      maxAgeMs: 5000,
    }) as Premium
    expect(same.premium.toString()).toBe('0.05')
    expect(same.fx).toBeUndefined()
    expect((premium(a, b, { now: T0, maxAgeMs: 5000 }) as Refusal).reason).toContain('no FX source')
    const old = premium(a, b, {
      fx: { name: 'upbit USDT', ticker: ticker('upbit', 'USDT', 'KRW', '1000', T0 - 5001) },
      now: T0,
      maxAgeMs: 5000,
    }) as Refusal
    expect(old).toMatchObject({ refused: true, stale: true })
    expect(old.reason).toContain('USDT/KRW')
  })

  it('premium$ recomputes on every input and goes stale on the clock', () => {
    const clock = new ManualClock(T0)
    const as = new Subject<Ticker>()
    const out: (Premium | Refusal)[] = []
    premium$({ a: as, b: of(b), fx: { name: 'upbit USDT', ticker$: of(fxTicker) }, clock }).subscribe((v) =>
      out.push(v),
    )
    as.next(a)
    as.next(ticker('upbit', 'BTC', 'KRW', '110000000'))
    expect(out.map((v) => (isRefusal(v) ? 'refused' : v.premiumPct.toString()))).toEqual(['5', '10'])
    clock.advance(5001)
    as.next(ticker('upbit', 'BTC', 'KRW', '110000000', T0 + 5001))
    expect(out.at(-1)).toMatchObject({ refused: true, stale: true })
  })

  it('bad options are InvalidRequestErrors', () => {
    expect(() => premium$({ a: of(a) } as never)).toThrow(InvalidRequestError)
    expect(() => premium$({ a: of(a), b: of(b), maxAgeMs: Number.POSITIVE_INFINITY })).toThrow(/maxAgeMs/)
  })
})
