import {
  AbortedError,
  ConnectionClosedError,
  describeValue,
  InvalidRequestError,
  type Logger,
  redactingLogger,
  toBackboneError,
  UnknownSymbolError,
} from '@bb/errors'
import { type Credentials, createAdapterRegistry, type ExchangeAdapter } from '@bb/exchange-adapter'
import {
  type Balance,
  type Candle,
  type CandleInterval,
  candleOpenTime,
  compareIds,
  type Market,
  type Order,
  type OrderbookSnapshot,
  parseCandleInterval,
  type Source,
  type Ticker,
  type Trade,
} from '@bb/models'
import {
  type CandleProgress,
  createRestClient,
  type GetCandlesOptions,
  type RestClient,
  type RestClientOptions,
} from '@bb/rest'
import { createTradeTracker } from '@bb/unifier'
import { upbit } from '@bb/upbit'
import {
  createWsClient,
  type GapEvent,
  type StreamEvent,
  type WsClient,
  type WsClientOptions,
  type WsStatus,
} from '@bb/ws'
import { Observable, Subject, type Subscription } from 'rxjs'
import { type Clock, every as everyOn, systemClock } from './clock.js'
import { toAsyncIterable } from './iterate.js'
import { WsLink, type WsLinkView } from './link.js'
import { MarketDirectory } from './markets.js'
import { combineMetrics, createMemoryMetrics, type Metrics, type MetricsSnapshot } from './metrics.js'
import {
  type ChannelHealth,
  type RouteDecision,
  type RouteRequest,
  type RouterPolicy,
  SmartChannelRouter,
} from './policy.js'

/** The exchanges `createBackbone` knows by name. */
const ADAPTERS: Readonly<Record<string, ExchangeAdapter>> = createAdapterRegistry([upbit]).byId

/** How often streams poll REST while the WebSocket is down, ms. */
export interface PollIntervals {
  /** Tickers (one batched request for all symbols of a stream). @default 1000 */
  ticker: number
  /** Trades (one request per symbol, paged back to the last delivered id). @default 1000 */
  trades: number
  /** Order books. @default 1000 */
  orderbook: number
  /** Candles. @default 2000 */
  candles: number
}

/** Options of {@link createBackbone}. */
export interface BackboneOptions {
  /** The exchange: a name (`upbit`) or an adapter object. */
  exchange: 'upbit' | ExchangeAdapter
  /** REST base URL. @default the exchange's real URL */
  restUrl?: string
  /** Public WebSocket URL. @default the exchange's real URL */
  wsUrl?: string
  /** Private WebSocket URL. @default the exchange's real URL */
  privateWsUrl?: string
  /** API keys for account data and orders. Never logged. */
  credentials?: Credentials
  /** The routing policy: numbers to tune, or a router object to use as is. */
  policy?: Partial<RouterPolicy> | SmartChannelRouter
  /** REST polling intervals during a WebSocket outage. */
  pollIntervalMs?: Partial<PollIntervals>
  /** Where counters go in addition to the built-in memory metrics (e.g. `createPrometheusMetrics()` from `@bb/router/prometheus`). */
  metrics?: Metrics
  /** Extra options of the REST client. */
  rest?: Omit<RestClientOptions, 'adapter' | 'baseUrl' | 'credentials' | 'logger'>
  /** Extra options of the WebSocket client. */
  ws?: Omit<WsClientOptions, 'adapter' | 'url' | 'privateUrl' | 'credentials' | 'logger'>
  /** A pino-compatible logger; everything is redacted. @default silent */
  logger?: Logger
  /**
   * Time for every timer of the backbone (polling, hold-down, promotion, reconciliation); also
   * handed to the REST and WebSocket clients unless their options name one. @default the real clock
   */
  clock?: Clock
  /**
   * After an outage, streams switch back from REST polling to the WebSocket only once it has been
   * open for this long with data flowing, ms. One outage is one failover and one switch-back,
   * however many reconnect attempts it takes. @default 3000
   */
  switchbackHoldMs?: number
  /** Trade back-fill limits. */
  backfill?: BackfillOptions
  /**
   * Second line of defence against silent loss: every this many ms each live trade stream reads
   * the newest page of trades from REST and delivers any trade the WebSocket did not (deduplicated
   * by id). `0` turns it off. @default 30000
   */
  tradeReconcileMs?: number
}

/** Limits of the REST back-fill that closes a gap in a trade stream. */
export interface BackfillOptions {
  /**
   * Pages (of the exchange's maximum page size) read back per gap. A gap deeper than that is not
   * silently skipped: `events$` emits `backfill-incomplete` with the range that could not be
   * read, and `backfill_incomplete_total` counts it. @default 20
   */
  maxPages?: number
  /** Trades per back-fill request. @default the exchange's maximum (Upbit: 500) */
  pageSize?: number
}

/** Options every stream accepts. */
export interface StreamOptions {
  /** Aborting completes the stream (and ends a `for await` loop over it) at once. */
  signal?: AbortSignal
}

/** Options of the latest-value streams (`ticker$`, `orderbook$`). */
export interface LatestStreamOptions extends StreamOptions {
  /**
   * Off by default: every value the WebSocket delivers is emitted, in arrival order. `'latest'`
   * conflates explicitly: values of one symbol arriving in the same event-loop turn collapse to
   * the newest; every value dropped so is counted (`conflated_total`) and reported in `events$`.
   * For `for await` loops it also keeps at most one queued value per symbol for a slow consumer.
   */
  conflate?: 'latest'
}

/** Options every snapshot accepts. */
export interface SnapshotOptions {
  /** Aborts the call. */
  signal?: AbortSignal
}

/** Options of {@link MarketDataBackbone.candles$}. */
export interface CandleStreamOptions extends StreamOptions {
  /** How many closed candles of history to emit first. @default 200 */
  history?: number
}

