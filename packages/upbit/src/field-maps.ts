import { DataValidationError } from '@bb/errors'
import type { CustomRule, FieldMap, FieldMaps, FieldRule } from '@bb/exchange-adapter'
import { UPBIT_REST_MINUTE_UNITS, UPBIT_WS_CANDLE_INTERVALS } from './intervals.js'

// Shared value tables. Trade `ask_bid` is the taker's side: BID = a buyer lifted an ask (§5.3).
const TAKER_SIDE = { BID: 'buy', ASK: 'sell', bid: 'buy', ask: 'sell' } as const
const ORDER_SIDE = { bid: 'buy', ask: 'sell', BID: 'buy', ASK: 'sell' } as const
const CHANGE = { RISE: 'rise', EVEN: 'even', FALL: 'fall' } as const
const STREAM_TYPE = { SNAPSHOT: 'snapshot', REALTIME: 'realtime' } as const
// Upbit's four `ord_type`s onto the neutral two: `price` (a market buy by total) and `best` (a
// best-price market order, told apart by its timeInForce) are market orders.
const ORDER_TYPE = { limit: 'limit', price: 'market', market: 'market', best: 'market' } as const
// The `ord_type`s whose `price` is the quote total to spend (the neutral `cost`), not a limit price.
const COST_PRICED = new Set(['price', 'best'])
const ORDER_STATE = {
  wait: 'wait',
  watch: 'watch',
  trade: 'trade',
  done: 'done',
  cancel: 'cancel',
  prevented: 'prevented',
} as const
const TIME_IN_FORCE = { ioc: 'ioc', fok: 'fok', post_only: 'post_only' } as const

const dec = (
  from: string | readonly string[],
  extra: { optional?: boolean; zeroIsMissing?: boolean } = {},
): FieldRule => ({
  type: 'decimal',
  from,
  ...extra,
})
const opt = (from: string | readonly string[]): FieldRule => ({ type: 'decimal', from, optional: true })
const enumOf = (
  from: string | readonly string[],
  values: Readonly<Record<string, string>>,
  optional = false,
): FieldRule => (optional ? { type: 'enum', from, values, optional } : { type: 'enum', from, values })

// ---- ticker ------------------------------------------------------------------------------------

/** Ticker keys per shape: [rest/DEFAULT, SIMPLE]. */
function ticker(simple: boolean, rest = false): FieldMap<'ticker'> {
  const k = (name: string, abbr: string) => (simple ? abbr : name)
  const fields: FieldMap<'ticker'>['fields'] = {
    symbol: { type: 'symbol', from: simple ? ['cd', 'mk'] : rest ? 'market' : ['code', 'market'] },
    timestamp: { type: 'timestamp', from: k('timestamp', 'tms') },
    last: dec(k('trade_price', 'tp')),
    open: dec(k('opening_price', 'op')),
    high: dec(k('high_price', 'hp')),
    low: dec(k('low_price', 'lp')),
    prevClose: dec(k('prev_closing_price', 'pcp')),
    change: enumOf(k('change', 'c'), CHANGE),
    // `change_price` is documented signed but sent unsigned (§10.18): use the signed fields.
    changePrice: dec(k('signed_change_price', 'scp')),
    changeRate: dec(k('signed_change_rate', 'scr')),
    volume: dec(k('acc_trade_volume', 'atv')),
    quoteVolume: dec(k('acc_trade_price', 'atp')),
    volume24h: dec(k('acc_trade_volume_24h', 'atv24h')),
    quoteVolume24h: dec(k('acc_trade_price_24h', 'atp24h')),
    lastTradeSize: opt(k('trade_volume', 'tv')),
    lastTradeAt: { type: 'timestamp', from: k('trade_timestamp', 'ttms'), optional: true },
    // A never-traded 52-week extreme comes as 0 or null: treat it as missing.
    high52w: dec(k('highest_52_week_price', 'h52wp'), { zeroIsMissing: true }),
    low52w: dec(k('lowest_52_week_price', 'l52wp'), { zeroIsMissing: true }),
  }
  return {
    fields: rest ? fields : { ...fields, streamType: enumOf(k('stream_type', 'st'), STREAM_TYPE, true) },
  }
}

