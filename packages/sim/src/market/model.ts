import { hashInts, Rng } from '../util/rng.js'
import { DAY, dateDash, MINUTE, utcDayStart } from '../util/time.js'
import { bookAfter, topOfBook } from './book.js'
import type { MarketDefinition } from './catalog.js'
import { eventLog, injectEvent, recentEvent, scheduleEvents } from './events.js'
import { checkReference, linkOf, type PriceReference } from './reference.js'
import type { Book, Extremes, MarketState, MinutePlan, PriceEvent, TopOfBook } from './state.js'
import { MarketState as MarketStateClass, marketSalt, volFactorOf } from './state.js'
import { Summaries } from './summaries.js'
import { addTrade, compareSid, type Summary, summaryOf, type TradeRecord } from './summary.js'
import { roundToTick } from './ticks.js'
import { volumeOf } from './volume.js'
import { extendWalk, RATE_MULT, SIGMA } from './walk.js'

export type { Book, BookLevel, Extremes, PriceEvent, TopOfBook } from './state.js'
export { MarketState } from './state.js'

/** Days of history before `startTime`. */
const HISTORY_DAYS = 30
/** Days of exact (trade-level) history: trades and seconds candles are available this far back. */
const EXACT_DAYS = 7

/** Options of the market model. */
export interface ModelOptions {
  readonly seed: number
  readonly startTime: number
  readonly markets: readonly MarketDefinition[]
  readonly tradesPerSecond: number
  readonly scheduledEvents: boolean
  /** A price path shared with other simulators (correlated prices with an FX rate and a premium). */
  readonly reference?: PriceReference
}

/** Log std-dev of the FX market's walk relative to a normal market's (an FX rate is calm). */
const FX_VOL_FACTOR = 0.1

/** Called for each trade that enters the live tape after start. */
export type TradeListener = (market: MarketState, trade: TradeRecord, external: boolean) => void

/**
 * The single source of truth for market data. Trades are generated first (per market, per minute,
 * from the seed); candles, tickers and books are derived from them.
 */
export class MarketModel {
  readonly seed: number
  readonly startTime: number
  readonly startMinute: number
  readonly historyStartMinute: number
  readonly exactFromMinute: number
  readonly markets: MarketState[]
  readonly byCode = new Map<string, MarketState>()
  /** Time up to which the live tape has been produced. */
  processedTime: number
  onTrade: TradeListener | undefined
  onAdvanced: ((t: number) => void) | undefined
  /** Whether scheduled crashes and surges happen after the start. */
  readonly scheduledEvents: boolean
  private readonly summaries: Summaries = new Summaries(this)
  /** Trades of exact history minutes, by market and minute (built once). */
  readonly minuteTrades = new Map<string, TradeRecord[]>()

  constructor(options: ModelOptions) {
    this.seed = options.seed
    this.startTime = options.startTime
    this.startMinute = Math.floor(options.startTime / MINUTE)
    this.historyStartMinute = (utcDayStart(options.startTime) - HISTORY_DAYS * DAY) / MINUTE
    this.exactFromMinute = (utcDayStart(options.startTime) - EXACT_DAYS * DAY) / MINUTE
    this.scheduledEvents = options.scheduledEvents
    const reference = options.reference
    if (reference) checkReference(reference)
    const links = options.markets.map((d) => (reference ? linkOf(d, reference) : undefined))
    this.markets = options.markets.map((d, i) => {
      const link = links[i]
      const stream =
        link === undefined
          ? undefined
          : 'rate' in link
            ? { salt: marketSalt(options.seed, i, d), volFactor: FX_VOL_FACTOR, calm: true }
            : {
                salt: marketSalt(options.seed, link.index, link.reference),
                volFactor: volFactorOf(link.reference),
              }
      return new MarketStateClass(d, i, options.seed, options.tradesPerSecond, stream)
    })
    for (const [k, m] of this.markets.entries()) {
      const link = links[k]
      this.byCode.set(m.def.code, m)
      this.ensureEvents(m, Math.floor(options.startTime / DAY) + 2)
      this.ensureWalk(m, this.startMinute - this.historyStartMinute + 2)
      const rng = new Rng(hashInts(this.seed, m.salt, 99))
      // A linked market starts where its reference market starts (the same draw), times FX and premium.
      const start =
        link === undefined
          ? m.def.referencePrice * Math.exp(0.04 * rng.normal())
          : 'rate' in link
            ? link.rate
            : link.reference.referencePrice * Math.exp(0.04 * rng.normal() + link.logFactor)
      const i = this.startMinute - this.historyStartMinute
      const frac = (options.startTime - this.startMinute * MINUTE) / MINUTE
      const walkNow = (m.logW[i] as number) + ((m.logW[i + 1] as number) - (m.logW[i] as number)) * frac
      m.logScale = Math.log(start) - walkNow - this.eventLog(m, options.startTime)
    }
    this.processedTime = this.startMinute * MINUTE - 1
    this.advanceTo(options.startTime)
  }

