import { DataValidationError, describeValue, InvalidRequestError } from '@bb/errors'
import type {
  BodyValue,
  CreateOrderParams,
  OrderRef,
  QueryParam,
  RestEndpoints,
  RestRequest,
  SymbolRules,
} from '@bb/exchange-adapter'
import type { Decimal } from '@bb/models'
import { coinoneBodyError } from './errors.js'
import { type CoinoneOrderReply, coinoneChartBody, coinoneOrderRows } from './field-maps.js'
import { type CoinoneChartInterval, coinoneChartInterval, coinoneInterval } from './intervals.js'
import { coinonePathOf } from './symbol.js'

const invalid = (param: string, message: string) =>
  new InvalidRequestError({ param, exchange: 'coinone', message })

const PUBLIC = '/public/v2'
const PRIVATE = '/v2.1'

/** REST order-book sizes (`size`; default 15, at most 16 levels). */
export const COINONE_BOOK_SIZES: readonly number[] = [5, 10, 15, 16]
/** REST recent-trade sizes (`size`; default 200). */
export const COINONE_TRADE_SIZES: readonly number[] = [10, 50, 100, 150, 200]

function oneOf(value: number | undefined, param: string, allowed: readonly number[]): string | undefined {
  if (value === undefined) return undefined
  if (!allowed.includes(value))
    throw invalid(param, `"${param}" must be one of ${allowed.join(', ')} (got ${describeValue(value)}).`)
  return String(value)
}

function integer(value: number | undefined, param: string, min: number, max: number): string | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalid(param, `"${param}" must be an integer from ${min} to ${max} (got ${describeValue(value)}).`)
  return String(value)
}

function time(value: number | undefined, param: string): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isSafeInteger(value) || value <= 0)
    throw invalid(param, `"${param}" must be a ms timestamp (got ${describeValue(value)}).`)
  return value
}

function push(query: QueryParam[], key: string, value: string | undefined): void {
  if (value !== undefined) query.push([key, value])
}

function get(path: string, query: QueryParam[], extra: Partial<RestRequest> = {}): RestRequest {
  const list = extra.kind === undefined ? undefined : LIST_KEYS[extra.kind]
  return {
    method: 'GET',
    path,
    query,
    group: 'public',
    auth: false,
    successStatus: 200,
    prepare: (body) => rowsOf(body, list),
    ...extra,
  }
}

// The list inside each reply envelope, per model kind (the order book is one value).
const LIST_KEYS: Partial<Record<NonNullable<RestRequest['kind']>, string>> = {
  market: 'markets',
  ticker: 'tickers',
  trade: 'transactions',
  candle: 'chart',
  balance: 'balances',
}

/**
 * A reply's values for a REST client that reads one value per row: an error envelope (they ride
 * on HTTP 200) is thrown as its mapped error; a list reply becomes one envelope per entry (each
 * keeps the envelope's fields, such as the currencies `trades` gives only once).
 */
function rowsOf(body: unknown, list: string | undefined): unknown {
  const error = coinoneBodyError(body)
  if (error) throw error
  if (list === undefined) return body
  const value = body as Record<string, unknown>
  const rows = value[list]
  if (!Array.isArray(rows))
    throw new DataValidationError({ path: list, expected: 'an array', received: rows })
  return rows.map((row) => ({ ...value, [list]: [row] }))
}

function withPair(body: unknown, symbol: string): unknown {
  // An error envelope has no chart: leave it for rowsOf to throw.
  return coinoneBodyError(body) ? body : coinoneChartBody(body, symbol)
}

function quoteOf(value: unknown): string {
  if (typeof value !== 'string' || value.trim().toUpperCase() !== 'KRW')
    throw invalid('quote', `Coinone lists KRW markets only (got ${describeValue(value)}).`)
  return 'KRW'
}