// ---- trade -------------------------------------------------------------------------------------

const restTrade: FieldMap<'trade'> = {
  fields: {
    symbol: { type: 'symbol', from: 'market' },
    timestamp: { type: 'timestamp', from: 'timestamp' },
    id: { type: 'id', from: 'sequential_id' },
    price: dec('trade_price'),
    size: dec('trade_volume'),
    side: enumOf('ask_bid', TAKER_SIDE),
    prevClose: dec('prev_closing_price', { zeroIsMissing: true }),
  },
}

function wsTrade(simple: boolean): FieldMap<'trade'> {
  const k = (name: string, abbr: string) => (simple ? abbr : name)
  return {
    fields: {
      // 2018 frames: `market` (DEFAULT) / `mk` (SIMPLE) instead of `code` / `cd` (§10.14).
      symbol: { type: 'symbol', from: simple ? ['cd', 'mk'] : ['code', 'market'] },
      // The trade's own time wins over the message time (`timestamp`), which is a fallback.
      timestamp: { type: 'timestamp', from: simple ? ['ttms', 'tms'] : ['trade_timestamp', 'timestamp'] },
      id: { type: 'id', from: k('sequential_id', 'sid') },
      price: dec(k('trade_price', 'tp')),
      size: dec(k('trade_volume', 'tv')),
      side: enumOf(k('ask_bid', 'ab'), TAKER_SIDE),
      prevClose: dec(k('prev_closing_price', 'pcp'), { zeroIsMissing: true }),
      streamType: enumOf(k('stream_type', 'st'), STREAM_TYPE, true),
      bestBid: {
        type: 'level',
        price: k('best_bid_price', 'bbp'),
        size: k('best_bid_size', 'bbs'),
        optional: true,
      },
      bestAsk: {
        type: 'level',
        price: k('best_ask_price', 'bap'),
        size: k('best_ask_size', 'bas'),
        optional: true,
      },
    },
  }
}

// ---- orderbook ---------------------------------------------------------------------------------

function orderbook(simple: boolean, rest = false): FieldMap<'orderbook'> {
  const k = (name: string, abbr: string) => (simple ? abbr : name)
  const units = k('orderbook_units', 'obu')
  const fields: FieldMap<'orderbook'>['fields'] = {
    symbol: { type: 'symbol', from: simple ? ['cd', 'mk'] : rest ? 'market' : ['code', 'market'] },
    timestamp: { type: 'timestamp', from: k('timestamp', 'tms') },
    // Upbit pads a thin side with 0/0 units: a zero price there is "no level" (NORMALIZATION.md).
    bids: {
      type: 'levels',
      from: units,
      price: k('bid_price', 'bp'),
      size: k('bid_size', 'bs'),
      zeroPriceIsPadding: true,
    },
    asks: {
      type: 'levels',
      from: units,
      price: k('ask_price', 'ap'),
      size: k('ask_size', 'as'),
      zeroPriceIsPadding: true,
    },
    level: opt(k('level', 'lv')),
  }
  return {
    fields: rest ? fields : { ...fields, streamType: enumOf(k('stream_type', 'st'), STREAM_TYPE, true) },
  }
}

// ---- candle ------------------------------------------------------------------------------------

function candle(simple: boolean, rest = false): FieldMap<'candle'> {
  const k = (name: string, abbr: string) => (simple ? abbr : name)
  const fields: FieldMap<'candle'>['fields'] = {
    symbol: { type: 'symbol', from: simple ? ['cd', 'mk'] : rest ? 'market' : ['code', 'market'] },
    // The interval's open time; `candle_date_time_utc` has no zone suffix and is UTC.
    timestamp: { type: 'datetime', from: k('candle_date_time_utc', 'cdttmu'), defaultOffset: '+00:00' },
    // REST: minute candles carry `unit`; other REST candles take the interval from the request
    // context. WS: the interval is in the type (`candle.60m`).
    interval: rest
      ? { type: 'enum', from: 'unit', values: UPBIT_REST_MINUTE_UNITS, optional: true }
      : enumOf(k('type', 'ty'), UPBIT_WS_CANDLE_INTERVALS),
    open: dec(k('opening_price', 'op')),
    high: dec(k('high_price', 'hp')),
    low: dec(k('low_price', 'lp')),
    close: dec(k('trade_price', 'tp')),
    volume: dec(k('candle_acc_trade_volume', 'catv')),
    quoteVolume: dec(k('candle_acc_trade_price', 'catp')),
    lastTradeAt: { type: 'timestamp', from: k('timestamp', 'tms'), optional: true },
  }
  return {
    fields: rest ? fields : { ...fields, streamType: enumOf(k('stream_type', 'st'), STREAM_TYPE, true) },
  }
}

