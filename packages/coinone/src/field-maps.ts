import { DataValidationError } from '@bb/errors'
import type {
  CustomRule,
  CustomRuleHelpers,
  FieldMap,
  FieldMaps,
  FieldRule,
  ModelKind,
} from '@bb/exchange-adapter'
import type { CandleInterval, Decimal } from '@bb/models'
import { unifiedCoinoneInterval } from './intervals.js'

type Raw = Readonly<Record<string, unknown>>

function custom(
  reads: readonly string[],
  read: (raw: Raw, h: CustomRuleHelpers, container?: Raw) => unknown,
): CustomRule {
  return { type: 'custom', reads, read }
}

function bad(path: string, expected: string, received: unknown): never {
  throw new DataValidationError({ path, expected, received })
}

// The side of a trade: `is_seller_maker` true → `sell`, as the docs gloss it and ccxt maps it
// (COINONE.md §3; read literally the flag would make the taker a buyer: unverified).
function side(value: unknown, path: string): 'buy' | 'sell' {
  if (typeof value !== 'boolean') bad(path, 'a boolean (is_seller_maker)', value)
  return value ? 'sell' : 'buy'
}

function changeOf(price: Decimal): 'rise' | 'fall' | 'even' {
  return price.isZero() ? 'even' : price.isNegative() ? 'fall' : 'rise'
}

function symbolOf(raw: Raw, target: string, quote: string, path: string): string {
  const t = raw[target]
  const q = raw[quote]
  if (typeof t !== 'string' || typeof q !== 'string')
    bad(path, 'quote_currency and target_currency strings', t)
  // `ticker_new` and `trades` send lower case, the rest upper case: one spelling, `BTC/KRW`.
  return `${t.toUpperCase()}/${q.toUpperCase()}`
}

/** Book levels `[{price, qty}]` (SHORT: `[{p, q}]`), sorted best-first for their side. */
function levels(value: unknown, path: string, h: CustomRuleHelpers, bids: boolean, short: boolean) {
  if (!Array.isArray(value)) bad(path, 'an array of {price, qty}', value)
  const pk = short ? 'p' : 'price'
  const qk = short ? 'q' : 'qty'
  const out = value.map((unit: unknown, i) => {
    if (unit === null || typeof unit !== 'object') bad(`${path}[${i}]`, `{${pk}, ${qk}}`, unit)
    const u = unit as Raw
    return { price: h.decimal(u[pk], `${path}[${i}].${pk}`), size: h.decimal(u[qk], `${path}[${i}].${qk}`) }
  })
  // REST asks arrive best-first (ascending), WS asks worst-first (descending): both leave here
  // best-first. Bids are best-first (descending) in both.
  return out.sort((a, b) => (bids ? b.price.comparedTo(a.price) : a.price.comparedTo(b.price)))
}

const snapshot: FieldRule = { type: 'const', value: 'snapshot' }
const realtime: FieldRule = { type: 'const', value: 'realtime' }

// --- REST (v2 public) ---------------------------------------------------------------------------

const restPair = (raw: Raw) => symbolOf(raw, 'target_currency', 'quote_currency', 'target_currency')

function tickerFields(
  read: (raw: Raw, key: string) => unknown,
  key: (long: string) => string,
  pair: (raw: Raw) => string,
) {
  const dec = (long: string) => custom([key(long)], (raw, h) => h.decimal(read(raw, long), key(long)))
  const prevClose = (raw: Raw, h: CustomRuleHelpers) => {
    // Coinone has no previous close; with `additional_data` the previous day's last, else the window's first.
    const y = read(raw, 'yesterday_last')
    return y === undefined || y === null
      ? h.decimal(read(raw, 'first'), key('first'))
      : h.decimal(y, key('yesterday_last'))
  }
  const changePrice = (raw: Raw, h: CustomRuleHelpers) =>
    h.decimal(read(raw, 'last'), key('last')).minus(h.decimal(read(raw, 'first'), key('first')))
  return {
    symbol: custom([key('target_currency'), key('quote_currency')], pair),
    last: dec('last'),
    open: dec('first'),
    high: dec('high'),
    low: dec('low'),
    prevClose: custom([key('yesterday_last'), key('first')], prevClose),
    change: custom([key('last'), key('first')], (raw, h) => changeOf(changePrice(raw, h))),
    changePrice: custom([key('last'), key('first')], changePrice),
    changeRate: custom([key('last'), key('first')], (raw, h) => {
      const first = h.decimal(read(raw, 'first'), key('first'))
      return first.isZero() ? first : changePrice(raw, h).dividedBy(first)
    }),
    volume: dec('target_volume'),
    quoteVolume: dec('quote_volume'),
    volume24h: dec('target_volume'),
    quoteVolume24h: dec('quote_volume'),
    timestamp: custom([key('timestamp')], (raw, h) => h.timestamp(read(raw, 'timestamp'), key('timestamp'))),
  }
}

