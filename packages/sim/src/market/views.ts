/**
 * Derived market views shared by REST and WebSocket (one source of truth), plus a tiny raw JSON
 * writer so large integers (sequential ids) are written as exact digits.
 */
import { DAY, dateCompact, dateDash, dateTime, KST_OFFSET, timeColon, timeCompact } from '../util/time.js'
import type { Book, BookLevel, MarketModel, MarketState } from './model.js'
import { type Summary, sidText, type TradeRecord } from './summary.js'
import { fix, tickFor } from './ticks.js'

/** A JSON value already written as text. */
export type Raw = string

/** JSON number text (finite; `-0` written as `0`). */
export function num(x: number): Raw {
  if (!Number.isFinite(x)) return '0'
  return x === 0 ? '0' : String(x)
}

/** JSON string text. */
export function str(s: string): Raw {
  return JSON.stringify(s)
}

/** JSON boolean / null text. */
export function bool(b: boolean): Raw {
  return b ? 'true' : 'false'
}

/** Writes an object from `[key, raw]` pairs in order. */
export function obj(pairs: readonly (readonly [string, Raw])[]): Raw {
  let out = '{'
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i] as readonly [string, Raw]
    if (i > 0) out += ','
    out += `"${p[0]}":${p[1]}`
  }
  return `${out}}`
}

/** Writes an array of raw values. */
export function arr(items: readonly Raw[]): Raw {
  return `[${items.join(',')}]`
}

/** A field with its DEFAULT and SIMPLE names. Nested values render per format. */
export type Field = readonly [long: string, short: string, value: Raw | ((simple: boolean) => Raw)]

/** Renders fields in DEFAULT (long keys) or SIMPLE (short keys) form. */
export function render(fields: readonly Field[], simple: boolean): Raw {
  let out = '{'
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as Field
    if (i > 0) out += ','
    const v = f[2]
    out += `"${simple ? f[1] : f[0]}":${typeof v === 'string' ? v : v(simple)}`
  }
  return `${out}}`
}

/** Rounds derived amounts (turnover, rates) to a stable number of decimals. */
export function r8(x: number): number {
  return fix(x, 8)
}

/** Everything a ticker says, computed once from the model. */
export interface TickerData {
  readonly market: string
  readonly last: TradeRecord
  readonly open: number
  readonly high: number
  readonly low: number
  readonly prevClose: number
  readonly change: 'RISE' | 'EVEN' | 'FALL'
  readonly changePrice: number
  readonly signedChangePrice: number
  readonly changeRate: number
  readonly signedChangeRate: number
  readonly accVolume: number
  readonly accTurnover: number
  readonly accVolume24h: number
  readonly accTurnover24h: number
  readonly accAskVolume: number
  readonly accBidVolume: number
  readonly high52: number
  readonly high52Date: string
  readonly low52: number
  readonly low52Date: string
  readonly timestamp: number
}

/** Signed difference of two grid prices, rounded to the grid's decimals. */
export function priceDiff(quote: MarketState['quote'], a: number, b: number): number {
  const d = Math.max(tickFor(quote, a).decimals, tickFor(quote, b).decimals)
  return fix(a - b, d)
}

/** Computes the ticker of a market as of the model's processed time. */
export function tickerData(model: MarketModel, m: MarketState): TickerData | undefined {
  const last = model.lastTrade(m)
  if (!last) return undefined
  const day = Math.floor(model.processedTime / DAY)
  const today: Summary | undefined = model.todaySummary(m)
  const prevClose = model.prevClose(m, day)
  const rolling = model.rolling24h(m)
  const ex = model.extremes(m)
  const signed = priceDiff(m.quote, last.price, prevClose)
  const rate = prevClose > 0 ? fix(signed / prevClose, 8) : 0
  return {
    market: m.def.code,
    last,
    open: today?.open ?? prevClose,
    high: today?.high ?? prevClose,
    low: today?.low ?? prevClose,
    prevClose,
    change: signed > 0 ? 'RISE' : signed < 0 ? 'FALL' : 'EVEN',
    changePrice: Math.abs(signed),
    signedChangePrice: signed,
    changeRate: Math.abs(rate),
    signedChangeRate: rate,
    accVolume: r8(today?.volume ?? 0),
    accTurnover: r8(today?.turnover ?? 0),
    accVolume24h: r8(rolling.volume),
    accTurnover24h: r8(rolling.turnover),
    accAskVolume: r8(today?.askVolume ?? 0),
    accBidVolume: r8(today?.bidVolume ?? 0),
    high52: Math.max(ex.high, today?.high ?? ex.high),
    high52Date: ex.high >= (today?.high ?? 0) ? ex.highDate : dateDash(day * DAY),
    low52: Math.min(ex.low, today?.low ?? ex.low),
    low52Date: ex.low <= (today?.low ?? Number.POSITIVE_INFINITY) ? ex.lowDate : dateDash(day * DAY),
    timestamp: model.processedTime,
  }
}