// ---- market ------------------------------------------------------------------------------------

const marketWarning: CustomRule = {
  type: 'custom',
  reads: ['market_event', 'market_warning'],
  read(raw) {
    const event = raw.market_event as { warning?: unknown } | undefined | null
    if (event && typeof event === 'object' && typeof event.warning === 'boolean') return event.warning
    // Before 2024-11-20: `market_warning: "CAUTION" | "NONE"`.
    if (typeof raw.market_warning === 'string') return raw.market_warning === 'CAUTION'
    return undefined
  },
}

const marketCautions: CustomRule = {
  type: 'custom',
  reads: ['market_event'],
  read(raw) {
    const event = raw.market_event as { caution?: unknown } | undefined | null
    const caution = event && typeof event === 'object' ? event.caution : undefined
    if (caution === undefined || caution === null) return undefined
    if (typeof caution !== 'object') {
      throw new DataValidationError({
        path: 'market_event.caution',
        expected: 'an object of booleans',
        received: caution,
      })
    }
    return Object.entries(caution as Record<string, unknown>)
      .filter(([, on]) => on === true)
      .map(([name]) => name)
  },
}

// Upbit's own market fields go to `info` (see `UpbitMarketInfo`): the neutral model has none.
const marketInfo: CustomRule = {
  type: 'custom',
  reads: ['korean_name', 'market_event', 'market_warning'],
  read(raw, h) {
    const korean = raw.korean_name
    if (korean !== undefined && korean !== null && typeof korean !== 'string')
      throw new DataValidationError({ path: 'korean_name', expected: 'a string', received: korean })
    const info: Record<string, unknown> = {
      warning: marketWarning.read(raw, h) ?? false,
      cautions: Object.freeze(marketCautions.read(raw, h) ?? []),
    }
    if (typeof korean === 'string') info.koreanName = korean
    return Object.freeze(info)
  },
}

const restMarket: FieldMap<'market'> = {
  fields: {
    symbol: { type: 'symbol', from: 'market' },
    englishName: { type: 'string', from: 'english_name', optional: true },
    info: marketInfo,
  },
}

// ---- balance -----------------------------------------------------------------------------------

const restBalance: FieldMap<'balance'> = {
  fields: {
    currency: { type: 'string', from: 'currency' },
    free: dec('balance'),
    locked: dec('locked'),
    avgBuyPrice: opt('avg_buy_price'),
    unitCurrency: { type: 'string', from: 'unit_currency', optional: true },
  },
}

function wsBalance(simple: boolean): FieldMap<'balance'> {
  return simple
    ? {
        each: 'ast',
        fields: {
          currency: { type: 'string', from: 'cu' },
          free: dec('b'),
          locked: dec('l'),
          timestamp: { type: 'timestamp', from: ['^asttms', '^tms'] },
        },
      }
    : {
        each: 'assets',
        fields: {
          currency: { type: 'string', from: 'currency' },
          free: dec('balance'),
          locked: dec('locked'),
          timestamp: { type: 'timestamp', from: ['^asset_timestamp', '^timestamp'] },
        },
      }
}

// ---- order -------------------------------------------------------------------------------------

