import { DataValidationError, describeValue, InvalidRequestError } from '@bb/errors'
import type {
  CreateOrderParams,
  MyTradesParams,
  OrderRef,
  QueryParam,
  RestEndpoints,
  RestRequest,
  SymbolRules,
} from '@bb/exchange-adapter'
import type { Decimal } from '@bb/models'
import { binanceRestRows } from './field-maps.js'
import { binanceFillRows } from './fills.js'
import { type BinanceKlineInterval, binanceInterval, binanceKlineInterval } from './intervals.js'
import { binanceRequestWeight } from './rate-limits.js'

const invalid = (param: string, message: string) =>
  new InvalidRequestError({ param, exchange: 'binance', message })

const NATIVE = /^[A-Z0-9]{2,30}$/

function nativeSymbol(rules: SymbolRules, value: unknown, param = 'symbol'): string {
  if (typeof value !== 'string')
    throw invalid(param, `Expected a symbol such as BTCUSDT for "${param}", got ${describeValue(value)}.`)
  if (value.includes('/')) return rules.normalize(value)
  const upper = value.trim().toUpperCase()
  if (!NATIVE.test(upper))
    throw invalid(param, `Malformed symbol ${describeValue(value)}: expected BASEQUOTE such as BTCUSDT.`)
  try {
    return rules.normalize(upper)
  } catch (error) {
    // Without the market list the heuristic split may not know the quote: the id is still sendable.
    if (InvalidRequestError.isInstance(error)) return upper
    throw error
  }
}

function integer(value: number | undefined, param: string, min: number, max: number): string | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalid(param, `"${param}" must be an integer from ${min} to ${max} (got ${describeValue(value)}).`)
  return String(value)
}

function digits(value: string | number | bigint | undefined, param: string): string | undefined {
  if (value === undefined) return undefined
  const text = String(value)
  if (!/^\d{1,19}$/.test(text))
    throw invalid(param, `"${param}" must be a non-negative integer id (got ${describeValue(value)}).`)
  return text
}

function time(value: number | undefined, param: string): string | undefined {
  if (value === undefined) return undefined
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalid(param, `"${param}" must be a ms timestamp (got ${describeValue(value)}).`)
  return String(value)
}

function push(query: QueryParam[], key: string, value: string | undefined): void {
  if (value !== undefined) query.push([key, value])
}

/**
 * `exchangeInfo` lists every symbol in one body (the field map reads its `symbols`): one body per
 * symbol, so that a client normalizing body by body gets one market each.
 */
function oneSymbolEach(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body
  const list = (body as { symbols?: unknown }).symbols
  if (!Array.isArray(list)) return body
  return list.map((symbol: unknown) => ({ symbols: [symbol] }))
}

/** A GET in the `weight` group, costing its documented request weight ({@link binanceRequestWeight}). */
function get(path: string, query: QueryParam[], extra: Partial<RestRequest> = {}): RestRequest {
  const cost = binanceRequestWeight({ method: 'GET', path, query })
  return { method: 'GET', path, query, group: 'weight', cost, auth: false, successStatus: 200, ...extra }
}

/** `symbol=X` or `symbols=["X","Y"]` (JSON array), or neither; never both. */
function oneOrMany(
  rules: SymbolRules,
  params: { symbol?: string; symbols?: readonly string[] },
): QueryParam[] {
  if (params.symbol !== undefined && params.symbols !== undefined)
    throw invalid('symbols', 'Give "symbol" or "symbols", not both.')
  if (params.symbol !== undefined) return [['symbol', nativeSymbol(rules, params.symbol)]]
  if (params.symbols !== undefined) {
    if (!Array.isArray(params.symbols) || params.symbols.length === 0)
      throw invalid('symbols', '"symbols" needs at least one symbol.')
    if (params.symbols.length > 100)
      throw invalid('symbols', `At most 100 symbols per call (got ${params.symbols.length}).`)
    const list = [...new Set(params.symbols.map((s) => nativeSymbol(rules, s, 'symbols')))]
    return list.length === 1 ? [['symbol', list[0]!]] : [['symbols', JSON.stringify(list)]]
  }
  return []
}

