import {
  InvalidRequestError,
  type Logger,
  PermissionError,
  redactingLogger,
  registerSecret,
  UnknownSymbolError,
} from '@bb/errors'
import type {
  CandlesParams,
  CreateOrderParams,
  Credentials,
  ExchangeAdapter,
  OrderRef,
  RestRequest,
} from '@bb/exchange-adapter'
import {
  type Balance,
  type Candle,
  type CandleInterval,
  candleOpenTime,
  type Market,
  nextCandleOpenTime,
  type Order,
  type OrderbookSnapshot,
  parseCandleInterval,
  type Ticker,
  type Trade,
} from '@bb/models'
import { createUnifier, type Unifier } from '@bb/unifier'
import { merge, type Observable } from 'rxjs'
import { type Clock, systemClock } from './clock.js'
import { createBatcher } from './coalesce.js'
import {
  createRateLimiter,
  type RateLimiter,
  type RateLimiterEvent,
  type RateLimitGroupStats,
} from './limiter.js'
import type { RetryOptions } from './retry.js'
import { createTransport, type TransportEvent, type TransportGroupStats } from './transport.js'

/** Options of {@link createRestClient}. */
export interface RestClientOptions {
  /** The exchange adapter, e.g. `upbit` from `@bb/exchange-adapter`. */
  adapter: ExchangeAdapter
  /** The REST base URL. @default the adapter's real URL (Upbit: `https://api.upbit.com`) */
  baseUrl?: string
  /** API credentials, needed for the private endpoints. Registered with `registerSecret`, never logged. */
  credentials?: Credentials
  /**
   * `dry-run` (the default) refuses `createOrder` and `cancelOrder`; `live` allows them.
   * `testOrder` works in both.
   * @default 'dry-run'
   */
  trading?: 'dry-run' | 'live'
  /**
   * The rate limiter: a shared {@link RateLimiter}, options for a new one, or `false` to send
   * without limiting (tests only). @default a limiter with the adapter's groups
   */
  limits?: RateLimiter | false | { safetyMarginMs?: number }
  /**
   * Timeout of one HTTP attempt, ms. From 5 s up (the default 10 s) it is undici's own timer on
   * the response headers and then on each body chunk, precise to about a second and free per
   * request; below 5 s the client runs a precise timer of its own per attempt. @default 10000
   */
  timeoutMs?: number
  /** Retries for retryable failures (network, 5xx, 429): a count or full options. @default 3 */
  retries?: number | RetryOptions
  /** Keep-alive connections in the pool. @default 8 */
  connections?: number
  /** JWT algorithm for signed requests. @default 'HS512' */
  signAlgorithm?: 'HS256' | 'HS512'
  /** Validation of responses: `strict` (zod) or `fast` (cheap checks). @default 'fast' */
  validate?: 'strict' | 'fast'
  /**
   * How long `getTickers` collects single-market callers before sending one request, ms. `0`
   * delays no one: with no batch in flight the callers of one synchronous burst share a request;
   * while one is in flight, those of one event-loop turn do. @default 0
   */
  batchWindowMs?: number
  /** Injectable time. */
  clock?: Clock
  /** A pino-compatible logger; everything it receives is redacted. @default silent */
  logger?: Logger
}

/** Options every method accepts. */
export interface CallOptions {
  /** Aborts the call; it rejects with `AbortedError`. */
  signal?: AbortSignal
}

/** Options of {@link RestClient.getTrades}. */
export interface GetTradesOptions extends CallOptions {
  /** How many trades (more than one page is fetched with the cursor). @default 100 */
  count?: number
  /** Time of day (UTC `HH:mm:ss` or `HHmmss`) to read backwards from. */
  to?: string
  /** Return trades older than this trade id. */
  cursor?: string
  /** UTC day offset, 1–7. */
  daysAgo?: number
}

/** Progress of a long history download. */
export interface CandleProgress {
  /** Candles collected so far. */
  done: number
  /** Candles expected at most (the count asked for, or the range divided by the interval). */
  total: number
  /** HTTP requests made so far. */
  requests: number
}