const restFills: CustomRule = {
  type: 'custom',
  reads: ['trades', 'uuid'],
  read(raw, h) {
    const trades = raw.trades
    if (trades === undefined || trades === null) return undefined
    if (!Array.isArray(trades))
      throw new DataValidationError({ path: 'trades', expected: 'an array', received: trades })
    const orderId = h.id(raw.uuid, 'uuid')
    return trades.map((t: Record<string, unknown>, i) => {
      const path = `trades[${i}]`
      const market = h.symbol(t.market ?? raw.market, `${path}.market`)
      const side = ORDER_SIDE[t.side as keyof typeof ORDER_SIDE]
      if (side === undefined)
        throw new DataValidationError({ path: `${path}.side`, expected: 'bid or ask', received: t.side })
      const fill: Record<string, unknown> = {
        exchange: h.exchange,
        ...market,
        timestamp: h.datetime(t.created_at, `${path}.created_at`, '+09:00'),
        receivedAt: h.receivedAt,
        source: h.source,
        id: h.id(t.uuid, `${path}.uuid`),
        orderId,
        side,
        price: h.decimal(t.price, `${path}.price`),
        size: h.decimal(t.volume, `${path}.volume`),
      }
      if (t.funds !== undefined && t.funds !== null) fill.funds = h.decimal(t.funds, `${path}.funds`)
      return fill
    })
  },
}

/**
 * An order's `price` field split into the neutral `price` (a limit price) and `cost` (the total
 * a market buy spends: `ord_type` `price`, or `best` on the bid side).
 */
function pricePart(from: string, typeKey: string, sideKey: string, part: 'price' | 'cost'): CustomRule {
  return {
    type: 'custom',
    reads: [from, typeKey, sideKey],
    read: (raw, h) => {
      const value = raw[from]
      if (value === undefined || value === null) return undefined
      const type = raw[typeKey]
      const side = raw[sideKey]
      const isCost =
        typeof type === 'string' &&
        COST_PRICED.has(type) &&
        (type === 'price' || side === 'bid' || side === 'BID')
      return isCost === (part === 'cost') ? h.decimal(value, from) : undefined
    },
  }
}

const restOrder: FieldMap<'order'> = {
  fields: {
    symbol: { type: 'symbol', from: 'market' },
    timestamp: { type: 'datetime', from: 'created_at', defaultOffset: '+09:00' },
    id: { type: 'id', from: 'uuid' },
    clientOrderId: { type: 'string', from: 'identifier', optional: true },
    side: enumOf('side', ORDER_SIDE),
    type: enumOf('ord_type', ORDER_TYPE),
    state: enumOf('state', ORDER_STATE),
    price: pricePart('price', 'ord_type', 'side', 'price'),
    cost: pricePart('price', 'ord_type', 'side', 'cost'),
    volume: opt('volume'),
    remainingVolume: opt('remaining_volume'),
    executedVolume: dec('executed_volume'),
    executedFunds: opt('executed_funds'),
    reservedFee: opt('reserved_fee'),
    remainingFee: opt('remaining_fee'),
    paidFee: dec('paid_fee'),
    locked: opt('locked'),
    tradesCount: { type: 'integer', from: 'trades_count' },
    timeInForce: enumOf('time_in_force', TIME_IN_FORCE, true),
    smpType: { type: 'string', from: 'smp_type', optional: true },
    createdAt: { type: 'datetime', from: 'created_at', defaultOffset: '+09:00' },
    fills: restFills,
  },
}