/** Coinone's public v2 endpoints (COINONE.md §3), beyond the contract's fifteen. Every one is `GET`, group `public`. */
export interface CoinoneMarketDataEndpoints {
  /** `GET /public/v2/range_units/{quote}/{target}`: the pair's tick ladder. */
  rangeUnits(params: { readonly symbol: string }): RestRequest
  /** `GET /public/v2/markets/KRW`, or `/markets/KRW/{target}` for one symbol. */
  markets(params?: { readonly symbol?: string }): RestRequest
  /** `GET /public/v2/orderbook/{quote}/{target}`: `size` 5/10/15/16, `orderBookUnit` an aggregation step of the market. */
  orderbook(params: {
    readonly symbol: string
    readonly size?: number
    readonly orderBookUnit?: string
  }): RestRequest
  /** `GET /public/v2/trades/{quote}/{target}`: `size` 10/50/100/150/200. */
  trades(params: { readonly symbol: string; readonly size?: number }): RestRequest
  /** `GET /public/v2/ticker_new/KRW` (all) or `/ticker_new/KRW/{target}`; `utc` uses `ticker_utc_new` (UTC-day stats). */
  ticker(params?: {
    readonly symbol?: string
    readonly additionalData?: boolean
    readonly utc?: boolean
  }): RestRequest
  /** `GET /public/v2/currencies` or `/currencies/{currency}`. */
  currencies(params?: { readonly currency?: string }): RestRequest
  /** `GET /public/v2/chart/{quote}/{target}`: every native interval, `timestamp` (ms, the last candle) and `size` 1–500. */
  chart(params: {
    readonly symbol: string
    readonly interval: CoinoneChartInterval
    readonly timestamp?: number
    readonly size?: number
  }): RestRequest
}

/**
 * The public market-data builders of one symbol-rule set (see `coinoneMarketData` for the
 * default one). Parameters are validated locally; a bad one throws `InvalidRequestError` naming it.
 */
export function coinoneMarketDataEndpoints(rules: SymbolRules): CoinoneMarketDataEndpoints {
  const path = (symbol: unknown) => coinonePathOf(rules, symbol)
  return {
    rangeUnits: ({ symbol }) => get(`${PUBLIC}/range_units${path(symbol)}`, []),
    markets: (params = {}) =>
      get(`${PUBLIC}/markets${params.symbol === undefined ? '/KRW' : path(params.symbol)}`, [], {
        kind: 'market',
      }),
    orderbook({ symbol, size, orderBookUnit }) {
      const query: QueryParam[] = []
      push(query, 'size', oneOf(size, 'size', COINONE_BOOK_SIZES))
      if (orderBookUnit !== undefined) {
        if (typeof orderBookUnit !== 'string' || !/^\d+(\.\d+)?$/.test(orderBookUnit))
          throw invalid(
            'orderBookUnit',
            '"orderBookUnit" is decimal text from the market\'s order_book_units.',
          )
        query.push(['order_book_unit', orderBookUnit])
      }
      return get(`${PUBLIC}/orderbook${path(symbol)}`, query, { kind: 'orderbook' })
    },
    trades({ symbol, size }) {
      const query: QueryParam[] = []
      push(query, 'size', oneOf(size, 'size', COINONE_TRADE_SIZES))
      return get(`${PUBLIC}/trades${path(symbol)}`, query, { kind: 'trade' })
    },
    ticker(params = {}) {
      const query: QueryParam[] = []
      if (params.additionalData !== undefined) {
        if (typeof params.additionalData !== 'boolean')
          throw invalid('additionalData', '"additionalData" is a boolean.')
        query.push(['additional_data', String(params.additionalData)])
      }
      const base = params.utc === true ? 'ticker_utc_new' : 'ticker_new'
      return get(`${PUBLIC}/${base}${params.symbol === undefined ? '/KRW' : path(params.symbol)}`, query, {
        kind: 'ticker',
      })
    },
    currencies(params = {}) {
      if (params.currency === undefined) return get(`${PUBLIC}/currencies`, [])
      if (typeof params.currency !== 'string' || !/^[A-Za-z0-9]{1,20}$/.test(params.currency))
        throw invalid('currency', `A currency such as BTC (got ${describeValue(params.currency)}).`)
      return get(`${PUBLIC}/currencies/${params.currency.toUpperCase()}`, [])
    },
    chart({ symbol, interval, timestamp, size }) {
      const query: QueryParam[] = [['interval', coinoneChartInterval(interval)]]
      const ts = time(timestamp, 'timestamp')
      if (ts !== undefined) query.push(['timestamp', String(ts)])
      push(query, 'size', integer(size, 'size', 1, 500))
      const request = get(`${PUBLIC}/chart${path(symbol)}`, query, { kind: 'candle' })
      const pairSymbol = rules.normalize(symbol)
      // The reply names no market: the pair is added before the rows are split.
      return { ...request, prepare: (body) => rowsOf(withPair(body, pairSymbol), 'chart') }
    },
  }
}