const top = (raw: Raw, key: string) => raw[key]

const REST: { readonly [K in ModelKind]?: FieldMap<K> } = {
  market: {
    each: 'markets',
    fields: {
      symbol: custom(['target_currency', 'quote_currency'], restPair),
      timestamp: { type: 'timestamp', from: '^server_time', optional: true },
      // `price_unit` is the current tick ("will be removed": the range units are authoritative).
      tickSize: { type: 'decimal', from: 'price_unit', optional: true, zeroIsMissing: true },
    },
  },
  ticker: {
    each: 'tickers',
    fields: { ...tickerFields(top, (k) => k, restPair), streamType: snapshot },
  },
  trade: {
    each: 'transactions',
    fields: {
      // Rows carry no currencies: the reply's (lower case on the wire).
      symbol: { type: 'symbol', from: '^target_currency' },
      id: { type: 'id', from: 'id' },
      price: { type: 'decimal', from: 'price' },
      size: { type: 'decimal', from: 'qty' },
      side: custom(['is_seller_maker'], (raw) => side(raw.is_seller_maker, 'is_seller_maker')),
      timestamp: { type: 'timestamp', from: 'timestamp' },
      streamType: snapshot,
    },
  },
  orderbook: {
    fields: {
      symbol: custom(['target_currency', 'quote_currency'], restPair),
      bids: custom(['bids'], (raw, h) => levels(raw.bids, 'bids', h, true, false)),
      asks: custom(['asks'], (raw, h) => levels(raw.asks, 'asks', h, false, false)),
      level: { type: 'decimal', from: 'order_book_unit', optional: true },
      timestamp: { type: 'timestamp', from: 'timestamp' },
      streamType: snapshot,
    },
  },
  balance: {
    // `/v2.1/account/balance/all` and `/account/balance`: `available` + `limit` (held by orders) = total.
    each: 'balances',
    fields: {
      currency: custom(['currency'], (raw) => {
        if (typeof raw.currency !== 'string' || raw.currency === '')
          bad('currency', 'a currency such as BTC', raw.currency)
        return raw.currency.toUpperCase()
      }),
      free: { type: 'decimal', from: 'available' },
      locked: { type: 'decimal', from: 'limit' },
      avgBuyPrice: { type: 'decimal', from: 'average_price', optional: true },
      unitCurrency: { type: 'const', value: 'KRW' },
    },
  },
  candle: {
    // The reply names no market: `coinoneChartBody(body, symbol)` adds it first.
    each: 'chart',
    fields: {
      symbol: { type: 'symbol', from: '^target_currency' },
      open: { type: 'decimal', from: 'open' },
      high: { type: 'decimal', from: 'high' },
      low: { type: 'decimal', from: 'low' },
      close: { type: 'decimal', from: 'close' },
      volume: { type: 'decimal', from: 'target_volume' },
      quoteVolume: { type: 'decimal', from: 'quote_volume' },
      timestamp: { type: 'timestamp', from: 'timestamp' },
      streamType: snapshot,
    },
  },
}

// --- REST v2.1 orders ---------------------------------------------------------------------------

/** The v2.1 replies that hold orders; {@link coinoneOrderRows} turns each into order rows. */
export type CoinoneOrderReply = 'create' | 'cancel' | 'detail' | 'active' | 'fills'

type Row = Record<string, unknown>

function rowsIn(body: unknown, key: string): Row[] {
  const list = (body as Raw | null)?.[key]
  if (!Array.isArray(list)) bad(key, 'an array', list)
  return list.map((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) bad(`${key}[${i}]`, 'an object', row)
    return row as Row
  })
}

/**
 * Turns one v2.1 reply into the order rows the `order` field map reads (one shape for all):
 * `order/detail` → its `order`; `order/active_orders` → each entry; `order/cancel` → the cancelled
 * order (the reply names no pair or type: the pair is the request's, the type `LIMIT`, as only resting
 * orders cancel); `order` (create, reply `order_id` only) → the order as requested, `LIVE`;
 * `order/completed_orders(/all)` (fills) → one `FILLED` order per `order_id`, with its fills.
 * Throws `DataValidationError` for a body of another shape.
 */