  /** Looks a market up by its exact code. */
  market(code: string): MarketState | undefined {
    return this.byCode.get(code)
  }

  // ---------------------------------------------------------------- walk and events

  /** Used by the summaries. */
  ensureWalk(m: MarketState, len: number): void {
    extendWalk(m, len, this.seed, this.historyStartMinute)
  }

  private ensureEvents(m: MarketState, untilDay: number): void {
    scheduleEvents(m, untilDay, this)
  }

  /** Injects a crash (negative pct) or surge starting now. */
  inject(m: MarketState, pct: number, durationMs: number): PriceEvent {
    return injectEvent(m, this.processedTime + 1, pct, durationMs)
  }

  eventLog(m: MarketState, t: number): number {
    return eventLog(m, t)
  }

  /** Whether a crash/surge touched this market in the 24 h before `t`. */
  recentEvent(m: MarketState, t: number): boolean {
    return recentEvent(m, t)
  }

  // ---------------------------------------------------------------- per-minute generation

  /** Used by the summaries. */
  skeleton(m: MarketState, minute: number): MinutePlan {
    const i = minute - this.historyStartMinute
    this.ensureWalk(m, i + 2)
    const a0 = m.logW[i] as number
    const a1 = m.logW[i + 1] as number
    const regime = m.regime[i] as 0 | 1 | 2
    const sigma = SIGMA[regime] * m.volFactor
    const rng = new Rng(hashInts(this.seed, m.salt, minute, 2))
    const n = Math.min(6000, rng.poisson(m.ratePerMinute * RATE_MULT[regime]))
    const ts = new Float64Array(n)
    const logp = new Float64Array(n)
    const vol = new Float64Array(n)
    const bid = new Uint8Array(n)
    const base = minute * MINUTE
    // sorted uniform times from normalised exponential spacings (no sort needed)
    let acc = 0
    for (let k = 0; k < n; k++) {
      acc -= Math.log(1 - rng.next())
      ts[k] = acc
    }
    const total = acc - Math.log(1 - rng.next())
    for (let k = 0; k < n; k++) ts[k] = Math.floor(((ts[k] as number) / total) * MINUTE)
    for (let k = 1; k < n; k++)
      if ((ts[k] as number) <= (ts[k - 1] as number)) ts[k] = (ts[k - 1] as number) + 1
    for (let k = n - 1; k >= 0; k--) {
      const cap = MINUTE - (n - k)
      if ((ts[k] as number) > cap) ts[k] = cap
    }
    let w = 0
    let prevT = 0
    for (let k = 0; k < n; k++) {
      w += sigma * Math.sqrt(((ts[k] as number) - prevT) / MINUTE) * rng.fastNormal()
      prevT = ts[k] as number
      logp[k] = w
    }
    const wEnd = w + sigma * Math.sqrt((MINUTE - prevT) / MINUTE) * rng.fastNormal()
    let prev = 0
    for (let k = 0; k < n; k++) {
      const f = (ts[k] as number) / MINUTE
      const bridge = (logp[k] as number) - f * wEnd
      const noise = sigma * 0.1 * rng.fastNormal()
      const up = bridge - prev + noise > 0
      prev = bridge
      bid[k] = (up ? rng.next() < 0.75 : rng.next() < 0.25) ? 1 : 0
      const lp = m.logScale + a0 + (a1 - a0) * f + bridge + noise
      logp[k] = lp
      const notional = Math.exp(m.notionalMu + 1.1 * rng.fastNormal())
      vol[k] = volumeOf(notional / Math.exp(lp))
      ts[k] = base + (ts[k] as number)
    }
    return { minute, n, ts, logp, vol, bid, next: 0 }
  }