/** Binance's public market-data endpoints (BINANCE.md §4), beyond the contract's fifteen. */
export interface BinanceMarketDataEndpoints {
  /** `GET /api/v3/exchangeInfo` (weight 20). */
  exchangeInfo(params?: { readonly symbol?: string; readonly symbols?: readonly string[] }): RestRequest
  /** `GET /api/v3/depth`: `limit` 1–5000 (default 100). */
  depth(params: { readonly symbol: string; readonly limit?: number }): RestRequest
  /** `GET /api/v3/trades`: the most recent trades, `limit` 1–1000. */
  trades(params: { readonly symbol: string; readonly limit?: number }): RestRequest
  /** `GET /api/v3/historicalTrades`: from trade id `fromId` (inclusive), `limit` 1–1000. */
  historicalTrades(params: {
    readonly symbol: string
    readonly fromId?: string | number
    readonly limit?: number
  }): RestRequest
  /** `GET /api/v3/aggTrades`: by `fromId` or a time window (inclusive), `limit` 1–1000. */
  aggTrades(params: {
    readonly symbol: string
    readonly fromId?: string | number
    readonly startTime?: number
    readonly endTime?: number
    readonly limit?: number
  }): RestRequest
  /** `GET /api/v3/klines`: every native interval (`1s` … `1M`), `limit` 1–1000. */
  klines(params: {
    readonly symbol: string
    readonly interval: BinanceKlineInterval
    readonly startTime?: number
    readonly endTime?: number
    readonly timeZone?: string
    readonly limit?: number
  }): RestRequest
  /** `GET /api/v3/ticker/24hr`: one symbol, some, or all; `type` FULL (default) or MINI. */
  ticker24hr(params?: {
    readonly symbol?: string
    readonly symbols?: readonly string[]
    readonly type?: 'FULL' | 'MINI'
  }): RestRequest
  /** `GET /api/v3/ticker/price`. */
  tickerPrice(params?: { readonly symbol?: string; readonly symbols?: readonly string[] }): RestRequest
  /** `GET /api/v3/ticker/bookTicker`. */
  bookTicker(params?: { readonly symbol?: string; readonly symbols?: readonly string[] }): RestRequest
  /** `GET /api/v3/avgPrice`. */
  avgPrice(params: { readonly symbol: string }): RestRequest
  /** `GET /api/v3/time`. */
  time(): RestRequest
}

/**
 * The market-data endpoint builders of one symbol-rule set (see {@link binanceMarketData} for the
 * default one). Parameters are validated locally; a bad one throws `InvalidRequestError` naming it.
 */
