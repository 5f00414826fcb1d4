import { describe, expect, it } from 'vitest'
import { bookAfter, topOfBook } from '../src/market/book.js'
import { definitionFor, resolveMarkets } from '../src/market/catalog.js'
import { eventLog, injectEvent, recentEvent, scheduleEvents } from '../src/market/events.js'
import { MarketModel } from '../src/market/model.js'
import { MarketState } from '../src/market/state.js'
import type { TradeRecord } from '../src/market/summary.js'
import { stepTick } from '../src/market/ticks.js'
import { extendWalk } from '../src/market/walk.js'
import { DAY, MINUTE } from '../src/util/time.js'

const START = Date.UTC(2025, 5, 24, 12)
const TODAY = Math.floor(START / DAY)
const HISTORY_START_MINUTE = (Date.UTC(2025, 5, 24) - 30 * DAY) / MINUTE
const market = (seed = 1) =>
  new MarketState(
    definitionFor('KRW-BTC', () => 0.5),
    0,
    seed,
    0.5,
  )

describe('walk', () => {
  it('is the same however it is extended, and differs by seed', () => {
    const once = market()
    extendWalk(once, 100_000, 1, HISTORY_START_MINUTE) // past the initial buffer: it grows
    const steps = market()
    for (const len of [10, 500, 70_000, 100_000]) extendWalk(steps, len, 1, HISTORY_START_MINUTE)
    expect(steps.walkLen).toBe(100_000)
    expect(Array.from(steps.logW.subarray(0, 100_000))).toEqual(Array.from(once.logW.subarray(0, 100_000)))
    expect(Array.from(steps.regime.subarray(0, 100_000))).toEqual(
      Array.from(once.regime.subarray(0, 100_000)),
    )
    const other = market()
    extendWalk(other, 1000, 2, HISTORY_START_MINUTE)
    expect(other.logW[999]).not.toBe(once.logW[999])
    expect(once.logW[0]).toBe(0)
    // Volatility regimes: all three occur over ~70 days of minutes, and steps stay small.
    expect(new Set(once.regime.subarray(0, 100_000))).toEqual(new Set([0, 1, 2]))
    let largest = 0
    for (let i = 1; i < 100_000; i++) largest = Math.max(largest, Math.abs(once.logW[i]! - once.logW[i - 1]!))
    expect(largest).toBeLessThan(0.02)
  })
})

describe('events', () => {
  const schedule = (scheduledEvents: boolean) => ({
    seed: 1,
    startTime: START,
    historyStartMinute: HISTORY_START_MINUTE,
    scheduledEvents,
  })

  it('scheduled crashes and surges: seeded, in start order, none after the start when turned off', () => {
    const m = market()
    scheduleEvents(m, TODAY + 60, schedule(true))
    expect(m.events.length).toBeGreaterThan(3)
    for (let i = 1; i < m.events.length; i++)
      expect(m.events[i]!.start).toBeGreaterThanOrEqual(m.events[i - 1]!.start)
    for (const e of m.events) expect(Math.abs(Math.exp(e.logShift) - 1)).toBeGreaterThanOrEqual(0.05 - 1e-12)
    const again = market()
    scheduleEvents(again, TODAY + 10, schedule(true))
    scheduleEvents(again, TODAY + 60, schedule(true)) // extended later: the same events
    expect(again.events).toEqual(m.events)
    const off = market()
    scheduleEvents(off, TODAY + 60, schedule(false))
    expect(off.events.every((e) => e.start < START)).toBe(true)
  })

  it('an injected crash ramps over its duration and stays (no revert); recentEvent sees it for a day', () => {
    const m = market()
    const e = injectEvent(m, START, -0.1, 10_000)
    expect(e.injected).toBe(true)
    expect(eventLog(m, START - 1)).toBe(0)
    expect(Math.exp(eventLog(m, START + 5_000))).toBeCloseTo(Math.exp(Math.log(0.9) / 2), 10)
    expect(Math.exp(eventLog(m, START + 10_000))).toBeCloseTo(0.9, 10)
    expect(Math.exp(eventLog(m, START + 5 * DAY))).toBeCloseTo(0.9, 10)
    expect(recentEvent(m, START + DAY)).toBe(true)
    expect(recentEvent(m, START + 2 * DAY)).toBe(false)
  })
})

describe('book', () => {
  const last: TradeRecord = { ts: START, sub: 0, price: 145_000_000, volume: 0.01, bid: true } as TradeRecord

  it('30 levels on the tick grid around the last trade; level 0 equals the top of book; the same trade gives the same book', () => {
    const m = market()
    const book = bookAfter(1, m, last, START)
    expect(book.asks).toHaveLength(30)
    expect(book.bids).toHaveLength(30)
    const top = topOfBook(1, m, last)
    expect(book.asks[0]).toEqual([top.askPrice, top.askSize])
    expect(book.bids[0]).toEqual([top.bidPrice, top.bidSize])
    // A buy (bid) trade lifted the ask: the ask is at the trade price, the bid one tick below.
    expect(top.askPrice).toBe(last.price)
    expect(top.bidPrice).toBe(stepTick('KRW', last.price, -1))
    for (let k = 1; k < 30; k++) {
      expect(book.asks[k]![0]).toBe(stepTick('KRW', book.asks[k - 1]![0], 1))
      expect(book.bids[k]![0]).toBe(stepTick('KRW', book.bids[k - 1]![0], -1))
      expect(book.asks[k]![1]).toBeGreaterThan(0)
    }
    expect(bookAfter(1, market(), last, START)).toEqual(book)
    expect(bookAfter(1, m, last, START)).toBe(book) // memoised per trade
    expect(bookAfter(2, market(), last, START).asks[0]![1]).not.toBe(top.askSize) // sizes are seeded
  })

  it('before any trade the book sits around the reference price at the processed time', () => {
    const m = market()
    const book = bookAfter(1, m, undefined, START)
    expect(book.timestamp).toBe(START)
    expect(book.asks[0]![0]).toBeGreaterThan(book.bids[0]![0])
  })
})

describe('summaries', () => {
  it('a day of the exact history is its minutes merged, and each minute is its trades', () => {
    const model = new MarketModel({
      seed: 5,
      startTime: START,
      markets: resolveMarkets(['KRW-BTC'], () => 0.5),
      tradesPerSecond: 2,
      scheduledEvents: false,
    })
    const m = model.markets[0]!
    const day = TODAY - 2 // inside the 7 trade-exact days
    const minutes = Array.from({ length: 1440 }, (_, i) => model.minuteSummary(m, day * 1440 + i))
    const traded = minutes.filter((s) => s !== undefined)
    expect(traded.length).toBeGreaterThan(1000)
    const summary = model.daySummary(m, day)!
    expect(summary.open).toBe(traded[0]!.open)
    expect(summary.close).toBe(traded.at(-1)!.close)
    expect(summary.high).toBe(Math.max(...traded.map((s) => s.high)))
    expect(summary.low).toBe(Math.min(...traded.map((s) => s.low)))
    const volume = traded.reduce((a, s) => a + s.volume, 0)
    expect(summary.volume).toBeCloseTo(volume, 6)
    const minute = day * 1440 + 600
    const trades = model.historyTrades(m, minute)
    expect(trades.length).toBeGreaterThan(0)
    expect(model.minuteSummary(m, minute)?.volume).toBeCloseTo(
      trades.reduce((a, t) => a + t.volume, 0),
      8,
    )
    // The previous close of a day is the close of the day before.
    expect(model.prevClose(m, day + 1)).toBe(summary.close)
  })
})
