import { hashInts, Rng } from '../util/rng.js'
import { DAY, dateDash, MINUTE } from '../util/time.js'
import type { MarketModel } from './model.js'
import type { Extremes, MarketState } from './state.js'
import { addTrade, mergeAll, type Summary, summaryOf, type TradeRecord } from './summary.js'
import { roundToTick } from './ticks.js'
import { volumeOf } from './volume.js'
import { RATE_MULT, SIGMA } from './walk.js'

const FIELDS = 11 // per-minute block layout, see block()

/** The parts of the model (the tape) the summaries read. */
export type Tape = Pick<
  MarketModel,
  | 'seed'
  | 'historyStartMinute'
  | 'exactFromMinute'
  | 'startMinute'
  | 'processedTime'
  | 'minuteTrades'
  | 'skeleton'
  | 'priceOf'
  | 'ensureWalk'
  | 'eventLog'
  | 'lastTrade'
  | 'historyTrades'
  | 'tradesInMinute'
>

/**
 * The summaries candles and tickers come from: exact per-minute summaries from the trades of
 * the last 7 days and the live tape, coarse ones (from the walk, in day blocks) before that,
 * ranges and days merged from them, the previous close, today's summary, the rolling 24 h and the
 * 52-week extremes. Everything is derived from the tape, so REST and WebSocket agree.
 */
export class Summaries {
  private readonly blocks = new Map<string, Float64Array>()

  constructor(private readonly tape: Tape) {}

  private exactSummary(m: MarketState, minute: number): Summary | undefined {
    const cached = this.tape.minuteTrades.get(`${m.index}:${minute}`)
    if (cached) {
      if (cached.length === 0) return undefined
      const s = summaryOf(cached[0] as TradeRecord)
      for (let k = 1; k < cached.length; k++) addTrade(s, cached[k] as TradeRecord)
      return s
    }
    const p = this.tape.skeleton(m, minute)
    if (p.n === 0) return undefined
    let open = 0
    let high = 0
    let low = 0
    let close = 0
    let volume = 0
    let turnover = 0
    let bidVolume = 0
    for (let k = 0; k < p.n; k++) {
      const ts = p.ts[k] as number
      const b = p.bid[k] === 1
      const price = this.tape.priceOf(m, p.logp[k] as number, ts, b)
      const v = p.vol[k] as number
      if (k === 0) {
        open = high = low = price
      } else {
        if (price > high) high = price
        if (price < low) low = price
      }
      close = price
      volume += v
      turnover += price * v
      if (b) bidVolume += v
    }
    return {
      open,
      high,
      low,
      close,
      volume,
      turnover,
      firstTs: p.ts[0] as number,
      lastTs: p.ts[p.n - 1] as number,
      count: p.n,
      bidVolume,
      askVolume: volume - bidVolume,
    }
  }

  private coarseSummary(m: MarketState, minute: number): Summary | undefined {
    const i = minute - this.tape.historyStartMinute
    this.tape.ensureWalk(m, i + 2)
    const regime = m.regime[i] as 0 | 1 | 2
    const rng = new Rng(hashInts(this.tape.seed, m.salt, minute, 2))
    const n = Math.min(6000, rng.poisson(m.ratePerMinute * RATE_MULT[regime]))
    if (n === 0) return undefined
    const sigma = SIGMA[regime] * m.volFactor
    const t0 = minute * MINUTE
    const ev = this.tape.eventLog(m, t0 + MINUTE / 2)
    const lo = m.logScale + (m.logW[i] as number) + ev
    const lc = m.logScale + (m.logW[i + 1] as number) + ev
    const z1 = rng.fastNormal()
    const z2 = rng.fastNormal()
    const o = roundToTick(m.quote, Math.exp(lo + 0.2 * sigma * z1))
    const c = roundToTick(m.quote, Math.exp(lc + 0.2 * sigma * z2))
    const h = n > 1 ? roundToTick(m.quote, Math.max(o, c) * (1 + Math.abs(z1 - z2) * sigma * 0.4), 'up') : o
    const l = n > 1 ? roundToTick(m.quote, Math.min(o, c) * (1 - Math.abs(z1 + z2) * sigma * 0.4), 'down') : o
    const mean = Math.exp(m.notionalMu + 0.605) * n * (1 + (0.3 * rng.fastNormal()) / Math.sqrt(n))
    const avg = (o + c) / 2
    const volume = volumeOf(Math.max(mean, 1e-9) / avg)
    const bidShare = 0.3 + 0.4 * rng.next()
    return {
      open: o,
      high: Math.max(h, o, c),
      low: Math.min(l, o, c),
      close: c,
      volume,
      turnover: volume * avg,
      firstTs: t0 + rng.int(MINUTE / 2),
      lastTs: t0 + MINUTE / 2 + rng.int(MINUTE / 2),
      count: n,
      bidVolume: volume * bidShare,
      askVolume: volume * (1 - bidShare),
    }
  }

