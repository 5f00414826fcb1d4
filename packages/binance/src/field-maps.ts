import { DataValidationError } from '@bb/errors'
import type { CustomRule, CustomRuleHelpers, FieldMap, FieldMaps, FieldRule } from '@bb/exchange-adapter'
import { type CandleInterval, Decimal } from '@bb/models'
import { BINANCE_INTERVALS } from './intervals.js'

type Raw = Readonly<Record<string, unknown>>

function custom(reads: readonly string[], read: (raw: Raw, h: CustomRuleHelpers) => unknown): CustomRule {
  return { type: 'custom', reads, read }
}

function bad(path: string, expected: string, received: unknown): never {
  throw new DataValidationError({ path, expected, received })
}

/** The `data` of a combined-stream frame `{"stream":…,"data":…}`. */
function dataOf(raw: Raw): Raw {
  const data = raw.data
  if (data === null || typeof data !== 'object' || Array.isArray(data)) bad('data', 'an object', data)
  return data as Raw
}

// `m` / `isBuyerMaker` = the buyer was the maker, so the taker sold (BINANCE.md §6).
function takerSide(value: unknown, path: string): 'buy' | 'sell' {
  if (typeof value !== 'boolean') bad(path, 'a boolean (buyer is maker)', value)
  return value ? 'sell' : 'buy'
}

function changeOf(price: Decimal): 'rise' | 'fall' | 'even' {
  return price.isZero() ? 'even' : price.isNegative() ? 'fall' : 'rise'
}

function levels(value: unknown, path: string, h: CustomRuleHelpers) {
  if (!Array.isArray(value)) bad(path, 'an array of [price, quantity]', value)
  return value.map((unit: unknown, i) => {
    if (!Array.isArray(unit) || unit.length < 2) bad(`${path}[${i}]`, '[price, quantity]', unit)
    return { price: h.decimal(unit[0], `${path}[${i}][0]`), size: h.decimal(unit[1], `${path}[${i}][1]`) }
  })
}

function interval(value: unknown, path: string): CandleInterval {
  if (typeof value !== 'string' || !(BINANCE_INTERVALS as readonly string[]).includes(value))
    bad(path, `a unified interval (${BINANCE_INTERVALS.join(', ')})`, value)
  return value as CandleInterval
}

const realtime: FieldRule = { type: 'const', value: 'realtime' }
const streamSymbol: FieldRule = { type: 'symbol', from: 'stream' }

// --- WS ticker (`24hrTicker`, and `24hrMiniTicker`, which has no prevClose / change) ---------
function tickerChangePrice(d: Raw, h: CustomRuleHelpers): Decimal {
  if (d.p !== undefined) return h.decimal(d.p, 'data.p')
  return h.decimal(d.c, 'data.c').minus(h.decimal(d.o, 'data.o'))
}

// --- account and orders (REST: account balances, order answers, openOrders, allOrders) -------

const ORDER_SIDE = { BUY: 'buy', SELL: 'sell' } as const
// LIMIT_MAKER is a post-only limit order (its timeInForce is post_only).
const ORDER_TYPE = { LIMIT: 'limit', LIMIT_MAKER: 'limit', MARKET: 'market' } as const
// Binance order statuses onto the neutral states (BINANCE.md §5.1): working → wait, FILLED → done,
// canceled / expired / rejected → cancel, expired by self-trade prevention → prevented.
const ORDER_STATE = {
  NEW: 'wait',
  PENDING_NEW: 'wait',
  PARTIALLY_FILLED: 'wait',
  PENDING_CANCEL: 'wait',
  FILLED: 'done',
  CANCELED: 'cancel',
  EXPIRED: 'cancel',
  REJECTED: 'cancel',
  EXPIRED_IN_MATCH: 'prevented',
} as const
const SMP = {
  EXPIRE_MAKER: 'cancel_maker',
  EXPIRE_TAKER: 'cancel_taker',
  EXPIRE_BOTH: 'cancel_both',
} as const