export function binanceMarketDataEndpoints(rules: SymbolRules): BinanceMarketDataEndpoints {
  const sym = (value: unknown) => nativeSymbol(rules, value)
  return {
    exchangeInfo: (params = {}) =>
      get('/api/v3/exchangeInfo', oneOrMany(rules, params), { kind: 'market', prepare: oneSymbolEach }),
    depth({ symbol, limit }) {
      const query: QueryParam[] = [['symbol', sym(symbol)]]
      push(query, 'limit', integer(limit, 'limit', 1, 5000))
      const symbolId = query[0]![1]
      return get('/api/v3/depth', query, {
        kind: 'orderbook',
        prepare: (body) => binanceRestRows('depth', body, symbolId),
      })
    },
    trades({ symbol, limit }) {
      const query: QueryParam[] = [['symbol', sym(symbol)]]
      push(query, 'limit', integer(limit, 'limit', 1, 1000))
      const symbolId = query[0]![1]
      return get('/api/v3/trades', query, {
        kind: 'trade',
        prepare: (body) => binanceRestRows('trades', body, symbolId),
      })
    },
    historicalTrades({ symbol, fromId, limit }) {
      const query: QueryParam[] = [['symbol', sym(symbol)]]
      push(query, 'limit', integer(limit, 'limit', 1, 1000))
      push(query, 'fromId', digits(fromId, 'fromId'))
      const symbolId = query[0]![1]
      return get('/api/v3/historicalTrades', query, {
        kind: 'trade',
        prepare: (body) => binanceRestRows('trades', body, symbolId),
      })
    },
    aggTrades({ symbol, fromId, startTime, endTime, limit }) {
      const query: QueryParam[] = [['symbol', sym(symbol)]]
      if (fromId !== undefined && (startTime !== undefined || endTime !== undefined))
        throw invalid('fromId', 'aggTrades takes "fromId" or a time window, not both.')
      if (startTime !== undefined && endTime !== undefined && endTime < startTime)
        throw invalid('endTime', '"endTime" is before "startTime".')
      push(query, 'fromId', digits(fromId, 'fromId'))
      push(query, 'startTime', time(startTime, 'startTime'))
      push(query, 'endTime', time(endTime, 'endTime'))
      push(query, 'limit', integer(limit, 'limit', 1, 1000))
      const symbolId = query[0]![1]
      return get('/api/v3/aggTrades', query, {
        kind: 'trade',
        prepare: (body) => binanceRestRows('trades', body, symbolId),
      })
    },
    klines({ symbol, interval, startTime, endTime, timeZone, limit }) {
      const query: QueryParam[] = [
        ['symbol', sym(symbol)],
        ['interval', binanceKlineInterval(interval)],
      ]
      if (startTime !== undefined && endTime !== undefined && endTime < startTime)
        throw invalid('endTime', '"endTime" is before "startTime".')
      push(query, 'startTime', time(startTime, 'startTime'))
      push(query, 'endTime', time(endTime, 'endTime'))
      if (timeZone !== undefined && !/^[+-]?\d{1,2}(:\d{2})?$/.test(timeZone))
        throw invalid('timeZone', '"timeZone" is an offset such as 8, -1:00 or 05:45.')
      push(query, 'timeZone', timeZone)
      push(query, 'limit', integer(limit, 'limit', 1, 1000))
      const symbolId = query[0]![1]
      const native = query[1]![1]
      return get('/api/v3/klines', query, {
        kind: 'candle',
        prepare: (body) => binanceRestRows('klines', body, symbolId, native),
      })
    },
    ticker24hr(params = {}) {
      const query = oneOrMany(rules, params)
      if (params.type !== undefined && params.type !== 'FULL' && params.type !== 'MINI')
        throw invalid('type', '"type" is FULL or MINI.')
      push(query, 'type', params.type)
      return get('/api/v3/ticker/24hr', query, params.type === 'MINI' ? {} : { kind: 'ticker' })
    },
    tickerPrice: (params = {}) => get('/api/v3/ticker/price', oneOrMany(rules, params)),
    bookTicker: (params = {}) =>
      get('/api/v3/ticker/bookTicker', oneOrMany(rules, params), { kind: 'orderbook' }),
    avgPrice: ({ symbol }) => get('/api/v3/avgPrice', [['symbol', sym(symbol)]]),
    time: () => get('/api/v3/time', []),
  }
}

const DECIMAL_TEXT = /^\d+(\.\d+)?$/

function decimalText(value: string | Decimal | undefined, param: string): string | undefined {
  if (value === undefined) return undefined
  const text = typeof value === 'string' ? value : value.toFixed()
  if (!DECIMAL_TEXT.test(text)) throw invalid(param, `"${param}" must be plain decimal text.`)
  return text
}