/** A debug event: a routing decision, a failover, a back-fill. */
export type BackboneEvent =
  | { type: 'decision'; request: RouteRequest; decision: RouteDecision }
  | { type: 'promoted' | 'demoted'; kind: RouteRequest['kind']; symbol: string }
  | { type: 'failover' | 'switchback'; stream: string; symbols: readonly string[]; reason: string }
  | { type: 'backfill'; symbol: string; trades: number; fromId: string | undefined }
  | {
      /** A gap deeper than `backfill.maxPages`: trades after `fromId` and before `toId` were not read. */
      type: 'backfill-incomplete'
      symbol: string
      fromId: string
      toId: string
      pages: number
    }
  | {
      /** The WebSocket reported a possible gap (reconnect, silence, unreadable frame, overflow…). */
      type: 'gap'
      stream: string
      symbol: string | undefined
      reason: GapEvent['reason']
    }
  | {
      /** The periodic REST check found trades the WebSocket had not delivered. */
      type: 'reconciled'
      symbol: string
      trades: number
    }
  | {
      /** Values dropped by explicit conflation (`conflate: 'latest'`) since the last such event. */
      type: 'conflated'
      stream: string
      dropped: number
    }
  | {
      /** The WebSocket channel changed state (see {@link BackboneHealth.link}). */
      type: 'link'
      state: WsLinkView['state']
      reason: string
    }

/** What `health$` emits. */
export interface BackboneHealth {
  /** REST channel health. */
  rest: ChannelHealth
  /** WebSocket channel health. */
  ws: ChannelHealth
  /** Whether the WebSocket channel is up (every connection open and proved) now. */
  wsConnected: boolean
  /** The WebSocket channel's state with its reason: `connecting`, `up`, `down` or `recovering`. */
  link: WsLinkView
  /** Live streams, by kind. */
  streams: Record<string, number>
  /** Symbols promoted to WebSocket subscriptions by the router. */
  promoted: string[]
}

/**
 * One API over an exchange's REST and WebSocket APIs. Create it with {@link createBackbone}.
 * Every value says where it came from (`source`: `rest`, `ws` or `cache`).
 */
export interface MarketDataBackbone {
  /** The exchange adapter. */
  readonly adapter: ExchangeAdapter
  /** The routing policy object (read it, tune it with `setPolicy`). */
  readonly router: SmartChannelRouter
  /** The REST client underneath (escape hatch). */
  readonly rest: RestClient
  /** The WebSocket client underneath (escape hatch). */
  readonly ws: WsClient
  /** All markets (REST). */
  getMarkets(options?: SnapshotOptions): Promise<Market[]>
  /** One ticker: from a fresh live cache entry, otherwise REST (batched with other callers). */
  getTicker(symbol: string, options?: SnapshotOptions): Promise<Ticker>
  /** Several tickers, each routed like {@link MarketDataBackbone.getTicker}. */
  getTickers(symbols: readonly string[], options?: SnapshotOptions): Promise<Ticker[]>
  /** Recent trades, newest first (REST). */
  getTrades(symbol: string, options?: SnapshotOptions & { count?: number }): Promise<Trade[]>
  /** One order book: from a fresh live cache entry, otherwise REST. */
  getOrderbook(symbol: string, options?: SnapshotOptions & { depth?: number }): Promise<OrderbookSnapshot>
  /** Candles of any size, ascending, with progress (REST). */
  getCandles(
    symbol: string,
    interval: CandleInterval | string,
    options?: GetCandlesOptions,
  ): Promise<Candle[]>
  /**
   * Live tickers, every value the WebSocket delivers in arrival order; from REST polling while the
   * WebSocket is down. Errors with `UnknownSymbolError` for a market the exchange does not list.
   */
  ticker$(symbols: string | readonly string[], options?: LatestStreamOptions): Observable<Ticker>
  /**
   * Live trades, exactly once across reconnects, silences, unreadable frames and failovers, in id
   * order except late trades (an id older than the newest, first seen now), which are delivered
   * when they arrive and counted in `late_trades_total`.
   */
  trades$(symbols: string | readonly string[], options?: StreamOptions): Observable<Trade>
  /** Live order books, every one the WebSocket delivers; from REST polling while the WebSocket is down. */
  orderbook$(
    symbols: string | readonly string[],
    options?: LatestStreamOptions & { depth?: number },
  ): Observable<OrderbookSnapshot>
  /** History then live updates of one candle series, ascending; the last candle updates in place. */
  candles$(
    symbol: string,
    interval: CandleInterval | string,
    options?: CandleStreamOptions,
  ): Observable<Candle>
  /** The account's order updates (WebSocket, private). */
  myOrders$(symbols?: string | readonly string[], options?: StreamOptions): Observable<Order>
  /** The account's balance changes (WebSocket, private). */
  myAssets$(options?: StreamOptions): Observable<Balance>
  /** Channel health, every second and on every connection change. */
  readonly health$: Observable<BackboneHealth>
  /** Routing decisions, promotions, failovers and back-fills. */
  readonly events$: Observable<BackboneEvent>
  /** `for await (const t of backbone.streamTicker('KRW-BTC', { signal }))`. */
  streamTicker(symbols: string | readonly string[], options?: LatestStreamOptions): AsyncIterable<Ticker>
  /** `for await (const t of backbone.streamTrades('KRW-BTC', { signal }))`. */
  streamTrades(symbols: string | readonly string[], options?: StreamOptions): AsyncIterable<Trade>
  /** `for await (const b of backbone.streamOrderbook('KRW-BTC', { signal }))`. */
  streamOrderbook(
    symbols: string | readonly string[],
    options?: LatestStreamOptions & { depth?: number },
  ): AsyncIterable<OrderbookSnapshot>
  /** `for await (const c of backbone.streamCandles('KRW-BTC', '1m'))`. */
  streamCandles(
    symbol: string,
    interval: CandleInterval | string,
    options?: CandleStreamOptions,
  ): AsyncIterable<Candle>
  /** Explains where a request would be answered from now, without side effects. */
  explain(request: RouteRequest): RouteDecision
  /** The built-in counters. */
  metrics(): MetricsSnapshot
  /** Stops every stream, timer and connection. */
  close(): Promise<void>
}

interface CacheEntry<T> {
  value: T
  receivedAt: number
  live: boolean
}

/** Checks a `symbols` argument: one market code or a non-empty list of them. */
function list(symbols: unknown): string[] {
  const out = typeof symbols === 'string' ? [symbols] : Array.isArray(symbols) ? [...symbols] : undefined
  if (!out) {
    throw new InvalidRequestError({
      param: 'symbols',
      message: `symbols must be a market code or a list of them, got ${describeValue(symbols)}.`,
    })
  }
  if (out.length === 0) {
    throw new InvalidRequestError({
      param: 'symbols',
      message: 'symbols is an empty list: name at least one market.',
    })
  }
  for (const s of out) {
    if (typeof s !== 'string') {
      throw new InvalidRequestError({
        param: 'symbols',
        message: `every symbol must be a string, got ${describeValue(s)}.`,
      })
    }
  }
  return out
}

