import { createHmac } from 'node:crypto'
import {
  AuthenticationError,
  type BackboneError,
  describeValue,
  ExchangeUnavailableError,
  InvalidRequestError,
  RateLimitError,
  SubscriptionError,
  UnknownSymbolError,
} from '@bb/errors'
import {
  type ExchangeAdapter,
  type FieldMaps,
  type FrameClass,
  formatQuery,
  type MarketRules,
  type QueryParam,
  type RestRequest,
  type StreamRequest,
  type SymbolRules,
} from '@bb/exchange-adapter'
import { type CandleInterval, Decimal, type OrderType } from '@bb/models'

// A small, complete adapter of a made-up exchange whose conventions differ from the first real
// one on purpose: `BTCUSDT` ids (base then quote, no separator), millisecond `E`/`T` keys, one
// WS shape, rate limits by weight, HMAC-SHA256 query signatures. It exists so that tests which
// must hold for every exchange (adapter shape, symbol resolution, market rules) have a second one.

const ID = 'fixture'
const QUOTES = ['USDT', 'FDUSD', 'BTC', 'ETH'] as const
const CODE = /^[A-Z0-9]{2,20}$/
const UNIFIED = /^([A-Z0-9]{1,15})\/([A-Z0-9]{2,5})$/
const INTERVALS: readonly CandleInterval[] = ['1m', '5m', '1h', '1d']
const WS_INTERVALS: readonly CandleInterval[] = ['1m', '1h']
const DEPTHS = [5, 10, 20] as const

function invalid(param: string, message: string): InvalidRequestError {
  return new InvalidRequestError({ param, exchange: ID, message })
}

function split(symbol: string): { symbol: string; base: string; quote: string } {
  const upper = typeof symbol === 'string' && symbol.length <= 40 ? symbol.trim().toUpperCase() : ''
  // A unified `BASE/QUOTE` symbol names the same market as the native `BASEQUOTE` id.
  const unified = UNIFIED.exec(upper)
  if (unified && (QUOTES as readonly string[]).includes(unified[2]!))
    return { symbol: `${unified[1]!}${unified[2]!}`, base: unified[1]!, quote: unified[2]! }
  if (CODE.test(upper)) {
    for (const quote of QUOTES) {
      if (upper.length > quote.length + 1 && upper.endsWith(quote)) {
        return { symbol: upper, base: upper.slice(0, -quote.length), quote }
      }
    }
  }
  throw invalid(
    'symbol',
    `Malformed symbol ${describeValue(symbol)}: expected BASEQUOTE (BTCUSDT) or BASE/QUOTE (BTC/USDT).`,
  )
}

const symbols: SymbolRules = {
  format: `BASEQUOTE, upper case (BTCUSDT); quote is ${QUOTES.join(', ')}`,
  normalize: (symbol) => split(symbol).symbol,
  split,
  join(parts) {
    const base = typeof parts?.base === 'string' ? parts.base.toUpperCase() : ''
    const quote = typeof parts?.quote === 'string' ? parts.quote.toUpperCase() : ''
    if (base === '' || !(QUOTES as readonly string[]).includes(quote))
      throw invalid('symbol', `A market needs a base and one of ${QUOTES.join(', ')} as quote.`)
    return `${base}${quote}`
  },
}

const market: MarketRules = {
  tickSize: (symbol) => (split(symbol).quote === 'BTC' ? new Decimal('0.000001') : new Decimal('0.01')),
  fees: () => ({ maker: new Decimal('0.001'), taker: new Decimal('0.001') }),
  minOrderTotal: (symbol) => (split(symbol).quote === 'BTC' ? new Decimal('0.0001') : new Decimal(5)),
  volumeDecimals: () => 5,
  orderTypes: ['limit', 'market'] as readonly OrderType[],
  defaultQuote: 'USDT',
}

function request(
  path: string,
  query: readonly QueryParam[],
  options: Partial<Pick<RestRequest, 'method' | 'auth' | 'kind' | 'context' | 'body' | 'successStatus'>> = {},
): RestRequest {
  return {
    method: options.method ?? 'GET',
    path,
    query,
    group: options.auth ? 'private' : 'public',
    auth: options.auth ?? false,
    successStatus: options.successStatus ?? 200,
    ...(options.kind === undefined ? {} : { kind: options.kind }),
    ...(options.context === undefined ? {} : { context: options.context }),
    ...(options.body === undefined ? {} : { body: options.body }),
  }
}

function interval(value: CandleInterval, list: readonly CandleInterval[], channel: string): string {
  if (!list.includes(value))
    throw invalid(
      'interval',
      `Interval ${describeValue(value)} is not offered on ${channel}: ${list.join(', ')}.`,
    )
  return value
}