function orderQuery(rules: SymbolRules, p: CreateOrderParams): QueryParam[] {
  if (p === null || typeof p !== 'object') throw invalid('params', 'An order needs parameters.')
  const query: QueryParam[] = [['symbol', nativeSymbol(rules, p.symbol)]]
  if (p.side !== 'buy' && p.side !== 'sell') throw invalid('side', '"side" must be buy or sell.')
  query.push(['side', p.side === 'buy' ? 'BUY' : 'SELL'])
  const volume = decimalText(p.volume, 'volume')
  const price = decimalText(p.price, 'price')
  switch (p.type) {
    case 'limit': {
      if (volume === undefined || price === undefined)
        throw invalid(volume === undefined ? 'volume' : 'price', 'A limit order needs volume and price.')
      const postOnly = p.timeInForce === 'post_only'
      query.push(['type', postOnly ? 'LIMIT_MAKER' : 'LIMIT'])
      if (!postOnly)
        query.push(['timeInForce', p.timeInForce === 'ioc' ? 'IOC' : p.timeInForce === 'fok' ? 'FOK' : 'GTC'])
      query.push(['quantity', volume], ['price', price])
      break
    }
    case 'market': {
      // A base quantity (quantity), or a quote total to spend (cost → quoteOrderQty).
      const cost = decimalText(p.cost, 'cost')
      if (price !== undefined) throw invalid('price', 'A market order has no price.')
      if ((volume === undefined) === (cost === undefined))
        throw invalid(
          'volume',
          'A market order gives volume (base quantity) or cost (quote total), not both.',
        )
      query.push(['type', 'MARKET'], volume !== undefined ? ['quantity', volume] : ['quoteOrderQty', cost!])
      break
    }
    default:
      throw invalid('type', `Binance takes limit and market orders (got ${describeValue(p.type)}).`)
  }
  if (p.type !== 'limit' && p.timeInForce !== undefined)
    throw invalid('timeInForce', '"timeInForce" applies to limit orders only.')
  if (p.smpType !== undefined) {
    const mode = { cancel_maker: 'EXPIRE_MAKER', cancel_taker: 'EXPIRE_TAKER', reduce: undefined }[p.smpType]
    if (mode === undefined)
      throw invalid('smpType', 'Binance self-trade prevention is cancel_maker or cancel_taker.')
    query.push(['selfTradePreventionMode', mode])
  }
  if (p.clientOrderId !== undefined) {
    if (!/^[.A-Z:/a-z0-9_-]{1,36}$/.test(p.clientOrderId))
      throw invalid('clientOrderId', '"clientOrderId" is 1 to 36 characters of letters, digits and ._:/-.')
    query.push(['newClientOrderId', p.clientOrderId])
  }
  return query
}

/** An order reference: Binance needs the symbol, so an `id` is `SYMBOL:orderId` (`BTCUSDT:28`). */
function orderRef(rules: SymbolRules, ref: OrderRef): QueryParam[] {
  const raw = ref?.id ?? ref?.clientOrderId
  const colon = typeof raw === 'string' ? raw.indexOf(':') : -1
  if (typeof raw !== 'string' || colon <= 0)
    throw invalid(
      'id',
      'A Binance order needs its symbol: pass id "BTCUSDT:28" (symbol:orderId) or clientOrderId "BTCUSDT:myOrder1".',
    )
  const symbol = nativeSymbol(rules, raw.slice(0, colon))
  const rest = raw.slice(colon + 1)
  if (ref.id !== undefined)
    return [
      ['symbol', symbol],
      ['orderId', digits(rest, 'id')!],
    ]
  return [
    ['symbol', symbol],
    ['origClientOrderId', rest],
  ]
}

const signed = { auth: true, group: 'weight' } as const

/** `orderBy`: `asc` (Binance's order, oldest first) or `desc`. */
function orderBy(value: unknown): 'asc' | 'desc' | undefined {
  if (value === undefined || value === 'asc' || value === 'desc') return value
  throw invalid('orderBy', `"orderBy" is asc or desc (got ${describeValue(value)}).`)
}

const reversed = (body: unknown): unknown => (Array.isArray(body) ? [...body].reverse() : body)

// The closed Binance statuses by neutral state (BINANCE.md §5.1); EXPIRED_IN_MATCH is `prevented`.
const CLOSED: Readonly<Record<'done' | 'cancel', readonly string[]>> = {
  done: ['FILLED'],
  cancel: ['CANCELED', 'EXPIRED', 'REJECTED'],
}