/** A decimal that Binance sends as `"0.00000000"` when it does not apply: zero is missing. */
function positive(raw: Raw, key: string, h: CustomRuleHelpers): Decimal | undefined {
  const value = raw[key]
  if (value === undefined || value === null) return undefined
  const d = h.decimal(value, key)
  return d.isZero() ? undefined : d
}

/** Sized by a quote total (`quoteOrderQty` → `origQuoteOrderQty` > 0): the neutral `cost`. */
function byCost(raw: Raw, h: CustomRuleHelpers): boolean {
  return positive(raw, 'origQuoteOrderQty', h) !== undefined
}

/** The order id as the endpoint builders take it back: `SYMBOL:orderId` (`BTCUSDT:28`). */
function binanceOrderId(symbol: unknown, orderId: unknown, h: CustomRuleHelpers): string {
  if (typeof symbol !== 'string' || symbol === '') bad('symbol', 'a symbol', symbol)
  return `${symbol}:${h.id(orderId, 'orderId')}`
}

function fillsOf(raw: Raw): Raw[] | undefined {
  const fills = raw.fills
  if (fills === undefined || fills === null) return undefined
  if (!Array.isArray(fills)) bad('fills', 'an array', fills)
  return fills as Raw[]
}

const orderFields: FieldMap<'order'>['fields'] = {
  symbol: { type: 'symbol', from: 'symbol' },
  // `updateTime` (query, lists), `transactTime` (new / cancel answers).
  timestamp: { type: 'timestamp', from: ['updateTime', 'transactTime', 'time'] },
  id: custom(['symbol', 'orderId'], (raw, h) => binanceOrderId(raw.symbol, raw.orderId, h)),
  // A cancel answer's `clientOrderId` is the cancel request's own id; the order's is `origClientOrderId`.
  clientOrderId: { type: 'string', from: ['origClientOrderId', 'clientOrderId'], optional: true },
  side: { type: 'enum', from: 'side', values: ORDER_SIDE },
  type: { type: 'enum', from: 'type', values: ORDER_TYPE },
  state: { type: 'enum', from: 'status', values: ORDER_STATE },
  // A market order's price is "0.00000000": no limit price.
  price: custom(['price', 'type'], (raw, h) =>
    raw.type === 'MARKET' ? undefined : positive(raw, 'price', h),
  ),
  volume: custom(['origQty', 'origQuoteOrderQty'], (raw, h) =>
    byCost(raw, h) ? undefined : h.decimal(raw.origQty, 'origQty'),
  ),
  cost: custom(['origQuoteOrderQty'], (raw, h) => positive(raw, 'origQuoteOrderQty', h)),
  remainingVolume: custom(['origQty', 'executedQty', 'origQuoteOrderQty'], (raw, h) => {
    if (byCost(raw, h) || raw.origQty === undefined) return undefined
    const left = h.decimal(raw.origQty, 'origQty').minus(h.decimal(raw.executedQty, 'executedQty'))
    return left.isNegative() ? new Decimal(0) : left
  }),
  executedVolume: { type: 'decimal', from: 'executedQty' },
  // Negative for orders older than the field (BINANCE.md §5.1): then unknown.
  executedFunds: custom(['cummulativeQuoteQty'], (raw, h) => {
    if (raw.cummulativeQuoteQty === undefined) return undefined
    const funds = h.decimal(raw.cummulativeQuoteQty, 'cummulativeQuoteQty')
    return funds.isNegative() ? undefined : funds
  }),
  avgPrice: custom(['cummulativeQuoteQty', 'executedQty'], (raw, h) => {
    if (raw.cummulativeQuoteQty === undefined) return undefined
    const executed = h.decimal(raw.executedQty, 'executedQty')
    const funds = h.decimal(raw.cummulativeQuoteQty, 'cummulativeQuoteQty')
    return executed.isZero() || funds.isNegative() ? undefined : funds.dividedBy(executed)
  }),
  // Order bodies carry no fee and no fill count; a FULL new-order answer lists its fills.
  paidFee: custom(['fills'], (raw, h) =>
    (fillsOf(raw) ?? []).reduce(
      (sum: Decimal, f, i) => sum.plus(h.decimal(f.commission, `fills[${i}].commission`)),
      new Decimal(0),
    ),
  ),
  tradesCount: custom(['fills'], (raw) => fillsOf(raw)?.length ?? 0),
  timeInForce: custom(['timeInForce', 'type'], (raw) => {
    if (raw.type === 'LIMIT_MAKER') return 'post_only'
    return raw.timeInForce === 'IOC' ? 'ioc' : raw.timeInForce === 'FOK' ? 'fok' : undefined
  }),
  smpType: custom(['selfTradePreventionMode'], (raw) => {
    const mode = raw.selfTradePreventionMode
    return typeof mode === 'string' && mode in SMP ? SMP[mode as keyof typeof SMP] : undefined
  }),
  createdAt: { type: 'timestamp', from: ['time', 'workingTime', 'transactTime'] },
  fills: custom(['fills', 'tradeId', 'commission'], (raw, h) => {
    const fills = fillsOf(raw)
    if (fills === undefined) return undefined
    const market = h.symbol(raw.symbol, 'symbol')
    const orderId = binanceOrderId(raw.symbol, raw.orderId, h)
    const side = ORDER_SIDE[raw.side as keyof typeof ORDER_SIDE]
    if (side === undefined) bad('side', 'BUY or SELL', raw.side)
    return fills.map((f, i) => {
      const path = `fills[${i}]`
      return {
        exchange: h.exchange,
        ...market,
        timestamp: h.timestamp(raw.transactTime ?? raw.updateTime, 'transactTime'),
        receivedAt: h.receivedAt,
        source: h.source,
        id: h.id(f.tradeId, `${path}.tradeId`),
        orderId,
        side,
        price: h.decimal(f.price, `${path}.price`),
        size: h.decimal(f.qty, `${path}.qty`),
        fee: h.decimal(f.commission, `${path}.commission`),
      }
    })
  }),
}