/** REST `/v1/ticker` object (field order as documented). */
export function restTicker(t: TickerData): Raw {
  const ts = t.last.ts
  return obj([
    ['market', str(t.market)],
    ['trade_date', str(dateCompact(ts))],
    ['trade_time', str(timeCompact(ts))],
    ['trade_date_kst', str(dateCompact(ts + KST_OFFSET))],
    ['trade_time_kst', str(timeCompact(ts + KST_OFFSET))],
    ['trade_timestamp', num(ts)],
    ['opening_price', num(t.open)],
    ['high_price', num(t.high)],
    ['low_price', num(t.low)],
    ['trade_price', num(t.last.price)],
    ['prev_closing_price', num(t.prevClose)],
    ['change', str(t.change)],
    ['change_price', num(t.changePrice)],
    ['change_rate', num(t.changeRate)],
    ['signed_change_price', num(t.signedChangePrice)],
    ['signed_change_rate', num(t.signedChangeRate)],
    ['trade_volume', num(t.last.volume)],
    ['acc_trade_price', num(t.accTurnover)],
    ['acc_trade_price_24h', num(t.accTurnover24h)],
    ['acc_trade_volume', num(t.accVolume)],
    ['acc_trade_volume_24h', num(t.accVolume24h)],
    ['highest_52_week_price', num(t.high52)],
    ['highest_52_week_date', str(t.high52Date)],
    ['lowest_52_week_price', num(t.low52)],
    ['lowest_52_week_date', str(t.low52Date)],
    ['timestamp', num(t.timestamp)],
  ])
}

/** WS `ticker` fields. */
export function wsTicker(t: TickerData, streamType: 'SNAPSHOT' | 'REALTIME', now: number): Field[] {
  const ts = t.last.ts
  return [
    ['type', 'ty', '"ticker"'],
    ['code', 'cd', str(t.market)],
    ['opening_price', 'op', num(t.open)],
    ['high_price', 'hp', num(t.high)],
    ['low_price', 'lp', num(t.low)],
    ['trade_price', 'tp', num(t.last.price)],
    ['prev_closing_price', 'pcp', num(t.prevClose)],
    ['change', 'c', str(t.change)],
    ['change_price', 'cp', num(t.changePrice)],
    ['signed_change_price', 'scp', num(t.signedChangePrice)],
    ['change_rate', 'cr', num(t.changeRate)],
    ['signed_change_rate', 'scr', num(t.signedChangeRate)],
    ['trade_volume', 'tv', num(t.last.volume)],
    ['acc_trade_volume', 'atv', num(t.accVolume)],
    ['acc_trade_volume_24h', 'atv24h', num(t.accVolume24h)],
    ['acc_trade_price', 'atp', num(t.accTurnover)],
    ['acc_trade_price_24h', 'atp24h', num(t.accTurnover24h)],
    ['trade_date', 'tdt', str(dateCompact(ts))],
    ['trade_time', 'ttm', str(timeCompact(ts))],
    ['trade_timestamp', 'ttms', num(ts)],
    ['ask_bid', 'ab', t.last.bid ? '"BID"' : '"ASK"'],
    ['acc_ask_volume', 'aav', num(t.accAskVolume)],
    ['acc_bid_volume', 'abv', num(t.accBidVolume)],
    ['highest_52_week_price', 'h52wp', num(t.high52)],
    ['highest_52_week_date', 'h52wdt', str(t.high52Date)],
    ['lowest_52_week_price', 'l52wp', num(t.low52)],
    ['lowest_52_week_date', 'l52wdt', str(t.low52Date)],
    ['market_state', 'ms', '"ACTIVE"'],
    ['is_trading_suspended', 'its', 'false'],
    ['delisting_date', 'dd', 'null'],
    ['market_warning', 'mw', '"NONE"'],
    ['timestamp', 'tms', num(now)],
    ['stream_type', 'st', streamType === 'SNAPSHOT' ? '"SNAPSHOT"' : '"REALTIME"'],
  ]
}

