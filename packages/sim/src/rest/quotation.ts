import { listCandles } from '../market/candles.js'
import type { MarketModel, MarketState } from '../market/model.js'
import { supportedLevels, tickFor } from '../market/ticks.js'
import {
  arr,
  bool,
  type Candle,
  type CandleUnit,
  num,
  obj,
  priceDiff,
  type Raw,
  r8,
  restOrderbook,
  restTicker,
  restTrade,
  shapeBook,
  str,
  tickerData,
} from '../market/views.js'
import { DAY, dateDash, dateTime, KST_OFFSET, parseCandleTo } from '../util/time.js'

/** A quotation error: HTTP status and the English message Upbit uses. */
export class QuotationError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'QuotationError'
  }
}

const MISSING = 'Missing request parameter error. Check the required parameters!'
const TYPE = 'Type mismatch error. Check the parameters type!'
const INVALID = 'Invalid parameter. Check the given value!'

/** Request parameters (decoded). */
export type Params = URLSearchParams

function required(q: Params, name: string): string {
  const v = q.get(name)
  if (v === null || v.trim() === '') throw new QuotationError(400, MISSING)
  return v
}

function intParam(q: Params, name: string, fallback: number): number {
  const v = q.get(name)
  if (v === null || v === '') return fallback
  if (!/^-?\d+$/.test(v.trim())) throw new QuotationError(400, TYPE)
  return Number(v)
}

function boolParam(q: Params, ...names: string[]): boolean {
  for (const name of names) {
    const v = q.get(name)
    if (v === null || v === '') continue
    if (v === 'true') return true
    if (v === 'false') return false
    throw new QuotationError(400, TYPE)
  }
  return false
}

function marketsParam(model: MarketModel, q: Params, name: string, lowerOk: boolean): MarketState[] {
  const list = required(q, name)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (list.length === 0) throw new QuotationError(400, MISSING)
  const out: MarketState[] = []
  const seen = new Set<string>()
  for (const code of list) {
    const m = model.market(lowerOk ? code.toUpperCase() : code)
    if (!m) throw new QuotationError(404, 'Code not found')
    if (seen.has(m.def.code)) continue
    seen.add(m.def.code)
    out.push(m)
  }
  return out
}

function oneMarket(model: MarketModel, q: Params): MarketState {
  const code = required(q, 'market').trim()
  const m = model.market(code)
  if (!m) throw new QuotationError(404, 'Code not found')
  return m
}

/** `GET /v1/market/all`. */
export function marketAll(model: MarketModel, q: Params): Raw {
  const details = boolParam(q, 'is_details', 'isDetails')
  return arr(
    model.markets.map((m) => {
      const pairs: [string, Raw][] = [
        ['market', str(m.def.code)],
        ['korean_name', str(m.def.koreanName)],
        ['english_name', str(m.def.englishName)],
      ]
      if (details) {
        const fluctuating = model.recentEvent(m, model.processedTime)
        pairs.push([
          'market_event',
          obj([
            ['warning', bool(m.def.warning)],
            [
              'caution',
              obj([
                ['PRICE_FLUCTUATIONS', bool(fluctuating)],
                ['TRADING_VOLUME_SOARING', 'false'],
                ['DEPOSIT_AMOUNT_SOARING', 'false'],
                ['GLOBAL_PRICE_DIFFERENCES', 'false'],
                ['CONCENTRATION_OF_SMALL_ACCOUNTS', 'false'],
              ]),
            ],
          ]),
        ])
      }
      return obj(pairs)
    }),
  )
}

/** `GET /v1/ticker`. */
export function ticker(model: MarketModel, q: Params): Raw {
  const markets = marketsParam(model, q, 'markets', false)
  return arr(markets.flatMap((m) => tickerOf(model, m)))
}

function tickerOf(model: MarketModel, m: MarketState): Raw[] {
  const t = tickerData(model, m)
  return t ? [restTicker(t)] : []
}