export function coinoneOrderRows(
  reply: CoinoneOrderReply,
  body: unknown,
  request: Readonly<Record<string, unknown>>,
): Row[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) bad('', 'a reply object', body)
  const b = body as Row
  switch (reply) {
    case 'detail': {
      const o = b.order
      if (o === null || typeof o !== 'object' || Array.isArray(o)) bad('order', 'an order object', o)
      return [o as Row]
    }
    case 'active':
      return rowsIn(b, 'active_orders')
    case 'cancel': {
      const traded = Number(b.traded_qty ?? 0)
      return [
        {
          order_id: b.order_id,
          quote_currency: request.quote_currency,
          target_currency: request.target_currency,
          side: b.side,
          type: 'LIMIT',
          status: traded > 0 ? 'PARTIALLY_CANCELED' : 'CANCELED',
          price: b.price,
          original_qty: b.original_qty,
          executed_qty: b.traded_qty,
          remain_qty: b.remain_qty,
          canceled_qty: b.canceled_qty,
          fee: b.fee,
          average_executed_price: b.avg_price,
          ordered_at: b.ordered_at,
          updated_at: b.canceled_at,
        },
      ]
    }
    case 'create': {
      const marketBuy = request.type === 'MARKET' && request.side === 'BUY'
      return [
        {
          order_id: b.order_id,
          quote_currency: request.quote_currency,
          target_currency: request.target_currency,
          side: request.side,
          type: request.type,
          status: 'LIVE',
          ...(request.user_order_id === undefined ? {} : { user_order_id: request.user_order_id }),
          price: request.type === 'MARKET' ? null : request.price,
          original_qty: marketBuy ? null : request.qty,
          original_amount: marketBuy ? request.amount : null,
          executed_qty: '0',
          remain_qty: marketBuy ? null : request.qty,
          fee: '0',
        },
      ]
    }
    case 'fills': {
      const byOrder = new Map<string, Row[]>()
      for (const f of rowsIn(b, 'completed_orders')) {
        if (typeof f.order_id !== 'string' || f.order_id === '')
          bad('completed_orders[].order_id', 'an order id', f.order_id)
        const list = byOrder.get(f.order_id) ?? []
        list.push(f)
        byOrder.set(f.order_id, list)
      }
      return [...byOrder.entries()].map(([id, fills]) => {
        const first = fills[0]!
        const times = fills.map((f) => Number(f.timestamp))
        return {
          order_id: id,
          quote_currency: first.quote_currency,
          target_currency: first.target_currency,
          side: first.is_ask === true ? 'SELL' : first.is_ask === false ? 'BUY' : first.is_ask,
          type: first.order_type,
          status: 'FILLED',
          ordered_at: Math.min(...times),
          updated_at: Math.max(...times),
          fills,
        }
      })
    }
  }
}

const ORDER_SIDES: Readonly<Record<string, 'buy' | 'sell'>> = {
  BUY: 'buy',
  SELL: 'sell',
  BID: 'buy',
  ASK: 'sell',
}
const ORDER_TYPES: Readonly<Record<string, 'limit' | 'market'>> = {
  LIMIT: 'limit',
  STOP_LIMIT: 'limit',
  MARKET: 'market',
}
/** REST statuses (COINONE.md §4.2) to the neutral states. */
const ORDER_STATES: Readonly<Record<string, 'wait' | 'watch' | 'done' | 'cancel'>> = {
  LIVE: 'wait',
  PARTIALLY_FILLED: 'wait',
  TRIGGERED: 'wait',
  NOT_TRIGGERED: 'watch',
  FILLED: 'done',
  CANCELED: 'cancel',
  PARTIALLY_CANCELED: 'cancel',
  NOT_TRIGGERED_CANCELED: 'cancel',
  NOT_TRIGGERED_PARTIALLY_CANCELED: 'cancel',
  CANCELED_NO_ORDER: 'cancel',
  CANCELED_LIMIT_PRICE_EXCEED: 'cancel',
  CANCELED_UNDER_PRODUCT_UNIT: 'cancel',
}

function lookup<T>(table: Readonly<Record<string, T>>, value: unknown, path: string): T {
  const hit = typeof value === 'string' ? table[value.toUpperCase()] : undefined
  if (hit === undefined) bad(path, Object.keys(table).join(' | '), value)
  return hit
}

// V2.1 times are ms; several official examples (cancel, WS) show 10-digit seconds: a value below
// 1e11 is read as seconds (COINONE.md §2, unverified).
function msOf(value: unknown, path: string, h: CustomRuleHelpers): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n === 'number' && Number.isFinite(n) && n > 0 && n < 1e11) return h.timestamp(n * 1000, path)
  return h.timestamp(n, path)
}