/** REST `/v1/trades/ticks` object. */
export function restTrade(code: string, t: TradeRecord, prevClose: number, quote: MarketState['quote']): Raw {
  return obj([
    ['market', str(code)],
    ['trade_date_utc', str(dateDash(t.ts))],
    ['trade_time_utc', str(timeColon(t.ts))],
    ['timestamp', num(t.ts)],
    ['trade_price', num(t.price)],
    ['trade_volume', num(t.volume)],
    ['prev_closing_price', num(prevClose)],
    ['change_price', num(priceDiff(quote, t.price, prevClose))],
    ['ask_bid', t.bid ? '"BID"' : '"ASK"'],
    ['sequential_id', sidText(t)],
  ])
}

/** WS `trade` fields. */
export function wsTrade(
  model: MarketModel,
  m: MarketState,
  t: TradeRecord,
  prevClose: number,
  streamType: 'SNAPSHOT' | 'REALTIME',
  now: number,
): Field[] {
  const top = model.topOfBook(m, t)
  const diff = priceDiff(m.quote, t.price, prevClose)
  return [
    ['type', 'ty', '"trade"'],
    ['code', 'cd', str(m.def.code)],
    ['trade_price', 'tp', num(t.price)],
    ['trade_volume', 'tv', num(t.volume)],
    ['ask_bid', 'ab', t.bid ? '"BID"' : '"ASK"'],
    ['prev_closing_price', 'pcp', num(prevClose)],
    ['change', 'c', diff > 0 ? '"RISE"' : diff < 0 ? '"FALL"' : '"EVEN"'],
    ['change_price', 'cp', num(Math.abs(diff))],
    ['trade_date', 'td', str(dateDash(t.ts))],
    ['trade_time', 'ttm', str(timeColon(t.ts))],
    ['trade_timestamp', 'ttms', num(t.ts)],
    ['timestamp', 'tms', num(now)],
    ['sequential_id', 'sid', sidText(t)],
    ['best_ask_price', 'bap', num(top.askPrice)],
    ['best_ask_size', 'bas', num(top.askSize)],
    ['best_bid_price', 'bbp', num(top.bidPrice)],
    ['best_bid_size', 'bbs', num(top.bidSize)],
    ['stream_type', 'st', streamType === 'SNAPSHOT' ? '"SNAPSHOT"' : '"REALTIME"'],
  ]
}

/** Groups a native book by `level` (KRW only) and cuts it to `count` levels, padding with zeros. */
export function shapeBook(
  book: Book,
  level: number,
  count: number,
  decimals: number,
): { asks: BookLevel[]; bids: BookLevel[] } {
  const group = (levels: readonly BookLevel[], up: boolean): BookLevel[] => {
    if (level <= 0) return levels.slice(0, count)
    const out: [number, number][] = []
    for (const [p, s] of levels) {
      const g = fix((up ? Math.ceil(p / level - 1e-9) : Math.floor(p / level + 1e-9)) * level, decimals)
      const lastLevel = out[out.length - 1]
      if (lastLevel && lastLevel[0] === g) lastLevel[1] = fix(lastLevel[1] + s, 8)
      else out.push([g, s])
    }
    return out.slice(0, count)
  }
  const asks = group(book.asks, true)
  const bids = group(book.bids, false)
  while (asks.length < count) asks.push([0, 0])
  while (bids.length < count) bids.push([0, 0])
  return { asks, bids }
}