function wsOrder(simple: boolean): FieldMap<'order'> {
  const k = (name: string, abbr: string) => (simple ? abbr : name)
  const state = k('state', 's')
  // In a `trade` event, `price` and `volume` are the fill's, not the order's (§7.8): they go to
  // `fills` and the order's own price/volume are left out.
  // `price` of a market buy (`price`, bid `best`) is its total: `part` picks the limit price or the cost.
  const unlessTrade = (name: string, abbr: string, part?: 'price' | 'cost'): CustomRule => {
    const rule =
      part === undefined
        ? undefined
        : pricePart(k(name, abbr), k('order_type', 'ot'), k('ask_bid', 'ab'), part)
    return {
      type: 'custom',
      reads: [k(name, abbr), state, ...(rule?.reads ?? [])],
      read: (raw, h) => {
        const value = raw[k(name, abbr)]
        if (raw[state] === 'trade' || value === undefined || value === null) return undefined
        return rule === undefined ? h.decimal(value, k(name, abbr)) : rule.read(raw, h)
      },
    }
  }
  const fills: CustomRule = {
    type: 'custom',
    reads: [
      state,
      k('trade_uuid', 'tuid'),
      k('price', 'p'),
      k('volume', 'v'),
      k('trade_fee', 'tf'),
      k('is_maker', 'im'),
    ],
    read(raw, h) {
      if (raw[state] !== 'trade') return undefined
      const symbol = h.symbol(raw[k('code', 'cd')], k('code', 'cd'))
      const side = ORDER_SIDE[raw[k('ask_bid', 'ab')] as keyof typeof ORDER_SIDE]
      const fill: Record<string, unknown> = {
        exchange: h.exchange,
        ...symbol,
        timestamp: h.timestamp(
          raw[k('trade_timestamp', 'ttms')] ?? raw[k('timestamp', 'tms')],
          k('trade_timestamp', 'ttms'),
        ),
        receivedAt: h.receivedAt,
        source: h.source,
        id: h.id(raw[k('trade_uuid', 'tuid')], k('trade_uuid', 'tuid')),
        orderId: h.id(raw[k('uuid', 'uid')], k('uuid', 'uid')),
        side,
        price: h.decimal(raw[k('price', 'p')], k('price', 'p')),
        size: h.decimal(raw[k('volume', 'v')], k('volume', 'v')),
      }
      const fee = raw[k('trade_fee', 'tf')]
      if (fee !== undefined && fee !== null) fill.fee = h.decimal(fee, k('trade_fee', 'tf'))
      const maker = raw[k('is_maker', 'im')]
      if (typeof maker === 'boolean') fill.isMaker = maker
      return [fill]
    },
  }
  return {
    fields: {
      symbol: { type: 'symbol', from: k('code', 'cd') },
      timestamp: { type: 'timestamp', from: k('timestamp', 'tms') },
      streamType: enumOf(k('stream_type', 'st'), STREAM_TYPE, true),
      id: { type: 'id', from: k('uuid', 'uid') },
      clientOrderId: { type: 'string', from: k('identifier', 'id'), optional: true },
      side: enumOf(k('ask_bid', 'ab'), ORDER_SIDE),
      type: enumOf(k('order_type', 'ot'), ORDER_TYPE),
      state: enumOf(state, ORDER_STATE),
      price: unlessTrade('price', 'p', 'price'),
      cost: unlessTrade('price', 'p', 'cost'),
      volume: unlessTrade('volume', 'v'),
      avgPrice: opt(k('avg_price', 'ap')),
      remainingVolume: opt(k('remaining_volume', 'rv')),
      executedVolume: dec(k('executed_volume', 'ev')),
      executedFunds: opt(k('executed_funds', 'ef')),
      reservedFee: opt(k('reserved_fee', 'rsf')),
      remainingFee: opt(k('remaining_fee', 'rmf')),
      paidFee: dec(k('paid_fee', 'pf')),
      locked: opt(k('locked', 'l')),
      tradesCount: { type: 'integer', from: k('trades_count', 'tc') },
      timeInForce: enumOf(k('time_in_force', 'tif'), TIME_IN_FORCE, true),
      smpType: { type: 'string', from: k('smp_type', 'smpt'), optional: true },
      createdAt: { type: 'timestamp', from: k('order_timestamp', 'otms') },
      fills,
    },
  }
}

/**
 * Upbit's field maps: every model from every raw shape (REST, WS `DEFAULT`/`JSON_LIST`, WS
 * `SIMPLE`/`SIMPLE_LIST`, `myOrder`, `myAsset`), per UPBIT.md §5–§8.
 */
export const UPBIT_FIELD_MAPS: FieldMaps = {
  market: { rest: restMarket },
  ticker: { rest: ticker(false, true), ws: ticker(false), wsSimple: ticker(true) },
  trade: { rest: restTrade, ws: wsTrade(false), wsSimple: wsTrade(true) },
  orderbook: { rest: orderbook(false, true), ws: orderbook(false), wsSimple: orderbook(true) },
  candle: { rest: candle(false, true), ws: candle(false), wsSimple: candle(true) },
  balance: { rest: restBalance, ws: wsBalance(false), wsSimple: wsBalance(true) },
  order: { rest: restOrder, ws: wsOrder(false), wsSimple: wsOrder(true) },
}