function orderFields(): FieldMap<'order'>['fields'] {
  const pair = (raw: Raw) => symbolOf(raw, 'target_currency', 'quote_currency', 'target_currency')
  const opt = (key: string) =>
    custom([key], (raw, h) =>
      raw[key] === undefined || raw[key] === null || raw[key] === '' ? undefined : h.decimal(raw[key], key),
    )
  const zero = (key: string) =>
    custom([key], (raw, h) =>
      h.decimal(raw[key] === undefined || raw[key] === null || raw[key] === '' ? '0' : raw[key], key),
    )
  const marketBuy = (raw: Raw) =>
    String(raw.type).toUpperCase() === 'MARKET' && String(raw.side).toUpperCase() === 'BUY'
  const fillsOf = (raw: Raw) => (Array.isArray(raw.fills) ? (raw.fills as Row[]) : undefined)
  return {
    symbol: custom(['target_currency', 'quote_currency'], pair),
    id: custom(
      ['order_id', 'target_currency', 'quote_currency'],
      (raw, h) => `${pair(raw)}:${h.id(raw.order_id, 'order_id')}`,
    ),
    clientOrderId: custom(['user_order_id'], (raw) =>
      typeof raw.user_order_id === 'string' && raw.user_order_id !== ''
        ? `${pair(raw)}:${raw.user_order_id}`
        : undefined,
    ),
    side: custom(['side'], (raw) => lookup(ORDER_SIDES, raw.side, 'side')),
    type: custom(['type'], (raw) => lookup(ORDER_TYPES, raw.type, 'type')),
    state: custom(['status', 'type', 'is_triggered'], (raw) => {
      if (raw.status !== undefined && raw.status !== null) return lookup(ORDER_STATES, raw.status, 'status')
      // `active_orders` rows carry no status: an untriggered stop-limit watches, the rest wait.
      return String(raw.type).toUpperCase() === 'STOP_LIMIT' && raw.is_triggered !== true ? 'watch' : 'wait'
    }),
    price: custom(['price', 'type'], (raw, h) =>
      String(raw.type).toUpperCase() === 'MARKET' || raw.price === null || raw.price === undefined
        ? undefined
        : h.decimal(raw.price, 'price'),
    ),
    volume: custom(['original_qty', 'type', 'side'], (raw, h) =>
      marketBuy(raw) || raw.original_qty === null || raw.original_qty === undefined
        ? undefined
        : h.decimal(raw.original_qty, 'original_qty'),
    ),
    cost: custom(['original_amount', 'type', 'side'], (raw, h) =>
      marketBuy(raw) && raw.original_amount !== null && raw.original_amount !== undefined
        ? h.decimal(raw.original_amount, 'original_amount')
        : undefined,
    ),
    remainingVolume: opt('remain_qty'),
    executedVolume: custom(['executed_qty', 'fills'], (raw, h) => {
      const fills = fillsOf(raw)
      if (!fills) return zero('executed_qty').read(raw, h)
      return fills.reduce((sum, f, i) => sum.plus(h.decimal(f.qty, `fills[${i}].qty`)), h.decimal('0', 'qty'))
    }),
    executedFunds: custom(['traded_amount', 'fills'], (raw, h) => {
      const fills = fillsOf(raw)
      if (!fills) return opt('traded_amount').read(raw, h)
      return fills.reduce(
        (sum, f, i) =>
          sum.plus(h.decimal(f.price, `fills[${i}].price`).times(h.decimal(f.qty, `fills[${i}].qty`))),
        h.decimal('0', 'price'),
      )
    }),
    avgPrice: custom(['average_executed_price'], (raw, h) => {
      const v = opt('average_executed_price').read(raw, h) as Decimal | undefined
      // `0` means nothing executed yet: no average.
      return v === undefined || v.isZero() ? undefined : v
    }),
    paidFee: custom(['fee', 'fills'], (raw, h) => {
      const fills = fillsOf(raw)
      if (!fills) return zero('fee').read(raw, h)
      return fills.reduce(
        (sum, f, i) => sum.plus(h.decimal(f.fee ?? '0', `fills[${i}].fee`)),
        h.decimal('0', 'fee'),
      )
    }),
    tradesCount: custom(['fills', 'executed_qty'], (raw, h) => {
      const fills = fillsOf(raw)
      if (fills) return fills.length
      // Only the fills list counts trades; elsewhere: 0 when nothing executed, else at least 1.
      return (zero('executed_qty').read(raw, h) as Decimal).isZero() ? 0 : 1
    }),
    timestamp: custom(['updated_at', 'ordered_at'], (raw, h) => {
      const t = raw.updated_at ?? raw.ordered_at
      return t === undefined || t === null ? h.receivedAt : msOf(t, 'updated_at', h)
    }),
    // The create reply has no time: the order's creation is taken as the reply's arrival.
    createdAt: custom(['ordered_at'], (raw, h) =>
      raw.ordered_at === undefined || raw.ordered_at === null
        ? h.receivedAt
        : msOf(raw.ordered_at, 'ordered_at', h),
    ),
    fills: custom(['fills'], (raw, h) => {
      const fills = fillsOf(raw)
      if (!fills) return undefined
      return fills.map((f, i) => ({
        exchange: h.exchange,
        ...h.symbol(
          `${String(f.target_currency).toUpperCase()}/${String(f.quote_currency).toUpperCase()}`,
          `fills[${i}]`,
        ),
        timestamp: msOf(f.timestamp, `fills[${i}].timestamp`, h),
        receivedAt: h.receivedAt,
        source: h.source,
        id: h.id(f.trade_id, `fills[${i}].trade_id`),
        orderId: `${pair(raw)}:${h.id(f.order_id, `fills[${i}].order_id`)}`,
        side: f.is_ask === true ? 'sell' : 'buy',
        price: h.decimal(f.price, `fills[${i}].price`),
        size: h.decimal(f.qty, `fills[${i}].qty`),
        funds: h.decimal(f.price, `fills[${i}].price`).times(h.decimal(f.qty, `fills[${i}].qty`)),
        fee: h.decimal(f.fee ?? '0', `fills[${i}].fee`),
        ...(typeof f.is_maker === 'boolean' ? { isMaker: f.is_maker } : {}),
      }))
    }),
  }
}