const DECIMAL_TEXT = /^\d+(\.\d+)?$/

function decimalText(value: string | Decimal | undefined, param: string): string | undefined {
  if (value === undefined) return undefined
  const text = typeof value === 'string' ? value : value?.toFixed?.()
  if (typeof text !== 'string' || !DECIMAL_TEXT.test(text) || /^0+(\.0+)?$/.test(text))
    throw invalid(param, `"${param}" must be positive plain decimal text (got ${describeValue(value)}).`)
  return text
}

function pair(rules: SymbolRules, symbol: unknown, param = 'symbol'): Record<string, string> {
  if (typeof symbol !== 'string')
    throw invalid(param, `Expected a symbol such as BTC/KRW, got ${describeValue(symbol)}.`)
  const { base, quote } = rules.split(symbol)
  return { quote_currency: quote, target_currency: base }
}

function post(
  path: string,
  body: Record<string, BodyValue>,
  group: 'private' | 'order',
  kind?: RestRequest['kind'],
  reply?: CoinoneOrderReply,
): RestRequest {
  return {
    ...(reply === undefined
      ? {}
      : {
          prepare: (reply_: unknown) => {
            const error = coinoneBodyError(reply_)
            if (error) throw error
            return coinoneOrderRows(reply, reply_, body)
          },
        }),
    method: 'POST',
    path,
    query: [],
    body,
    group,
    auth: true,
    successStatus: 200,
    ...(kind === undefined ? {} : { kind }),
  }
}

// `user_order_id`: ≤ 150 characters of lower-case letters, digits and `- _ .` (COINONE.md §2).
const USER_ORDER_ID = /^[a-z0-9._-]{1,150}$/

function userOrderId(value: unknown): string {
  if (typeof value !== 'string' || !USER_ORDER_ID.test(value))
    throw invalid(
      'clientOrderId',
      '"clientOrderId" (user_order_id) is 1 to 150 lower-case letters, digits and ._-.',
    )
  return value
}

/** The body of `POST /v2.1/order` (COINONE.md §4.2, the order-type field matrix). */
function orderBody(rules: SymbolRules, p: CreateOrderParams): Record<string, BodyValue> {
  if (p === null || typeof p !== 'object') throw invalid('params', 'An order needs parameters.')
  if (p.side !== 'buy' && p.side !== 'sell') throw invalid('side', '"side" must be buy or sell.')
  const body: Record<string, BodyValue> = {
    side: p.side === 'buy' ? 'BUY' : 'SELL',
    ...pair(rules, p.symbol),
  }
  const volume = decimalText(p.volume, 'volume')
  const price = decimalText(p.price, 'price')
  switch (p.type) {
    case 'limit':
      if (volume === undefined || price === undefined)
        throw invalid(volume === undefined ? 'volume' : 'price', 'A limit order needs volume and price.')
      if (p.timeInForce !== undefined && p.timeInForce !== 'post_only')
        throw invalid('timeInForce', 'Coinone limit orders are good-till-cancelled, or post_only.')
      // `post_only` must be sent explicitly, else error 163.
      Object.assign(body, { type: 'LIMIT', price, qty: volume, post_only: p.timeInForce === 'post_only' })
      break
    case 'market': {
      // A market sell gives a base quantity (qty); a market buy the KRW amount to spend (cost → amount).
      const cost = decimalText(p.cost, 'cost')
      if (price !== undefined) throw invalid('price', 'A market order has no price.')
      if (p.side === 'sell') {
        if (volume === undefined || cost !== undefined)
          throw invalid('volume', 'A Coinone market sell gives volume (base quantity), no cost.')
        Object.assign(body, { type: 'MARKET', qty: volume })
      } else {
        if (cost === undefined || volume !== undefined)
          throw invalid('cost', 'A Coinone market buy gives cost (the quote amount to spend), no volume.')
        Object.assign(body, { type: 'MARKET', amount: cost })
      }
      break
    }
    default:
      throw invalid('type', `Coinone takes limit and market orders (got ${describeValue(p.type)}).`)
  }
  if (p.type !== 'limit' && p.timeInForce !== undefined)
    throw invalid('timeInForce', '"timeInForce" applies to limit orders only.')
  if (p.smpType !== undefined) throw invalid('smpType', 'Coinone has no self-trade prevention setting.')
  if (p.clientOrderId !== undefined) body.user_order_id = userOrderId(p.clientOrderId)
  return body
}