/** `GET /v1/ticker/all`. */
export function tickerAll(model: MarketModel, q: Params): Raw {
  const quotes = required(q, 'quote_currencies')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  for (const c of quotes)
    if (c !== 'KRW' && c !== 'BTC' && c !== 'USDT') throw new QuotationError(404, 'Code not found')
  const out: Raw[] = []
  for (const quote of quotes)
    for (const m of model.markets) if (m.quote === quote) out.push(...tickerOf(model, m))
  return arr(out)
}

/** `GET /v1/trades/ticks`. */
export function tradesTicks(model: MarketModel, q: Params): Raw {
  const m = oneMarket(model, q)
  const count = intParam(q, 'count', 1)
  if (count < 1 || count > 500) throw new QuotationError(400, INVALID)
  const daysAgoText = q.get('days_ago')
  const daysAgo = intParam(q, 'days_ago', 0)
  if (daysAgoText !== null && daysAgoText !== '' && (daysAgo < 1 || daysAgo > 7))
    throw new QuotationError(400, INVALID)
  const today = Math.floor(model.processedTime / DAY) * DAY
  const dayStart = today - daysAgo * DAY
  const windowStart = today - 7 * DAY
  let beforeTs: number | undefined
  let notBefore = windowStart
  const toText = q.get('to')
  if (toText !== null && toText !== '') {
    const mt = /^(\d{2}):?(\d{2}):?(\d{2})$/.exec(toText.trim())
    if (!mt) throw new QuotationError(400, INVALID)
    const [h, mi, s] = [Number(mt[1]), Number(mt[2]), Number(mt[3])]
    if (h > 23 || mi > 59 || s > 59) throw new QuotationError(400, INVALID)
    beforeTs = dayStart + ((h * 60 + mi) * 60 + s) * 1000
    notBefore = dayStart
  } else if (daysAgo > 0) {
    beforeTs = dayStart + DAY
    notBefore = dayStart
  }
  let before: { ts: number; sub: number } | undefined
  const cursor = q.get('cursor')
  if (cursor !== null && cursor !== '') {
    if (!/^\d+$/.test(cursor)) throw new QuotationError(400, TYPE)
    if (cursor.length < 5) before = { ts: 0, sub: 0 }
    else before = { ts: Number(cursor.slice(0, -4)), sub: Number(cursor.slice(-4)) }
  }
  const opts: { before?: { ts: number; sub: number }; beforeTs?: number; notBefore: number; count: number } =
    {
      notBefore,
      count,
    }
  if (before) opts.before = before
  if (beforeTs !== undefined) opts.beforeTs = beforeTs
  const trades = model.tradesBackward(m, opts)
  const prevByDay = new Map<number, number>()
  return arr(
    trades.map((t) => {
      const day = Math.floor(t.ts / DAY)
      let prev = prevByDay.get(day)
      if (prev === undefined) {
        prev = model.prevClose(m, day)
        prevByDay.set(day, prev)
      }
      return restTrade(m.def.code, t, prev, m.quote)
    }),
  )
}

/** `GET /v1/orderbook`. */
export function orderbook(model: MarketModel, q: Params): Raw {
  const markets = marketsParam(model, q, 'markets', true)
  const levelText = q.get('level')
  let level = 0
  if (levelText !== null && levelText !== '') {
    level = Number(levelText)
    if (!Number.isFinite(level) || level < 0) throw new QuotationError(400, TYPE)
  }
  let count = intParam(q, 'count', 30)
  if (count < 1) throw new QuotationError(400, INVALID)
  if (count > 30) count = 30
  const out: Raw[] = []
  for (const m of markets) {
    const book = model.book(m)
    const price = book.asks[0]?.[0] ?? 0
    if (level > 0 && (m.quote !== 'KRW' || !supportedLevels(m.quote, price).map(Number).includes(level)))
      continue
    const shaped = shapeBook(book, level, count, tickFor(m.quote, price).decimals)
    out.push(restOrderbook(m.def.code, book, shaped, level))
  }
  return arr(out)
}