// --- WebSocket (DATA frames, DEFAULT and SHORT keys) -------------------------------------------

/** SHORT keys of the WS data fields (COINONE.md §5.3). */
const SHORT: Readonly<Record<string, string>> = {
  quote_currency: 'qc',
  target_currency: 'tc',
  timestamp: 't',
  id: 'i',
  asks: 'a',
  bids: 'b',
  quote_volume: 'qv',
  target_volume: 'tv',
  high: 'hi',
  low: 'lo',
  first: 'fi',
  last: 'la',
  price: 'p',
  qty: 'q',
  is_seller_maker: 'sm',
  interval: 'iv',
  candle_timestamp: 'ct',
  yesterday_last: 'yla',
}

function wsMaps(short: boolean): { readonly [K in ModelKind]?: FieldMap<K> } {
  const envelope = short ? 'd' : 'data'
  const key = (long: string) => `${envelope}.${short ? (SHORT[long] ?? long) : long}`
  const dataOf = (raw: Raw): Raw => {
    const d = raw[envelope]
    if (d === null || typeof d !== 'object' || Array.isArray(d)) bad(envelope, 'an object', d)
    return d as Raw
  }
  const read = (raw: Raw, long: string) => dataOf(raw)[short ? (SHORT[long] ?? long) : long]
  const pair = (raw: Raw) => {
    const d = dataOf(raw)
    return symbolOf(
      d,
      short ? 'tc' : 'target_currency',
      short ? 'qc' : 'quote_currency',
      key('target_currency'),
    )
  }
  const dec = (long: string) => custom([key(long)], (raw, h) => h.decimal(read(raw, long), key(long)))
  const ts = (long: string) => custom([key(long)], (raw, h) => h.timestamp(read(raw, long), key(long)))
  const symbol = custom([key('target_currency'), key('quote_currency')], pair)
  return {
    ticker: { fields: { ...tickerFields(read, key, pair), streamType: realtime } },
    trade: {
      fields: {
        symbol,
        id: custom([key('id')], (raw, h) => h.id(read(raw, 'id'), key('id'))),
        price: dec('price'),
        size: dec('qty'),
        side: custom([key('is_seller_maker')], (raw) =>
          side(read(raw, 'is_seller_maker'), key('is_seller_maker')),
        ),
        timestamp: ts('timestamp'),
        streamType: realtime,
      },
    },
    orderbook: {
      fields: {
        symbol,
        bids: custom([key('bids')], (raw, h) => levels(read(raw, 'bids'), key('bids'), h, true, short)),
        asks: custom([key('asks')], (raw, h) => levels(read(raw, 'asks'), key('asks'), h, false, short)),
        timestamp: ts('timestamp'),
        // Every frame is a whole 16-level book (no deltas).
        streamType: snapshot,
      },
    },
    candle: {
      fields: {
        symbol,
        interval: custom([key('interval')], (raw): CandleInterval => {
          const iv = unifiedCoinoneInterval(read(raw, 'interval'))
          return iv ?? bad(key('interval'), 'a chart interval with a unified name', read(raw, 'interval'))
        }),
        open: dec('first'),
        high: dec('high'),
        low: dec('low'),
        close: dec('last'),
        volume: dec('target_volume'),
        quoteVolume: dec('quote_volume'),
        timestamp: ts('candle_timestamp'),
        streamType: realtime,
      },
    },
  }
}