/**
 * An order reference. Coinone's lookups need the pair, so an `id` is `SYMBOL:order_id`
 * (`BTC/KRW:0f512287-1e4d-11e9-9ec7-00e04c3600d7`) and a `clientOrderId` `SYMBOL:user_order_id`.
 */
function orderRef(rules: SymbolRules, ref: OrderRef): Record<string, BodyValue> {
  if (ref?.id !== undefined && ref?.clientOrderId !== undefined)
    throw invalid('id', 'Give "id" or "clientOrderId", not both.')
  const raw = ref?.id ?? ref?.clientOrderId
  const colon = typeof raw === 'string' ? raw.lastIndexOf(':') : -1
  if (typeof raw !== 'string' || colon <= 0 || colon === raw.length - 1)
    throw invalid(
      'id',
      'A Coinone order needs its pair: pass id "BTC/KRW:<order_id>" or clientOrderId "BTC/KRW:<user_order_id>".',
    )
  const body: Record<string, BodyValue> = pair(rules, raw.slice(0, colon), 'id')
  const rest = raw.slice(colon + 1)
  if (ref.id !== undefined) {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(rest))
      throw invalid('id', `An order id is a UUID (got ${describeValue(rest)}).`)
    body.order_id = rest
  } else body.user_order_id = userOrderId(rest)
  return body
}

const NINETY_DAYS = 90 * 86_400_000

/**
 * The fifteen contract builders on Coinone's v2 public and v2.1 private paths (COINONE.md §3–§4).
 * Private requests are `POST` with `auth: true` and a JSON body without `access_token`/`nonce`
 * (the signer adds both inside `X-COINONE-PAYLOAD`). `testOrder` has no Coinone endpoint and
 * throws; `tickers` for several symbols fetches the whole KRW list (`ticker_new/KRW`).
 */