  /** Used by the summaries. */
  priceOf(m: MarketState, logp: number, t: number, bid: boolean): number {
    return roundToTick(m.quote, Math.exp(logp + this.eventLog(m, t)), bid ? 'up' : 'down')
  }

  /** Trades of a history minute (before the live start), oldest first. Empty for coarse minutes. */
  historyTrades(m: MarketState, minute: number): TradeRecord[] {
    if (minute < this.exactFromMinute || minute >= this.startMinute) return []
    const key = `${m.index}:${minute}`
    const hit = this.minuteTrades.get(key)
    if (hit) {
      this.minuteTrades.delete(key)
      this.minuteTrades.set(key, hit)
      return hit
    }
    const plan = this.skeleton(m, minute)
    const out: TradeRecord[] = new Array(plan.n)
    for (let k = 0; k < plan.n; k++) {
      const ts = plan.ts[k] as number
      const b = plan.bid[k] === 1
      out[k] = {
        ts,
        sub: 0,
        price: this.priceOf(m, plan.logp[k] as number, ts, b),
        volume: plan.vol[k] as number,
        bid: b,
      }
    }
    this.minuteTrades.set(key, out)
    if (this.minuteTrades.size > 4096) {
      const first = this.minuteTrades.keys().next().value
      if (first !== undefined) this.minuteTrades.delete(first)
    }
    return out
  }

  // ---------------------------------------------------------------- live tape

  private planMinute(m: MarketState, minute: number): MinutePlan {
    this.ensureEvents(m, Math.floor((minute * MINUTE) / DAY) + 2)
    return this.skeleton(m, minute)
  }

  /** Produces every trade up to time `t` (inclusive), in time order per market. */
  advanceTo(t: number): void {
    if (t <= this.processedTime) return
    for (const m of this.markets) {
      if (!m.plan) m.plan = this.planMinute(m, this.startMinute)
      let plan = m.plan
      for (;;) {
        if (plan.next >= plan.n) {
          const nextMinute = plan.minute + 1
          if (nextMinute * MINUTE > t) break
          plan = m.plan = this.planMinute(m, nextMinute)
          continue
        }
        const ts = plan.ts[plan.next] as number
        if (ts > t) break
        const b = plan.bid[plan.next] === 1
        const price = this.priceOf(m, plan.logp[plan.next] as number, ts, b)
        const volume = plan.vol[plan.next] as number
        plan.next++
        this.emit(m, ts, price, volume, b, false)
      }
    }
    this.processedTime = t
    this.onAdvanced?.(t)
  }

  /** Appends a trade made by a user's order to the tape at the current time. */
  externalTrade(m: MarketState, price: number, volume: number, bid: boolean): TradeRecord {
    return this.emit(m, Math.max(this.processedTime, m.last?.ts ?? 0), price, volume, bid, true)
  }

  private emit(
    m: MarketState,
    ts: number,
    price: number,
    volume: number,
    bid: boolean,
    external: boolean,
  ): TradeRecord {
    const last = m.last
    const sub = last && last.ts === ts ? last.sub + 1 : 0
    const trade: TradeRecord = { ts, sub, price, volume, bid }
    m.trades.push(trade)
    if (m.trades.length > 1_200_000) m.trades.splice(0, 200_000)
    m.last = trade
    const minute = Math.floor(ts / MINUTE)
    const ms = m.liveMinutes.get(minute)
    if (ms) addTrade(ms, trade)
    else m.liveMinutes.set(minute, summaryOf(trade))
    const day = Math.floor(ts / DAY)
    if (m.today) {
      if (m.today.day === day) {
        if (m.today.summary) addTrade(m.today.summary, trade)
        else m.today.summary = summaryOf(trade)
      } else m.today = undefined
    }
    if (m.rolling) {
      m.rolling.volume += volume
      m.rolling.turnover += price * volume
    }
    if (m.extremes) {
      if (price > m.extremes.high) {
        m.extremes.high = price
        m.extremes.highDate = dateDash(ts)
      }
      if (price < m.extremes.low) {
        m.extremes.low = price
        m.extremes.lowDate = dateDash(ts)
      }
    }
    if (ts >= this.startTime || external) {
      m.emitted++
      if (!m.firstLiveSid) m.firstLiveSid = trade
      this.onTrade?.(m, trade, external)
    }
    return trade
  }