function depth(value: number | undefined, list: readonly number[]): number {
  const d = value ?? list[0]!
  if (!list.includes(d))
    throw invalid('depth', `Depth ${describeValue(value)}: use one of ${list.join(', ')}.`)
  return d
}

function sign(query: readonly QueryParam[], secret: string, nonce: string, now: number): string {
  return createHmac('sha256', secret)
    .update(`${formatQuery(query)}&nonce=${nonce}&timestamp=${now}`)
    .digest('hex')
}

function mapRestError(response: { status: number; body?: unknown }): BackboneError {
  const exchange = ID
  if (response.status === 429) return new RateLimitError({ exchange, retryAfterMs: 1000 })
  if (response.status === 401) return new AuthenticationError({ exchange })
  if (response.status === 404)
    return new UnknownSymbolError({ exchange, symbol: String(response.body ?? '') })
  if (response.status >= 500) return new ExchangeUnavailableError({ exchange, status: response.status })
  return new InvalidRequestError({ exchange, message: `Request refused (HTTP ${response.status}).` })
}

const KIND_OF: Readonly<Record<string, 'trade' | 'orderbook' | 'ticker' | 'candle'>> = {
  trade: 'trade',
  depth: 'orderbook',
  ticker: 'ticker',
  kline: 'candle',
}

function classify(message: unknown): FrameClass {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return { type: 'unknown' }
  const m = message as Record<string, unknown>
  if (typeof m.status === 'string') return { type: 'status', status: m.status }
  if (typeof m.error === 'string') return { type: 'error', name: m.error, message: String(m.msg ?? '') }
  const e = m.e
  if (typeof e !== 'string' || !Object.hasOwn(KIND_OF, e)) return { type: 'unknown' }
  const kind = KIND_OF[e]!
  return typeof m.s === 'string'
    ? { type: 'data', kind, shape: 'stream', format: 'json', channel: e, symbol: m.s }
    : { type: 'data', kind, shape: 'stream', format: 'json', channel: e }
}

const WS_TYPES: Readonly<Record<StreamRequest['kind'], string | undefined>> = {
  trade: 'trade',
  orderbook: 'depth',
  ticker: 'ticker',
  candle: 'kline',
  order: undefined,
  balance: undefined,
}

const side = { type: 'enum', from: 'side', values: { BUY: 'buy', SELL: 'sell' } } as const
const FIELD_MAPS: FieldMaps = {
  market: {
    rest: {
      fields: {
        symbol: { type: 'symbol', from: 'symbol' },
        englishName: { type: 'string', from: 'name', optional: true },
        timestamp: { type: 'const', value: 0 },
      },
    },
  },
  ticker: {
    rest: {
      fields: {
        symbol: { type: 'symbol', from: 's' },
        last: { type: 'decimal', from: 'c' },
        open: { type: 'decimal', from: 'o' },
        high: { type: 'decimal', from: 'h' },
        low: { type: 'decimal', from: 'l' },
        prevClose: { type: 'decimal', from: 'x' },
        change: { type: 'enum', from: 'dir', values: { UP: 'rise', DOWN: 'fall', FLAT: 'even' } },
        changePrice: { type: 'decimal', from: 'p' },
        changeRate: { type: 'decimal', from: 'P' },
        volume: { type: 'decimal', from: 'v' },
        quoteVolume: { type: 'decimal', from: 'q' },
        volume24h: { type: 'decimal', from: 'v' },
        quoteVolume24h: { type: 'decimal', from: 'q' },
        timestamp: { type: 'timestamp', from: 'E' },
      },
    },
  },
  trade: {
    rest: {
      fields: {
        symbol: { type: 'symbol', from: 's' },
        id: { type: 'id', from: 't' },
        price: { type: 'decimal', from: 'p' },
        size: { type: 'decimal', from: 'q' },
        side,
        timestamp: { type: 'timestamp', from: 'T' },
      },
    },
    stream: {
      fields: {
        symbol: { type: 'symbol', from: 's' },
        id: { type: 'id', from: 't' },
        price: { type: 'decimal', from: 'p' },
        size: { type: 'decimal', from: 'q' },
        side,
        timestamp: { type: 'timestamp', from: 'T' },
        streamType: { type: 'const', value: 'realtime' },
      },
    },
  },
  orderbook: {
    rest: {
      fields: {
        symbol: { type: 'symbol', from: 's' },
        bids: { type: 'levels', from: 'bids', price: 'p', size: 'q' },
        asks: { type: 'levels', from: 'asks', price: 'p', size: 'q' },
        timestamp: { type: 'timestamp', from: 'E' },
      },
    },
    stream: {
      fields: {
        symbol: { type: 'symbol', from: 's' },
        bids: { type: 'levels', from: 'bids', price: 'p', size: 'q' },
        asks: { type: 'levels', from: 'asks', price: 'p', size: 'q' },
        timestamp: { type: 'timestamp', from: 'E' },
        streamType: { type: 'const', value: 'realtime' },
      },
    },
  },
  candle: {
    rest: {
      fields: {
        symbol: { type: 'symbol', from: 's' },
        interval: { type: 'string', from: 'i', optional: true },
        open: { type: 'decimal', from: 'o' },
        high: { type: 'decimal', from: 'h' },
        low: { type: 'decimal', from: 'l' },
        close: { type: 'decimal', from: 'c' },
        volume: { type: 'decimal', from: 'v' },
        quoteVolume: { type: 'decimal', from: 'q' },
        timestamp: { type: 'timestamp', from: 't' },
      },
    },
  },
}

