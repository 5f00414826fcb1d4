import type { MarketModel } from '../market/model.js'
import { MINUTE } from '../util/time.js'
import { amt, BinanceError, px, qty } from './format.js'
import {
  type BnMarket,
  isInterval,
  klineRow,
  klines,
  needSymbol,
  rangeOf,
  type Stats24,
  stats24,
} from './market.js'

/** A public REST route: its request weight (from the query) and its handler (JSON text). */
interface Route {
  weight(q: URLSearchParams): number
  run(q: URLSearchParams): unknown
}

/** An optional integer parameter (`-1100` when not digits). */
export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name)
  if (v === null || v === '') return undefined
  if (!/^-?[0-9]{1,20}$/.test(v))
    throw new BinanceError(
      400,
      -1100,
      `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`,
    )
  return Number(v)
}

/** An id parameter (a trade id, or an aggregate id when `shift` is the aggregate offset). */
export function idParam(q: URLSearchParams, name: string, bm: BnMarket, shift = 0): number | undefined {
  const v = q.get(name)
  if (v === null || v === '') return undefined
  if (!/^-?[0-9]{1,20}$/.test(v))
    throw new BinanceError(
      400,
      -1100,
      `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`,
    )
  return bm.wire.in(v) - shift
}

/** The `limit` parameter: `def` when absent, `-1130` outside 1…`max` (or clamped to `max`). */
export function limitParam(q: URLSearchParams, def: number, max: number, clamp = false): number {
  const n = intParam(q, 'limit') ?? def
  if (n < 1 || (!clamp && n > max))
    throw new BinanceError(400, -1130, "Data sent for parameter 'limit' is not valid.")
  return Math.min(n, max)
}

function symbolsParam(byName: ReadonlyMap<string, BnMarket>, q: URLSearchParams): BnMarket[] | undefined {
  const raw = q.get('symbols')
  if (raw === null) return undefined
  if (q.get('symbol') !== null)
    throw new BinanceError(400, -1128, 'Combination of optional parameters invalid.')
  let list: unknown
  try {
    list = JSON.parse(raw)
  } catch {
    throw new BinanceError(400, -1130, "Data sent for parameter 'symbols' is not valid.")
  }
  if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== 'string'))
    throw new BinanceError(400, -1130, "Data sent for parameter 'symbols' is not valid.")
  const out: BnMarket[] = []
  for (const name of list as string[]) {
    const bm = byName.get(name)
    if (!bm) throw new BinanceError(400, -1121, 'Invalid symbol.')
    if (out.includes(bm)) throw new BinanceError(400, -1151, 'Symbol is present multiple times in the list.')
    out.push(bm)
  }
  return out
}

function symbolCount(q: URLSearchParams): number | undefined {
  if (q.get('symbol') !== null) return 1
  const raw = q.get('symbols')
  if (raw === null) return undefined
  try {
    const v: unknown = JSON.parse(raw)
    return Array.isArray(v) ? v.length : 1
  } catch {
    return 1
  }
}

/** Single symbol → object, `symbols` → array, neither → array of all. */
function oneOrMany<T>(
  byName: ReadonlyMap<string, BnMarket>,
  all: readonly BnMarket[],
  q: URLSearchParams,
  view: (bm: BnMarket) => T,
): T | T[] {
  const many = symbolsParam(byName, q)
  if (many) return many.map(view)
  if (q.get('symbol') !== null) return view(needSymbol(byName, q))
  return all.map(view)
}

function pct(change: number, open: number): string {
  return open > 0 ? ((change / open) * 100).toFixed(3) : '0.000'
}

function ticker24(bm: BnMarket, st: Stats24, mini: boolean): Record<string, unknown> {
  const wap = st.volume > 0 ? st.turnover / st.volume : 0
  if (mini)
    return {
      symbol: st.symbol,
      openPrice: px(st.open),
      highPrice: px(st.high),
      lowPrice: px(st.low),
      lastPrice: px(st.last),
      volume: amt(st.volume),
      quoteVolume: amt(st.turnover),
      openTime: st.openTime,
      closeTime: st.closeTime,
      firstId: bm.wire.out(st.firstId),
      lastId: bm.wire.out(st.lastId),
      count: st.count,
    }
  const { bid, ask } = bm.depth.best()
  return {
    symbol: st.symbol,
    priceChange: px(st.last - st.open),
    priceChangePercent: pct(st.last - st.open, st.open),
    weightedAvgPrice: px(wap),
    prevClosePrice: px(st.prevClose),
    lastPrice: px(st.last),
    lastQty: st.lastQty,
    bidPrice: bid?.[0] ?? '0.00000000',
    bidQty: bid?.[1] ?? '0.00000000',
    askPrice: ask?.[0] ?? '0.00000000',
    askQty: ask?.[1] ?? '0.00000000',
    openPrice: px(st.open),
    highPrice: px(st.high),
    lowPrice: px(st.low),
    volume: amt(st.volume),
    quoteVolume: amt(st.turnover),
    openTime: st.openTime,
    closeTime: st.closeTime,
    firstId: bm.wire.out(st.firstId),
    lastId: bm.wire.out(st.lastId),
    count: st.count,
  }
}