/** Options of {@link RestClient.getCandles} and {@link RestClient.iterateCandles}. */
export interface GetCandlesOptions extends CallOptions {
  /** How many candles (most recent before `to`). Without `from`, default 200. */
  count?: number
  /** Oldest open time to include, ms UTC. */
  from?: number
  /** Only candles that open strictly before this time, ms UTC. @default now */
  to?: number
  /** Fill intervals without trades (the exchange omits them) with flat candles flagged `filled: true`. */
  fill?: boolean
  /** Called after each page. */
  onProgress?: (progress: CandleProgress) => void
}

/** Options of {@link RestClient.getOpenOrders}. */
export interface GetOpenOrdersOptions extends CallOptions {
  /** Market filter. */
  symbol?: string
  /** Page, from 1. */
  page?: number
  /** Page size. */
  limit?: number
}

/** Options of {@link RestClient.getClosedOrders}. */
export interface GetClosedOrdersOptions extends CallOptions {
  /** Market filter. */
  symbol?: string
  /** `done`, `cancel` or both. */
  states?: readonly ('done' | 'cancel')[]
  /** Window start, ms UTC. */
  startTime?: number
  /** Window end, ms UTC. */
  endTime?: number
  /** Page size. */
  limit?: number
}

/** Order constraints and fees of one market (Upbit `/orders/chance`). */
export interface OrderChance {
  /** The market. */
  symbol: string
  /** Fee rate of buys, e.g. `0.0005`. */
  bidFee: string
  /** Fee rate of sells. */
  askFee: string
  /** Order types allowed for buys. */
  bidTypes: readonly string[]
  /** Order types allowed for sells. */
  askTypes: readonly string[]
  /** Minimum order total in the quote currency. */
  minTotal: string | undefined
  /** The raw response, for fields not normalized here. */
  raw: unknown
}

/** Counters of the client: the transport's and the limiter's, per group. */
export interface RestClientStats {
  /** HTTP counters per group. */
  requests: Readonly<Record<string, TransportGroupStats>>
  /** Limiter counters per group. */
  limiter: Readonly<Record<string, RateLimitGroupStats>>
}

/** A REST client over one exchange. Create it with {@link createRestClient}. */
export interface RestClient {
  /** All markets. */
  getMarkets(options?: CallOptions & { details?: boolean }): Promise<Market[]>
  /** Tickers of up to the adapter's maximum markets in one request; single-market callers within a short window are merged. */
  getTickers(symbols: readonly string[], options?: CallOptions): Promise<Ticker[]>
  /** Tickers of every market quoted in the given currencies (`KRW`, `BTC`, `USDT`). */
  getTickersByQuote(quotes: readonly string[], options?: CallOptions): Promise<Ticker[]>
  /** Recent trades of one market, newest first; more than one page is fetched with the cursor. */
  getTrades(symbol: string, options?: GetTradesOptions): Promise<Trade[]>
  /** Order books of the given markets. */
  getOrderbook(
    symbols: readonly string[],
    options?: CallOptions & { depth?: number; level?: string | number },
  ): Promise<OrderbookSnapshot[]>
  /** Tick sizes and grouping levels. */
  getOrderbookInstruments(symbols: readonly string[], options?: CallOptions): Promise<unknown[]>
  /** Candles of any range or count, ascending, without duplicates; pages backwards 200 at a time. */
  getCandles(
    symbol: string,
    interval: CandleInterval | string,
    options?: GetCandlesOptions,
  ): Promise<Candle[]>
  /** The same history as pages (each ascending), newest page first, for ranges too large to hold. */
  iterateCandles(
    symbol: string,
    interval: CandleInterval | string,
    options?: GetCandlesOptions,
  ): AsyncIterable<Candle[]>
  /** Balances (private). */
  getBalances(options?: CallOptions): Promise<Balance[]>
  /** Order constraints and fees of a market (private). */
  getOrderChance(symbol: string, options?: CallOptions): Promise<OrderChance>
  /** Places an order (private; needs `trading: 'live'`; never retried). */
  createOrder(params: CreateOrderParams, options?: CallOptions): Promise<Order>
  /** Validates an order with the exchange without placing it (private; allowed in dry-run). */
  testOrder(params: CreateOrderParams, options?: CallOptions): Promise<Order>
  /** One order with its fills (private). */
  getOrder(ref: OrderRef, options?: CallOptions): Promise<Order>
  /** Open orders (private). */
  getOpenOrders(options?: GetOpenOrdersOptions): Promise<Order[]>
  /** Closed orders (private). */
  getClosedOrders(options?: GetClosedOrdersOptions): Promise<Order[]>
  /** Cancels an order (private; needs `trading: 'live'`). */
  cancelOrder(ref: OrderRef, options?: CallOptions): Promise<Order>
  /** True when the client was created with credentials (what `@bb/rules`' `OrderGateway` asks). */
  hasCredentials(): boolean
  /** The limiter this client uses (share it with other clients through `limits`). */
  readonly limiter: RateLimiter | undefined
  /** Every response, retry and limiter event. */
  readonly events$: Observable<TransportEvent | RateLimiterEvent>
  /** Counters. */
  stats(): RestClientStats
  /** Closes the connection pool. */
  close(): Promise<void>
}

