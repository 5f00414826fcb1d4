import { rangeOf } from '../binance/market.js'
import type { MarketModel, MarketState } from '../market/model.js'
import { mergeAll, type Summary } from '../market/summary.js'
import { DAY, MINUTE, utcMonthStart, utcWeekStart } from '../util/time.js'

export { rangeOf }

import { type CoinonePair, dataId, priceText, qtyText, tickerPrice } from './catalog.js'

/** One listed pair with the model's market state. */
export interface CoMarket {
  readonly pair: CoinonePair
  readonly m: MarketState
  /** Cache of the complete minutes of the rolling 24 h windows (today's and yesterday's). */
  cache?: { minute: number; today: Summary | undefined; yesterday: Summary | undefined }
}

/** Chart intervals Coinone accepts (REST), shortest first; `10m` is not offered (unverified). */
export const CHART_INTERVALS = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '1d',
  '1w',
  '1mon',
] as const
/** A chart interval. */
export type ChartInterval = (typeof CHART_INTERVALS)[number]
/** The WS CHART intervals (no `1mon`). */
export const WS_CHART_INTERVALS: readonly string[] = CHART_INTERVALS.filter((i) => i !== '1mon')

function minutesOf(i: ChartInterval): number | undefined {
  const n = Number.parseInt(i, 10)
  if (i.endsWith('m')) return n
  if (i.endsWith('h')) return n * 60
  return undefined
}

/** Open time of the candle containing `t` (UTC; `1w` from Monday, `1mon` from the 1st). */
export function candleStart(i: ChartInterval, t: number): number {
  const mins = minutesOf(i)
  if (mins !== undefined) return Math.floor(t / (mins * MINUTE)) * mins * MINUTE
  if (i === '1d') return Math.floor(t / DAY) * DAY
  if (i === '1w') return utcWeekStart(t)
  return utcMonthStart(t)
}

/** Open time of the next candle. */
export function candleNext(i: ChartInterval, start: number): number {
  const mins = minutesOf(i)
  if (mins !== undefined) return start + mins * MINUTE
  if (i === '1d') return start + DAY
  if (i === '1w') return start + 7 * DAY
  const d = new Date(start)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
}

/** The id and time of the market's last trade: every market-data id derives from it. */
function lastId(model: MarketModel, cm: CoMarket): string {
  return dataId(model.lastTrade(cm.m), model.processedTime)
}

/** The 24 h windows the ticker reports: the last 24 h and the 24 h before them. */
function windows(model: MarketModel, cm: CoMarket): { today?: Summary; yesterday?: Summary } {
  const now = model.processedTime
  const nowMinute = Math.floor(now / MINUTE)
  if (cm.cache?.minute !== nowMinute)
    cm.cache = {
      minute: nowMinute,
      today: model.rangeSummary(cm.m, nowMinute - 1439, nowMinute),
      yesterday: model.rangeSummary(cm.m, nowMinute - 2879, nowMinute - 1439),
    }
  const today = mergeAll([cm.cache.today, rangeOf(model, cm.m, nowMinute * MINUTE, now + 1)])
  return { ...(today ? { today } : {}), ...(cm.cache.yesterday ? { yesterday: cm.cache.yesterday } : {}) }
}

/** The book as Coinone lays it out: `depth` levels a side, bids descending, asks ascending (REST). */
export function bookOf(model: MarketModel, cm: CoMarket, depth: number) {
  const b = model.book(cm.m)
  const row = ([p, q]: readonly [number, number]) => ({ price: priceText(p), qty: qtyText(q) })
  return {
    timestamp: b.timestamp,
    id: lastId(model, cm),
    bids: b.bids.slice(0, depth).map(row),
    asks: b.asks.slice(0, depth).map(row),
  }
}

/** The fields of a ticker row and of a WS TICKER frame (long keys). */
export function tickerOf(model: MarketModel, cm: CoMarket, additional: boolean, ws: boolean) {
  const last = model.lastTrade(cm.m)
  const w = windows(model, cm)
  const lastPrice = last?.price ?? cm.pair.def.referencePrice
  const p = ws ? priceText : tickerPrice
  const t = w.today
  const y = w.yesterday
  const b = model.book(cm.m)
  const ask = b.asks[0]
  const bid = b.bids[0]
  const base = {
    quote_currency: cm.pair.quote,
    target_currency: cm.pair.target,
    timestamp: last?.ts ?? model.processedTime,
    high: p(t?.high ?? lastPrice),
    low: p(t?.low ?? lastPrice),
    first: p(t?.open ?? lastPrice),
    last: p(lastPrice),
    quote_volume: qtyText(t?.turnover ?? 0),
    target_volume: qtyText(t?.volume ?? 0),
  }
  const yesterday = {
    yesterday_high: p(y?.high ?? t?.open ?? lastPrice),
    yesterday_low: p(y?.low ?? t?.open ?? lastPrice),
    yesterday_first: p(y?.open ?? t?.open ?? lastPrice),
    yesterday_last: p(y?.close ?? t?.open ?? lastPrice),
    yesterday_quote_volume: qtyText(y?.turnover ?? 0),
    yesterday_target_volume: qtyText(y?.volume ?? 0),
  }
  if (ws) {
    const power = t && t.volume > t.bidVolume ? (t.bidVolume / (t.volume - t.bidVolume)) * 100 : 100
    return {
      ...base,
      volume_power: Math.min(500, power).toFixed(2),
      ask_best_price: ask ? priceText(ask[0]) : null,
      ask_best_qty: ask ? qtyText(ask[1]) : null,
      bid_best_price: bid ? priceText(bid[0]) : null,
      bid_best_qty: bid ? qtyText(bid[1]) : null,
      id: lastId(model, cm),
      ...yesterday,
    }
  }
  return {
    ...base,
    best_asks: ask ? [{ price: priceText(ask[0]), qty: qtyText(ask[1]) }] : [],
    best_bids: bid ? [{ price: priceText(bid[0]), qty: qtyText(bid[1]) }] : [],
    id: lastId(model, cm),
    ...(additional ? yesterday : {}),
  }
}

/** Candles newest first, ending with the one at or before `to` (non-empty candles only). */
export function chartOf(
  model: MarketModel,
  cm: CoMarket,
  interval: ChartInterval,
  to: number,
  size: number,
): { candles: { start: number; s: Summary }[]; isLast: boolean } {
  const floor = model.historyStartMinute * MINUTE
  const out: { start: number; s: Summary }[] = []
  let start = candleStart(interval, Math.min(to, model.processedTime))
  while (out.length < size && candleNext(interval, start) > floor) {
    const s = rangeOf(model, cm.m, start, Math.min(candleNext(interval, start), model.processedTime + 1))
    if (s) out.push({ start, s })
    start = candleStart(interval, start - 1)
  }
  return { candles: out, isLast: candleNext(interval, start) <= floor }
}

/** One chart row (REST). */
export function chartRow(c: { start: number; s: Summary }) {
  return {
    timestamp: c.start,
    open: priceText(c.s.open),
    high: priceText(c.s.high),
    low: priceText(c.s.low),
    close: priceText(c.s.close),
    target_volume: qtyText(c.s.volume),
    quote_volume: qtyText(c.s.turnover),
  }
}
