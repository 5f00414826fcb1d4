import { InvalidRequestError } from '@bb/errors'
import type {
  ClosedOrdersParams,
  CreateOrderParams,
  OpenOrdersParams,
  OrderRef,
  QueryParam,
  RestEndpoints,
  RestRequest,
} from '@bb/exchange-adapter'
import { checkOrderParams } from '@bb/exchange-adapter'
import type { Decimal } from '@bb/models'
import { upbitCandlePath } from './intervals.js'
import { upbitMarketRules } from './market.js'
import { parseUpbitSymbol } from './symbol.js'

/** Most symbols in one `/ticker` or `/orderbook` call: beyond ~350 the URL gets too long (§5.2). */
export const UPBIT_MAX_SYMBOLS_PER_CALL = 100

const invalid = (param: string, message: string) =>
  new InvalidRequestError({ param, exchange: 'upbit', message })

function symbol(value: unknown, param = 'symbol'): string {
  if (typeof value !== 'string')
    throw invalid(param, `Expected a market code such as KRW-BTC for "${param}".`)
  try {
    return parseUpbitSymbol(value).symbol
  } catch {
    throw invalid(param, `Malformed market code ${JSON.stringify(value)}: expected QUOTE-BASE, e.g. KRW-BTC.`)
  }
}

function symbolList(values: readonly string[] | undefined, param = 'symbols'): string {
  if (!Array.isArray(values) || values.length === 0)
    throw invalid(param, `"${param}" needs at least one market code.`)
  if (values.length > UPBIT_MAX_SYMBOLS_PER_CALL) {
    throw invalid(
      param,
      `At most ${UPBIT_MAX_SYMBOLS_PER_CALL} market codes per call (got ${values.length}).`,
    )
  }
  return [...new Set(values.map((value) => symbol(value, param)))].join(',')
}

function integer(value: number | undefined, param: string, min: number, max: number): string | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(param, `"${param}" must be an integer from ${min} to ${max} (got ${String(value)}).`)
  }
  return String(value)
}

function push(query: QueryParam[], key: string, value: string | undefined): void {
  if (value !== undefined) query.push([key, value])
}

function isoTime(value: number | string | undefined, param: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(param, `"${param}" must be a finite ms timestamp.`)
    return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z')
  }
  if (Number.isNaN(Date.parse(value))) throw invalid(param, `"${param}" must be an ISO-8601 time.`)
  return value
}

function get(
  path: string,
  group: string,
  query: QueryParam[],
  extra: Partial<RestRequest> = {},
): RestRequest {
  return { method: 'GET', path, query, group, auth: false, successStatus: 200, ...extra }
}

function orderRef(ref: OrderRef): QueryParam[] {
  // Upbit: uuid wins when both are given; send only one so the hash is unambiguous.
  if (ref.id !== undefined && ref.id !== '') return [['uuid', ref.id]]
  if (ref.clientOrderId !== undefined && ref.clientOrderId !== '') return [['identifier', ref.clientOrderId]]
  throw invalid('id', 'An order lookup needs "id" (uuid) or "clientOrderId" (identifier).')
}

/**
 * The neutral order onto Upbit's wire fields: `limit` → `ord_type: limit` (volume, price);
 * market buy by `cost` → `ord_type: price` (the cost as `price`); market sell by `volume` →
 * `ord_type: market`; a market order with option `best` → `ord_type: best` (timeInForce ioc/fok).
 */
function orderBody(params: CreateOrderParams): Record<string, string> {
  checkOrderParams(upbitMarketRules, params)
  const body: Record<string, string> = { market: symbol(params.symbol) }
  const { type, side } = params
  body.side = side === 'buy' ? 'bid' : 'ask'
  const best = params.options?.best
  if (best !== undefined && best !== true && best !== false)
    throw invalid('options.best', '"options.best" is true or false.')
  // Decimals are sent as plain text (`toFixed()` never uses exponent notation).
  const text = (value: string | Decimal | undefined) =>
    value === undefined || typeof value === 'string' ? value : value.toFixed()
  const volume = text(params.volume)
  const price = text(type === 'limit' ? params.price : params.cost)
  if (type === 'limit') {
    if (best === true) throw invalid('options.best', '"best" is an option of market orders.')
    body.ord_type = 'limit'
  } else if (best === true) {
    if (params.timeInForce !== 'ioc' && params.timeInForce !== 'fok')
      throw invalid('timeInForce', 'A "best" market order needs timeInForce ioc or fok.')
    body.ord_type = 'best'
  } else {
    if (params.timeInForce !== undefined)
      throw invalid('timeInForce', 'A market order takes timeInForce only with options.best.')
    body.ord_type = side === 'buy' ? 'price' : 'market'
  }
  if (volume !== undefined) body.volume = volume
  if (price !== undefined) body.price = price
  if (params.timeInForce === 'post_only' && params.smpType !== undefined) {
    throw invalid('timeInForce', 'post_only needs a limit order without smpType.')
  }
  if (params.timeInForce !== undefined) body.time_in_force = params.timeInForce
  if (params.smpType !== undefined) body.smp_type = params.smpType
  if (params.clientOrderId !== undefined) {
    if (params.clientOrderId.length === 0 || params.clientOrderId.length > 64) {
      throw invalid('clientOrderId', '"clientOrderId" must be 1 to 64 characters.')
    }
    body.identifier = params.clientOrderId
  }
  return body
}