/** Checks an optional positive integer option. */
function positiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidRequestError({
      param: name,
      message: `${name} must be an integer from 1 to ${max}, got ${describeValue(value)}.`,
    })
  }
  return value
}

/** Checks that options are an object (or absent). */
function optionsObject<T extends object>(name: string, value: T | undefined | null): T {
  if (value === undefined) return {} as T
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRequestError({
      param: name,
      message: `${name} must be an object, got ${describeValue(value)}.`,
    })
  }
  return value
}

/** Checks a `signal` option. */
function signalOption(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (!(value instanceof AbortSignal)) {
    throw new InvalidRequestError({
      param: 'signal',
      message: `signal must be an AbortSignal, got ${describeValue(value)}.`,
    })
  }
  return value
}
const withSource = <T extends { source: Source }>(value: T, source: Source): T =>
  value.source === source ? value : Object.freeze({ ...value, source })

/**
 * Creates a {@link MarketDataBackbone}: snapshots routed between a live cache and REST, streams
 * over WebSocket that fail over to REST polling and back without losing or repeating trades,
 * symbols promoted to WebSocket subscriptions when asked for often, metrics and health.
 * The URLs default to the real exchange.
 *
 * @example
 * ```ts
 * import { createBackbone } from '@bb/router'
 * import { startSim } from '@bb/sim'
 *
 * const sim = await startSim({ port: 0 })
 * const backbone = createBackbone({ exchange: 'upbit', restUrl: sim.restUrl, wsUrl: sim.wsUrl })
 * const ticker = await backbone.getTicker('KRW-BTC')
 * console.log(ticker.last.toString(), ticker.source) // …, 'rest'
 * const sub = backbone.trades$('KRW-BTC').subscribe((t) => console.log(t.id, t.price.toString(), t.source))
 * setTimeout(async () => { sub.unsubscribe(); await backbone.close(); await sim.close() }, 5000)
 * ```
 */