  private block(m: MarketState, day: number): Float64Array {
    const key = `${m.index}:${day}`
    const hit = this.blocks.get(key)
    if (hit) {
      this.blocks.delete(key)
      this.blocks.set(key, hit)
      return hit
    }
    const b = new Float64Array(1440 * FIELDS)
    const first = day * 1440
    for (let k = 0; k < 1440; k++) {
      const minute = first + k
      let s: Summary | undefined
      if (minute < this.tape.historyStartMinute || minute >= this.tape.startMinute) s = undefined
      else if (minute < this.tape.exactFromMinute) s = this.coarseSummary(m, minute)
      else s = this.exactSummary(m, minute)
      const o = k * FIELDS
      if (!s) {
        b[o + 8] = 0
        continue
      }
      b[o] = s.open
      b[o + 1] = s.high
      b[o + 2] = s.low
      b[o + 3] = s.close
      b[o + 4] = s.volume
      b[o + 5] = s.turnover
      b[o + 6] = s.firstTs
      b[o + 7] = s.lastTs
      b[o + 8] = s.count
      b[o + 9] = s.bidVolume
      b[o + 10] = s.askVolume
    }
    this.blocks.set(key, b)
    if (this.blocks.size > 400) {
      const firstKey = this.blocks.keys().next().value
      if (firstKey !== undefined) this.blocks.delete(firstKey)
    }
    return b
  }

  /** Summary of one minute (absolute epoch minute), `undefined` when nothing traded. */
  minuteSummary(m: MarketState, minute: number): Summary | undefined {
    if (minute >= this.tape.startMinute) return m.liveMinutes.get(minute)
    if (minute < this.tape.historyStartMinute) return undefined
    const day = Math.floor(minute / 1440)
    const b = this.block(m, day)
    const o = (minute - day * 1440) * FIELDS
    const count = b[o + 8] as number
    if (count === 0) return undefined
    return {
      open: b[o] as number,
      high: b[o + 1] as number,
      low: b[o + 2] as number,
      close: b[o + 3] as number,
      volume: b[o + 4] as number,
      turnover: b[o + 5] as number,
      firstTs: b[o + 6] as number,
      lastTs: b[o + 7] as number,
      count,
      bidVolume: b[o + 9] as number,
      askVolume: b[o + 10] as number,
    }
  }

  /** Summary of `[fromMinute, toMinute)`. */
  rangeSummary(m: MarketState, fromMinute: number, toMinute: number): Summary | undefined {
    const parts: (Summary | undefined)[] = []
    const lo = Math.max(fromMinute, this.tape.historyStartMinute)
    for (let k = lo; k < toMinute; k++) parts.push(this.minuteSummary(m, k))
    return mergeAll(parts)
  }

  /** Summary of a UTC day (day index = ms / DAY). */
  daySummary(m: MarketState, day: number): Summary | undefined {
    const cached = m.dayCache.get(day)
    if (cached !== undefined) return cached ?? undefined
    const s = this.rangeSummary(m, day * 1440, (day + 1) * 1440)
    if ((day + 1) * DAY <= this.tape.processedTime) m.dayCache.set(day, s ?? null)
    return s
  }