/** Builds the limiter of a client from the adapter's groups. */
export function limiterFor(
  adapter: ExchangeAdapter,
  options: { safetyMarginMs?: number; clock?: Clock } = {},
): RateLimiter {
  const groups = Object.fromEntries(
    Object.entries(adapter.rest.rateLimits).map(([name, group]) => {
      // Take the strictest window by rate; Upbit groups have exactly one.
      const window = [...group.windows].sort((a, b) => a.limit / a.intervalMs - b.limit / b.intervalMs)[0]
      if (!window) throw new Error(`rate-limit group ${name} has no window`)
      return [
        name,
        {
          limit: window.limit,
          windowMs: window.intervalMs,
          scope: group.scope === 'account' ? 'account' : 'ip',
        },
      ] as const
    }),
  )
  return createRateLimiter({
    groups,
    exchange: adapter.id,
    ...(options.safetyMarginMs !== undefined ? { safetyMarginMs: options.safetyMarginMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  })
}

/**
 * Creates a REST client on undici (one keep-alive pool per origin) that never trips a rate limit:
 * every request waits for its group's budget, learns from `Remaining-Req`, backs off on 429 and
 * stops on 418. Identical concurrent GETs share one request; `getTickers` callers within a short
 * window share one multi-market request. Failures are `@bb/errors` classes with secrets redacted.
 * The base URL defaults to the real exchange.
 *
 * @example
 * ```ts
 * import { upbit } from '@bb/exchange-adapter'
 * import { createRestClient } from '@bb/rest'
 *
 * const client = createRestClient({ adapter: upbit }) // https://api.upbit.com
 * const [ticker] = await client.getTickers(['KRW-BTC'])
 * console.log(ticker?.last.toString())
 * const candles = await client.getCandles('KRW-BTC', '1m', { count: 1000, onProgress: (p) => console.log(p) })
 * await client.close()
 * ```
 */
export function createRestClient(options: RestClientOptions): RestClient {
  const { adapter } = options
  const clock = options.clock ?? systemClock
  const logger = redactingLogger(options.logger)
  const exchange = adapter.id
  if (options.credentials) {
    registerSecret(options.credentials.secretKey)
    registerSecret(options.credentials.accessKey)
  }
  const limiter =
    options.limits === false
      ? undefined
      : options.limits && 'acquire' in options.limits
        ? options.limits
        : limiterFor(adapter, { ...(options.limits ?? {}), clock })
  const unifier: Unifier = createUnifier(adapter, { validate: options.validate ?? 'fast' })
  const retry: RetryOptions =
    typeof options.retries === 'number' ? { retries: options.retries } : (options.retries ?? {})
  const transport = createTransport({
    adapter,
    baseUrl: options.baseUrl ?? adapter.rest.baseUrl,
    credentials: options.credentials,
    limiter,
    clock,
    logger,
    timeoutMs: options.timeoutMs ?? 10_000,
    retry,
    connections: options.connections ?? 8,
    signAlgorithm: options.signAlgorithm ?? 'HS512',
    parseJson: (text) => unifier.parseJson(text),
  })
  const trading = options.trading ?? 'dry-run'
  const maxTickerSymbols = adapter.capabilities.channels.ticker.rest.maxSymbols ?? 100

  const signalOf = (callOptions: CallOptions | undefined) =>
    callOptions?.signal ? { signal: callOptions.signal } : {}

  async function fetchList(
    request: RestRequest,
    callOptions?: CallOptions & { noRetry?: boolean },
  ): Promise<unknown[]> {
    const body = await transport.send(request, {
      ...signalOf(callOptions),
      ...(callOptions?.noRetry ? { noRetry: true } : {}),
    })
    return Array.isArray(body) ? body : body === null ? [] : [body]
  }

  function normalizeAll<
    K extends 'market' | 'ticker' | 'trade' | 'orderbook' | 'candle' | 'balance' | 'order',
  >(kind: K, raws: unknown[], request: RestRequest) {
    const receivedAt = clock.now()
    return raws.map((raw) =>
      unifier.normalize(kind, raw, {
        source: 'rest',
        receivedAt,
        ...(request.context?.interval ? { interval: request.context.interval } : {}),
      }),
    )
  }

  function requireLive(action: string): void {
    if (trading !== 'live') {
      throw new PermissionError({
        exchange,
        channel: 'rest',
        message: `${action} is refused: this client runs in dry-run (the default). Validate the order with testOrder() or paper-trade it with a DryRunExecutor from @bb/rules; create the client with trading: 'live' to place real orders.`,
      })
    }
  }

  // One multi-market /ticker request for all single-market callers of a short window.
  const tickerBatcher = createBatcher<string, Ticker>({
    maxBatch: maxTickerSymbols,
    windowMs: options.batchWindowMs ?? 0,
    load: async (symbols) => {
      const request = adapter.rest.endpoints.tickers({ symbols })
      const tickers = normalizeAll('ticker', await fetchList(request), request) as Ticker[]
      return new Map(tickers.map((t) => [t.symbol, t]))
    },
    missing: (symbol) => new UnknownSymbolError({ symbol, exchange }),
  })

  async function* pages(
    symbol: string,
    intervalInput: CandleInterval | string,
    candleOptions: GetCandlesOptions = {},
  ): AsyncGenerator<Candle[]> {
    const interval = parseCandleInterval(intervalInput)
    const maxPage = adapter.capabilities.channels.candle.rest.maxCount ?? 200
    const from = candleOptions.from
    const to = candleOptions.to ?? clock.now()
    if (from !== undefined && from >= to) {
      throw new InvalidRequestError({
        exchange,
        param: 'from',
        message: `"from" (${from}) must be before "to" (${to}).`,
      })
    }
    const wanted = candleOptions.count ?? (from === undefined ? maxPage : Number.POSITIVE_INFINITY)
    if (!(wanted > 0))
      throw new InvalidRequestError({
        exchange,
        param: 'count',
        message: 'count must be a positive integer.',
      })
    const total = wanted !== Number.POSITIVE_INFINITY ? wanted : countIntervals(from ?? to, to, interval)
    let cursor = to
    let done = 0
    let requests = 0
    const seen = new Set<number>()
    while (done < wanted) {
      const pageSize = Math.min(maxPage, wanted - done)
      const params: CandlesParams = { symbol, interval, count: pageSize, to: cursor }
      const request = adapter.rest.endpoints.candles(params)
      const raw = await fetchList(request, candleOptions)
      requests++
      const candles = normalizeAll('candle', raw, request) as Candle[]
      const page: Candle[] = []
      let oldest = cursor
      for (const candle of candles) {
        oldest = Math.min(oldest, candle.timestamp)
        if (candle.timestamp >= cursor || seen.has(candle.timestamp)) continue // overlap duplicates
        if (from !== undefined && candle.timestamp < from) continue
        seen.add(candle.timestamp)
        page.push(candle)
      }
      page.sort((a, b) => a.timestamp - b.timestamp)
      const kept = page.slice(Math.max(0, page.length - (wanted - done)))
      done += kept.length
      candleOptions.onProgress?.({ done, total: Math.max(total, done), requests })
      if (kept.length > 0) yield kept
      const exhausted = candles.length < pageSize || oldest >= cursor
      if (exhausted || (from !== undefined && oldest <= from)) break
      cursor = oldest
    }
  }

  const client: RestClient = {
    hasCredentials: () => options.credentials !== undefined,
    limiter,
    events$: limiter ? merge(transport.events$, limiter.events$) : transport.events$,

    async getMarkets(callOptions) {
      const request = adapter.rest.endpoints.markets({ details: callOptions?.details ?? true })
      return normalizeAll('market', await fetchList(request, callOptions), request) as Market[]
    },

    async getTickers(symbols, callOptions) {
      if (symbols.length === 0) return []
      const normalized = symbols.map((s) => adapter.symbols.normalize(s))
      if (normalized.length === 1 && !callOptions?.signal) return [await tickerBatcher.load(normalized[0]!)]
      const out: Ticker[] = []
      for (let i = 0; i < normalized.length; i += maxTickerSymbols) {
        const request = adapter.rest.endpoints.tickers({ symbols: normalized.slice(i, i + maxTickerSymbols) })
        out.push(...(normalizeAll('ticker', await fetchList(request, callOptions), request) as Ticker[]))
      }
      return out
    },

    async getTickersByQuote(quotes, callOptions) {
      const request = adapter.rest.endpoints.tickersByQuote({ quotes })
      return normalizeAll('ticker', await fetchList(request, callOptions), request) as Ticker[]
    },

    async getTrades(symbol, tradeOptions = {}) {
      const wanted = tradeOptions.count ?? 100
      const maxPage = adapter.capabilities.channels.trade.rest.maxCount ?? 500
      const out: Trade[] = []
      const seen = new Set<string>()
      let cursor = tradeOptions.cursor
      while (out.length < wanted) {
        const request = adapter.rest.endpoints.trades({
          symbol,
          count: Math.min(maxPage, wanted - out.length),
          ...(cursor !== undefined ? { cursor } : {}),
          ...(tradeOptions.to !== undefined ? { to: tradeOptions.to } : {}),
          ...(tradeOptions.daysAgo !== undefined ? { daysAgo: tradeOptions.daysAgo } : {}),
        })
        const trades = normalizeAll('trade', await fetchList(request, tradeOptions), request) as Trade[]
        for (const trade of trades) {
          if (seen.has(trade.id)) continue
          seen.add(trade.id)
          out.push(trade)
        }
        const last = trades.at(-1)
        if (trades.length < Math.min(maxPage, wanted) || !last || last.id === cursor) break
        cursor = last.id
      }
      return out.slice(0, wanted)
    },

    async getOrderbook(symbols, bookOptions = {}) {
      const request = adapter.rest.endpoints.orderbook({
        symbols,
        ...(bookOptions.depth !== undefined ? { depth: bookOptions.depth } : {}),
        ...(bookOptions.level !== undefined ? { level: bookOptions.level } : {}),
      })
      return normalizeAll('orderbook', await fetchList(request, bookOptions), request) as OrderbookSnapshot[]
    },

    async getOrderbookInstruments(symbols, callOptions) {
      return fetchList(adapter.rest.endpoints.orderbookInstruments({ symbols }), callOptions)
    },

    async getCandles(symbol, interval, candleOptions = {}) {
      const all: Candle[][] = []
      for await (const page of pages(symbol, interval, candleOptions)) all.unshift(page)
      const candles = all.flat()
      return candleOptions.fill ? fillGaps(candles) : candles
    },

    iterateCandles(symbol, interval, candleOptions = {}) {
      return pages(symbol, interval, candleOptions)
    },

    async getBalances(callOptions) {
      const request = adapter.rest.endpoints.balances()
      return normalizeAll('balance', await fetchList(request, callOptions), request) as Balance[]
    },

    async getOrderChance(symbol, callOptions) {
      const request = adapter.rest.endpoints.orderChance({ symbol })
      const [raw] = await fetchList(request, callOptions)
      const chance = (raw ?? {}) as {
        bid_fee?: unknown
        ask_fee?: unknown
        market?: { id?: string; bid_types?: string[]; ask_types?: string[]; bid?: { min_total?: unknown } }
      }
      return {
        symbol: chance.market?.id ?? symbol,
        bidFee: String(chance.bid_fee ?? ''),
        askFee: String(chance.ask_fee ?? ''),
        bidTypes: chance.market?.bid_types ?? [],
        askTypes: chance.market?.ask_types ?? [],
        minTotal:
          chance.market?.bid?.min_total !== undefined ? String(chance.market.bid.min_total) : undefined,
        raw,
      }
    },

    async createOrder(params, callOptions) {
      requireLive('createOrder')
      const request = adapter.rest.endpoints.createOrder(params)
      const [raw] = await fetchList(request, { ...callOptions, noRetry: true })
      return normalizeAll('order', [raw], request)[0] as Order
    },

    async testOrder(params, callOptions) {
      const request = adapter.rest.endpoints.testOrder(params)
      const [raw] = await fetchList(request, { ...callOptions, noRetry: true })
      return normalizeAll('order', [raw], request)[0] as Order
    },

    async getOrder(ref, callOptions) {
      const request = adapter.rest.endpoints.order(ref)
      const [raw] = await fetchList(request, callOptions)
      return normalizeAll('order', [raw], request)[0] as Order
    },

    async getOpenOrders(orderOptions = {}) {
      const request = adapter.rest.endpoints.openOrders({
        ...(orderOptions.symbol !== undefined ? { symbol: orderOptions.symbol } : {}),
        ...(orderOptions.page !== undefined ? { page: orderOptions.page } : {}),
        ...(orderOptions.limit !== undefined ? { limit: orderOptions.limit } : {}),
      })
      return normalizeAll('order', await fetchList(request, orderOptions), request) as Order[]
    },

    async getClosedOrders(orderOptions = {}) {
      const request = adapter.rest.endpoints.closedOrders({
        ...(orderOptions.symbol !== undefined ? { symbol: orderOptions.symbol } : {}),
        ...(orderOptions.states !== undefined ? { states: orderOptions.states } : {}),
        ...(orderOptions.startTime !== undefined ? { startTime: orderOptions.startTime } : {}),
        ...(orderOptions.endTime !== undefined ? { endTime: orderOptions.endTime } : {}),
        ...(orderOptions.limit !== undefined ? { limit: orderOptions.limit } : {}),
      })
      return normalizeAll('order', await fetchList(request, orderOptions), request) as Order[]
    },

    async cancelOrder(ref, callOptions) {
      requireLive('cancelOrder')
      const request = adapter.rest.endpoints.cancelOrder(ref)
      const [raw] = await fetchList(request, { ...callOptions, noRetry: true })
      return normalizeAll('order', [raw], request)[0] as Order
    },

    stats: () => ({ requests: transport.stats(), limiter: limiter?.stats() ?? {} }),
    close: () => transport.close(),
  }
  return client
}

function countIntervals(from: number, to: number, interval: CandleInterval): number {
  let count = 0
  for (
    let t = candleOpenTime(from, interval);
    t < to && count < 10_000_000;
    t = nextCandleOpenTime(t, interval)
  )
    count++
  return count
}

/**
 * Fills the intervals without trades between consecutive candles with flat candles (open = high
 * = low = close = the previous close, zero volume, `filled: true`).
 */
export function fillGaps(candles: readonly Candle[]): Candle[] {
  const out: Candle[] = []
  for (const candle of candles) {
    const previous = out.at(-1)
    if (previous) {
      const { lastTradeAt: _last, streamType: _stream, ...base } = previous
      for (
        let t = nextCandleOpenTime(previous.timestamp, candle.interval);
        t < candle.timestamp;
        t = nextCandleOpenTime(t, candle.interval)
      ) {
        out.push(
          Object.freeze({
            ...base,
            timestamp: t,
            open: previous.close,
            high: previous.close,
            low: previous.close,
            close: previous.close,
            volume: previous.volume.times(0),
            quoteVolume: previous.quoteVolume.times(0),
            filled: true,
          }),
        )
      }
    }
    out.push(candle)
  }
  return out
}