function closedStatuses(states: unknown): Set<string> {
  if (states === undefined) return new Set([...CLOSED.done, ...CLOSED.cancel, 'EXPIRED_IN_MATCH'])
  if (!Array.isArray(states) || states.length === 0)
    throw invalid('states', '"states" is a non-empty list of done and cancel.')
  const out = new Set<string>()
  for (const state of states) {
    if (state !== 'done' && state !== 'cancel')
      throw invalid('states', `Closed-order states are done and cancel (got ${describeValue(state)}).`)
    for (const status of CLOSED[state as 'done' | 'cancel']) out.add(status)
  }
  return out
}

/**
 * `GET /api/v3/account` → its `balances` rows, each with the account's `updateTime` (the time
 * of the values). Throws `DataValidationError` for a body without a `balances` array.
 */
function accountBalances(body: unknown): unknown[] {
  const balances = (body as { balances?: unknown } | null)?.balances
  if (!Array.isArray(balances))
    throw new DataValidationError({ path: 'balances', expected: 'an array of balances', received: balances })
  const updateTime = (body as { updateTime?: unknown }).updateTime
  return balances.map((row: unknown) =>
    row !== null && typeof row === 'object' && updateTime !== undefined ? { ...row, updateTime } : row,
  )
}

/** The longest `startTime`…`endTime` window of `myTrades` and `allOrders`, ms (24 h). */
const MAX_WINDOW_MS = 86_400_000

/**
 * `GET /api/v3/myTrades` (signed; weight 20, 5 with `orderId`): the account's fills in one symbol,
 * oldest first. `orderId` is the adapter's order id (`BTCUSDT:28`, of the same symbol); `fromId`
 * a trade id (inclusive); the window at most 24 h; `limit` 1–1000 (Binance's default 500).
 * A time window goes with neither `orderId` nor `fromId` (the combinations Binance documents).
 */
function myTrades(rules: SymbolRules, params: MyTradesParams): RestRequest {
  if (params === null || typeof params !== 'object')
    throw invalid('params', 'myTrades needs parameters with a symbol.')
  const symbol = nativeSymbol(rules, params.symbol)
  const query: QueryParam[] = [['symbol', symbol]]
  if (params.orderId !== undefined) {
    const given: unknown = params.orderId
    const colon = typeof given === 'string' ? given.indexOf(':') : -1
    if (
      typeof given !== 'string' ||
      colon <= 0 ||
      nativeSymbol(rules, given.slice(0, colon), 'orderId') !== symbol
    )
      throw invalid(
        'orderId',
        `"orderId" is an order id of ${symbol} as orders carry it ("${symbol}:28"), got ${describeValue(given)}.`,
      )
    query.push(['orderId', digits(given.slice(colon + 1), 'orderId')!])
  }
  const { startTime, endTime } = params
  if (startTime !== undefined || endTime !== undefined) {
    const other =
      params.orderId !== undefined ? 'orderId' : params.fromId !== undefined ? 'fromId' : undefined
    if (other !== undefined)
      throw invalid(other, `Binance takes "${other}" or a time window (startTime / endTime), not both.`)
  }
  push(query, 'startTime', time(startTime, 'startTime'))
  push(query, 'endTime', time(endTime, 'endTime'))
  if (startTime !== undefined && endTime !== undefined) {
    if (endTime < startTime) throw invalid('endTime', '"endTime" is before "startTime".')
    if (endTime - startTime > MAX_WINDOW_MS)
      throw invalid('endTime', 'Binance lists fills of a window of 24 hours or less (endTime - startTime).')
  }
  push(query, 'fromId', digits(params.fromId, 'fromId'))
  push(query, 'limit', integer(params.limit, 'limit', 1, 1000))
  return get('/api/v3/myTrades', query, { ...signed, prepare: (body) => binanceFillRows(body, symbol) })
}