const DEFAULT_WS = wsMaps(false)
const SHORT_WS = wsMaps(true)

// --- Private WebSocket (MYORDER, MYASSET; DEFAULT and SHORT keys) ------------------------------

/** SHORT keys of the private data fields (COINONE.md §6); `assets` has no documented short key. */
const PRIVATE_SHORT: Readonly<Record<string, string>> = {
  quote_currency: 'qc',
  target_currency: 'tc',
  order_id: 'oi',
  type: 't',
  status: 'st',
  side: 's',
  order_price: 'op',
  order_qty: 'oq',
  order_amount: 'oa',
  trade_id: 'ti',
  is_maker: 'im',
  executed_price: 'ep',
  executed_qty: 'eq',
  executed_fee: 'ef',
  remain_qty: 'rq',
  remain_amount: 'ra',
  user_order_id: 'ui',
  executed_timestamp: 'et',
  order_timestamp: 'ot',
  timestamp: 'ts',
  currency: 'c',
  available: 'a',
  limit: 'l',
}

/** MYORDER statuses (lower case on the wire) to the neutral states. */
const WS_ORDER_STATES: Readonly<Record<string, 'wait' | 'watch' | 'done' | 'cancel'>> = {
  WAIT: 'wait',
  WATCH: 'watch',
  NOT_TRIGGERED: 'watch',
  TRADE: 'wait',
  TRADE_DONE: 'done',
  CANCEL: 'cancel',
  CANCEL_POST_ONLY: 'cancel',
}