export function createBackbone(options: BackboneOptions): MarketDataBackbone {
  const opts = optionsObject('options', options as BackboneOptions | undefined)
  const resolved = typeof opts.exchange === 'string' ? ADAPTERS[opts.exchange] : opts.exchange
  if (!resolved || typeof resolved !== 'object') {
    throw new InvalidRequestError({
      param: 'exchange',
      message: `Unknown exchange ${describeValue(opts.exchange)}: use one of ${Object.keys(ADAPTERS).join(', ')} or pass an adapter.`,
    })
  }
  const adapter: ExchangeAdapter = resolved
  const exchange = adapter.id
  const logger = redactingLogger(opts.logger)
  const memory = createMemoryMetrics()
  const metrics = opts.metrics ? combineMetrics(memory, opts.metrics) : memory
  const clock: Clock = opts.clock ?? systemClock
  const router =
    opts.policy instanceof SmartChannelRouter
      ? opts.policy
      : new SmartChannelRouter(opts.policy ?? {}, () => clock.now())
  const poll: PollIntervals = {
    ticker: 1000,
    trades: 1000,
    orderbook: 1000,
    candles: 2000,
    ...opts.pollIntervalMs,
  }
  for (const [name, ms] of Object.entries(poll)) positiveInteger(`pollIntervalMs.${name}`, ms)
  const holdDownMs = opts.switchbackHoldMs ?? 3000
  if (!(Number.isFinite(holdDownMs) && holdDownMs >= 0)) {
    throw new InvalidRequestError({
      param: 'switchbackHoldMs',
      message: `switchbackHoldMs must be a finite number >= 0, got ${describeValue(holdDownMs)}.`,
    })
  }
  const maxBackfillPages = positiveInteger('backfill.maxPages', opts.backfill?.maxPages) ?? 20
  const maxPageSize = adapter.capabilities.channels.trade.rest.maxCount ?? 500
  const backfillPageSize =
    positiveInteger('backfill.pageSize', opts.backfill?.pageSize, maxPageSize) ?? maxPageSize
  const pageSize = () => backfillPageSize
  const reconcileMs = opts.tradeReconcileMs ?? 30_000
  if (reconcileMs !== 0) positiveInteger('tradeReconcileMs', reconcileMs)
  const rest = createRestClient({
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...opts.rest,
    adapter,
    ...(opts.restUrl ? { baseUrl: opts.restUrl } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    logger,
  })
  const ws = createWsClient({
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...opts.ws,
    adapter,
    ...(opts.wsUrl ? { url: opts.wsUrl } : {}),
    ...(opts.privateWsUrl ? { privateUrl: opts.privateWsUrl } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    logger,
  })
  const events = new Subject<BackboneEvent>()
  const tickerCache = new Map<string, CacheEntry<Ticker>>()
  const bookCache = new Map<string, CacheEntry<OrderbookSnapshot>>()
  const promotedSubscriptions = new Map<string, Subscription>()
  const streamCounts: Record<string, number> = {}
  const link = new WsLink(clock, holdDownMs)
  const markets = new MarketDirectory(() => rest.getMarkets(), clock)
  const timers = new Set<() => void>()
  const internal: Subscription[] = []
  let closed = false

  const emit = (event: BackboneEvent) => {
    if (!closed) events.next(event)
  }
  const reportError = (where: string) => (error: unknown) =>
    logger.error({ error: toBackboneError(error).shortMessage, where }, 'internal error (contained)')

  // ── metrics and health wiring ───────────────────────────────────────────────────────────────
  internal.push(
    rest.events$.subscribe((event) => {
      if (event.type === 'response') {
        metrics.increment('rest_requests_total', { group: event.group })
        metrics.observe('rest_latency_ms', event.latencyMs, { group: event.group })
        const ok = event.status >= 200 && event.status < 300
        if (!ok) metrics.increment('rest_errors_total', { group: event.group })
        router.recordResult('rest', {
          ok: ok || (event.status >= 400 && event.status < 500 && event.status !== 429),
          latencyMs: event.latencyMs,
        })
      } else if (event.type === 'retry') {
        metrics.increment('rest_retries_total', { group: event.group })
      } else if (event.type === 'wait') {
        metrics.increment('limiter_waits_total', { group: event.group })
        metrics.increment('limiter_wait_ms_total', { group: event.group }, event.waitMs)
      }
    }),
    ws.status$.subscribe((status: WsStatus) => {
      if (status.type === 'reconnecting') metrics.increment('ws_reconnects_total')
      link.onStatus(status)
      logger.debug({ status: status.type, connection: status.connection }, 'websocket status')
    }),
    link.changes$.subscribe((view) => {
      const active = Object.values(streamCounts).some((n) => n > 0) || promotedSubscriptions.size > 0
      router.setWsActive(active, view.state === 'up' || view.state === 'connecting')
      if (view.state !== 'connecting') emit({ type: 'link', state: view.state, reason: view.reason })
    }),
  )

  const wsHealthy = () => link.healthy && router.health('ws').state !== 'down'

  const onWsValue = (kind: string) => {
    metrics.increment('ws_messages_total', { kind })
    link.onValue()
    if (link.healthy) router.recordMessage()
  }

  const every = (ms: number, fn: () => void) => {
    const stop = everyOn(clock, ms, fn, reportError('timer'))
    const remove = () => {
      stop()
      timers.delete(remove)
    }
    timers.add(remove)
    return remove
  }

  /**
   * Follows the WebSocket channel's state for one stream: `onFailover` when it stops being
   * healthy, `onSwitchback` once it is up again — once per outage each.
   */
  const followLink = (
    stream: string,
    symbols: readonly string[],
    handlers: { onFailover: () => void; onSwitchback: () => void },
  ): Subscription => {
    let mode: 'ws' | 'rest' = 'ws'
    return link.changes$.subscribe((view) => {
      const healthy = view.state === 'up' || view.state === 'connecting'
      if (!healthy && mode === 'ws') {
        mode = 'rest'
        metrics.increment('failovers_total', { stream })
        emit({ type: 'failover', stream, symbols, reason: view.reason })
        handlers.onFailover()
      } else if (healthy && mode === 'rest') {
        mode = 'ws'
        metrics.increment('switchbacks_total', { stream })
        emit({ type: 'switchback', stream, symbols, reason: view.reason })
        handlers.onSwitchback()
      }
    })
  }

  const counted = <T>(kind: string, source: Observable<T>): Observable<T> =>
    new Observable<T>((subscriber) => {
      streamCounts[kind] = (streamCounts[kind] ?? 0) + 1
      const subscription = source.subscribe(subscriber)
      return () => {
        streamCounts[kind] = (streamCounts[kind] ?? 1) - 1
        subscription.unsubscribe()
      }
    })

  /**
   * The public face of every market stream: checks the arguments (synchronously, typed errors),
   * errors with `UnknownSymbolError` as soon as the market list shows a symbol is not listed,
   * completes on `signal`, and refuses after `close()`.
   */
  const guarded = <T>(
    kind: string,
    symbolsInput: unknown,
    optionsInput: StreamOptions | undefined,
    make: (symbols: string[]) => Observable<T>,
  ): Observable<T> => {
    const o = optionsObject('options', optionsInput)
    const signal = signalOption(o.signal)
    const symbols = list(symbolsInput).map((s) => adapter.symbols.normalize(s))
    return counted(
      kind,
      new Observable<T>((subscriber) => {
        if (closed) {
          subscriber.error(
            new ConnectionClosedError({
              exchange,
              channel: 'ws',
              reason: 'the backbone is closed',
              retryable: false,
            }),
          )
          return
        }
        if (signal?.aborted) {
          subscriber.complete()
          return
        }
        const onAbort = () => subscriber.complete()
        signal?.addEventListener('abort', onAbort, { once: true })
        const inner = make(symbols).subscribe(subscriber)
        markets
          .unknown(symbols)
          .then((bad) => {
            if (bad && bad.length > 0)
              subscriber.error(new UnknownSymbolError({ symbol: bad.join(','), exchange }))
          })
          .catch(reportError('market check'))
        return () => {
          signal?.removeEventListener('abort', onAbort)
          inner.unsubscribe()
        }
      }),
    )
  }

  // Demote idle promoted symbols.
  every(1000, () => {
    for (const { kind, symbol } of router.takeDemotions()) {
      const key = `${kind}:${symbol}`
      promotedSubscriptions.get(key)?.unsubscribe()
      promotedSubscriptions.delete(key)
      const entry = (kind === 'ticker' ? tickerCache : bookCache).get(symbol)
      if (entry) entry.live = false
      metrics.increment('demotions_total', { kind })
      emit({ type: 'demoted', kind, symbol })
    }
  })

  function promote(kind: 'ticker' | 'orderbook', symbol: string): void {
    const key = `${kind}:${symbol}`
    if (promotedSubscriptions.has(key) || closed) return
    router.markPromoted({ kind, symbol })
    const subscription = latest$(kind as 'ticker', [symbol], {}).subscribe({
      error: () => promotedSubscriptions.delete(key),
    })
    promotedSubscriptions.set(key, subscription)
    metrics.increment('promotions_total', { kind })
    emit({ type: 'promoted', kind, symbol })
  }

  // ── latest-value streams (ticker, order book) with REST failover ────────────────────────────
  function latest$(
    kind: 'ticker',
    symbols: string[],
    opts: LatestStreamOptions & { depth?: number },
  ): Observable<Ticker>
  function latest$(
    kind: 'orderbook',
    symbols: string[],
    opts: LatestStreamOptions & { depth?: number },
  ): Observable<OrderbookSnapshot>
  function latest$(
    kind: 'ticker' | 'orderbook',
    normalized: string[],
    opts: LatestStreamOptions & { depth?: number },
  ): Observable<Ticker | OrderbookSnapshot> {
    type Value = Ticker | OrderbookSnapshot
    return new Observable<Value>((subscriber) => {
      /** Newest timestamp emitted per symbol (REST values must be newer to be emitted). */
      const newest = new Map<string, number>()
      /** Timestamp of the last REST value emitted per symbol (older WS values are superseded). */
      const restAt = new Map<string, number>()
      const cache = kind === 'ticker' ? tickerCache : bookCache
      const conflate = opts.conflate === 'latest'
      const pending = new Map<string, Value>()
      let flushScheduled = false
      let conflatedSinceEvent = 0
      let lastConflatedEventAt = 0
      let polling = false
      let stopPolling: (() => void) | undefined
      const out = (value: Value) => {
        if (!conflate) {
          subscriber.next(value)
          return
        }
        if (pending.has(value.symbol)) {
          metrics.increment('conflated_total', { stream: kind })
          conflatedSinceEvent++
        }
        pending.set(value.symbol, value)
        if (!flushScheduled) {
          flushScheduled = true
          setImmediate(flush)
        }
      }
      const flush = () => {
        flushScheduled = false
        const values = [...pending.values()]
        pending.clear()
        for (const value of values) subscriber.next(value)
        if (conflatedSinceEvent > 0 && clock.now() - lastConflatedEventAt >= 1000) {
          emit({ type: 'conflated', stream: kind, dropped: conflatedSinceEvent })
          conflatedSinceEvent = 0
          lastConflatedEventAt = clock.now()
        }
      }
      const remember = (value: Value, live: boolean) => {
        const entry = cache.get(value.symbol)
        if (!entry || entry.value.timestamp <= value.timestamp) {
          ;(cache as Map<string, CacheEntry<Value>>).set(value.symbol, {
            value,
            receivedAt: value.receivedAt,
            live: live || (entry?.live ?? false),
          })
        }
        const previous = newest.get(value.symbol)
        if (previous === undefined || value.timestamp > previous) newest.set(value.symbol, value.timestamp)
      }
      const fromWs = (value: Value) => {
        // WS vs WS: arrival order, every value (equal timestamps are normal at a high rate).
        const rest = restAt.get(value.symbol)
        if (rest !== undefined && value.timestamp < rest) {
          metrics.increment('superseded_total', { stream: kind })
          return
        }
        remember(value, true)
        out(value)
      }
      const fromRest = (value: Value) => {
        const previous = newest.get(value.symbol)
        if (previous !== undefined && value.timestamp <= previous) return // nothing newer than we have
        restAt.set(value.symbol, value.timestamp)
        remember(value, false)
        out(value)
      }
      const upstream: Observable<StreamEvent<Value>> =
        kind === 'ticker'
          ? ws.tickerEvents$(normalized)
          : ws.orderbookEvents$(normalized, opts.depth !== undefined ? { depth: opts.depth } : {})
      const pollOnce = async () => {
        if (polling || closed) return
        polling = true
        try {
          const values =
            kind === 'ticker'
              ? await rest.getTickers(normalized)
              : await rest.getOrderbook(normalized, opts.depth !== undefined ? { depth: opts.depth } : {})
          for (const value of values) fromRest(value)
        } catch (error) {
          if (UnknownSymbolError.isInstance(error)) subscriber.error(error)
          else logger.warn({ error: toBackboneError(error).shortMessage, stream: kind }, 'REST poll failed')
        } finally {
          polling = false
        }
      }
      const wsSubscription = upstream.subscribe({
        next: (event) => {
          if (event.type !== 'data') {
            metrics.increment('gaps_total', { reason: event.reason })
            emit({ type: 'gap', stream: kind, symbol: event.symbol, reason: event.reason })
            void pollOnce() // a gap: take one fresh snapshot from REST
            return
          }
          onWsValue(kind)
          fromWs(event.value)
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
      const linkSubscription = followLink(kind, normalized, {
        onFailover: () => {
          void pollOnce()
          stopPolling = every(kind === 'ticker' ? poll.ticker : poll.orderbook, () => void pollOnce())
        },
        onSwitchback: () => {
          stopPolling?.()
          stopPolling = undefined
        },
      })
      return () => {
        stopPolling?.()
        linkSubscription.unsubscribe()
        wsSubscription.unsubscribe()
        pending.clear()
        for (const symbol of normalized) {
          const entry = cache.get(symbol)
          if (entry && !promotedSubscriptions.has(`${kind}:${symbol}`)) entry.live = false
        }
      }
    })
  }

  // ── trades: exactly once across reconnects, silences, unreadable frames and failovers ──────
  function tradeStream(symbol: string): Observable<Trade> {
    return new Observable<Trade>((subscriber) => {
      const tracker = createTradeTracker({ contiguousIds: adapter.capabilities.contiguousTradeIds })
      let delivered = false
      /** The first trade delivered: anything older happened before this stream began. */
      let firstId: string | undefined
      let catchingUp = false
      let pendingCatchUp = false
      /** The oldest "last id before a gap" asked for while a catch-up was running. */
      let pendingFrom: string | undefined
      let stopPolling: (() => void) | undefined
      /** A gap was reported and no WebSocket value has arrived since. */
      let gapOpen = false
      const held: Trade[] = []
      const controller = new AbortController()
      /** Delivers one trade unless it was seen; returns true when delivered. */
      const deliver = (trade: Trade, quietDuplicate = false): boolean => {
        const check = tracker.push(trade)
        if (check.status === 'duplicate') {
          if (!quietDuplicate) metrics.increment('duplicates_dropped_total')
          return false
        }
        if (check.status === 'late' && delivered) metrics.increment('late_trades_total')
        if (!delivered) firstId = trade.id
        delivered = true
        subscriber.next(trade)
        return true
      }
      const older = (a: string | undefined, b: string | undefined) =>
        a === undefined ? b : b === undefined ? a : compareIds(a, b) <= 0 ? a : b
      const catchUp = async (from?: string): Promise<void> => {
        if (from !== undefined) pendingFrom = older(pendingFrom, from)
        if (catchingUp) {
          pendingCatchUp = true
          return
        }
        catchingUp = true
        try {
          do {
            pendingCatchUp = false
            const after = older(pendingFrom, tracker.lastId(symbol))
            pendingFrom = undefined
            if (after === undefined) {
              // Nothing delivered yet, so nothing can have been missed: a gap is no news. Without
              // the WebSocket, start from the newest trade (as the WebSocket's snapshot would).
              if (link.healthy) continue
              const [newestTrade] = await rest.getTrades(symbol, { count: 1, signal: controller.signal })
              if (newestTrade && tracker.lastId(symbol) === undefined)
                deliver(withSource(newestTrade, 'rest'))
              continue
            }
            const result = await tradesAfter(symbol, after, controller.signal)
            if (!result.complete && result.oldestId !== undefined) {
              metrics.increment('backfill_incomplete_total')
              emit({
                type: 'backfill-incomplete',
                symbol,
                fromId: after,
                toId: result.oldestId,
                pages: result.pages,
              })
            }
            let count = 0
            for (const trade of result.trades) if (deliver(trade, true)) count++
            if (count > 0) {
              metrics.increment('backfilled_trades_total', undefined, count)
              emit({ type: 'backfill', symbol, trades: count, fromId: after })
            }
          } while (pendingCatchUp && !closed && !controller.signal.aborted)
        } catch (error) {
          if (UnknownSymbolError.isInstance(error)) subscriber.error(error)
          else if (!AbortedError.isInstance(error)) {
            const e = toBackboneError(error)
            logger.warn(
              { error: e.shortMessage, symbol },
              'trade back-fill failed; retrying on the next poll',
            )
            // Keep the request: the next poll or gap retries from the same point.
            pendingFrom = older(pendingFrom, tracker.lastId(symbol))
          }
        } finally {
          catchingUp = false
          held.sort((a, b) => compareIds(a.id, b.id))
          for (const trade of held.splice(0)) deliver(trade)
        }
      }
      const reconcile = async (): Promise<void> => {
        if (catchingUp || closed || stopPolling) return
        const last = tracker.lastId(symbol)
        if (last === undefined) return
        try {
          const page = await rest.getTrades(symbol, {
            count: pageSize(),
            signal: controller.signal,
            priority: 'bulk', // a background check: never ahead of live work
          })
          if (catchingUp) return
          const ascending = [...page].sort((a, b) => compareIds(a.id, b.id))
          const oldest = ascending[0]
          if (oldest && compareIds(oldest.id, last) > 0 && page.length >= pageSize()) {
            // More than a page is missing: the full back-fill reads it.
            await catchUp(last)
            return
          }
          let count = 0
          for (const trade of ascending) {
            // Trades from before the stream began are history, not a loss.
            if (firstId !== undefined && compareIds(trade.id, firstId) < 0) continue
            if (deliver(withSource(trade, 'rest'), true)) count++
          }
          if (count > 0) {
            metrics.increment('reconciled_trades_total', undefined, count)
            emit({ type: 'reconciled', symbol, trades: count })
          }
        } catch (error) {
          if (!AbortedError.isInstance(error))
            logger.warn({ error: toBackboneError(error).shortMessage, symbol }, 'trade reconciliation failed')
        }
      }
      const wsSubscription = ws.tradeEvents$(symbol).subscribe({
        next: (event) => {
          if (event.type === 'gap') {
            metrics.increment('gaps_total', { reason: event.reason })
            emit({ type: 'gap', stream: 'trades', symbol: event.symbol, reason: event.reason })
            gapOpen = true
            void catchUp(event.lastId)
            return
          }
          onWsValue('trade')
          if (gapOpen) {
            // The first value after a gap closes it: whatever was lost up to this value is on the
            // exchange's tape now, so read it once more (the first back-fill may have run before
            // the last lost frame), holding this value until then.
            gapOpen = false
            held.push(event.value)
            void catchUp()
          } else if (catchingUp) held.push(event.value)
          else deliver(event.value)
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
      const linkSubscription = followLink('trades', [symbol], {
        onFailover: () => {
          void catchUp()
          stopPolling = every(poll.trades, () => void catchUp())
        },
        onSwitchback: () => {
          stopPolling?.()
          stopPolling = undefined
          void catchUp()
        },
      })
      const stopReconcile = reconcileMs > 0 ? every(reconcileMs, () => void reconcile()) : () => {}
      return () => {
        stopPolling?.()
        stopReconcile()
        linkSubscription.unsubscribe()
        controller.abort()
        wsSubscription.unsubscribe()
      }
    })
  }

  /**
   * Every trade after `afterId`, ascending (REST, paged backwards until `afterId` is reached or
   * `maxBackfillPages` pages were read: then `complete` is false and `oldestId` is the oldest read).
   */
  async function tradesAfter(
    symbol: string,
    afterId: string,
    signal: AbortSignal,
  ): Promise<{ trades: Trade[]; complete: boolean; oldestId: string | undefined; pages: number }> {
    const out: Trade[] = []
    let cursor: string | undefined
    let complete = false
    let pages = 0
    let oldestId: string | undefined
    while (pages < maxBackfillPages) {
      const trades = await rest.getTrades(symbol, {
        count: pageSize(),
        signal,
        // The first page is live work; a deep back-fill's older pages queue behind live calls.
        priority: pages === 0 ? 'live' : 'bulk',
        ...(cursor ? { cursor } : {}),
      })
      pages++
      let reached = false
      for (const trade of trades) {
        if (compareIds(trade.id, afterId) <= 0) {
          reached = true
          break
        }
        out.push(trade)
        oldestId = trade.id
      }
      if (reached || trades.length === 0) {
        complete = true
        break
      }
      cursor = trades.at(-1)!.id
    }
    return {
      trades: out.sort((a, b) => compareIds(a.id, b.id)).map((t) => withSource(t, 'rest')),
      complete,
      oldestId,
      pages,
    }
  }

  function mergeStreams<T>(streams: Observable<T>[]): Observable<T> {
    if (streams.length === 1) return streams[0]!
    return new Observable<T>((subscriber) => {
      let open = streams.length
      const subscriptions = streams.map((s) =>
        s.subscribe({
          next: (v) => subscriber.next(v),
          error: (e) => subscriber.error(e),
          complete: () => {
            if (--open === 0) subscriber.complete()
          },
        }),
      )
      return () => {
        for (const s of subscriptions) s.unsubscribe()
      }
    })
  }

  // ── candles: REST history, then WS updates (or trades aggregated) ───────────────────────────
  function candleStream(
    symbol: string,
    interval: CandleInterval,
    opts: CandleStreamOptions,
  ): Observable<Candle> {
    const overWs = adapter.capabilities.candleIntervals.ws.includes(interval)
    return new Observable<Candle>((subscriber) => {
      let last: Candle | undefined
      let historyDone = false
      const held: Candle[] = []
      const controller = new AbortController()
      const emitCandle = (candle: Candle) => {
        if (last && candle.timestamp < last.timestamp) return
        if (last && candle.timestamp === last.timestamp && candle.volume.lessThan(last.volume)) return
        last = candle
        subscriber.next(candle)
      }
      const live: Observable<Candle> = overWs
        ? new Observable<Candle>((inner) =>
            ws.candleEvents$(symbol, interval).subscribe({
              next: (event) => {
                if (event.type === 'data') {
                  onWsValue('candle')
                  inner.next(event.value)
                }
              },
              error: (e) => inner.error(e),
              complete: () => inner.complete(),
            }),
          )
        : aggregate(tradeStream(symbol), interval, () => last)
      const liveSubscription = live.subscribe({
        next: (candle) => (historyDone ? emitCandle(candle) : held.push(candle)),
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
      const historyCount = opts.history ?? 200
      ;(historyCount > 0
        ? rest.getCandles(symbol, interval, { count: historyCount, signal: controller.signal })
        : Promise.resolve([])
      )
        .then((history) => {
          for (const candle of history) emitCandle(candle)
          historyDone = true
          for (const candle of held.splice(0)) emitCandle(candle)
        })
        .catch((error: unknown) => {
          if (!AbortedError.isInstance(error)) subscriber.error(toBackboneError(error))
        })
      let stopPolling: (() => void) | undefined
      const linkSubscription = overWs
        ? followLink('candles', [symbol], {
            onFailover: () => {
              stopPolling = every(poll.candles, () => {
                if (!historyDone) return
                rest
                  .getCandles(symbol, interval, { count: 2, signal: controller.signal })
                  .then((candles) => {
                    for (const candle of candles) emitCandle(candle)
                  })
                  .catch((error: unknown) => {
                    if (!AbortedError.isInstance(error))
                      logger.warn(
                        { error: toBackboneError(error).shortMessage, symbol },
                        'candle poll failed',
                      )
                  })
              })
            },
            onSwitchback: () => {
              stopPolling?.()
              stopPolling = undefined
            },
          })
        : undefined
      return () => {
        stopPolling?.()
        linkSubscription?.unsubscribe()
        controller.abort()
        liveSubscription.unsubscribe()
      }
    })
  }

  // ── snapshots ──────────────────────────────────────────────────────────────────────────────
  function routeSnapshot<T extends Ticker | OrderbookSnapshot>(
    kind: 'ticker' | 'orderbook',
    symbol: string,
    cache: Map<string, CacheEntry<T>>,
  ): { decision: RouteDecision; cached: T | undefined } {
    const entry = cache.get(symbol)
    const request: RouteRequest = { kind, symbol }
    const decision = router.decide(request, {
      live: (entry?.live ?? false) && wsHealthy(),
      ...(entry ? { receivedAt: entry.receivedAt } : {}),
    })
    emit({ type: 'decision', request, decision })
    if (decision.channel === 'cache' && entry) {
      metrics.increment('cache_hits_total', { kind })
      return { decision, cached: withSource(entry.value, 'cache') }
    }
    metrics.increment('cache_misses_total', { kind })
    return { decision, cached: undefined }
  }

  const symbolArg = (value: unknown): string => {
    if (typeof value !== 'string') {
      throw new InvalidRequestError({
        param: 'symbol',
        message: `symbol must be a string, got ${describeValue(value)}.`,
      })
    }
    return adapter.symbols.normalize(value)
  }

  const snapshotOptions = <T extends SnapshotOptions>(o: T | undefined): T => {
    const checked = optionsObject('options', o)
    signalOption(checked.signal)
    return checked
  }

  /** Runs a snapshot call; its synchronous argument errors become rejections. */
  const call = <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return fn()
    } catch (error) {
      return Promise.reject(toBackboneError(error))
    }
  }

  const backbone: MarketDataBackbone = {
    adapter,
    router,
    rest,
    ws,

    getMarkets: (o) => call(() => rest.getMarkets(snapshotOptions(o))),

    getTicker: (symbolInput, o) =>
      call(async () => {
        const symbol = symbolArg(symbolInput)
        const checked = snapshotOptions(o)
        const { decision, cached } = routeSnapshot('ticker', symbol, tickerCache)
        if (cached) return cached
        const [ticker] = await rest.getTickers([symbol], checked)
        if (!ticker) throw new UnknownSymbolError({ symbol, exchange })
        // Promote only a symbol the exchange answered for (never an unknown one).
        if (decision.promote) promote('ticker', symbol)
        return ticker
      }),

    getTickers: (symbols, o) =>
      call(async () => {
        const normalized = list(symbols).map((s) => adapter.symbols.normalize(s))
        const checked = snapshotOptions(o)
        const out = new Map<string, Ticker>()
        const missing: string[] = []
        const promoteAfter: string[] = []
        for (const symbol of normalized) {
          const { decision, cached } = routeSnapshot('ticker', symbol, tickerCache)
          if (cached) out.set(symbol, cached)
          else {
            missing.push(symbol)
            if (decision.promote) promoteAfter.push(symbol)
          }
        }
        if (missing.length > 0) for (const t of await rest.getTickers(missing, checked)) out.set(t.symbol, t)
        for (const symbol of promoteAfter) if (out.has(symbol)) promote('ticker', symbol)
        return normalized.map((s) => out.get(s)).filter((t): t is Ticker => t !== undefined)
      }),

    getTrades: (symbolInput, o) =>
      call(() => {
        const symbol = symbolArg(symbolInput)
        const checked = snapshotOptions(o)
        emit({
          type: 'decision',
          request: { kind: 'trades', symbol },
          decision: router.decide({ kind: 'trades', symbol }, { live: false }),
        })
        return rest.getTrades(symbol, checked)
      }),

    getOrderbook: (symbolInput, o) =>
      call(async () => {
        const symbol = symbolArg(symbolInput)
        const checked = snapshotOptions(o)
        const depth = positiveInteger('depth', checked.depth)
        const { decision, cached } = routeSnapshot('orderbook', symbol, bookCache)
        if (cached && (depth === undefined || cached.bids.length >= depth)) {
          return depth === undefined
            ? cached
            : Object.freeze({
                ...cached,
                bids: cached.bids.slice(0, depth),
                asks: cached.asks.slice(0, depth),
              })
        }
        const [book] = await rest.getOrderbook([symbol], {
          ...(checked.signal ? { signal: checked.signal } : {}),
          ...(depth !== undefined ? { depth } : {}),
        })
        if (!book) throw new UnknownSymbolError({ symbol, exchange })
        if (decision.promote) promote('orderbook', symbol)
        return book
      }),

    getCandles: (symbolInput, interval, o) =>
      call(() => {
        const symbol = symbolArg(symbolInput)
        const parsed = parseCandleInterval(interval)
        emit({
          type: 'decision',
          request: { kind: 'candles', symbol },
          decision: router.decide({ kind: 'candles', symbol }, { live: false }),
        })
        return rest.getCandles(symbol, parsed, optionsObject('options', o))
      }),

    ticker$: (symbols, o) => {
      const checked = optionsObject('options', o)
      const latest = latestOptions(checked)
      return guarded('ticker', symbols, checked, (s) => latest$('ticker', s, latest))
    },
    trades$: (symbols, o) => guarded('trades', symbols, o, (s) => mergeStreams(s.map((x) => tradeStream(x)))),
    orderbook$: (symbols, o) => {
      const checked = optionsObject('options', o)
      const depth = positiveInteger('depth', checked.depth)
      const latest = latestOptions(checked)
      return guarded('orderbook', symbols, checked, (s) =>
        latest$('orderbook', s, { ...latest, ...(depth !== undefined ? { depth } : {}) }),
      )
    },
    candles$: (symbol, interval, o) => {
      const checked = optionsObject('options', o)
      const history = checked.history
      if (history !== undefined && !(Number.isInteger(history) && history >= 0)) {
        throw new InvalidRequestError({
          param: 'history',
          message: `history must be an integer >= 0, got ${describeValue(history)}.`,
        })
      }
      const parsed = parseCandleInterval(interval)
      if (typeof symbol !== 'string') list(symbol) // typed error for a non-string
      return guarded('candles', symbol, checked, (s) => candleStream(s[0]!, parsed, checked))
    },
    myOrders$: (symbols, o) => {
      const checked = optionsObject('options', o)
      const signal = signalOption(checked.signal)
      const source = symbols === undefined ? ws.myOrders$() : ws.myOrders$(list(symbols))
      return counted('myOrders', signal ? untilAborted(source, signal) : source)
    },
    myAssets$: (o) => {
      const checked = optionsObject('options', o)
      const signal = signalOption(checked.signal)
      const source = ws.myAssets$()
      return counted('myAssets', signal ? untilAborted(source, signal) : source)
    },

    health$: new Observable<BackboneHealth>((subscriber) => {
      const snapshot = (): BackboneHealth => ({
        rest: router.health('rest'),
        ws: router.health('ws'),
        wsConnected: link.view.state === 'up',
        link: link.view,
        streams: { ...streamCounts },
        promoted: router.promotedSymbols(),
      })
      const stop = every(1000, () => subscriber.next(snapshot()))
      const subscription = link.changes$.subscribe(() => subscriber.next(snapshot()))
      return () => {
        stop()
        subscription.unsubscribe()
      }
    }),

    events$: events.asObservable(),

    streamTicker: (symbols, o) => toAsyncIterable(backbone.ticker$(symbols, o), iterableOptions('ticker', o)),
    streamTrades: (symbols, o) => toAsyncIterable(backbone.trades$(symbols, o), iterableOptions('trades', o)),
    streamOrderbook: (symbols, o) =>
      toAsyncIterable(backbone.orderbook$(symbols, o), iterableOptions('orderbook', o)),
    streamCandles: (symbol, interval, o) =>
      toAsyncIterable(backbone.candles$(symbol, interval, o), iterableOptions('candles', o)),

    explain(request) {
      const cache =
        request.kind === 'ticker' ? tickerCache : request.kind === 'orderbook' ? bookCache : undefined
      const entry = request.symbol ? cache?.get(request.symbol) : undefined
      return router.explain(request, {
        live: (entry?.live ?? false) && wsHealthy(),
        ...(entry ? { receivedAt: entry.receivedAt } : {}),
      })
    },

    metrics: () => memory.snapshot(),

    async close() {
      if (closed) return
      closed = true
      for (const stop of [...timers]) stop()
      timers.clear()
      for (const subscription of promotedSubscriptions.values()) subscription.unsubscribe()
      promotedSubscriptions.clear()
      for (const subscription of internal) subscription.unsubscribe()
      events.complete()
      link.close()
      await ws.close()
      await rest.close()
    },
  }

  function latestOptions(o: LatestStreamOptions): LatestStreamOptions {
    if (o.conflate !== undefined && o.conflate !== 'latest') {
      throw new InvalidRequestError({
        param: 'conflate',
        message: `conflate must be 'latest' or absent, got ${describeValue(o.conflate)}.`,
      })
    }
    return o.conflate ? { conflate: o.conflate } : {}
  }

  function iterableOptions<T extends { symbol: string }>(
    stream: string,
    o: (StreamOptions & { conflate?: 'latest' }) | undefined,
  ): Parameters<typeof toAsyncIterable<T>>[1] {
    const signal = o?.signal
    if (o?.conflate !== 'latest') return signal ? { signal } : {}
    return {
      ...(signal ? { signal } : {}),
      conflateBy: (value: T) => value.symbol,
      onConflate: () => metrics.increment('conflated_total', { stream }),
    }
  }

  return backbone
}

/** Completes `source` when `signal` aborts. */
function untilAborted<T>(source: Observable<T>, signal: AbortSignal): Observable<T> {
  return new Observable<T>((subscriber) => {
    if (signal.aborted) {
      subscriber.complete()
      return
    }
    const onAbort = () => subscriber.complete()
    signal.addEventListener('abort', onAbort, { once: true })
    const inner = source.subscribe(subscriber)
    return () => {
      signal.removeEventListener('abort', onAbort)
      inner.unsubscribe()
    }
  })
}

/** Builds candles of `interval` from a trade stream, continuing the last known candle. */
function aggregate(
  trades: Observable<Trade>,
  interval: CandleInterval,
  lastKnown: () => Candle | undefined,
): Observable<Candle> {
  return new Observable<Candle>((subscriber) => {
    let current: Candle | undefined
    return trades.subscribe({
      next: (trade) => {
        const open = candleOpenTime(trade.timestamp, interval)
        const base =
          current && current.timestamp === open
            ? current
            : lastKnown()?.timestamp === open
              ? lastKnown()
              : undefined
        const candle: Candle = base
          ? Object.freeze({
              ...base,
              high: trade.price.greaterThan(base.high) ? trade.price : base.high,
              low: trade.price.lessThan(base.low) ? trade.price : base.low,
              close: trade.price,
              volume: base.volume.plus(trade.size),
              quoteVolume: base.quoteVolume.plus(trade.price.times(trade.size)),
              lastTradeAt: trade.timestamp,
              receivedAt: trade.receivedAt,
              source: trade.source,
            })
          : Object.freeze({
              exchange: trade.exchange,
              symbol: trade.symbol,
              base: trade.base,
              quote: trade.quote,
              timestamp: open,
              receivedAt: trade.receivedAt,
              source: trade.source,
              interval,
              open: trade.price,
              high: trade.price,
              low: trade.price,
              close: trade.price,
              volume: trade.size,
              quoteVolume: trade.price.times(trade.size),
              lastTradeAt: trade.timestamp,
            })
        current = candle
        subscriber.next(candle)
      },
      error: (e) => subscriber.error(e),
      complete: () => subscriber.complete(),
    })
  })
}

export type { CandleProgress }