// --- the WS API user data stream: `{"subscriptionId":0,"event":{…}}` --------------------------

/** A decimal field of an executionReport. */
const ev = (key: string): FieldRule => ({ type: 'decimal', from: key })

/**
 * `executionReport` → Order (read with `each: 'event'`). One report is one state transition; a
 * `TRADE` report carries the fill it reports (`l`, `L`, `n`, `t`, `m`): `fills` holds that one fill
 * and `paidFee` / `tradesCount` are **that fill's** (Binance sends no running fee total; the REST
 * order answers carry none either). `z` / `Z` are cumulative: `executedVolume`, `executedFunds`,
 * `avgPrice = Z / z`.
 */
const executionReportFields: FieldMap<'order'>['fields'] = {
  symbol: { type: 'symbol', from: 's' },
  timestamp: { type: 'timestamp', from: ['T', 'E'] },
  streamType: realtime,
  id: custom(['s', 'i'], (raw, h) => binanceOrderId(raw.s, raw.i, h)),
  // On a cancel `c` is the cancel request's own id and `C` the order's.
  clientOrderId: custom(['C', 'c'], (raw) =>
    typeof raw.C === 'string' && raw.C !== '' ? raw.C : typeof raw.c === 'string' ? raw.c : undefined,
  ),
  side: { type: 'enum', from: 'S', values: ORDER_SIDE },
  type: { type: 'enum', from: 'o', values: ORDER_TYPE },
  state: { type: 'enum', from: 'X', values: ORDER_STATE },
  price: custom(['p', 'o'], (raw, h) => (raw.o === 'MARKET' ? undefined : positive(raw, 'p', h))),
  volume: custom(['q', 'Q'], (raw, h) =>
    positive(raw, 'Q', h) !== undefined ? undefined : h.decimal(raw.q, 'q'),
  ),
  cost: custom(['Q'], (raw, h) => positive(raw, 'Q', h)),
  remainingVolume: custom(['q', 'z', 'Q'], (raw, h) => {
    if (positive(raw, 'Q', h) !== undefined) return undefined
    const left = h.decimal(raw.q, 'q').minus(h.decimal(raw.z, 'z'))
    return left.isNegative() ? new Decimal(0) : left
  }),
  executedVolume: ev('z'),
  executedFunds: ev('Z'),
  avgPrice: custom(['Z', 'z'], (raw, h) => {
    const executed = h.decimal(raw.z, 'z')
    return executed.isZero() ? undefined : h.decimal(raw.Z, 'Z').dividedBy(executed)
  }),
  paidFee: custom(['x', 'n'], (raw, h) => (raw.x === 'TRADE' ? h.decimal(raw.n, 'n') : new Decimal(0))),
  tradesCount: custom(['x'], (raw) => (raw.x === 'TRADE' ? 1 : 0)),
  timeInForce: custom(['f', 'o'], (raw) => {
    if (raw.o === 'LIMIT_MAKER') return 'post_only'
    return raw.f === 'IOC' ? 'ioc' : raw.f === 'FOK' ? 'fok' : undefined
  }),
  smpType: custom(['V'], (raw) =>
    typeof raw.V === 'string' && raw.V in SMP ? SMP[raw.V as keyof typeof SMP] : undefined,
  ),
  createdAt: { type: 'timestamp', from: ['O', 'T'] },
  fills: custom(['x', 't', 'l', 'L', 'n', 'Y', 'm'], (raw, h) => {
    if (raw.x !== 'TRADE') return undefined
    const side = ORDER_SIDE[raw.S as keyof typeof ORDER_SIDE]
    if (side === undefined) bad('S', 'BUY or SELL', raw.S)
    if (typeof raw.m !== 'boolean') bad('m', 'a boolean (is maker)', raw.m)
    return [
      {
        exchange: h.exchange,
        ...h.symbol(raw.s, 's'),
        timestamp: h.timestamp(raw.T, 'T'),
        receivedAt: h.receivedAt,
        source: h.source,
        id: h.id(raw.t, 't'),
        orderId: binanceOrderId(raw.s, raw.i, h),
        side,
        price: h.decimal(raw.L, 'L'),
        size: h.decimal(raw.l, 'l'),
        funds: h.decimal(raw.Y, 'Y'),
        fee: h.decimal(raw.n, 'n'),
        isMaker: raw.m,
      },
    ]
  }),
}