function privateMaps(short: boolean): { order: FieldMap<'order'>; balance: FieldMap<'balance'> } {
  const envelope = short ? 'd' : 'data'
  const name = (long: string) => (short ? (PRIVATE_SHORT[long] ?? long) : long)
  const key = (long: string) => `${envelope}.${name(long)}`
  const dataOf = (raw: Raw): Raw => {
    const d = raw[envelope]
    if (d === null || typeof d !== 'object' || Array.isArray(d)) bad(envelope, 'an object', d)
    return d as Raw
  }
  const read = (raw: Raw, long: string) => dataOf(raw)[name(long)]
  const given = (v: unknown) => v !== undefined && v !== null && v !== ''
  const dec = (raw: Raw, long: string, h: CustomRuleHelpers) => h.decimal(read(raw, long), key(long))
  const opt = (raw: Raw, long: string, h: CustomRuleHelpers) =>
    given(read(raw, long)) ? dec(raw, long, h) : undefined
  const pair = (raw: Raw) =>
    symbolOf(dataOf(raw), name('target_currency'), name('quote_currency'), key('target_currency'))
  const rule = (longs: readonly string[], fn: (raw: Raw, h: CustomRuleHelpers) => unknown) =>
    custom(
      longs.map((l) => key(l)),
      fn,
    )
  const status = (raw: Raw) => {
    const st = read(raw, 'status')
    return typeof st === 'string' ? st.toLowerCase() : st
  }
  const isFill = (raw: Raw) => {
    const st = status(raw)
    return (st === 'trade' || st === 'trade_done') && given(read(raw, 'trade_id'))
  }
  const marketBuy = (raw: Raw) =>
    String(read(raw, 'type')).toUpperCase() === 'MARKET' && String(read(raw, 'side')).toUpperCase() === 'BID'
  const orderId = (raw: Raw, h: CustomRuleHelpers) =>
    `${pair(raw)}:${h.id(read(raw, 'order_id'), key('order_id'))}`
  // The quantity executed so far: MYORDER carries the order's quantity and what remains (on a
  // cancel frame `executed_qty` is the cancelled quantity); a market buy has no quantity, so
  // only the frame's own fill is known.
  const executed = (raw: Raw, h: CustomRuleHelpers) => {
    const zero = h.decimal('0', key('executed_qty'))
    if (marketBuy(raw) || !given(read(raw, 'order_qty')))
      return isFill(raw) ? dec(raw, 'executed_qty', h) : zero
    const qty = dec(raw, 'order_qty', h)
    const st = status(raw)
    if (st === 'cancel' || st === 'cancel_post_only') {
      const cancelled = opt(raw, 'executed_qty', h) ?? zero
      const rest = qty.minus(cancelled).minus(opt(raw, 'remain_qty', h) ?? zero)
      return rest.isNegative() ? zero : rest
    }
    const remain = opt(raw, 'remain_qty', h)
    return remain === undefined ? zero : qty.minus(remain)
  }
  const order: FieldMap<'order'> = {
    fields: {
      symbol: rule(['target_currency', 'quote_currency'], pair),
      id: rule(['order_id', 'target_currency', 'quote_currency'], orderId),
      clientOrderId: rule(['user_order_id', 'target_currency', 'quote_currency'], (raw) => {
        const u = read(raw, 'user_order_id')
        return typeof u === 'string' && u !== '' ? `${pair(raw)}:${u}` : undefined
      }),
      side: rule(['side'], (raw) => lookup(ORDER_SIDES, read(raw, 'side'), key('side'))),
      type: rule(['type'], (raw) => lookup(ORDER_TYPES, read(raw, 'type'), key('type'))),
      state: rule(['status'], (raw) => lookup(WS_ORDER_STATES, read(raw, 'status'), key('status'))),
      streamType: realtime,
      price: rule(['order_price', 'type'], (raw, h) =>
        String(read(raw, 'type')).toUpperCase() === 'MARKET' ? undefined : opt(raw, 'order_price', h),
      ),
      volume: rule(['order_qty', 'type', 'side'], (raw, h) =>
        marketBuy(raw) ? undefined : opt(raw, 'order_qty', h),
      ),
      cost: rule(['order_amount', 'type', 'side'], (raw, h) =>
        marketBuy(raw) ? opt(raw, 'order_amount', h) : undefined,
      ),
      remainingVolume: rule(['remain_qty'], (raw, h) => opt(raw, 'remain_qty', h)),
      executedVolume: rule(
        ['order_qty', 'remain_qty', 'executed_qty', 'status', 'trade_id', 'type', 'side'],
        executed,
      ),
      // A market buy's spent amount: what it was given less what remains.
      executedFunds: rule(['order_amount', 'remain_amount', 'type', 'side'], (raw, h) => {
        if (!marketBuy(raw)) return undefined
        const amount = opt(raw, 'order_amount', h)
        const remain = opt(raw, 'remain_amount', h)
        return amount === undefined || remain === undefined ? undefined : amount.minus(remain)
      }),
      // MYORDER reports each fill's fee, not a running total: the frame's own fill.
      paidFee: rule(['executed_fee', 'status', 'trade_id'], (raw, h) =>
        isFill(raw) && given(read(raw, 'executed_fee'))
          ? dec(raw, 'executed_fee', h)
          : h.decimal('0', key('executed_fee')),
      ),
      tradesCount: rule(
        ['status', 'trade_id', 'order_qty', 'remain_qty', 'executed_qty', 'type', 'side'],
        (raw, h) => (isFill(raw) || !(executed(raw, h) as Decimal).isZero() ? 1 : 0),
      ),
      timestamp: rule(['timestamp'], (raw, h) => msOf(read(raw, 'timestamp'), key('timestamp'), h)),
      createdAt: rule(['order_timestamp', 'timestamp'], (raw, h) =>
        given(read(raw, 'order_timestamp'))
          ? msOf(read(raw, 'order_timestamp'), key('order_timestamp'), h)
          : msOf(read(raw, 'timestamp'), key('timestamp'), h),
      ),
      fills: rule(
        [
          'status',
          'trade_id',
          'executed_price',
          'executed_qty',
          'executed_fee',
          'is_maker',
          'executed_timestamp',
          'side',
        ],
        (raw, h) => {
          if (!isFill(raw)) return undefined
          const price = dec(raw, 'executed_price', h)
          const size = dec(raw, 'executed_qty', h)
          const maker = read(raw, 'is_maker')
          const at = read(raw, 'executed_timestamp')
          return [
            {
              exchange: h.exchange,
              ...h.symbol(pair(raw), key('target_currency')),
              timestamp:
                given(at) && at !== 0
                  ? msOf(at, key('executed_timestamp'), h)
                  : msOf(read(raw, 'timestamp'), key('timestamp'), h),
              receivedAt: h.receivedAt,
              source: h.source,
              id: h.id(read(raw, 'trade_id'), key('trade_id')),
              orderId: orderId(raw, h),
              side: lookup(ORDER_SIDES, read(raw, 'side'), key('side')),
              price,
              size,
              funds: price.times(size),
              ...(given(read(raw, 'executed_fee')) ? { fee: dec(raw, 'executed_fee', h) } : {}),
              ...(typeof maker === 'boolean' ? { isMaker: maker } : {}),
            },
          ]
        },
      ),
    },
  }
  // A MYASSET frame lists the assets it changed in `data.assets`; the map runs once per entry
  // (`each`), and the frame's time, which the examples put in `data`, is read from the container.
  const assetKey = (long: string) => name(long)
  const balance: FieldMap<'balance'> = {
    each: `${envelope}.assets`,
    fields: {
      currency: custom([assetKey('currency')], (raw) => {
        const c = raw[assetKey('currency')]
        if (typeof c !== 'string' || c === '') bad(assetKey('currency'), 'a currency such as BTC', c)
        return c.toUpperCase()
      }),
      free: custom([assetKey('available')], (raw, h) =>
        h.decimal(raw[assetKey('available')], assetKey('available')),
      ),
      locked: custom([assetKey('limit')], (raw, h) => h.decimal(raw[assetKey('limit')], assetKey('limit'))),
      // The examples put the time at the data level, the field table in each asset: either.
      timestamp: custom([assetKey('timestamp'), `^${name('timestamp')}`], (raw, h, container) => {
        const own = raw[name('timestamp')]
        const t = given(own) ? own : container?.[name('timestamp')]
        return given(t) ? msOf(t, name('timestamp'), h) : h.receivedAt
      }),
    },
  }
  return { order, balance }
}