/** Upbit's endpoint builders (UPBIT.md §5–§6). */
export const upbitEndpoints: RestEndpoints = {
  markets(params = {}) {
    return get('/v1/market/all', 'market', [['is_details', params.details ? 'true' : 'false']], {
      kind: 'market',
    })
  },
  tickers({ symbols }) {
    return get('/v1/ticker', 'ticker', [['markets', symbolList(symbols)]], { kind: 'ticker' })
  },
  tickersByQuote({ quotes }) {
    if (!Array.isArray(quotes) || quotes.length === 0)
      throw invalid('quotes', '"quotes" needs at least one currency.')
    const list = quotes.map((quote) => {
      const upper = String(quote).toUpperCase()
      if (!['KRW', 'BTC', 'USDT'].includes(upper))
        throw invalid('quotes', `Unknown quote currency ${JSON.stringify(quote)}: use KRW, BTC or USDT.`)
      return upper
    })
    return get('/v1/ticker/all', 'ticker', [['quote_currencies', [...new Set(list)].join(',')]], {
      kind: 'ticker',
    })
  },
  trades(params) {
    const query: QueryParam[] = [['market', symbol(params.symbol)]]
    if (params.to !== undefined && !/^\d{2}:?\d{2}:?\d{2}$/.test(params.to)) {
      throw invalid('to', '"to" must be a UTC time of day, HHmmss or HH:mm:ss.')
    }
    push(query, 'to', params.to)
    push(query, 'count', integer(params.count, 'count', 1, 500))
    if (params.cursor !== undefined && !/^\d+$/.test(params.cursor))
      throw invalid('cursor', '"cursor" must be a trade id (digits).')
    push(query, 'cursor', params.cursor)
    push(query, 'days_ago', integer(params.daysAgo, 'daysAgo', 1, 7))
    return get('/v1/trades/ticks', 'trade', query, { kind: 'trade' })
  },
  orderbook(params) {
    const query: QueryParam[] = [['markets', symbolList(params.symbols)]]
    if (params.level !== undefined) {
      const level = String(params.level)
      if (!/^\d+(\.\d+)?$/.test(level)) throw invalid('level', '"level" must be a non-negative number.')
      query.push(['level', level])
    }
    push(query, 'count', integer(params.depth, 'depth', 1, 30))
    return get('/v1/orderbook', 'orderbook', query, { kind: 'orderbook' })
  },
  orderbookInstruments({ symbols }) {
    return get('/v1/orderbook/instruments', 'orderbook', [['markets', symbolList(symbols)]])
  },
  candles(params) {
    const path = upbitCandlePath(params.interval)
    const query: QueryParam[] = [['market', symbol(params.symbol)]]
    push(query, 'to', isoTime(params.to, 'to'))
    push(query, 'count', integer(params.count, 'count', 1, 200))
    return get(path, 'candle', query, { kind: 'candle', context: { interval: params.interval } })
  },
  balances() {
    return get('/v1/accounts', 'default', [], { auth: true, kind: 'balance' })
  },
  orderChance({ symbol: market }) {
    return get('/v1/orders/chance', 'default', [['market', symbol(market)]], { auth: true })
  },
  order(ref) {
    return get('/v1/order', 'default', orderRef(ref), { auth: true, kind: 'order' })
  },
  openOrders(params: OpenOrdersParams = {}) {
    const query: QueryParam[] = []
    if (params.symbol !== undefined) query.push(['market', symbol(params.symbol)])
    for (const state of params.states ?? []) {
      if (state !== 'wait' && state !== 'watch')
        throw invalid('states', 'Open-order states are wait and watch.')
      query.push(['states[]', state])
    }
    push(query, 'page', integer(params.page, 'page', 1, Number.MAX_SAFE_INTEGER))
    push(query, 'limit', integer(params.limit, 'limit', 1, 100))
    push(query, 'order_by', params.orderBy)
    return get('/v1/orders/open', 'default', query, { auth: true, kind: 'order' })
  },
  closedOrders(params: ClosedOrdersParams = {}) {
    const query: QueryParam[] = []
    if (params.symbol !== undefined) query.push(['market', symbol(params.symbol)])
    for (const state of params.states ?? []) {
      if (state !== 'done' && state !== 'cancel')
        throw invalid('states', 'Closed-order states are done and cancel.')
      query.push(['states[]', state])
    }
    if (params.startTime !== undefined && params.endTime !== undefined) {
      if (params.endTime < params.startTime) throw invalid('endTime', '"endTime" is before "startTime".')
      if (params.endTime - params.startTime > 7 * 86_400_000)
        throw invalid('endTime', 'The window must be 7 days or less.')
    }
    push(query, 'start_time', params.startTime === undefined ? undefined : String(params.startTime))
    push(query, 'end_time', params.endTime === undefined ? undefined : String(params.endTime))
    push(query, 'limit', integer(params.limit, 'limit', 1, 1000))
    push(query, 'order_by', params.orderBy)
    return get('/v1/orders/closed', 'default', query, { auth: true, kind: 'order' })
  },
  createOrder(params) {
    return {
      method: 'POST',
      path: '/v1/orders',
      query: [],
      body: orderBody(params),
      group: 'order',
      auth: true,
      kind: 'order',
      successStatus: 201,
    }
  },
  testOrder(params) {
    return {
      method: 'POST',
      path: '/v1/orders/test',
      query: [],
      body: orderBody(params),
      group: 'order-test',
      auth: true,
      kind: 'order',
      successStatus: 201,
    }
  },
  cancelOrder(ref) {
    return {
      method: 'DELETE',
      path: '/v1/order',
      query: orderRef(ref),
      group: 'default',
      auth: true,
      kind: 'order',
      successStatus: 200,
    }
  },
}
