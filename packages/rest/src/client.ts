import {
  DataValidationError,
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
  FillRow,
  OrderRef,
  RestRequest,
} from '@bb/exchange-adapter'
import { checkOrderParams } from '@bb/exchange-adapter'
import {
  type Balance,
  type Candle,
  type CandleInterval,
  candleOpenTime,
  type Fill,
  type Market,
  nextCandleOpenTime,
  type Order,
  type OrderbookSnapshot,
  parseCandleInterval,
  safeParseFill,
  type Ticker,
  type Trade,
} from '@bb/models'
import { createUnifier, type Unifier } from '@bb/unifier'
import { merge, type Observable } from 'rxjs'
import { type Clock, systemClock } from './clock.js'
import { createBatcher } from './coalesce.js'
import {
  createRateLimiter,
  type Lane,
  type RateLimiter,
  type RateLimiterEvent,
  type RateLimiterOptions,
  type RateLimitGroupStats,
} from './limiter.js'
import type { RetryOptions } from './retry.js'
import { createTransport, type TransportEvent, type TransportGroupStats } from './transport.js'
import { describeValue, validators } from './validate.js'

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
   * The rate limiter. `'shared'` (the default): the process-wide budget of this exchange and
   * base-URL origin ({@link sharedLimiterFor}) — every client of the process that talks to the
   * same exchange from the same IP spends one budget, as the exchange counts it (account groups
   * are kept per access key inside it). `'private'`: a limiter of this client's own. A
   * {@link RateLimiter}: that one. {@link LimiterSettings}: a private limiter with these settings.
   * `false`: no limiting (tests only).
   * @default 'shared'
   */
  limits?: 'shared' | 'private' | RateLimiter | LimiterSettings | false
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

/** Settings of a client's own limiter (`limits: { … }`); see {@link RateLimiterOptions}. */
export type LimiterSettings = Pick<
  RateLimiterOptions,
  'safetyMarginMs' | 'initialFraction' | 'freshAfterMs' | 'liveReserve' | 'inflightMs'
>