/**
 * Binance's field maps (BINANCE.md §6). REST: `exchangeInfo` (`each: symbols`), `ticker/24hr`,
 * trade rows of `trades`/`historicalTrades`/`aggTrades`, `depth`, and kline rows — REST bodies
 * without a symbol (trades, depth) and klines (12-element arrays) go through
 * {@link binanceRestRows} first. WS: the combined-stream wrapper `{stream, data}` for every
 * stream kind; the symbol comes from the stream name (partial depth has none in `data`).
 * Side is the taker's: `m` (buyer is maker) → `sell`.
 */
export const BINANCE_FIELD_MAPS: FieldMaps = {
  // `GET /api/v3/account` balances, one row each (the request's prepare adds the account's `updateTime`).
  balance: {
    rest: {
      fields: {
        currency: { type: 'string', from: 'asset' },
        free: { type: 'decimal', from: 'free' },
        locked: { type: 'decimal', from: 'locked' },
        timestamp: { type: 'timestamp', from: 'updateTime', optional: true },
      },
    },
    // `outboundAccountPosition`: the assets an event changed, free and locked (`u`: account update time).
    userData: {
      each: 'event.B',
      fields: {
        currency: { type: 'string', from: 'a' },
        free: { type: 'decimal', from: 'f' },
        locked: { type: 'decimal', from: 'l' },
        timestamp: { type: 'timestamp', from: ['^u', '^E'] },
      },
    },
  },
  order: {
    rest: { fields: orderFields },
    userData: { each: 'event', fields: executionReportFields },
  },
  market: {
    rest: {
      each: 'symbols',
      fields: {
        symbol: { type: 'symbol', from: 'symbol' },
        timestamp: { type: 'timestamp', from: '^serverTime', optional: true },
        tickSize: custom(['filters'], (raw, h) => {
          const filters = Array.isArray(raw.filters) ? (raw.filters as Raw[]) : []
          const price = filters.find(
            (f) => f !== null && typeof f === 'object' && f.filterType === 'PRICE_FILTER',
          )
          if (price === undefined || price.tickSize === undefined) return undefined
          const tick = h.decimal(price.tickSize, 'filters.PRICE_FILTER.tickSize')
          return tick.isZero() ? undefined : tick
        }),
      },
    },
  },
  ticker: {
    rest: {
      fields: {
        symbol: { type: 'symbol', from: 'symbol' },
        last: { type: 'decimal', from: 'lastPrice' },
        open: { type: 'decimal', from: 'openPrice' },
        high: { type: 'decimal', from: 'highPrice' },
        low: { type: 'decimal', from: 'lowPrice' },
        prevClose: { type: 'decimal', from: 'prevClosePrice' },
        change: custom(['priceChange'], (raw, h) => changeOf(h.decimal(raw.priceChange, 'priceChange'))),
        changePrice: { type: 'decimal', from: 'priceChange' },
        changeRate: custom(['priceChangePercent'], (raw, h) =>
          h.decimal(raw.priceChangePercent, 'priceChangePercent').dividedBy(100),
        ),
        volume: { type: 'decimal', from: 'volume' },
        quoteVolume: { type: 'decimal', from: 'quoteVolume' },
        volume24h: { type: 'decimal', from: 'volume' },
        quoteVolume24h: { type: 'decimal', from: 'quoteVolume' },
        lastTradeSize: { type: 'decimal', from: 'lastQty', optional: true },
        timestamp: { type: 'timestamp', from: 'closeTime' },
        streamType: { type: 'const', value: 'snapshot' },
      },
    },
    combined: {
      fields: {
        symbol: streamSymbol,
        last: custom(['data.c'], (raw, h) => h.decimal(dataOf(raw).c, 'data.c')),
        open: custom(['data.o'], (raw, h) => h.decimal(dataOf(raw).o, 'data.o')),
        high: custom(['data.h'], (raw, h) => h.decimal(dataOf(raw).h, 'data.h')),
        low: custom(['data.l'], (raw, h) => h.decimal(dataOf(raw).l, 'data.l')),
        // `x` is the last price before the rolling window; the mini ticker has none: its open.
        prevClose: custom(['data.x', 'data.o'], (raw, h) => {
          const d = dataOf(raw)
          return d.x !== undefined ? h.decimal(d.x, 'data.x') : h.decimal(d.o, 'data.o')
        }),
        change: custom(['data.p', 'data.c', 'data.o'], (raw, h) =>
          changeOf(tickerChangePrice(dataOf(raw), h)),
        ),
        changePrice: custom(['data.p', 'data.c', 'data.o'], (raw, h) => tickerChangePrice(dataOf(raw), h)),
        changeRate: custom(['data.P', 'data.c', 'data.o'], (raw, h) => {
          const d = dataOf(raw)
          if (d.P !== undefined) return h.decimal(d.P, 'data.P').dividedBy(100)
          const open = h.decimal(d.o, 'data.o')
          return open.isZero() ? new Decimal(0) : tickerChangePrice(d, h).dividedBy(open)
        }),
        volume: custom(['data.v'], (raw, h) => h.decimal(dataOf(raw).v, 'data.v')),
        quoteVolume: custom(['data.q'], (raw, h) => h.decimal(dataOf(raw).q, 'data.q')),
        volume24h: custom(['data.v'], (raw, h) => h.decimal(dataOf(raw).v, 'data.v')),
        quoteVolume24h: custom(['data.q'], (raw, h) => h.decimal(dataOf(raw).q, 'data.q')),
        lastTradeSize: custom(['data.Q'], (raw, h) => {
          const q = dataOf(raw).Q
          return q === undefined ? undefined : h.decimal(q, 'data.Q')
        }),
        timestamp: custom(['data.E'], (raw, h) => h.timestamp(dataOf(raw).E, 'data.E')),
        streamType: realtime,
      },
    },
  },
  trade: {
    rest: {
      fields: {
        symbol: { type: 'symbol', from: 'symbol' },
        id: { type: 'id', from: ['id', 'a'] },
        price: { type: 'decimal', from: ['price', 'p'] },
        size: { type: 'decimal', from: ['qty', 'q'] },
        side: custom(['isBuyerMaker', 'm'], (raw) =>
          raw.isBuyerMaker !== undefined
            ? takerSide(raw.isBuyerMaker, 'isBuyerMaker')
            : takerSide(raw.m, 'm'),
        ),
        timestamp: { type: 'timestamp', from: ['time', 'T'] },
        streamType: { type: 'const', value: 'snapshot' },
      },
    },
    combined: {
      fields: {
        symbol: streamSymbol,
        // `t` on @trade, `a` (aggregate id, another id space) on @aggTrade.
        id: custom(['data.t', 'data.a'], (raw, h) => {
          const d = dataOf(raw)
          return d.t !== undefined ? h.id(d.t, 'data.t') : h.id(d.a, 'data.a')
        }),
        price: custom(['data.p'], (raw, h) => h.decimal(dataOf(raw).p, 'data.p')),
        size: custom(['data.q'], (raw, h) => h.decimal(dataOf(raw).q, 'data.q')),
        side: custom(['data.m'], (raw) => takerSide(dataOf(raw).m, 'data.m')),
        timestamp: custom(['data.T'], (raw, h) => h.timestamp(dataOf(raw).T, 'data.T')),
        streamType: realtime,
      },
    },
  },
  orderbook: {
    rest: {
      fields: {
        symbol: { type: 'symbol', from: 'symbol' },
        // `depth` (`bids`/`asks` arrays) or `ticker/bookTicker` (best bid and ask: one level per side).
        bids: custom(['bids', 'bidPrice', 'bidQty'], (raw, h) =>
          raw.bids !== undefined
            ? levels(raw.bids, 'bids', h)
            : [{ price: h.decimal(raw.bidPrice, 'bidPrice'), size: h.decimal(raw.bidQty, 'bidQty') }],
        ),
        asks: custom(['asks', 'askPrice', 'askQty'], (raw, h) =>
          raw.asks !== undefined
            ? levels(raw.asks, 'asks', h)
            : [{ price: h.decimal(raw.askPrice, 'askPrice'), size: h.decimal(raw.askQty, 'askQty') }],
        ),
        streamType: { type: 'const', value: 'snapshot' },
        // `depth` answers its `lastUpdateId`: the sequence a local book starts from (BINANCE.md §6.4).
        sequence: custom(['lastUpdateId'], (raw, h) =>
          raw.lastUpdateId === undefined ? undefined : h.id(raw.lastUpdateId, 'lastUpdateId'),
        ),
      },
    },
    // Diff depth (`b`/`a`, absolute quantities, 0 removes a level), partial depth (`bids`/`asks`,
    // a full top-N snapshot) and `@bookTicker` (best bid and ask: one level per side).
    combined: {
      fields: {
        symbol: streamSymbol,
        bids: custom(['data.b', 'data.bids', 'data.B'], (raw, h) => {
          const d = dataOf(raw)
          if (Array.isArray(d.bids)) return levels(d.bids, 'data.bids', h)
          if (Array.isArray(d.b)) return levels(d.b, 'data.b', h)
          return [{ price: h.decimal(d.b, 'data.b'), size: h.decimal(d.B, 'data.B') }]
        }),
        asks: custom(['data.a', 'data.asks', 'data.A'], (raw, h) => {
          const d = dataOf(raw)
          if (Array.isArray(d.asks)) return levels(d.asks, 'data.asks', h)
          if (Array.isArray(d.a)) return levels(d.a, 'data.a', h)
          return [{ price: h.decimal(d.a, 'data.a'), size: h.decimal(d.A, 'data.A') }]
        }),
        timestamp: custom(['data.E'], (raw, h) => {
          // Partial depth and book ticker carry no time: the receive time.
          const e = dataOf(raw).E
          return e === undefined ? h.receivedAt : h.timestamp(e, 'data.E')
        }),
        // Diff frames are deltas; partial depth and book ticker are whole (top-N) books.
        streamType: custom(['data.e'], (raw) => (dataOf(raw).e === 'depthUpdate' ? 'realtime' : 'snapshot')),
        // Diff `u` (last id), partial depth `lastUpdateId`, book ticker `u`; a diff also has `U`.
        sequence: custom(['data.u', 'data.lastUpdateId'], (raw, h) => {
          const d = dataOf(raw)
          if (d.u !== undefined) return h.id(d.u, 'data.u')
          return d.lastUpdateId === undefined ? undefined : h.id(d.lastUpdateId, 'data.lastUpdateId')
        }),
        firstSequence: custom(['data.U'], (raw, h) => {
          const d = dataOf(raw)
          return d.U === undefined ? undefined : h.id(d.U, 'data.U')
        }),
      },
    },
  },
  candle: {
    rest: {
      fields: {
        symbol: { type: 'symbol', from: 's' },
        interval: custom(['i'], (raw) => (raw.i === undefined ? undefined : interval(raw.i, 'i'))),
        open: { type: 'decimal', from: 'o' },
        high: { type: 'decimal', from: 'h' },
        low: { type: 'decimal', from: 'l' },
        close: { type: 'decimal', from: 'c' },
        volume: { type: 'decimal', from: 'v' },
        quoteVolume: { type: 'decimal', from: 'q' },
        timestamp: { type: 'timestamp', from: 't' },
        streamType: { type: 'const', value: 'snapshot' },
      },
    },
    combined: {
      fields: {
        symbol: streamSymbol,
        interval: custom(['data.k.i'], (raw) => interval(kline(raw).i, 'data.k.i')),
        open: custom(['data.k.o'], (raw, h) => h.decimal(kline(raw).o, 'data.k.o')),
        high: custom(['data.k.h'], (raw, h) => h.decimal(kline(raw).h, 'data.k.h')),
        low: custom(['data.k.l'], (raw, h) => h.decimal(kline(raw).l, 'data.k.l')),
        close: custom(['data.k.c'], (raw, h) => h.decimal(kline(raw).c, 'data.k.c')),
        volume: custom(['data.k.v'], (raw, h) => h.decimal(kline(raw).v, 'data.k.v')),
        quoteVolume: custom(['data.k.q'], (raw, h) => h.decimal(kline(raw).q, 'data.k.q')),
        timestamp: custom(['data.k.t'], (raw, h) => h.timestamp(kline(raw).t, 'data.k.t')),
        filled: custom(['data.k.x'], (raw) => {
          const x = kline(raw).x
          return typeof x === 'boolean' ? x : undefined
        }),
        streamType: realtime,
      },
    },
  },
}