function tradeRow(bm: BnMarket, id: number, t: { ts: number; price: number; volume: number; bid: boolean }) {
  const q = qty(bm.sym, t.volume)
  return {
    id: bm.wire.out(id),
    price: px(t.price),
    qty: q,
    quoteQty: amt(t.price * Number(q)),
    time: t.ts,
    isBuyerMaker: !t.bid,
    isBestMatch: true,
  }
}

function symbolInfo(bm: BnMarket): Record<string, unknown> {
  const s = bm.sym
  return {
    symbol: s.symbol,
    status: 'TRADING',
    baseAsset: s.baseAsset,
    baseAssetPrecision: 8,
    quoteAsset: s.quoteAsset,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: [
      'LIMIT',
      'LIMIT_MAKER',
      'MARKET',
      'STOP_LOSS',
      'STOP_LOSS_LIMIT',
      'TAKE_PROFIT',
      'TAKE_PROFIT_LIMIT',
    ],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    opoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    amendAllowed: true,
    pegInstructionsAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: px(Number(s.tickSize)),
        maxPrice: px(1_000_000),
        tickSize: px(Number(s.tickSize)),
      },
      {
        filterType: 'LOT_SIZE',
        minQty: px(Number(s.stepSize)),
        maxQty: px(9000),
        stepSize: px(Number(s.stepSize)),
      },
      { filterType: 'ICEBERG_PARTS', limit: 100 },
      { filterType: 'MARKET_LOT_SIZE', minQty: px(0), maxQty: px(100), stepSize: px(0) },
      {
        filterType: 'NOTIONAL',
        minNotional: px(Number(s.minNotional)),
        applyMinToMarket: true,
        maxNotional: px(9_000_000),
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'DECREMENT'],
  }
}

/** Weight of `ticker/24hr` by symbol count. */
function weight24(q: URLSearchParams): number {
  const n = symbolCount(q)
  if (n === undefined) return 80
  if (q.get('symbol') !== null) return 2
  return n <= 20 ? 2 : n <= 100 ? 40 : 80
}