/** `GET /v1/orderbook/instruments`. */
export function orderbookInstruments(model: MarketModel, q: Params): Raw {
  const markets = marketsParam(model, q, 'markets', true)
  return arr(
    markets.map((m) => {
      const price = model.lastTrade(m)?.price ?? m.def.referencePrice
      return obj([
        ['market', str(m.def.code)],
        ['quote_currency', str(m.quote)],
        ['tick_size', str(tickFor(m.quote, price).text)],
        ['supported_levels', arr(supportedLevels(m.quote, price).map(str))],
      ])
    }),
  )
}

const MINUTE_UNITS = new Set([1, 3, 5, 10, 15, 30, 60, 240])

/** Parses the candle path tail (`seconds`, `minutes/5`, `days`, …). */
export function candleUnit(path: string): CandleUnit | 'bad-unit' | undefined {
  const m = /^\/v1\/candles\/(seconds|minutes|days|weeks|months|years)(?:\/([^/]+))?\/?$/.exec(path)
  if (!m) return undefined
  const kind = m[1] as string
  if (kind === 'minutes') {
    if (m[2] === undefined) return undefined
    const n = Number(m[2])
    return MINUTE_UNITS.has(n) ? { kind: 'minutes', minutes: n } : 'bad-unit'
  }
  if (m[2] !== undefined) return undefined
  return { kind } as CandleUnit
}

/** `GET /v1/candles/*`. */
export function candles(model: MarketModel, unit: CandleUnit, q: Params): Raw {
  const m = oneMarket(model, q)
  const count = intParam(q, 'count', 1)
  if (count < 1 || count > 200) throw new QuotationError(400, INVALID)
  let to = model.processedTime + 1
  const toText = q.get('to')
  if (toText !== null && toText !== '') {
    const t = parseCandleTo(toText)
    if (t === undefined) throw new QuotationError(400, INVALID)
    to = t
  }
  const converting = q.get('converting_price_unit') ?? q.get('convertingPriceUnit')
  if (unit.kind === 'days' && converting !== null && converting !== '' && converting !== 'KRW')
    throw new QuotationError(400, INVALID)
  const list = listCandles(model, m, unit, to, count)
  return arr(list.map((c) => candleJson(model, m, unit, c, unit.kind === 'days' && converting === 'KRW')))
}

function candleJson(
  model: MarketModel,
  m: MarketState,
  unit: CandleUnit,
  c: Candle,
  converted: boolean,
): Raw {
  const s = c.summary
  const pairs: [string, Raw][] = [
    ['market', str(m.def.code)],
    ['candle_date_time_utc', str(dateTime(c.start))],
    ['candle_date_time_kst', str(dateTime(c.start + KST_OFFSET))],
    ['opening_price', num(s.open)],
    ['high_price', num(s.high)],
    ['low_price', num(s.low)],
    ['trade_price', num(s.close)],
    ['timestamp', num(s.lastTs)],
    ['candle_acc_trade_price', num(r8(s.turnover))],
    ['candle_acc_trade_volume', num(r8(s.volume))],
  ]
  if (unit.kind === 'minutes') pairs.push(['unit', num(unit.minutes)])
  else if (unit.kind === 'days') {
    const prev = model.prevClose(m, Math.floor(c.start / DAY))
    const change = priceDiff(m.quote, s.close, prev)
    pairs.push(['prev_closing_price', num(prev)])
    pairs.push(['change_price', num(change)])
    pairs.push(['change_rate', num(prev > 0 ? r8(change / prev) : 0)])
    if (converted) pairs.push(['converted_trade_price', m.quote === 'KRW' ? num(s.close) : 'null'])
  } else if (unit.kind !== 'seconds') pairs.push(['first_day_of_period', str(dateDash(c.start))])
  return obj(pairs)
}