/** Options every method accepts. */
export interface CallOptions {
  /** Aborts the call; it rejects with `AbortedError`. */
  signal?: AbortSignal
  /**
   * The lane inside the rate-limit group: `live` goes before `bulk`. Default: `live`, except
   * history downloads of more than one page (`getCandles`, `iterateCandles`, `getTrades`), which
   * are `bulk`.
   */
  priority?: Lane
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

/** Options of {@link RestClient.getMyTrades}. */
export interface GetMyTradesOptions extends CallOptions {
  /** Only the fills of this order: its `Order.id` (Binance `BTCUSDT:28`). */
  orderId?: string
  /** The first fill id to return (inclusive): page on with the last fill's id + 1. */
  fromId?: string
  /** Window start, ms UTC (inclusive). */
  startTime?: number
  /** Window end, ms UTC (inclusive); the exchange may cap the window (Binance: 24 h). */
  endTime?: number
  /** Most fills in the answer (the exchange's maximum applies; Binance 1000, default 500). */
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
  /**
   * Order books of the given markets. `depth` levels a side: a depth the exchange does not serve
   * (`capabilities.orderbookDepths.rest`, e.g. Coinone 5, 10, 15, 16) requests the next larger one
   * and trims each book; a depth above all it serves is the adapter's `InvalidRequestError`.
   */
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
  /**
   * Places an order (private; needs `trading: 'live'`; never retried). Neutral terms: `limit`
   * (volume, price) or `market` (volume, or for a buy `cost`, the quote amount), with the
   * exchange's declared `options`; checked against the adapter's market rules first
   * (`checkOrderParams`: an `InvalidRequestError` naming the param, nothing sent).
   */
  createOrder(params: CreateOrderParams, options?: CallOptions): Promise<Order>
  /** Validates an order with the exchange without placing it (private; allowed in dry-run); checked as `createOrder`. */
  testOrder(params: CreateOrderParams, options?: CallOptions): Promise<Order>
  /** One order with its fills (private). */
  getOrder(ref: OrderRef, options?: CallOptions): Promise<Order>
  /** Open orders (private). */
  getOpenOrders(options?: GetOpenOrdersOptions): Promise<Order[]>
  /** Closed orders (private). */
  getClosedOrders(options?: GetClosedOrdersOptions): Promise<Order[]>
  /** Cancels an order (private; needs `trading: 'live'`). */
  cancelOrder(ref: OrderRef, options?: CallOptions): Promise<Order>
  /**
   * The account's own fills in one market, oldest first (private), one request: each fill with
   * its order's id (`getOrder({ id: fill.orderId })` finds the order), side, price, size, funds,
   * fee, fee currency and maker flag. An adapter without the endpoint
   * (`capabilities.private.myTrades: false`) is refused with an `InvalidRequestError`, as are a
   * bad symbol, `limit`, times, or `endTime` before `startTime` — before anything is sent.
   */
  getMyTrades(symbol: string, options?: GetMyTradesOptions): Promise<Fill[]>
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

/** The value at a dotted path of a parsed JSON body (own keys only); `undefined` when absent. */
function readPath(raw: unknown, path: string): unknown {
  let value = raw
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

/** Builds a new limiter with the adapter's groups. */
export function limiterFor(
  adapter: ExchangeAdapter,
  options: LimiterSettings & { clock?: Clock } = {},
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
    ...(options.initialFraction !== undefined ? { initialFraction: options.initialFraction } : {}),
    ...(options.freshAfterMs !== undefined ? { freshAfterMs: options.freshAfterMs } : {}),
    ...(options.liveReserve !== undefined ? { liveReserve: options.liveReserve } : {}),
    // The REST client settles every request it sends (observe or release): a slot counts until a
    // window after the answer, however late the request reached the exchange.
    inflightMs: options.inflightMs ?? CLIENT_INFLIGHT_MS,
    ...(options.clock ? { clock: options.clock } : {}),
  })
}

/** How long a request the client sent holds its slot at most before it is settled (its timeout is shorter). */
const CLIENT_INFLIGHT_MS = 30_000

// The process-wide budgets: per clock (a sliding log needs one time source), then per exchange
// and base-URL origin.
const sharedLimiters = new WeakMap<Clock, Map<string, RateLimiter>>()

/**
 * The process-wide limiter of one exchange at one base-URL origin — the budget every client
 * created with the default `limits: 'shared'` spends. Upbit counts its quotation budgets per IP
 * and its exchange budgets per account, not per client: two clients with limiters of their own
 * spend the same budget twice. Account-scoped groups are kept per access key inside it.
 *
 * @example
 * ```ts
 * import { upbit } from '@bb/upbit'
 * import { createRestClient, sharedLimiterFor } from '@bb/rest'
 * const a = createRestClient({ adapter: upbit })
 * const b = createRestClient({ adapter: upbit })
 * console.log(a.limiter === b.limiter, a.limiter === sharedLimiterFor(upbit)) // true true
 * ```
 */
export function sharedLimiterFor(
  adapter: ExchangeAdapter,
  options: { baseUrl?: string; clock?: Clock } = {},
): RateLimiter {
  const clock = options.clock ?? systemClock
  const origin = new URL(options.baseUrl ?? adapter.rest.baseUrl).origin
  let byKey = sharedLimiters.get(clock)
  if (!byKey) {
    byKey = new Map()
    sharedLimiters.set(clock, byKey)
  }
  const key = `${adapter.id}\u0000${origin}`
  let limiter = byKey.get(key)
  if (!limiter) {
    limiter = limiterFor(adapter, { clock })
    byKey.set(key, limiter)
  }
  return limiter
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
 * import { upbit } from '@bb/upbit'
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
  const { adapter, baseUrl, credentials } = checkOptions(options)
  const clock = options.clock ?? systemClock
  const logger = redactingLogger(options.logger)
  const exchange = adapter.id
  /** How the adapter's market codes look, for the messages of bad or unknown symbols. */
  const symbolFormat: string | undefined = adapter.symbols?.format
  const check = validators(exchange, symbolFormat)
  const hint = symbolFormat ? { hint: symbolFormat } : {}
  if (credentials) {
    registerSecret(credentials.secretKey)
    registerSecret(credentials.accessKey)
  }
  const limits = options.limits ?? 'shared'
  const limiter =
    limits === false
      ? undefined
      : limits === 'shared'
        ? sharedLimiterFor(adapter, { baseUrl, clock })
        : limits === 'private'
          ? limiterFor(adapter, { clock })
          : 'acquire' in limits
            ? limits
            : limiterFor(adapter, { ...limits, clock })
  const unifier: Unifier = createUnifier(adapter, { validate: options.validate ?? 'fast' })
  const retry: RetryOptions =
    typeof options.retries === 'number' ? { retries: options.retries } : (options.retries ?? {})
  const transport = createTransport({
    adapter,
    baseUrl,
    credentials,
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

  /** Checks the options every method takes; returns them (or `{}`) typed. */
  function callOptionsOf<T extends CallOptions>(value: T | undefined | null): T {
    const given = check.options(value) ?? ({} as T)
    check.signal(given.signal)
    check.priority(given.priority)
    return given
  }

  async function fetchList(
    request: RestRequest,
    callOptions?: CallOptions & { noRetry?: boolean },
    lane: Lane = callOptions?.priority ?? 'live',
  ): Promise<unknown[]> {
    const body = await transport.send(request, {
      ...(callOptions?.signal ? { signal: callOptions.signal } : {}),
      ...(callOptions?.noRetry ? { noRetry: true } : {}),
      ...(lane === 'bulk' ? { priority: lane } : {}),
    })
    const rows = request.prepare ? request.prepare(body) : body
    return Array.isArray(rows) ? rows : rows === null ? [] : [rows]
  }

  // The market codes the exchange lists, fetched only when a multi-market request failed on an
  // unknown code (Upbit fails the whole call), to tell which of its codes are unknown.
  let listed: { at: number; codes: Promise<Set<string>> } | undefined
  function listedCodes(refresh: boolean): Promise<Set<string>> {
    if (!refresh && listed && clock.now() - listed.at < LISTED_CODES_TTL_MS) return listed.codes
    const request = adapter.rest.endpoints.markets({ details: false })
    const codes = fetchList(request).then(
      (raws) => new Set((normalizeAll('market', raws, request) as Market[]).map((m) => m.marketId)),
    )
    const entry = { at: clock.now(), codes }
    listed = entry
    codes.catch(() => {
      if (listed === entry) listed = undefined
    })
    return codes
  }

  /**
   * The codes among `symbols` that the exchange does not list, after it refused a request of
   * them with an unknown-symbol error; `[]` when the list does not tell (or cannot be read).
   */
  async function unknownAmong(symbols: readonly string[]): Promise<string[]> {
    try {
      let codes = await listedCodes(false)
      let unknown = symbols.filter((s) => !codes.has(s))
      if (unknown.length === 0) {
        codes = await listedCodes(true) // the cached list may predate a delisting
        unknown = symbols.filter((s) => !codes.has(s))
      }
      return unknown
    } catch {
      return []
    }
  }

  /** The error of a multi-market request refused for unknown codes, naming only those codes. */
  function unknownSymbols(unknown: readonly string[], original: UnknownSymbolError): UnknownSymbolError {
    return new UnknownSymbolError({
      symbol: unknown.join(','),
      exchange,
      channel: 'rest',
      ...hint,
      ...(original.status !== undefined ? { status: original.status } : {}),
      ...(original.exchangeCode !== undefined ? { exchangeCode: original.exchangeCode } : {}),
    })
  }

  /**
   * Runs a request over several markets for one caller; when the exchange refuses it for an
   * unknown code, the error names only the codes that are unknown, not the whole list.
   */
  async function namingUnknown<T>(symbols: readonly string[], run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      if (!UnknownSymbolError.isInstance(error) || symbols.length < 2) throw error
      const unknown = await unknownAmong(symbols)
      throw unknown.length > 0 ? unknownSymbols(unknown, error) : error
    }
  }

  /**
   * Runs a request about one market sent in the body (orders): an unknown-symbol error of the
   * exchange then names the market, which the error mapper only finds in a query.
   */
  async function naming<T>(request: RestRequest, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      const market = request.body?.market
      if (UnknownSymbolError.isInstance(error) && typeof market === 'string' && error.symbol !== market)
        throw unknownSymbols([market], error)
      throw error
    }
  }

  /**
   * Runs a request over the markets of several callers (a batch); when the exchange refuses it
   * for an unknown code, runs it again without the unknown codes, so only their callers fail.
   * Returns what was loaded; the unknown codes are simply absent.
   */
  async function withoutUnknown<T>(
    symbols: readonly string[],
    run: (symbols: readonly string[]) => Promise<T[]>,
  ): Promise<T[]> {
    try {
      return await run(symbols)
    } catch (error) {
      // One market: the exchange's own error names it.
      if (!UnknownSymbolError.isInstance(error) || symbols.length < 2) throw error
      // Loads one market; unknown to the exchange → nothing (its callers get their own error).
      const one = (symbol: string) =>
        run([symbol]).catch((e: unknown) => {
          if (UnknownSymbolError.isInstance(e)) return [] as T[]
          throw e
        })
      const unknown = new Set(await unknownAmong(symbols))
      // The list does not tell which code the exchange refused: ask one market at a time.
      if (unknown.size === 0) return (await Promise.all(symbols.map(one))).flat()
      const known = symbols.filter((s) => !unknown.has(s))
      if (known.length === 0) return []
      return known.length === 1 ? one(known[0]!) : withoutUnknown(known, run)
    }
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

  // One multi-market /ticker request for all single-market callers of a short window. A code the
  // exchange does not list fails only its own callers: the batch is sent again without it.
  const tickerBatcher = createBatcher<string, Ticker>({
    maxBatch: maxTickerSymbols,
    windowMs: options.batchWindowMs ?? 0,
    clock,
    load: async (symbols) => {
      const tickers = await withoutUnknown(symbols, async (list) => {
        const request = adapter.rest.endpoints.tickers({ symbols: [...list] })
        return normalizeAll('ticker', await fetchList(request), request) as Ticker[]
      })
      return new Map(tickers.map((t) => [t.marketId, t]))
    },
    missing: (symbol) => new UnknownSymbolError({ symbol, exchange, channel: 'rest', ...hint }),
  })

  /** Checks the arguments of a candle download before anything is sent. */
  function candleArgs(symbol: unknown, intervalInput: unknown, given: GetCandlesOptions | undefined) {
    check.symbol(symbol)
    if (typeof intervalInput !== 'string')
      throw check.invalid(
        'interval',
        `"interval" must be a candle interval such as '1m' or '1d' (got ${describeValue(intervalInput)}).`,
      )
    const candleOptions = callOptionsOf(given)
    const interval = parseCandleInterval(intervalInput)
    const from = check.time(candleOptions.from, 'from')
    const to = check.time(candleOptions.to, 'to') ?? clock.now()
    check.boolean(candleOptions.fill, 'fill')
    check.callback(candleOptions.onProgress, 'onProgress')
    if (from !== undefined && from >= to) {
      throw check.invalid('from', `"from" (${from}) must be before "to" (${to}).`)
    }
    const count = check.integer(candleOptions.count, 'count', 1, MAX_HISTORY_COUNT)
    const maxPage = adapter.capabilities.channels.candle.rest.maxCount ?? 200
    const wanted = count ?? (from === undefined ? maxPage : Number.POSITIVE_INFINITY)
    const lane: Lane = candleOptions.priority ?? (wanted > maxPage ? 'bulk' : 'live')
    return { candleOptions, interval, from, to, wanted, maxPage, lane }
  }

  async function* pages(args: ReturnType<typeof candleArgs>, symbol: string): AsyncGenerator<Candle[]> {
    const { candleOptions, interval, from, to, wanted, maxPage, lane } = args
    const total = wanted !== Number.POSITIVE_INFINITY ? wanted : countIntervals(from ?? to, to, interval)
    let cursor = to
    let done = 0
    let requests = 0
    const seen = new Set<number>()
    while (done < wanted) {
      const pageSize = Math.min(maxPage, wanted - done)
      const params: CandlesParams = { symbol, interval, count: pageSize, to: cursor }
      const request = adapter.rest.endpoints.candles(params)
      const raw = await fetchList(request, candleOptions, lane)
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

  /** A {@link FillRow} of a `myTrades` answer as a `Fill`: the market split by the adapter's rules. */
  function fillOf(value: unknown, i: number, receivedAt: number): Fill {
    const row = value as FillRow | null
    if (row === null || typeof row !== 'object' || typeof row.marketId !== 'string')
      throw new DataValidationError({
        exchange,
        channel: 'rest',
        path: `[${i}].marketId`,
        expected: 'a fill with a market code',
        received: row === null || typeof row !== 'object' ? row : row.marketId,
      })
    let market: { symbol: string; base: string; quote: string }
    try {
      market = adapter.symbols.split(row.marketId)
    } catch (cause) {
      throw new DataValidationError({
        exchange,
        channel: 'rest',
        path: `[${i}].marketId`,
        expected: `a market code (${adapter.symbols.format})`,
        received: row.marketId,
        cause,
      })
    }
    const result = safeParseFill({
      ...row,
      exchange,
      source: 'rest',
      receivedAt,
      symbol: `${market.base}/${market.quote}`,
      marketId: market.symbol,
      base: market.base,
      quote: market.quote,
    })
    if (result.success) return result.data
    const { path, expected, shortMessage } = result.error
    throw new DataValidationError({
      exchange,
      channel: 'rest',
      path: `[${i}].${path}`,
      ...(expected !== undefined ? { expected } : {}),
      message: `Fill ${i} of the answer: ${shortMessage}`,
      cause: result.error,
    })
  }

  /**
   * The depth to request for a wanted one: the smallest in `capabilities.orderbookDepths.rest` that
   * holds it (the book is then trimmed to the wanted depth). A depth the exchange offers, one above
   * all it offers, or none goes to the adapter unchanged, which refuses what it cannot serve.
   */
  function restDepth(depth: number | undefined): number | undefined {
    if (depth === undefined) return depth
    const offered = adapter.capabilities.orderbookDepths.rest
    if (offered.length === 0 || offered.includes(depth)) return depth
    let best: number | undefined
    for (const d of offered) if (d >= depth && (best === undefined || d < best)) best = d
    return best ?? depth
  }

  function throwMissing(param: string): never {
    throw check.invalid(param, `"${param}" is required.`)
  }

  function checkRef(ref: unknown): void {
    const given = check.options(ref as OrderRef | undefined, 'ref') ?? throwMissing('ref')
    check.string(given.id, 'id')
    check.string(given.clientOrderId, 'clientOrderId')
  }

  const client: RestClient = {
    hasCredentials: () => credentials !== undefined,
    limiter,
    events$: limiter ? merge(transport.events$, limiter.events$) : transport.events$,

    async getMarkets(given) {
      const callOptions = callOptionsOf(given)
      const details = check.boolean(callOptions.details, 'details') ?? true
      const request = adapter.rest.endpoints.markets({ details })
      return normalizeAll('market', await fetchList(request, callOptions), request) as Market[]
    },

    async getTickers(symbols, given) {
      const callOptions = callOptionsOf(given)
      const normalized = check.symbols(symbols).map((s) => adapter.symbols.normalize(s))
      if (normalized.length === 1 && !callOptions.signal && callOptions.priority !== 'bulk')
        return [await tickerBatcher.load(normalized[0]!)]
      const out: Ticker[] = []
      for (let i = 0; i < normalized.length; i += maxTickerSymbols) {
        const chunk = normalized.slice(i, i + maxTickerSymbols)
        const request = adapter.rest.endpoints.tickers({ symbols: chunk })
        const raws = await namingUnknown(chunk, () => fetchList(request, callOptions))
        out.push(...(normalizeAll('ticker', raws, request) as Ticker[]))
      }
      return out
    },

    async getTickersByQuote(quotes, given) {
      const callOptions = callOptionsOf(given)
      const request = adapter.rest.endpoints.tickersByQuote({ quotes })
      return normalizeAll('ticker', await fetchList(request, callOptions), request) as Ticker[]
    },

    async getTrades(symbol, given) {
      check.symbol(symbol)
      const tradeOptions = callOptionsOf(given)
      const wanted = check.integer(tradeOptions.count, 'count', 1, MAX_HISTORY_COUNT) ?? 100
      check.string(tradeOptions.to, 'to')
      check.string(tradeOptions.cursor, 'cursor')
      check.integer(tradeOptions.daysAgo, 'daysAgo', 1, 7)
      const maxPage = adapter.capabilities.channels.trade.rest.maxCount ?? 500
      const lane: Lane = tradeOptions.priority ?? (wanted > maxPage ? 'bulk' : 'live')
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
        const trades = normalizeAll('trade', await fetchList(request, tradeOptions, lane), request) as Trade[]
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

    async getOrderbook(symbols, given) {
      const bookOptions = callOptionsOf(given)
      const list = check.symbols(symbols)
      check.integer(bookOptions.depth, 'depth', 1, Number.MAX_SAFE_INTEGER)
      if (
        bookOptions.level !== undefined &&
        !(typeof bookOptions.level === 'string' || Number.isFinite(bookOptions.level))
      )
        throw check.invalid(
          'level',
          `"level" must be a number or decimal text (got ${describeValue(bookOptions.level)}).`,
        )
      const depth = bookOptions.depth
      const wire = restDepth(depth)
      const request = adapter.rest.endpoints.orderbook({
        symbols: list,
        ...(wire !== undefined ? { depth: wire } : {}),
        ...(bookOptions.level !== undefined ? { level: bookOptions.level } : {}),
      })
      const raws = await namingUnknown(list, () => fetchList(request, bookOptions))
      const books = normalizeAll('orderbook', raws, request) as OrderbookSnapshot[]
      if (depth === undefined || wire === depth) return books
      return books.map((b) =>
        b.bids.length <= depth && b.asks.length <= depth
          ? b
          : Object.freeze({ ...b, bids: b.bids.slice(0, depth), asks: b.asks.slice(0, depth) }),
      )
    },

    async getOrderbookInstruments(symbols, given) {
      const callOptions = callOptionsOf(given)
      const list = check.symbols(symbols)
      const request = adapter.rest.endpoints.orderbookInstruments({ symbols: list })
      return namingUnknown(list, () => fetchList(request, callOptions))
    },

    async getCandles(symbol, interval, given) {
      const args = candleArgs(symbol, interval, given)
      const all: Candle[][] = []
      for await (const page of pages(args, symbol)) all.unshift(page)
      const candles = all.flat()
      return args.candleOptions.fill ? fillGaps(candles) : candles
    },

    iterateCandles(symbol, interval, given) {
      // Checked at the first `next()`, like every other failure of the download.
      return (async function* () {
        yield* pages(candleArgs(symbol, interval, given), symbol)
      })()
    },

    async getBalances(given) {
      const callOptions = callOptionsOf(given)
      const request = adapter.rest.endpoints.balances()
      return normalizeAll('balance', await fetchList(request, callOptions), request) as Balance[]
    },

    async getOrderChance(symbol, given) {
      const callOptions = callOptionsOf(given)
      check.symbol(symbol)
      const request = adapter.rest.endpoints.orderChance({ symbol })
      const [raw] = await fetchList(request, callOptions)
      // The adapter's field map says where each field is; nothing here knows the exchange's names.
      const fields = adapter.rest.orderChanceFields
      const read = (path: string): unknown => readPath(raw, path)
      const text = (path: string): string | undefined => {
        const value = read(path)
        return value === undefined || value === null ? undefined : String(value)
      }
      const list = (path: string): string[] => {
        const value = read(path)
        return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
      }
      return {
        symbol: text(fields.symbol) ?? symbol,
        bidFee: text(fields.bidFee) ?? '',
        askFee: text(fields.askFee) ?? '',
        bidTypes: list(fields.bidTypes),
        askTypes: list(fields.askTypes),
        minTotal: text(fields.minTotal),
        raw,
      }
    },

    async createOrder(params, given) {
      const callOptions = callOptionsOf(given)
      check.options(params, 'params') ?? throwMissing('params')
      requireLive('createOrder')
      checkOrderParams(adapter.market, params)
      const request = adapter.rest.endpoints.createOrder(params)
      const [raw] = await naming(request, () => fetchList(request, { ...callOptions, noRetry: true }))
      return normalizeAll('order', [raw], request)[0] as Order
    },

    async testOrder(params, given) {
      const callOptions = callOptionsOf(given)
      check.options(params, 'params') ?? throwMissing('params')
      checkOrderParams(adapter.market, params)
      const request = adapter.rest.endpoints.testOrder(params)
      const [raw] = await naming(request, () => fetchList(request, { ...callOptions, noRetry: true }))
      return normalizeAll('order', [raw], request)[0] as Order
    },

    async getOrder(ref, given) {
      const callOptions = callOptionsOf(given)
      checkRef(ref)
      const request = adapter.rest.endpoints.order(ref)
      const [raw] = await fetchList(request, callOptions)
      return normalizeAll('order', [raw], request)[0] as Order
    },

    async getOpenOrders(given) {
      const orderOptions = callOptionsOf(given)
      const request = adapter.rest.endpoints.openOrders({
        ...(orderOptions.symbol !== undefined ? { symbol: orderOptions.symbol } : {}),
        ...(orderOptions.page !== undefined ? { page: orderOptions.page } : {}),
        ...(orderOptions.limit !== undefined ? { limit: orderOptions.limit } : {}),
      })
      return normalizeAll('order', await fetchList(request, orderOptions), request) as Order[]
    },

    async getClosedOrders(given) {
      const orderOptions = callOptionsOf(given)
      check.time(orderOptions.startTime, 'startTime')
      check.time(orderOptions.endTime, 'endTime')
      const request = adapter.rest.endpoints.closedOrders({
        ...(orderOptions.symbol !== undefined ? { symbol: orderOptions.symbol } : {}),
        ...(orderOptions.states !== undefined ? { states: orderOptions.states } : {}),
        ...(orderOptions.startTime !== undefined ? { startTime: orderOptions.startTime } : {}),
        ...(orderOptions.endTime !== undefined ? { endTime: orderOptions.endTime } : {}),
        ...(orderOptions.limit !== undefined ? { limit: orderOptions.limit } : {}),
      })
      return normalizeAll('order', await fetchList(request, orderOptions), request) as Order[]
    },

    async cancelOrder(ref, given) {
      const callOptions = callOptionsOf(given)
      checkRef(ref)
      requireLive('cancelOrder')
      const request = adapter.rest.endpoints.cancelOrder(ref)
      const [raw] = await fetchList(request, { ...callOptions, noRetry: true })
      return normalizeAll('order', [raw], request)[0] as Order
    },

    async getMyTrades(symbol, given) {
      const endpoint = adapter.rest.endpoints.myTrades
      if (!adapter.capabilities.private.myTrades || endpoint === undefined)
        throw new InvalidRequestError({
          exchange,
          channel: 'rest',
          message: `${adapter.name} has no endpoint listing the account's own fills (capabilities.private.myTrades is false): read them from the orders, getOrder(ref).fills or getClosedOrders().`,
        })
      check.symbol(symbol)
      const tradeOptions = callOptionsOf(given)
      const orderId = check.string(tradeOptions.orderId, 'orderId')
      const fromId = check.string(tradeOptions.fromId, 'fromId')
      const startTime = check.time(tradeOptions.startTime, 'startTime')
      const endTime = check.time(tradeOptions.endTime, 'endTime')
      const limit = check.integer(tradeOptions.limit, 'limit', 1, Number.MAX_SAFE_INTEGER)
      if (startTime !== undefined && endTime !== undefined && endTime < startTime)
        throw check.invalid('endTime', `"endTime" (${endTime}) is before "startTime" (${startTime}).`)
      const request = endpoint({
        symbol,
        ...(orderId !== undefined ? { orderId } : {}),
        ...(fromId !== undefined ? { fromId } : {}),
        ...(startTime !== undefined ? { startTime } : {}),
        ...(endTime !== undefined ? { endTime } : {}),
        ...(limit !== undefined ? { limit } : {}),
      })
      const rows = await fetchList(request, tradeOptions)
      const receivedAt = clock.now()
      return rows.map((row, i) => fillOf(row, i, receivedAt))
    },

    stats: () => ({ requests: transport.stats(), limiter: limiter?.stats() ?? {} }),
    close: () => transport.close(),
  }
  return client
}

/** How long the market list fetched to tell unknown codes apart is reused, ms. */
const LISTED_CODES_TTL_MS = 60_000

/** The most candles or trades one history call may ask for (larger counts are surely a mistake). */
const MAX_HISTORY_COUNT = 100_000_000

/** Checks the options of {@link createRestClient} before anything is built. */
function checkOptions(options: RestClientOptions): {
  adapter: ExchangeAdapter
  baseUrl: string
  credentials: Credentials | undefined
} {
  if (options === null || typeof options !== 'object')
    throw new InvalidRequestError({
      param: 'options',
      channel: 'rest',
      message: `createRestClient needs an options object with an adapter (got ${describeValue(options)}).`,
    })
  const { adapter } = options
  if (!adapter || typeof adapter !== 'object' || typeof adapter.id !== 'string' || !adapter.rest)
    throw new InvalidRequestError({
      param: 'adapter',
      channel: 'rest',
      message: `"adapter" must be an exchange adapter, the one an exchange package exports (got ${describeValue(adapter)}).`,
    })
  const check = validators(adapter.id)
  const baseUrl = check.url(options.baseUrl ?? adapter.rest.baseUrl, 'baseUrl').href
  check.oneOf(options.trading, 'trading', ['dry-run', 'live'] as const)
  check.oneOf(options.validate, 'validate', ['strict', 'fast'] as const)
  check.oneOf(options.signAlgorithm, 'signAlgorithm', ['HS256', 'HS512'] as const)
  check.integer(options.timeoutMs, 'timeoutMs', 1, 3_600_000)
  check.integer(options.connections, 'connections', 1, 1024)
  check.integer(options.batchWindowMs, 'batchWindowMs', 0, 60_000)
  if (typeof options.retries === 'number' || options.retries === undefined)
    check.integer(options.retries, 'retries', 0, 100)
  else {
    const retries = check.options(options.retries, 'retries') ?? {}
    check.integer(retries.retries, 'retries.retries', 0, 100)
    check.integer(retries.baseDelayMs, 'retries.baseDelayMs', 0, 3_600_000)
    check.integer(retries.maxDelayMs, 'retries.maxDelayMs', 0, 3_600_000)
  }
  const limits = options.limits
  if (
    limits !== undefined &&
    limits !== false &&
    limits !== 'shared' &&
    limits !== 'private' &&
    !(typeof limits === 'object' && limits !== null && 'acquire' in limits)
  ) {
    const settings = check.options(limits as LimiterSettings, 'limits') ?? {}
    check.integer(settings.safetyMarginMs, 'limits.safetyMarginMs', 0, 60_000)
    check.integer(settings.liveReserve, 'limits.liveReserve', 0, 1_000)
    check.integer(settings.freshAfterMs, 'limits.freshAfterMs', 0, 3_600_000)
    const fraction = settings.initialFraction
    if (fraction !== undefined && !(typeof fraction === 'number' && fraction > 0 && fraction <= 1))
      throw check.invalid(
        'limits.initialFraction',
        `"limits.initialFraction" must be a number in (0, 1] (got ${describeValue(fraction)}).`,
      )
  }
  return { adapter, baseUrl, credentials: checkCredentials(adapter.id, options.credentials) }
}

/**
 * Checks credentials when the client is created, so that a malformed key fails at once with an
 * error that names the field but never shows its value (a non-string key would not be redacted).
 */
function checkCredentials(exchange: string, credentials: Credentials | undefined): Credentials | undefined {
  if (credentials === undefined) return undefined
  const fail = (param: string, got: string) =>
    new InvalidRequestError({
      exchange,
      channel: 'rest',
      param,
      message: `"${param}" must be a non-empty string (got ${got}; the value is not shown).`,
    })
  if (credentials === null || typeof credentials !== 'object') throw fail('credentials', typeof credentials)
  for (const field of ['accessKey', 'secretKey'] as const) {
    const value: unknown = credentials[field]
    if (typeof value !== 'string' || value === '')
      throw fail(
        `credentials.${field}`,
        value === '' ? 'an empty string' : value === null ? 'null' : `a ${typeof value}`,
      )
  }
  return credentials
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