export function coinoneEndpoints(rules: SymbolRules): RestEndpoints {
  const md = coinoneMarketDataEndpoints(rules)
  return {
    markets: () => md.markets(),
    tickers({ symbols }) {
      if (!Array.isArray(symbols) || symbols.length === 0)
        throw invalid('symbols', '"symbols" needs at least one symbol.')
      const list = [...new Set(symbols.map((s) => rules.normalize(s)))]
      // One symbol has its own path; several are one call for every KRW ticker.
      return list.length === 1 ? md.ticker({ symbol: list[0]! }) : md.ticker()
    },
    tickersByQuote({ quotes }) {
      if (!Array.isArray(quotes) || quotes.length === 0)
        throw invalid('quotes', '"quotes" needs at least one quote.')
      for (const q of quotes) quoteOf(q)
      return md.ticker()
    },
    trades(params) {
      if (params.cursor !== undefined || params.to !== undefined || params.daysAgo !== undefined)
        throw invalid(
          params.cursor !== undefined ? 'cursor' : params.to !== undefined ? 'to' : 'daysAgo',
          'Coinone serves the most recent trades only (no paging).',
        )
      return md.trades({
        symbol: params.symbol,
        ...(params.count === undefined ? {} : { size: params.count }),
      })
    },
    orderbook(params) {
      if (!Array.isArray(params.symbols) || params.symbols.length !== 1)
        throw invalid('symbols', 'Coinone serves one order book per request: pass exactly one symbol.')
      if (params.level !== undefined && typeof params.level !== 'string' && typeof params.level !== 'number')
        throw invalid('level', '"level" is an aggregation step such as "100000.0".')
      return md.orderbook({
        symbol: params.symbols[0]!,
        ...(params.depth === undefined ? {} : { size: params.depth }),
        ...(params.level === undefined ? {} : { orderBookUnit: String(params.level) }),
      })
    },
    orderbookInstruments(params) {
      if (!Array.isArray(params?.symbols) || params.symbols.length === 0)
        throw invalid('symbols', '"symbols" needs at least one symbol.')
      for (const s of params.symbols) rules.normalize(s)
      // Every market's `order_book_units` (the aggregation steps) are in `markets`.
      return params.symbols.length === 1 ? md.markets({ symbol: params.symbols[0]! }) : md.markets()
    },
    candles(params) {
      const interval = coinoneInterval(params.interval)
      let timestamp: number | undefined
      if (params.to !== undefined) {
        const ms = typeof params.to === 'number' ? params.to : Date.parse(params.to)
        if (!Number.isFinite(ms) || ms <= 1)
          throw invalid('to', '"to" must be a ms timestamp or ISO-8601 time.')
        timestamp = ms - 1 // strictly before `to`
      }
      const request = md.chart({
        symbol: params.symbol,
        interval,
        ...(timestamp === undefined ? {} : { timestamp }),
        ...(params.count === undefined ? {} : { size: params.count }),
      })
      return { ...request, context: { interval: params.interval } }
    },
    balances: () => post(`${PRIVATE}/account/balance/all`, {}, 'private', 'balance'),
    orderChance: ({ symbol }) => {
      const { quote_currency, target_currency } = pair(rules, symbol)
      return post(`${PRIVATE}/account/trade_fee/${quote_currency}/${target_currency}`, {}, 'private')
    },
    order: (ref) => post(`${PRIVATE}/order/detail`, orderRef(rules, ref), 'private', 'order', 'detail'),
    openOrders(params = {}) {
      if (params.page !== undefined || params.limit !== undefined || params.orderBy !== undefined)
        throw invalid('page', 'Coinone returns every active order at once (no paging or order).')
      if (
        params.states !== undefined &&
        (!Array.isArray(params.states) || params.states.some((s) => s !== 'wait' && s !== 'watch'))
      )
        throw invalid('states', '"states" are wait (LIMIT) and watch (STOP_LIMIT).')
      const states = params.states ?? []
      const body: Record<string, BodyValue> = {
        ...(params.symbol === undefined ? {} : pair(rules, params.symbol)),
        // `[]` = both; wait = resting limit orders, watch = untriggered stop-limit orders.
        order_type: states.length === 1 ? [states[0] === 'wait' ? 'LIMIT' : 'STOP_LIMIT'] : [],
      }
      return post(`${PRIVATE}/order/active_orders`, body, 'private', 'order', 'active')
    },
    closedOrders(params = {}) {
      const from = time(params.startTime, 'startTime')
      const to = time(params.endTime, 'endTime')
      if (from === undefined || to === undefined)
        throw invalid(
          from === undefined ? 'startTime' : 'endTime',
          'Coinone fills need a window: startTime and endTime (ms, at most 90 days).',
        )
      if (to < from) throw invalid('endTime', '"endTime" is before "startTime".')
      if (to - from > NINETY_DAYS) throw invalid('endTime', 'The window is at most 90 days.')
      if (params.states !== undefined || params.orderBy !== undefined)
        throw invalid('states', 'Coinone lists fills (completed_orders), newest first, with no state filter.')
      const body: Record<string, BodyValue> = {
        size: Number(integer(params.limit ?? 100, 'limit', 1, 100)),
        from_ts: from,
        to_ts: to,
      }
      if (params.symbol === undefined)
        return post(`${PRIVATE}/order/completed_orders/all`, body, 'private', 'order', 'fills')
      return post(
        `${PRIVATE}/order/completed_orders`,
        { ...body, ...pair(rules, params.symbol) },
        'private',
        'order',
        'fills',
      )
    },
    createOrder: (p) => post(`${PRIVATE}/order`, orderBody(rules, p), 'order', 'order', 'create'),
    testOrder() {
      throw invalid('type', 'Coinone has no test-order endpoint: use a paper executor or the simulator.')
    },
    cancelOrder: (ref) => post(`${PRIVATE}/order/cancel`, orderRef(rules, ref), 'order', 'order', 'cancel'),
  }
}