const DEFAULT_PRIVATE = privateMaps(false)
const SHORT_PRIVATE = privateMaps(true)

/**
 * Coinone's field maps (COINONE.md §3, §5.3). REST shape `rest`: `markets` (`each: markets`),
 * `ticker_new` (`each: tickers`), `trades` (`each: transactions`), `orderbook`, and `chart`
 * rows after {@link coinoneChartBody}, and the v2.1 `balances` reply. WS shapes `default` and `short` (the SHORT key format):
 * `TICKER`, `TRADE`, `ORDERBOOK`, `CHART` data frames, and the private `MYORDER` (→ `order`, id
 * `SYMBOL:order_id` as over REST; statuses `wait`, `watch`/`not_triggered`, `trade`, `trade_done`,
 * `cancel`, `cancel_post_only`, anything else a `DataValidationError`) and `MYASSET` (→ one
 * `balance` per entry of `data.assets`) frames. Currencies are upper-cased into
 * `BTC/KRW`; ids stay the exact 16-digit text; book sides leave best-first (WS asks arrive
 * worst-first); a trade's side is `sell` when `is_seller_maker` is true.
 */
export const COINONE_FIELD_MAPS: FieldMaps = {
  market: { rest: REST.market },
  ticker: { rest: REST.ticker, default: DEFAULT_WS.ticker, short: SHORT_WS.ticker },
  trade: { rest: REST.trade, default: DEFAULT_WS.trade, short: SHORT_WS.trade },
  orderbook: { rest: REST.orderbook, default: DEFAULT_WS.orderbook, short: SHORT_WS.orderbook },
  candle: { rest: REST.candle, default: DEFAULT_WS.candle, short: SHORT_WS.candle },
  balance: { rest: REST.balance, default: DEFAULT_PRIVATE.balance, short: SHORT_PRIVATE.balance },
  order: { rest: { fields: orderFields() }, default: DEFAULT_PRIVATE.order, short: SHORT_PRIVATE.order },
}

/**
 * Prepares a `chart` reply for the field maps: Coinone's candle reply names no market (it was in
 * the path), so this adds `quote_currency`/`target_currency` from the request's symbol. Throws
 * `DataValidationError` for a body without a `chart` array.
 *
 * @example
 * ```ts
 * import { coinoneChartBody } from '@bb/coinone'
 * coinoneChartBody({ result: 'success', error_code: '0', is_last: false, chart: [] }, 'BTC/KRW').target_currency // 'BTC'
 * ```
 */
export function coinoneChartBody(body: unknown, symbol: string): Readonly<Record<string, unknown>> {
  let value = body
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body)
    } catch {
      bad('', 'JSON text', body.slice(0, 40))
    }
  }
  if (value === null || typeof value !== 'object' || !Array.isArray((value as Raw).chart))
    bad('chart', 'a chart reply with a chart array', value)
  const m =
    typeof symbol === 'string' ? /^([A-Za-z0-9]{1,20})\/([A-Za-z0-9]{1,20})$/.exec(symbol.trim()) : null
  if (!m) bad('symbol', 'BASE/QUOTE such as BTC/KRW', symbol)
  return { ...(value as Raw), target_currency: m[1]!.toUpperCase(), quote_currency: m[2]!.toUpperCase() }
}