const publicChannel = { supported: true } as const
const none = { supported: false } as const

/**
 * A small adapter of a made-up exchange ("Fixture"), complete enough for the conformance kit and
 * genuinely different from an exchange whose ids put the quote first: `BTCUSDT` ids (base first, no separator),
 * one WS shape (`stream`), a `json` wire format, `limit`/`market` orders only, HMAC-SHA256
 * signatures, a 0.1 % fee. Use it in tests that must hold for more than one exchange.
 *
 * @example
 * ```ts
 * import { fixtureExchange } from '@bb/adapter-testing'
 * fixtureExchange.symbols.split('ethbtc') // { symbol: 'ETHBTC', base: 'ETH', quote: 'BTC' }
 * fixtureExchange.market.fees('BTCUSDT').taker.toString() // '0.001'
 * ```
 */
export const fixtureExchange: ExchangeAdapter = {
  id: ID,
  name: 'Fixture',
  capabilities: {
    channels: {
      market: { rest: publicChannel, ws: none },
      ticker: { rest: { supported: true, maxSymbols: 50 }, ws: none },
      trade: { rest: { supported: true, maxCount: 1000 }, ws: publicChannel },
      orderbook: { rest: { supported: true, maxSymbols: 1 }, ws: publicChannel },
      candle: { rest: { supported: true, maxCount: 1000 }, ws: none },
      balance: { rest: none, ws: none },
      order: { rest: none, ws: none },
    },
    candleIntervals: { rest: INTERVALS, ws: WS_INTERVALS },
    orderbookDepths: { rest: [...DEPTHS], ws: [...DEPTHS] },
    contiguousTradeIds: true,
    private: {
      balances: false,
      orders: false,
      testOrder: false,
      orderStream: false,
      balanceStream: false,
      myTrades: false,
    },
  },
  symbols,
  market,
  shapes: { rest: 'rest', ws: ['stream'] },
  rest: {
    baseUrl: 'https://api.fixture.invalid',
    endpoints: {
      markets: () => request('/api/markets', [], { kind: 'market' }),
      tickers: ({ symbols: list }) =>
        request('/api/ticker', [['symbols', list.map((s) => split(s).symbol).join(',')]], { kind: 'ticker' }),
      tickersByQuote: ({ quotes }) =>
        request('/api/ticker', [['quotes', quotes.join(',')]], { kind: 'ticker' }),
      trades: ({ symbol, count }) =>
        request(
          '/api/trades',
          [
            ['symbol', split(symbol).symbol],
            ...(count === undefined ? [] : [['limit', String(count)] as const]),
          ],
          { kind: 'trade' },
        ),
      orderbook: ({ symbols: list, depth: d }) =>
        request(
          '/api/depth',
          [
            ['symbol', split(list[0] ?? '').symbol],
            ['limit', String(depth(d, DEPTHS))],
          ],
          { kind: 'orderbook' },
        ),
      orderbookInstruments: ({ symbols: list }) =>
        request('/api/instruments', [['symbols', list.map((s) => split(s).symbol).join(',')]]),
      candles: ({ symbol, interval: i, count }) =>
        request(
          '/api/klines',
          [
            ['symbol', split(symbol).symbol],
            ['interval', interval(i, INTERVALS, 'REST')],
            ...(count === undefined ? [] : [['limit', String(count)] as const]),
          ],
          { kind: 'candle', context: { interval: i } },
        ),
      balances: () => request('/api/account', [], { auth: true, kind: 'balance' }),
      orderChance: ({ symbol }) =>
        request('/api/account/rules', [['symbol', split(symbol).symbol]], { auth: true }),
      order: ({ id, clientOrderId }) =>
        request('/api/order', id ? [['orderId', id]] : [['clientId', clientOrderId ?? '']], {
          auth: true,
          kind: 'order',
        }),
      openOrders: () => request('/api/openOrders', [], { auth: true, kind: 'order' }),
      closedOrders: () => request('/api/allOrders', [], { auth: true, kind: 'order' }),
      createOrder: (p) =>
        request('/api/order', [], {
          method: 'POST',
          auth: true,
          kind: 'order',
          body: { symbol: split(p.symbol).symbol, side: p.side.toUpperCase(), type: p.type.toUpperCase() },
        }),
      testOrder: (p) =>
        request('/api/order/test', [], {
          method: 'POST',
          auth: true,
          body: { symbol: split(p.symbol).symbol, side: p.side.toUpperCase() },
        }),
      cancelOrder: ({ id }) =>
        request('/api/order', [['orderId', id ?? '']], { method: 'DELETE', auth: true }),
    },
    rateLimits: {
      public: { name: 'public', windows: [{ limit: 1200, intervalMs: 60_000 }], scope: 'ip', aliases: [] },
      private: {
        name: 'private',
        windows: [{ limit: 50, intervalMs: 10_000 }],
        scope: 'account',
        aliases: [],
      },
    },
    normalizeGroup: (name) => name,
    rateLimitHeader: 'x-used-weight',
    parseRateLimitHeader(value) {
      if (typeof value !== 'string' || !/^\d{1,9}$/.test(value.trim())) return undefined
      return {
        group: 'public',
        wireGroup: 'weight',
        remaining: Math.max(0, 1200 - Number(value)),
        intervalMs: 60_000,
      }
    },
    mapError: mapRestError,
    orderChanceFields: {
      symbol: 'symbol',
      bidFee: 'fees.taker',
      askFee: 'fees.taker',
      bidTypes: 'orderTypes',
      askTypes: 'orderTypes',
      minTotal: 'filters.minNotional',
    },
    sign(req, credentials, options = {}) {
      const nonce = options.nonce ?? crypto.randomUUID()
      const now = options.now ?? 0
      return {
        'X-Api-Key': credentials.accessKey,
        'X-Nonce': nonce,
        'X-Signature': sign(req.query ?? [], credentials.secretKey, nonce, now),
      }
    },
    formatQuery,
    url: (req, baseUrl = 'https://api.fixture.invalid') => {
      const query = formatQuery(req.query)
      return `${baseUrl.replace(/\/$/, '')}${req.path}${query === '' ? '' : `?${query}`}`
    },
  },
  ws: {
    urls: { public: 'wss://stream.fixture.invalid/ws', private: 'wss://stream.fixture.invalid/private' },
    endpointFor: (kind) => (kind === 'order' || kind === 'balance' ? 'private' : 'public'),
    formats: { all: ['json'], default: 'json', lists: { json: 'json' } },
    buildSubscription({ streams, ticket }) {
      const params = streams.map((s) => {
        const type = WS_TYPES[s.kind]
        if (type === undefined) throw invalid('kind', `The fixture exchange streams no ${s.kind}.`)
        const suffix =
          s.kind === 'orderbook'
            ? `@${depth(s.depth, DEPTHS)}`
            : s.kind === 'candle'
              ? `_${interval(s.interval ?? '1m', WS_INTERVALS, 'WebSocket')}`
              : ''
        return (s.symbols ?? []).map((symbol) => `${split(symbol).symbol.toLowerCase()}@${type}${suffix}`)
      })
      const payload = { method: 'SUBSCRIBE', params: params.flat(), id: ticket ?? 'fixture' }
      return { endpoint: 'public', text: JSON.stringify(payload), payload }
    },
    buildListSubscriptions: (options) =>
      JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: options?.ticket ?? 'fixture' }),
    classify,
    isListFrame: (frame): frame is readonly unknown[] => Array.isArray(frame),
    mapError: (error) =>
      new SubscriptionError({
        exchange: ID,
        message: `${String(error?.name)}: ${String(error?.message ?? '')}`,
      }),
    sign: (credentials, options = {}) => ({
      'X-Api-Key': credentials.accessKey,
      'X-Signature': sign([], credentials.secretKey, options.nonce ?? 'ws', options.now ?? 0),
    }),
    heartbeat: {
      pingText: 'ping',
      pingIntervalMs: 30_000,
      idleTimeoutMs: 180_000,
      statusIntervalMs: 30_000,
      deadAfterMs: 60_000,
      protocolPings: true,
    },
    limits: {
      connect: [{ limit: 5, intervalMs: 1000 }],
      messages: [{ limit: 10, intervalMs: 1000 }],
    },
  },
  fieldMaps: FIELD_MAPS,
}