function kline(raw: Raw): Raw {
  const k = dataOf(raw).k
  if (k === null || typeof k !== 'object' || Array.isArray(k)) bad('data.k', 'an object', k)
  return k as Raw
}

/**
 * Prepares a REST body for the field maps: Binance's `trades`, `historicalTrades`, `aggTrades`
 * rows and the `depth` object carry no symbol (it was in the request), and `klines` rows are
 * 12-element arrays. Returns objects with `symbol` (and for klines the `t o h l c v q` keys
 * and `s`, `i`). Throws `DataValidationError` for a body of another shape.
 *
 * @example
 * ```ts
 * import { binanceRestRows } from '@bb/binance'
 * binanceRestRows('klines', [[1499040000000, '0.0163', '0.8', '0.0157', '0.0157', '148976.1', 1499644799999, '2434.1', 308, '1756.8', '28.4', '0']], 'ETHBTC', '1d')
 * // [{ s: 'ETHBTC', i: '1d', t: 1499040000000, o: '0.0163', ... }]
 * ```
 */
export function binanceRestRows(
  endpoint: 'trades' | 'depth' | 'klines',
  body: unknown,
  symbol: string,
  klineInterval?: string,
): Raw[] {
  if (endpoint === 'depth') {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) bad('', 'a depth object', body)
    return [{ ...(body as Raw), symbol }]
  }
  if (!Array.isArray(body)) bad('', 'an array of rows', body)
  return body.map((row: unknown, i) => {
    if (endpoint === 'trades') {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) bad(`[${i}]`, 'a trade object', row)
      return { ...(row as Raw), symbol }
    }
    if (!Array.isArray(row) || row.length < 8) bad(`[${i}]`, 'a 12-element kline array', row)
    return {
      s: symbol,
      ...(klineInterval === undefined ? {} : { i: klineInterval }),
      t: row[0],
      o: row[1],
      h: row[2],
      l: row[3],
      c: row[4],
      v: row[5],
      T: row[6],
      q: row[7],
      n: row[8],
    }
  })
}

