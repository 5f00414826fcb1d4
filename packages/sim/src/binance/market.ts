import type { MarketModel, MarketState } from '../market/model.js'
import { addTrade, mergeAll, type Summary, summaryOf } from '../market/summary.js'
import { DAY, MINUTE, utcMonthStart, utcWeekStart } from '../util/time.js'
import type { BinanceSymbol } from './catalog.js'
import type { DepthBook } from './depth.js'
import { amt, BinanceError, type IdWire, px, qty } from './format.js'
import type { TradeIds } from './ids.js'

/** One listed symbol with everything the Binance views read. */
export interface BnMarket {
  readonly sym: BinanceSymbol
  readonly m: MarketState
  readonly ids: TradeIds
  readonly depth: DepthBook
  /** Trade ids on the wire. */
  readonly wire: IdWire
  /** Cache of the complete minutes of the rolling 24 h window. */
  cache24?: { minute: number; s: Summary | undefined }
}

/** Kline intervals Binance accepts (case-sensitive), shortest first. */
export const INTERVALS = [
  '1s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
] as const
/** A kline interval. */
export type Interval = (typeof INTERVALS)[number]

/** Whether a text is a kline interval. */
export function isInterval(text: string): text is Interval {
  return (INTERVALS as readonly string[]).includes(text)
}

function minutesOf(i: Interval): number | undefined {
  const n = Number.parseInt(i, 10)
  if (i.endsWith('m')) return n
  if (i.endsWith('h')) return n * 60
  return undefined
}

/** Open time of the interval containing `t` (UTC; `3d` epoch-aligned, `1w` Monday). */
export function klineStart(i: Interval, t: number): number {
  if (i === '1s') return Math.floor(t / 1000) * 1000
  const mins = minutesOf(i)
  if (mins !== undefined) return Math.floor(t / (mins * MINUTE)) * mins * MINUTE
  if (i === '1d') return Math.floor(t / DAY) * DAY
  if (i === '3d') return Math.floor(t / (3 * DAY)) * 3 * DAY
  if (i === '1w') return utcWeekStart(t)
  return utcMonthStart(t)
}

/** Open time of the next interval. */
export function klineNext(i: Interval, start: number): number {
  if (i === '1s') return start + 1000
  const mins = minutesOf(i)
  if (mins !== undefined) return start + mins * MINUTE
  if (i === '1d') return start + DAY
  if (i === '3d') return start + 3 * DAY
  if (i === '1w') return start + 7 * DAY
  const d = new Date(start)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
}

/** Summary of `[start, end)` from the model (undefined when no trade). */
export function rangeOf(model: MarketModel, m: MarketState, start: number, end: number): Summary | undefined {
  if (end - start < MINUTE || start % MINUTE !== 0 || end % MINUTE !== 0) {
    let s: Summary | undefined
    for (let minute = Math.floor(start / MINUTE); minute * MINUTE < end; minute++)
      for (const t of model.tradesInMinute(m, minute)) {
        if (t.ts < start || t.ts >= end) continue
        if (!s) s = summaryOf(t)
        else addTrade(s, t)
      }
    return s
  }
  if (start % DAY === 0 && end % DAY === 0 && end - start >= DAY)
    return model.daysSummary(m, start / DAY, end / DAY)
  return model.rangeSummary(m, start / MINUTE, end / MINUTE)
}

/** A kline as Binance's 12-element REST row. */
export function klineRow(start: number, end: number, s: Summary): unknown[] {
  const vwap = s.volume > 0 ? s.turnover / s.volume : s.close
  return [
    start,
    px(s.open),
    px(s.high),
    px(s.low),
    px(s.close),
    amt(s.volume),
    end - 1,
    amt(s.turnover),
    s.count,
    amt(s.bidVolume),
    amt(s.bidVolume * vwap),
    '0',
  ]
}

interface KlineQuery {
  readonly interval: Interval
  readonly startTime: number | undefined
  readonly endTime: number | undefined
  readonly limit: number
}