  /** Summary of `[from, to)` in whole days. */
  daysSummary(m: MarketState, fromDay: number, toDay: number): Summary | undefined {
    const parts: (Summary | undefined)[] = []
    for (let d = Math.max(fromDay, Math.floor(this.tape.historyStartMinute / 1440)); d < toDay; d++)
      parts.push(this.daySummary(m, d))
    return mergeAll(parts)
  }

  // ---------------------------------------------------------------- ticker helpers

  /** Close of the last trade before the UTC day `day` (previous close). */
  prevClose(m: MarketState, day: number): number {
    const cached = m.prevCloseCache.get(day)
    if (cached !== undefined) return cached
    let result: number | undefined
    for (let minute = day * 1440 - 1; minute >= this.tape.historyStartMinute; minute--) {
      const s = this.singleMinute(m, minute)
      if (s) {
        result = s.close
        break
      }
    }
    const value = result ?? this.tape.lastTrade(m)?.price ?? m.def.referencePrice
    if (day * DAY <= this.tape.processedTime) m.prevCloseCache.set(day, value)
    return value
  }

  /** One minute's summary without building the whole day block when it is not cached. */
  private singleMinute(m: MarketState, minute: number): Summary | undefined {
    if (minute >= this.tape.startMinute || minute < this.tape.historyStartMinute)
      return this.minuteSummary(m, minute)
    if (this.blocks.has(`${m.index}:${Math.floor(minute / 1440)}`)) return this.minuteSummary(m, minute)
    return minute < this.tape.exactFromMinute ? this.coarseSummary(m, minute) : this.exactSummary(m, minute)
  }

  /** Running summary of the current UTC day. */
  todaySummary(m: MarketState): Summary | undefined {
    const day = Math.floor(this.tape.processedTime / DAY)
    if (!m.today || m.today.day !== day) {
      m.today = {
        day,
        summary: this.rangeSummary(m, day * 1440, Math.floor(this.tape.processedTime / MINUTE) + 1),
      }
    }
    return m.today.summary
  }

  /** Rolling 24 h volume and turnover (minute resolution). */
  rolling24h(m: MarketState): { volume: number; turnover: number } {
    const nowMinute = Math.floor(this.tape.processedTime / MINUTE)
    const from = nowMinute - 1439
    if (!m.rolling || from - m.rolling.from > 1440) {
      const s = this.rangeSummary(m, from, nowMinute + 1)
      m.rolling = { from, volume: s?.volume ?? 0, turnover: s?.turnover ?? 0 }
    }
    while (m.rolling.from < from) {
      const s = this.minuteSummary(m, m.rolling.from)
      if (s) {
        m.rolling.volume = Math.max(0, m.rolling.volume - s.volume)
        m.rolling.turnover = Math.max(0, m.rolling.turnover - s.turnover)
      }
      m.rolling.from++
    }
    return m.rolling
  }

  /** 52-week high/low over the available history. */
  extremes(m: MarketState): Extremes {
    if (!m.extremes) {
      const firstDay = Math.floor(this.tape.historyStartMinute / 1440)
      const today = Math.floor(this.tape.processedTime / DAY)
      const ref = this.tape.lastTrade(m)?.price ?? m.def.referencePrice
      const e: Extremes = {
        high: ref,
        highDate: dateDash(this.tape.processedTime),
        low: ref,
        lowDate: dateDash(this.tape.processedTime),
      }
      let first = true
      for (let d = firstDay; d <= today; d++) {
        const s = d === today ? this.todaySummary(m) : this.daySummary(m, d)
        if (!s) continue
        if (first || s.high > e.high) {
          e.high = s.high
          e.highDate = dateDash(d * DAY)
        }
        if (first || s.low < e.low) {
          e.low = s.low
          e.lowDate = dateDash(d * DAY)
        }
        first = false
      }
      m.extremes = e
    }
    return m.extremes
  }
}