function updateId(value: unknown, path: string): string {
  if (typeof value === 'bigint' && value >= 0n) return value.toString()
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value)
  if (typeof value === 'string' && /^\d{1,19}$/.test(value)) return value
  return bad(path, 'a non-negative integer update id', value)
}

/** The update ids of an order-book message: what a local book sequences by (BINANCE.md §6). */
export interface BinanceBookUpdateIds {
  /** `U` of a diff event; for a snapshot (REST `depth`, partial depth) its `lastUpdateId`. */
  readonly first: string
  /** `u` of a diff event (or book ticker); for a snapshot its `lastUpdateId`. */
  readonly last: string
}

/**
 * Reads the update ids of an order-book payload (the `data` of a combined frame, or a REST
 * `depth` body), exactly, as decimal text: diff depth `U`/`u`, book ticker `u`, snapshots
 * `lastUpdateId`. The models carry no update ids, so a local book takes them from here. Accepts
 * numbers, bigints (an exact JSON parser's ids beyond 2^53) and digit text; throws
 * `DataValidationError` otherwise.
 *
 * @example
 * ```ts
 * import { binanceBookUpdateIds } from '@bb/binance'
 * binanceBookUpdateIds({ e: 'depthUpdate', U: 157, u: 160, b: [], a: [] }) // { first: '157', last: '160' }
 * ```
 */
export function binanceBookUpdateIds(message: unknown): BinanceBookUpdateIds {
  if (message === null || typeof message !== 'object' || Array.isArray(message))
    bad('', 'an order-book message', message)
  const m = message as Raw
  if (m.U !== undefined) return { first: updateId(m.U, 'U'), last: updateId(m.u, 'u') }
  if (m.lastUpdateId !== undefined) {
    const id = updateId(m.lastUpdateId, 'lastUpdateId')
    return { first: id, last: id }
  }
  const id = updateId(m.u, 'u')
  return { first: id, last: id }
}