/**
 * The order a `POST /api/v3/order/test` request describes, as an order body (a test order is not
 * placed and gets no id: `orderId` is `test`). Binance validates it and answers `{}`.
 */
function testOrderPreview(query: readonly QueryParam[], createdAt: number): Record<string, unknown> {
  const q = new Map(query)
  const type = q.get('type')
  return {
    symbol: q.get('symbol'),
    orderId: 'test',
    ...(q.has('newClientOrderId') ? { clientOrderId: q.get('newClientOrderId') } : {}),
    price: q.get('price') ?? '0',
    origQty: q.get('quantity') ?? '0',
    origQuoteOrderQty: q.get('quoteOrderQty') ?? '0',
    executedQty: '0',
    cummulativeQuoteQty: '0',
    status: 'NEW',
    ...(q.has('timeInForce') ? { timeInForce: q.get('timeInForce') } : {}),
    type,
    side: q.get('side'),
    time: createdAt,
    updateTime: createdAt,
    ...(q.has('selfTradePreventionMode')
      ? { selfTradePreventionMode: q.get('selfTradePreventionMode') }
      : {}),
  }
}

/**
 * The fifteen contract builders on Binance's `/api/v3` paths, and the optional `myTrades`. `tickersByQuote` and `orderChance`
 * have no Binance endpoint and throw `InvalidRequestError`; order lookups need the symbol
 * (`id: 'BTCUSDT:28'`). Signed requests are `auth: true`: their `timestamp` and `signature`
 * come from `signBinanceQuery`.
 */