function sum(levels: readonly BookLevel[]): number {
  let s = 0
  for (const l of levels) s += l[1]
  return r8(s)
}

/** REST `/v1/orderbook` object (units in the wire key order bid_price, bid_size, ask_price, ask_size). */
export function restOrderbook(
  code: string,
  book: Book,
  shaped: { asks: BookLevel[]; bids: BookLevel[] },
  level: number,
): Raw {
  const units: Raw[] = []
  for (let i = 0; i < shaped.asks.length; i++) {
    const a = shaped.asks[i] as BookLevel
    const b = shaped.bids[i] as BookLevel
    units.push(
      obj([
        ['bid_price', num(b[0])],
        ['bid_size', num(b[1])],
        ['ask_price', num(a[0])],
        ['ask_size', num(a[1])],
      ]),
    )
  }
  return obj([
    ['market', str(code)],
    ['timestamp', num(book.timestamp)],
    ['total_ask_size', num(sum(shaped.asks))],
    ['total_bid_size', num(sum(shaped.bids))],
    ['orderbook_units', arr(units)],
    ['level', num(level)],
  ])
}

/** WS `orderbook` fields. */
export function wsOrderbook(
  code: string,
  book: Book,
  shaped: { asks: BookLevel[]; bids: BookLevel[] },
  level: number,
  streamType: 'SNAPSHOT' | 'REALTIME',
): Field[] {
  const units = (simple: boolean): Raw => {
    const out: Raw[] = []
    for (let i = 0; i < shaped.asks.length; i++) {
      const a = shaped.asks[i] as BookLevel
      const b = shaped.bids[i] as BookLevel
      out.push(
        simple
          ? `{"ap":${num(a[0])},"bp":${num(b[0])},"as":${num(a[1])},"bs":${num(b[1])}}`
          : `{"ask_price":${num(a[0])},"bid_price":${num(b[0])},"ask_size":${num(a[1])},"bid_size":${num(b[1])}}`,
      )
    }
    return arr(out)
  }
  return [
    ['type', 'ty', '"orderbook"'],
    ['code', 'cd', str(code)],
    ['total_ask_size', 'tas', num(sum(shaped.asks))],
    ['total_bid_size', 'tbs', num(sum(shaped.bids))],
    ['orderbook_units', 'obu', units],
    ['timestamp', 'tms', num(book.timestamp)],
    ['level', 'lv', num(level)],
    ['stream_type', 'st', streamType === 'SNAPSHOT' ? '"SNAPSHOT"' : '"REALTIME"'],
  ]
}

/** A candle interval. */
export type CandleUnit =
  | { readonly kind: 'seconds' }
  | { readonly kind: 'minutes'; readonly minutes: number }
  | { readonly kind: 'days' }
  | { readonly kind: 'weeks' }
  | { readonly kind: 'months' }
  | { readonly kind: 'years' }

/** A computed candle. */
export interface Candle {
  readonly start: number
  readonly summary: Summary
}

/** WS `candle.*` fields. */
export function wsCandle(
  code: string,
  type: string,
  c: Candle,
  streamType: 'SNAPSHOT' | 'REALTIME',
  now: number,
): Field[] {
  const s = c.summary
  return [
    ['type', 'ty', str(type)],
    ['code', 'cd', str(code)],
    ['candle_date_time_utc', 'cdttmu', str(dateTime(c.start))],
    ['candle_date_time_kst', 'cdttmk', str(dateTime(c.start + KST_OFFSET))],
    ['opening_price', 'op', num(s.open)],
    ['high_price', 'hp', num(s.high)],
    ['low_price', 'lp', num(s.low)],
    ['trade_price', 'tp', num(s.close)],
    ['candle_acc_trade_volume', 'catv', num(r8(s.volume))],
    ['candle_acc_trade_price', 'catp', num(r8(s.turnover))],
    ['timestamp', 'tms', num(now)],
    ['stream_type', 'st', streamType === 'SNAPSHOT' ? '"SNAPSHOT"' : '"REALTIME"'],
  ]
}
