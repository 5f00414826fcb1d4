import { AbortedError, InvalidRequestError, type Logger, redactingLogger, toBackboneError } from '@bb/errors'
import { type Credentials, type ExchangeAdapter, upbit } from '@bb/exchange-adapter'
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
import { createWsClient, type StreamEvent, type WsClient, type WsClientOptions, type WsStatus } from '@bb/ws'
import { BehaviorSubject, Observable, Subject, type Subscription } from 'rxjs'
import { toAsyncIterable } from './iterate.js'
import { combineMetrics, createMemoryMetrics, type Metrics, type MetricsSnapshot } from './metrics.js'
import {
  type ChannelHealth,
  type RouteDecision,
  type RouteRequest,
  type RouterPolicy,
  SmartChannelRouter,
} from './policy.js'

/** The exchanges `createBackbone` knows by name. */
const ADAPTERS: Readonly<Record<string, ExchangeAdapter>> = { upbit }

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
  /** Where counters go in addition to the built-in memory metrics (e.g. {@link createPrometheusMetrics}). */
  metrics?: Metrics
  /** Extra options of the REST client. */
  rest?: Omit<RestClientOptions, 'adapter' | 'baseUrl' | 'credentials' | 'logger'>
  /** Extra options of the WebSocket client. */
  ws?: Omit<WsClientOptions, 'adapter' | 'url' | 'privateUrl' | 'credentials' | 'logger'>
  /** A pino-compatible logger; everything is redacted. @default silent */
  logger?: Logger
}

/** Options every snapshot accepts. */
export interface SnapshotOptions {
  /** Aborts the call. */
  signal?: AbortSignal
}

/** Options of {@link MarketDataBackbone.candles$}. */
export interface CandleStreamOptions {
  /** How many closed candles of history to emit first. @default 200 */
  history?: number
}

/** A debug event: a routing decision, a failover, a back-fill. */
export type BackboneEvent =
  | { type: 'decision'; request: RouteRequest; decision: RouteDecision }
  | { type: 'promoted' | 'demoted'; kind: RouteRequest['kind']; symbol: string }
  | { type: 'failover' | 'switchback'; stream: string; symbols: readonly string[] }
  | { type: 'backfill'; symbol: string; trades: number; fromId: string | undefined }