export function binanceEndpoints(rules: SymbolRules): RestEndpoints {
  const md = binanceMarketDataEndpoints(rules)
  /** The contract lists trades and candles newest first; Binance sends them oldest first. */
  const newestFirst = (request: RestRequest): RestRequest => {
    const inner = request.prepare
    return {
      ...request,
      prepare: (body) => {
        const rows = inner ? inner(body) : body
        return Array.isArray(rows) ? [...rows].reverse() : rows
      },
    }
  }
  return {
    markets: () => md.exchangeInfo(),
    tickers: ({ symbols }) => md.ticker24hr({ symbols }),
    tickersByQuote() {
      throw invalid(
        'quotes',
        'Binance has no ticker filter by quote asset: list the symbols (tickers({ symbols })).',
      )
    },
    trades(params) {
      if (params.to !== undefined || params.daysAgo !== undefined)
        throw invalid(
          params.to !== undefined ? 'to' : 'daysAgo',
          'Binance pages trades by id (cursor), not by time of day.',
        )
      if (params.cursor === undefined)
        return newestFirst(
          md.trades({
            symbol: params.symbol,
            ...(params.count === undefined ? {} : { limit: params.count }),
          }),
        )
      // Ids are contiguous: the `count` trades older than `cursor` start at cursor - count.
      const cursor = BigInt(digits(params.cursor, 'cursor')!)
      const count = BigInt(integer(params.count ?? 500, 'count', 1, 1000)!)
      const from = cursor > count ? cursor - count : 0n
      const limit = Number(cursor - from)
      if (limit === 0) throw invalid('cursor', 'There is no trade older than id 0.')
      return newestFirst(md.historicalTrades({ symbol: params.symbol, fromId: from.toString(), limit }))
    },
    orderbook(params) {
      if (!Array.isArray(params.symbols) || params.symbols.length !== 1)
        throw invalid('symbols', 'Binance serves one order book per request: pass exactly one symbol.')
      if (params.level !== undefined) throw invalid('level', 'Binance does not group book levels.')
      return md.depth({
        symbol: params.symbols[0]!,
        ...(params.depth === undefined ? {} : { limit: params.depth }),
      })
    },
    orderbookInstruments: ({ symbols }) => md.exchangeInfo({ symbols }),
    candles(params) {
      const interval = binanceInterval(params.interval)
      let endTime: number | undefined
      if (params.to !== undefined) {
        const ms = typeof params.to === 'number' ? params.to : Date.parse(params.to)
        if (!Number.isFinite(ms) || ms <= 0)
          throw invalid('to', '"to" must be a ms timestamp or ISO-8601 time.')
        endTime = ms - 1 // strictly before `to`
      }
      const request = md.klines({
        symbol: params.symbol,
        interval,
        ...(endTime === undefined ? {} : { endTime }),
        ...(params.count === undefined ? {} : { limit: params.count }),
      })
      return newestFirst({ ...request, context: { interval: params.interval } })
    },
    balances: () =>
      get('/api/v3/account', [['omitZeroBalances', 'true']], {
        ...signed,
        kind: 'balance',
        prepare: accountBalances,
      }),
    orderChance() {
      throw invalid(
        'symbol',
        'Binance has no order-chance endpoint: the rules are in exchangeInfo (market rules).',
      )
    },
    order: (ref) => get('/api/v3/order', orderRef(rules, ref), { ...signed, kind: 'order' }),
    openOrders(params = {}) {
      const query: QueryParam[] = []
      if (params.symbol !== undefined) query.push(['symbol', nativeSymbol(rules, params.symbol)])
      for (const key of ['page', 'limit'] as const)
        if (params[key] !== undefined)
          throw invalid(key, `Binance lists every open order in one answer: it has no "${key}".`)
      for (const state of params.states ?? [])
        if (state !== 'wait')
          throw invalid('states', `Binance open orders are all in state wait (got ${describeValue(state)}).`)
      const order = orderBy(params.orderBy)
      return get('/api/v3/openOrders', query, {
        ...signed,
        kind: 'order',
        ...(order === 'desc' ? { prepare: reversed } : {}),
      })
    },
    closedOrders(params = {}) {
      if (params.symbol === undefined)
        throw invalid('symbol', 'Binance lists past orders per symbol (allOrders).')
      const query: QueryParam[] = [['symbol', nativeSymbol(rules, params.symbol)]]
      if (
        params.startTime !== undefined &&
        params.endTime !== undefined &&
        params.endTime - params.startTime > MAX_WINDOW_MS
      )
        throw invalid('endTime', 'The window must be 24 hours or less.')
      push(query, 'startTime', time(params.startTime, 'startTime'))
      push(query, 'endTime', time(params.endTime, 'endTime'))
      push(query, 'limit', integer(params.limit, 'limit', 1, 1000))
      const wanted = closedStatuses(params.states)
      const order = orderBy(params.orderBy)
      // allOrders lists working orders too: only the closed ones (in the states asked for) are kept.
      return get('/api/v3/allOrders', query, {
        ...signed,
        kind: 'order',
        prepare: (body) => {
          if (!Array.isArray(body)) return body
          const rows = body.filter((row: unknown) =>
            wanted.has((row as { status?: unknown } | null)?.status as string),
          )
          return order === 'desc' ? rows.reverse() : rows
        },
      })
    },
    createOrder: (p) => ({
      method: 'POST',
      path: '/api/v3/order',
      // FULL: the answer carries the order's state and its fills (LIMIT_MAKER defaults to ACK).
      query: [...orderQuery(rules, p), ['newOrderRespType', 'FULL']],
      ...signed,
      group: 'orders',
      kind: 'order',
      successStatus: 200,
    }),
    testOrder(p) {
      const query = orderQuery(rules, p)
      const createdAt = Date.now()
      return {
        method: 'POST',
        path: '/api/v3/order/test',
        query,
        ...signed,
        kind: 'order',
        successStatus: 200,
        // Binance answers `{}`: the preview is the order the request describes (BINANCE.md §5.1).
        prepare: () => testOrderPreview(query, createdAt),
      }
    },
    myTrades: (params) => myTrades(rules, params),
    cancelOrder: (ref) => ({
      method: 'DELETE',
      path: '/api/v3/order',
      query: orderRef(rules, ref),
      ...signed,
      kind: 'order',
      successStatus: 200,
    }),
  }
}