  /** All trades of one minute (live tape or history), oldest first. */
  tradesInMinute(m: MarketState, minute: number): TradeRecord[] {
    if (minute < this.startMinute) return this.historyTrades(m, minute)
    const from = minute * MINUTE
    const to = from + MINUTE
    const tape = m.trades
    let lo = 0
    let hi = tape.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((tape[mid] as TradeRecord).ts < from) lo = mid + 1
      else hi = mid
    }
    const out: TradeRecord[] = []
    for (let k = lo; k < tape.length; k++) {
      const t = tape[k] as TradeRecord
      if (t.ts >= to) break
      out.push(t)
    }
    return out
  }

  /** The last trade at or before the processed time (live or history). */
  lastTrade(m: MarketState): TradeRecord | undefined {
    if (m.last) return m.last
    for (let minute = this.startMinute - 1; minute >= this.exactFromMinute; minute--) {
      const trades = this.historyTrades(m, minute)
      const t = trades[trades.length - 1]
      if (t) return t
    }
    return undefined
  }

  /**
   * Trades newest first, strictly older than `before` (a trade position) or than `beforeTs`,
   * not older than `notBefore` ms, at most `count`.
   */
  tradesBackward(
    m: MarketState,
    opts: { before?: { ts: number; sub: number }; beforeTs?: number; notBefore: number; count: number },
  ): TradeRecord[] {
    const out: TradeRecord[] = []
    const limitTs = Math.min(opts.beforeTs ?? Number.POSITIVE_INFINITY, this.processedTime + 1)
    const accept = (t: TradeRecord): boolean => {
      if (t.ts >= limitTs) return false
      if (opts.before && compareSid(t, opts.before) >= 0) return false
      return true
    }
    // live tape (binary search for the upper bound)
    const tape = m.trades
    let hi = tape.length
    {
      let lo = 0
      let h = tape.length
      while (lo < h) {
        const mid = (lo + h) >>> 1
        if (accept(tape[mid] as TradeRecord)) lo = mid + 1
        else h = mid
      }
      hi = lo
    }
    for (let k = hi - 1; k >= 0 && out.length < opts.count; k--) {
      const t = tape[k] as TradeRecord
      if (t.ts < opts.notBefore) return out
      out.push(t)
    }
    const firstLive = tape[0]
    let minute = Math.min(this.startMinute - 1, Math.floor((limitTs - 1) / MINUTE))
    const floorMinute = Math.max(this.exactFromMinute, Math.floor(opts.notBefore / MINUTE))
    for (; minute >= floorMinute && out.length < opts.count; minute--) {
      const trades = this.historyTrades(m, minute)
      for (let k = trades.length - 1; k >= 0 && out.length < opts.count; k--) {
        const t = trades[k] as TradeRecord
        if (firstLive && compareSid(t, firstLive) >= 0) continue
        if (!accept(t)) continue
        if (t.ts < opts.notBefore) return out
        out.push(t)
      }
    }
    return out
  }

  // ---------------------------------------------------------------- summaries (summaries.ts)

  minuteSummary(m: MarketState, minute: number): Summary | undefined {
    return this.summaries.minuteSummary(m, minute)
  }

  rangeSummary(m: MarketState, fromMinute: number, toMinute: number): Summary | undefined {
    return this.summaries.rangeSummary(m, fromMinute, toMinute)
  }

  daySummary(m: MarketState, day: number): Summary | undefined {
    return this.summaries.daySummary(m, day)
  }

  daysSummary(m: MarketState, fromDay: number, toDay: number): Summary | undefined {
    return this.summaries.daysSummary(m, fromDay, toDay)
  }

  prevClose(m: MarketState, day: number): number {
    return this.summaries.prevClose(m, day)
  }

  todaySummary(m: MarketState): Summary | undefined {
    return this.summaries.todaySummary(m)
  }

  rolling24h(m: MarketState): { volume: number; turnover: number } {
    return this.summaries.rolling24h(m)
  }

  extremes(m: MarketState): Extremes {
    return this.summaries.extremes(m)
  }

  // ---------------------------------------------------------------- order book

  /** Top of the book right after trade `t`. */
  topOfBook(m: MarketState, t: TradeRecord): TopOfBook {
    return topOfBook(this.seed, m, t)
  }

  /** The full 30-level book (native grid) after the last trade. */
  book(m: MarketState): Book {
    return bookAfter(this.seed, m, this.lastTrade(m), this.processedTime)
  }
}