/** What `health$` emits. */
export interface BackboneHealth {
  /** REST channel health. */
  rest: ChannelHealth
  /** WebSocket channel health. */
  ws: ChannelHealth
  /** Whether every WebSocket connection is open now. */
  wsConnected: boolean
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
  /** Live tickers; from REST polling while the WebSocket is down. */
  ticker$(symbols: string | readonly string[]): Observable<Ticker>
  /** Live trades, exactly once and in order across reconnects and failovers. */
  trades$(symbols: string | readonly string[]): Observable<Trade>
  /** Live order books; from REST polling while the WebSocket is down. */
  orderbook$(symbols: string | readonly string[], options?: { depth?: number }): Observable<OrderbookSnapshot>
  /** History then live updates of one candle series, ascending; the last candle updates in place. */
  candles$(
    symbol: string,
    interval: CandleInterval | string,
    options?: CandleStreamOptions,
  ): Observable<Candle>
  /** The account's order updates (WebSocket, private). */
  myOrders$(symbols?: string | readonly string[]): Observable<Order>
  /** The account's balance changes (WebSocket, private). */
  myAssets$(): Observable<Balance>
  /** Channel health, every second and on every connection change. */
  readonly health$: Observable<BackboneHealth>
  /** Routing decisions, promotions, failovers and back-fills. */
  readonly events$: Observable<BackboneEvent>
  /** `for await (const t of backbone.streamTicker('KRW-BTC'))`. */
  streamTicker(symbols: string | readonly string[]): AsyncIterable<Ticker>
  /** `for await (const t of backbone.streamTrades('KRW-BTC'))`. */
  streamTrades(symbols: string | readonly string[]): AsyncIterable<Trade>
  /** `for await (const b of backbone.streamOrderbook('KRW-BTC'))`. */
  streamOrderbook(
    symbols: string | readonly string[],
    options?: { depth?: number },
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

const list = (symbols: string | readonly string[]): string[] =>
  typeof symbols === 'string' ? [symbols] : [...symbols]
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
  const resolved = typeof options.exchange === 'string' ? ADAPTERS[options.exchange] : options.exchange
  if (!resolved) {
    throw new InvalidRequestError({
      param: 'exchange',
      message: `Unknown exchange ${JSON.stringify(options.exchange)}: use one of ${Object.keys(ADAPTERS).join(', ')} or pass an adapter.`,
    })
  }
  const adapter: ExchangeAdapter = resolved
  const logger = redactingLogger(options.logger)
  const memory = createMemoryMetrics()
  const metrics = options.metrics ? combineMetrics(memory, options.metrics) : memory
  const router =
    options.policy instanceof SmartChannelRouter
      ? options.policy
      : new SmartChannelRouter(options.policy ?? {})
  const poll: PollIntervals = {
    ticker: 1000,
    trades: 1000,
    orderbook: 1000,
    candles: 2000,
    ...options.pollIntervalMs,
  }
  const rest = createRestClient({
    ...options.rest,
    adapter,
    ...(options.restUrl ? { baseUrl: options.restUrl } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    logger,
  })
  const ws = createWsClient({
    ...options.ws,
    adapter,
    ...(options.wsUrl ? { url: options.wsUrl } : {}),
    ...(options.privateWsUrl ? { privateUrl: options.privateWsUrl } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    logger,
  })
  const events = new Subject<BackboneEvent>()
  const tickerCache = new Map<string, CacheEntry<Ticker>>()
  const bookCache = new Map<string, CacheEntry<OrderbookSnapshot>>()
  const promotedSubscriptions = new Map<string, Subscription>()
  const streamCounts: Record<string, number> = {}
  const wsConnections = new Map<number, boolean>()
  const wsUp$ = new BehaviorSubject<boolean>(true)
  const timers = new Set<ReturnType<typeof setInterval>>()
  const internal: Subscription[] = []
  let closed = false

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
    ws.status$.subscribe((status: WsStatus) => onWsStatus(status)),
  )

  function onWsStatus(status: WsStatus): void {
    switch (status.type) {
      case 'open':
      case 'resubscribed':
        wsConnections.set(status.connection, true)
        break
      case 'connecting':
        if (!wsConnections.has(status.connection)) wsConnections.set(status.connection, false)
        break
      case 'closed':
      case 'reconnecting':
      case 'stale':
        wsConnections.set(status.connection, false)
        break
      default:
        break
    }
    if (status.type === 'reconnecting') metrics.increment('ws_reconnects_total')
    const up = [...wsConnections.values()].every(Boolean)
    router.setWsActive(Object.values(streamCounts).some((n) => n > 0) || promotedSubscriptions.size > 0, up)
    if (up !== wsUp$.value) wsUp$.next(up)
    logger.debug({ status: status.type, connection: status.connection }, 'websocket status')
  }

  const wsHealthy = () => wsUp$.value && router.health('ws').state !== 'down'

  const onWsValue = (kind: string) => {
    metrics.increment('ws_messages_total', { kind })
    router.recordMessage()
  }

  const every = (ms: number, fn: () => void) => {
    const timer = setInterval(fn, ms)
    timer.unref?.()
    timers.add(timer)
    return () => {
      clearInterval(timer)
      timers.delete(timer)
    }
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

  // Demote idle promoted symbols.
  every(1000, () => {
    for (const { kind, symbol } of router.takeDemotions()) {
      const key = `${kind}:${symbol}`
      promotedSubscriptions.get(key)?.unsubscribe()
      promotedSubscriptions.delete(key)
      ;(kind === 'ticker' ? tickerCache : bookCache).get(symbol)!.live = false
      metrics.increment('demotions_total', { kind })
      events.next({ type: 'demoted', kind, symbol })
    }
  })

  function promote(kind: 'ticker' | 'orderbook', symbol: string): void {
    const key = `${kind}:${symbol}`
    if (promotedSubscriptions.has(key) || closed) return
    router.markPromoted({ kind, symbol })
    const subscription =
      kind === 'ticker'
        ? latest$('ticker', [symbol], {}).subscribe({ error: () => promotedSubscriptions.delete(key) })
        : latest$('orderbook', [symbol], {}).subscribe({ error: () => promotedSubscriptions.delete(key) })
    promotedSubscriptions.set(key, subscription)
    metrics.increment('promotions_total', { kind })
    events.next({ type: 'promoted', kind, symbol })
  }

  // ── latest-value streams (ticker, order book) with REST failover ────────────────────────────
  function latest$(kind: 'ticker', symbols: string[], opts: { depth?: number }): Observable<Ticker>
  function latest$(
    kind: 'orderbook',
    symbols: string[],
    opts: { depth?: number },
  ): Observable<OrderbookSnapshot>
  function latest$(
    kind: 'ticker' | 'orderbook',
    symbols: string[],
    opts: { depth?: number },
  ): Observable<Ticker | OrderbookSnapshot> {
    return new Observable<Ticker | OrderbookSnapshot>((subscriber) => {
      const normalized = symbols.map((s) => adapter.symbols.normalize(s))
      const lastEmitted = new Map<string, number>()
      const cache = kind === 'ticker' ? tickerCache : bookCache
      let mode: 'ws' | 'rest' = 'ws'
      let polling = false
      const emit = (value: Ticker | OrderbookSnapshot, live: boolean) => {
        const previous = lastEmitted.get(value.symbol)
        if (previous !== undefined && value.timestamp <= previous) return
        lastEmitted.set(value.symbol, value.timestamp)
        const entry = cache.get(value.symbol)
        if (!entry || entry.value.timestamp <= value.timestamp) {
          ;(cache as Map<string, CacheEntry<Ticker | OrderbookSnapshot>>).set(value.symbol, {
            value,
            receivedAt: value.receivedAt,
            live: live || (entry?.live ?? false),
          })
        }
        subscriber.next(value)
      }
      const upstream: Observable<StreamEvent<Ticker | OrderbookSnapshot>> =
        kind === 'ticker'
          ? ws.tickerEvents$(normalized)
          : ws.orderbookEvents$(normalized, opts.depth !== undefined ? { depth: opts.depth } : {})
      const wsSubscription = upstream.subscribe({
        next: (event) => {
          if (event.type !== 'data') {
            void pollOnce() // a gap: take one fresh snapshot from REST
            return
          }
          onWsValue(kind)
          if (mode === 'rest' && wsHealthy()) {
            mode = 'ws'
            metrics.increment('switchbacks_total', { stream: kind })
            events.next({ type: 'switchback', stream: kind, symbols: normalized })
          }
          emit(event.value, true)
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
      const pollOnce = async () => {
        if (polling || closed) return
        polling = true
        try {
          const values =
            kind === 'ticker'
              ? await rest.getTickers(normalized)
              : await rest.getOrderbook(normalized, opts.depth !== undefined ? { depth: opts.depth } : {})
          for (const value of values) emit(value, false)
        } catch (error) {
          logger.warn({ error: toBackboneError(error).shortMessage, stream: kind }, 'REST poll failed')
        } finally {
          polling = false
        }
      }
      const stopTimer = every(kind === 'ticker' ? poll.ticker : poll.orderbook, () => {
        if (wsHealthy()) return
        if (mode === 'ws') {
          mode = 'rest'
          metrics.increment('failovers_total', { stream: kind })
          events.next({ type: 'failover', stream: kind, symbols: normalized })
        }
        void pollOnce()
      })
      return () => {
        stopTimer()
        wsSubscription.unsubscribe()
        for (const symbol of normalized) {
          const entry = cache.get(symbol)
          if (entry && !promotedSubscriptions.has(`${kind}:${symbol}`)) entry.live = false
        }
      }
    })
  }

  // ── trades: exactly once, in order, across reconnects and failovers ────────────────────────
  function tradeStream(symbol: string): Observable<Trade> {
    return new Observable<Trade>((subscriber) => {
      let lastId: string | undefined
      let catchingUp = false
      let pendingCatchUp = false
      let mode: 'ws' | 'rest' = 'ws'
      const held: Trade[] = []
      const controller = new AbortController()
      const deliver = (trade: Trade) => {
        if (lastId !== undefined && compareIds(trade.id, lastId) <= 0) {
          metrics.increment('duplicates_dropped_total')
          return
        }
        lastId = trade.id
        subscriber.next(trade)
      }
      const catchUp = async (): Promise<void> => {
        if (catchingUp) {
          pendingCatchUp = true
          return
        }
        catchingUp = true
        try {
          do {
            pendingCatchUp = false
            const from = lastId
            const missing = await tradesAfter(symbol, from, controller.signal)
            if (from === undefined && lastId === undefined) {
              // No trade delivered yet: start from the newest one instead of replaying history.
              const newest = missing.at(-1)
              if (newest) lastId = newest.id
            } else {
              let count = 0
              for (const trade of missing) {
                const before = lastId
                deliver(trade)
                if (lastId !== before) count++
              }
              if (count > 0) {
                metrics.increment('backfilled_trades_total', undefined, count)
                events.next({ type: 'backfill', symbol, trades: count, fromId: from })
              }
            }
          } while (pendingCatchUp && !closed)
        } catch (error) {
          if (!AbortedError.isInstance(error)) {
            logger.warn(
              { error: toBackboneError(error).shortMessage, symbol },
              'trade back-fill failed; retrying on the next poll',
            )
          }
        } finally {
          catchingUp = false
          held.sort((a, b) => compareIds(a.id, b.id))
          for (const trade of held.splice(0)) deliver(trade)
        }
      }
      const wsSubscription = ws.tradeEvents$(symbol).subscribe({
        next: (event) => {
          if (event.type === 'gap') {
            void catchUp()
            return
          }
          onWsValue('trade')
          if (mode === 'rest' && wsHealthy()) {
            mode = 'ws'
            metrics.increment('switchbacks_total', { stream: 'trades' })
            events.next({ type: 'switchback', stream: 'trades', symbols: [symbol] })
          }
          if (catchingUp) held.push(event.value)
          else deliver(event.value)
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
      const stopTimer = every(poll.trades, () => {
        if (wsHealthy()) return
        if (mode === 'ws') {
          mode = 'rest'
          metrics.increment('failovers_total', { stream: 'trades' })
          events.next({ type: 'failover', stream: 'trades', symbols: [symbol] })
        }
        void catchUp()
      })
      return () => {
        stopTimer()
        controller.abort()
        wsSubscription.unsubscribe()
      }
    })
  }

  /** Every trade after `afterId`, ascending (REST, paged backwards until `afterId` is reached). */
  async function tradesAfter(
    symbol: string,
    afterId: string | undefined,
    signal: AbortSignal,
  ): Promise<Trade[]> {
    const pageSize = adapter.capabilities.channels.trade.rest.maxCount ?? 500
    const out: Trade[] = []
    let cursor: string | undefined
    for (let page = 0; page < 20; page++) {
      const trades = await rest.getTrades(symbol, {
        count: afterId === undefined ? 1 : pageSize,
        signal,
        ...(cursor ? { cursor } : {}),
      })
      let reached = afterId === undefined
      for (const trade of trades) {
        if (afterId !== undefined && compareIds(trade.id, afterId) <= 0) {
          reached = true
          break
        }
        out.push(trade)
      }
      if (reached || trades.length === 0) break
      cursor = trades.at(-1)!.id
    }
    return out.sort((a, b) => compareIds(a.id, b.id)).map((t) => withSource(t, 'rest'))
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
    symbolInput: string,
    intervalInput: CandleInterval | string,
    opts: CandleStreamOptions,
  ): Observable<Candle> {
    const interval = parseCandleInterval(intervalInput)
    const symbol = adapter.symbols.normalize(symbolInput)
    const overWs = adapter.capabilities.candleIntervals.ws.includes(interval)
    return new Observable<Candle>((subscriber) => {
      let last: Candle | undefined
      let historyDone = false
      const held: Candle[] = []
      const controller = new AbortController()
      const emit = (candle: Candle) => {
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
        next: (candle) => (historyDone ? emit(candle) : held.push(candle)),
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
      const historyCount = opts.history ?? 200
      ;(historyCount > 0
        ? rest.getCandles(symbol, interval, { count: historyCount, signal: controller.signal })
        : Promise.resolve([])
      )
        .then((history) => {
          for (const candle of history) emit(candle)
          historyDone = true
          for (const candle of held.splice(0)) emit(candle)
        })
        .catch((error: unknown) => {
          if (!AbortedError.isInstance(error)) subscriber.error(error)
        })
      const stopTimer = overWs
        ? every(poll.candles, () => {
            if (wsHealthy() || !historyDone) return
            rest
              .getCandles(symbol, interval, { count: 2, signal: controller.signal })
              .then((candles) => {
                for (const candle of candles) emit(candle)
              })
              .catch(() => {})
          })
        : () => {}
      return () => {
        stopTimer()
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
    events.next({ type: 'decision', request, decision })
    if (decision.promote) promote(kind, symbol)
    if (decision.channel === 'cache' && entry) {
      metrics.increment('cache_hits_total', { kind })
      return { decision, cached: withSource(entry.value, 'cache') }
    }
    metrics.increment('cache_misses_total', { kind })
    return { decision, cached: undefined }
  }

  const backbone: MarketDataBackbone = {
    adapter,
    router,
    rest,
    ws,

    getMarkets: (o) => rest.getMarkets(o),

    async getTicker(symbolInput, o) {
      const symbol = adapter.symbols.normalize(symbolInput)
      const { cached } = routeSnapshot('ticker', symbol, tickerCache)
      if (cached) return cached
      const [ticker] = await rest.getTickers([symbol], o)
      return ticker!
    },

    async getTickers(symbols, o) {
      const normalized = symbols.map((s) => adapter.symbols.normalize(s))
      const out = new Map<string, Ticker>()
      const missing: string[] = []
      for (const symbol of normalized) {
        const { cached } = routeSnapshot('ticker', symbol, tickerCache)
        if (cached) out.set(symbol, cached)
        else missing.push(symbol)
      }
      if (missing.length > 0) for (const t of await rest.getTickers(missing, o)) out.set(t.symbol, t)
      return normalized.map((s) => out.get(s)!).filter(Boolean)
    },

    getTrades: (symbol, o = {}) => {
      events.next({
        type: 'decision',
        request: { kind: 'trades', symbol },
        decision: router.decide({ kind: 'trades', symbol }, { live: false }),
      })
      return rest.getTrades(symbol, o)
    },

    async getOrderbook(symbolInput, o = {}) {
      const symbol = adapter.symbols.normalize(symbolInput)
      const { cached } = routeSnapshot('orderbook', symbol, bookCache)
      if (cached && (o.depth === undefined || cached.bids.length >= o.depth)) {
        return o.depth === undefined
          ? cached
          : Object.freeze({
              ...cached,
              bids: cached.bids.slice(0, o.depth),
              asks: cached.asks.slice(0, o.depth),
            })
      }
      const [book] = await rest.getOrderbook([symbol], {
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.depth !== undefined ? { depth: o.depth } : {}),
      })
      return book!
    },

    getCandles: (symbol, interval, o) => {
      events.next({
        type: 'decision',
        request: { kind: 'candles', symbol },
        decision: router.decide({ kind: 'candles', symbol }, { live: false }),
      })
      return rest.getCandles(symbol, interval, o)
    },

    ticker$: (symbols) => counted('ticker', latest$('ticker', list(symbols), {})),
    trades$: (symbols) =>
      counted('trades', mergeStreams(list(symbols).map((s) => tradeStream(adapter.symbols.normalize(s))))),
    orderbook$: (symbols, o = {}) => counted('orderbook', latest$('orderbook', list(symbols), o)),
    candles$: (symbol, interval, o = {}) => counted('candles', candleStream(symbol, interval, o)),
    myOrders$: (symbols) =>
      counted('myOrders', symbols === undefined ? ws.myOrders$() : ws.myOrders$(list(symbols))),
    myAssets$: () => counted('myAssets', ws.myAssets$()),

    health$: new Observable<BackboneHealth>((subscriber) => {
      const snapshot = (): BackboneHealth => ({
        rest: router.health('rest'),
        ws: router.health('ws'),
        wsConnected: wsUp$.value,
        streams: { ...streamCounts },
        promoted: router.promotedSymbols(),
      })
      subscriber.next(snapshot())
      const stop = every(1000, () => subscriber.next(snapshot()))
      const subscription = wsUp$.subscribe(() => subscriber.next(snapshot()))
      return () => {
        stop()
        subscription.unsubscribe()
      }
    }),

    events$: events.asObservable(),

    streamTicker: (symbols) => toAsyncIterable(backbone.ticker$(symbols)),
    streamTrades: (symbols) => toAsyncIterable(backbone.trades$(symbols)),
    streamOrderbook: (symbols, o) => toAsyncIterable(backbone.orderbook$(symbols, o)),
    streamCandles: (symbol, interval, o) => toAsyncIterable(backbone.candles$(symbol, interval, o)),

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
      for (const timer of timers) clearInterval(timer)
      timers.clear()
      for (const subscription of promotedSubscriptions.values()) subscription.unsubscribe()
      promotedSubscriptions.clear()
      for (const subscription of internal) subscription.unsubscribe()
      events.complete()
      wsUp$.complete()
      await ws.close()
      await rest.close()
    },
  }
  return backbone
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