/** Builds the public `/api/v3/*` routes. */
export function binanceRoutes(
  model: MarketModel,
  markets: readonly BnMarket[],
  weightLimit: number,
): Map<string, Route> {
  const byName = new Map(markets.map((bm) => [bm.sym.symbol, bm]))
  const routes = new Map<string, Route>()
  const add = (path: string, weight: number | ((q: URLSearchParams) => number), run: Route['run']): void => {
    routes.set(path, { weight: typeof weight === 'number' ? () => weight : weight, run })
  }
  add('/api/v3/ping', 1, () => ({}))
  add('/api/v3/time', 1, () => ({ serverTime: model.processedTime }))
  add('/api/v3/exchangeInfo', 20, (q) => {
    const many = symbolsParam(byName, q)
    const list = many ?? (q.get('symbol') !== null ? [needSymbol(byName, q)] : markets)
    return {
      timezone: 'UTC',
      serverTime: model.processedTime,
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: weightLimit },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 50 },
        { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 160000 },
        { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 300000 },
      ],
      exchangeFilters: [],
      symbols: list.map(symbolInfo),
    }
  })
  add(
    '/api/v3/depth',
    (q) => {
      const n = Math.min(Number(q.get('limit') ?? 100) || 100, 5000)
      return n <= 100 ? 5 : n <= 500 ? 25 : n <= 1000 ? 50 : 250
    },
    (q) => {
      const bm = needSymbol(byName, q)
      return bm.depth.snapshot(limitParam(q, 100, 5000, true))
    },
  )
  add('/api/v3/trades', 25, (q) => {
    const bm = needSymbol(byName, q)
    return bm.ids.recent(limitParam(q, 500, 1000)).map((x) => tradeRow(bm, x.id, x.trade))
  })
  add('/api/v3/historicalTrades', 25, (q) => {
    const bm = needSymbol(byName, q)
    const limit = limitParam(q, 500, 1000)
    const fromId = idParam(q, 'fromId', bm)
    const rows = fromId === undefined ? bm.ids.recent(limit) : bm.ids.fromId(fromId, limit)
    return rows.map((x) => tradeRow(bm, x.id, x.trade))
  })
  add('/api/v3/aggTrades', 4, (q) => {
    const bm = needSymbol(byName, q)
    const limit = limitParam(q, 500, 1000)
    const fromId = idParam(q, 'fromId', bm, AGG_OFFSET)
    const startTime = intParam(q, 'startTime')
    const endTime = intParam(q, 'endTime')
    if (fromId !== undefined && (startTime !== undefined || endTime !== undefined))
      throw new BinanceError(400, -1128, 'Combination of optional parameters invalid.')
    let rows: ReturnType<typeof bm.ids.recent>
    if (fromId !== undefined) rows = bm.ids.fromId(fromId, limit)
    else if (startTime !== undefined) rows = bm.ids.fromId(bm.ids.firstIdAtOrAfter(startTime), limit)
    else if (endTime !== undefined) {
      const last = bm.ids.firstIdAtOrAfter(endTime + 1) - 1
      rows = bm.ids.fromId(last - limit + 1, limit)
    } else rows = bm.ids.recent(limit)
    if (endTime !== undefined) rows = rows.filter((x) => x.trade.ts <= endTime)
    return rows.map((x) => ({
      a: bm.wire.out(x.id + AGG_OFFSET),
      p: px(x.trade.price),
      q: qty(bm.sym, x.trade.volume),
      f: bm.wire.out(x.id),
      l: bm.wire.out(x.id),
      T: x.trade.ts,
      m: !x.trade.bid,
      M: true,
    }))
  })
  add('/api/v3/klines', 2, (q) => klineRoute(q))
  add('/api/v3/uiKlines', 2, (q) => klineRoute(q))
  const klineRoute = (q: URLSearchParams): unknown => {
    const bm = needSymbol(byName, q)
    const interval = q.get('interval')
    if (interval === null || interval === '')
      throw new BinanceError(
        400,
        -1102,
        "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.",
      )
    if (!isInterval(interval)) throw new BinanceError(400, -1120, 'Invalid interval.')
    const limit = limitParam(q, 500, 1000)
    const startTime = intParam(q, 'startTime')
    const endTime = intParam(q, 'endTime')
    if (startTime !== undefined && endTime !== undefined && startTime > endTime)
      throw new BinanceError(400, -1128, 'Combination of optional parameters invalid.')
    return klines(model, bm, { interval, startTime, endTime, limit }).map((k) =>
      klineRow(k.start, k.end, k.s),
    )
  }
  add('/api/v3/avgPrice', 2, (q) => {
    const bm = needSymbol(byName, q)
    const nowMinute = Math.floor(model.processedTime / MINUTE)
    const s = rangeOf(model, bm.m, (nowMinute - 4) * MINUTE, (nowMinute + 1) * MINUTE)
    const last = bm.ids.fromId(bm.ids.lastId(), 1)[0]
    return {
      mins: 5,
      price: px(s && s.volume > 0 ? s.turnover / s.volume : (last?.trade.price ?? bm.sym.def.referencePrice)),
      closeTime: last?.trade.ts ?? model.processedTime,
    }
  })
  add('/api/v3/ticker/24hr', weight24, (q) => {
    const type = q.get('type') ?? 'FULL'
    if (type !== 'FULL' && type !== 'MINI') throw new BinanceError(400, -1139, 'Invalid ticker type.')
    return oneOrMany(byName, markets, q, (bm) => ticker24(bm, stats24(model, bm), type === 'MINI'))
  })
  add(
    '/api/v3/ticker/price',
    (q) => (q.get('symbol') !== null ? 2 : 4),
    (q) =>
      oneOrMany(byName, markets, q, (bm) => {
        const last = bm.ids.fromId(bm.ids.lastId(), 1)[0]
        return { symbol: bm.sym.symbol, price: px(last?.trade.price ?? bm.sym.def.referencePrice) }
      }),
  )
  add(
    '/api/v3/ticker/bookTicker',
    (q) => (q.get('symbol') !== null ? 2 : 4),
    (q) =>
      oneOrMany(byName, markets, q, (bm) => {
        const { bid, ask } = bm.depth.best()
        return {
          symbol: bm.sym.symbol,
          bidPrice: bid?.[0] ?? '0.00000000',
          bidQty: bid?.[1] ?? '0.00000000',
          askPrice: ask?.[0] ?? '0.00000000',
          askQty: ask?.[1] ?? '0.00000000',
        }
      }),
  )
  return routes
}

/** Aggregate-trade ids are trade ids shifted by this (each trade is its own aggregate here). */
export const AGG_OFFSET = -1_000_000_000