/** Klines (non-empty intervals only), oldest first, per Binance's startTime/endTime/limit rules. */
export function klines(
  model: MarketModel,
  bm: BnMarket,
  q: KlineQuery,
): { start: number; end: number; s: Summary }[] {
  const now = model.processedTime
  const upper = Math.min(q.endTime ?? now, now)
  const floor = q.interval === '1s' ? model.exactFromMinute * MINUTE : model.historyStartMinute * MINUTE
  const out: { start: number; end: number; s: Summary }[] = []
  if (q.startTime !== undefined) {
    let start = klineStart(q.interval, Math.max(q.startTime, floor))
    if (start < q.startTime) start = klineNext(q.interval, start)
    let guard = 0
    while (start <= upper && out.length < q.limit && guard++ < 200_000) {
      const end = klineNext(q.interval, start)
      if (q.interval === '1s') {
        // jump over empty seconds a minute at a time
        const minuteEnd = (Math.floor(start / MINUTE) + 1) * MINUTE
        for (const c of secondsIn(model, bm.m, start, Math.min(minuteEnd, upper + 1))) {
          if (out.length >= q.limit) break
          out.push(c)
        }
        start = minuteEnd
        continue
      }
      const s = rangeOf(model, bm.m, start, end)
      if (s) out.push({ start, end, s })
      start = end
    }
    return out
  }
  if (q.interval === '1s') {
    let minute = Math.floor(upper / MINUTE)
    const rev: { start: number; end: number; s: Summary }[] = []
    while (rev.length < q.limit && minute * MINUTE >= floor) {
      const cs = secondsIn(model, bm.m, minute * MINUTE, Math.min((minute + 1) * MINUTE, upper + 1))
      for (let k = cs.length - 1; k >= 0 && rev.length < q.limit; k--) rev.push(cs[k] as (typeof cs)[number])
      minute--
    }
    return rev.reverse()
  }
  let start = klineStart(q.interval, upper)
  while (out.length < q.limit && klineNext(q.interval, start) > floor) {
    const end = klineNext(q.interval, start)
    const s = rangeOf(model, bm.m, start, end)
    if (s) out.push({ start, end, s })
    start = klineStart(q.interval, start - 1)
  }
  return out.reverse()
}

function secondsIn(
  model: MarketModel,
  m: MarketState,
  from: number,
  to: number,
): { start: number; end: number; s: Summary }[] {
  const out: { start: number; end: number; s: Summary }[] = []
  for (const t of model.tradesInMinute(m, Math.floor(from / MINUTE))) {
    if (t.ts < from || t.ts >= to) continue
    const start = Math.floor(t.ts / 1000) * 1000
    const last = out[out.length - 1]
    if (last && last.start === start) addTrade(last.s, t)
    else out.push({ start, end: start + 1000, s: summaryOf(t) })
  }
  return out
}

/** Everything a 24 h rolling ticker says. */
export interface Stats24 {
  readonly symbol: string
  readonly open: number
  readonly high: number
  readonly low: number
  readonly last: number
  readonly lastQty: string
  readonly prevClose: number
  readonly volume: number
  readonly turnover: number
  readonly openTime: number
  readonly closeTime: number
  readonly firstId: number
  readonly lastId: number
  readonly count: number
}

/** The rolling 24 h statistics (minute resolution window, as the model keeps them). */
export function stats24(model: MarketModel, bm: BnMarket): Stats24 {
  const now = model.processedTime
  const nowMinute = Math.floor(now / MINUTE)
  const fromMinute = nowMinute - 1439
  if (bm.cache24?.minute !== nowMinute)
    bm.cache24 = { minute: nowMinute, s: model.rangeSummary(bm.m, fromMinute, nowMinute) }
  const s = mergeAll([bm.cache24.s, rangeOf(model, bm.m, nowMinute * MINUTE, now + 1)])
  const lastId = bm.ids.lastId()
  const firstId = s ? bm.ids.firstIdAtOrAfter(fromMinute * MINUTE) : -1
  const lastTrade = bm.ids.fromId(lastId, 1)[0]
  const before = firstId > 0 ? bm.ids.fromId(firstId - 1, 1)[0] : undefined
  const last = lastTrade?.trade.price ?? bm.sym.def.referencePrice
  return {
    symbol: bm.sym.symbol,
    open: s?.open ?? last,
    high: s?.high ?? last,
    low: s?.low ?? last,
    last,
    lastQty: lastTrade ? qty(bm.sym, lastTrade.trade.volume) : '0.00000000',
    prevClose: before && before.id === firstId - 1 ? before.trade.price : (s?.open ?? last),
    volume: s?.volume ?? 0,
    turnover: s?.turnover ?? 0,
    openTime: now - DAY,
    closeTime: now,
    firstId,
    lastId: s ? lastId : -1,
    count: s ? lastId - firstId + 1 : 0,
  }
}

/** Parses a symbol parameter (required). */
export function needSymbol(
  byName: ReadonlyMap<string, BnMarket>,
  q: URLSearchParams,
  name = 'symbol',
): BnMarket {
  const v = q.get(name)
  if (v === null || v === '')
    throw new BinanceError(
      400,
      -1102,
      `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
    )
  const bm = byName.get(v)
  if (!bm) throw new BinanceError(400, -1121, 'Invalid symbol.')
  return bm
}
