import type { Logger } from '@bb/errors'
import type { AdapterRegistry, Credentials, ExchangeAdapter } from '@bb/exchange-adapter'
import type {
  Balance,
  Candle,
  CandleInterval,
  Market,
  Order,
  OrderbookSnapshot,
  Ticker,
  Trade,
} from '@bb/models'
import type { GetCandlesOptions, RestClient, RestClientOptions } from '@bb/rest'
import type { GapEvent, WsClient, WsClientOptions } from '@bb/ws'
import type { Observable } from 'rxjs'
import type { Clock } from './clock.js'
import type { WsLinkView } from './link.js'
import type { Metrics, MetricsSnapshot } from './metrics.js'
import type {
  ChannelHealth,
  RouteDecision,
  RouteRequest,
  RouterPolicy,
  SmartChannelRouter,
} from './policy.js'

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
  /**
   * The exchange: an adapter object, or an id looked up in {@link BackboneOptions.exchanges}
   * (e.g. `upbit`, which the default registry knows).
   * @default the first exchange of `exchanges` (of the default registry: `upbit`)
   */
  exchange?: string | ExchangeAdapter
  /**
   * The registry that turns an exchange id into its adapter (`createAdapterRegistry` from
   * `@bb/exchange-adapter`, with the adapters the exchange packages export).
   * @default the router's default registry (`upbit`; see the README, "Exchanges")
   */
  exchanges?: AdapterRegistry
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

/**
 * Why a local order book was rebuilt: `gap` (a diff did not follow the book's update id),
 * `stale-snapshot` (the snapshot was older than the buffered diffs), `integrity` (crossed book or
 * non-monotonic ids), or the WebSocket gap that restarted the diff stream (`reconnect`, `stale`,
 * `overflow`).
 */
export type OrderbookResyncReason =
  | 'gap'
  | 'stale-snapshot'
  | 'integrity'
  | 'reconnect'
  | 'stale'
  | 'overflow'

/** A debug event: a routing decision, a failover, a back-fill, a local-book resync. */
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
      /**
       * A local order book (an exchange with `capabilities.diffBook`) was discarded and is being
       * rebuilt from a new REST snapshot: why (`reason`) and what showed it (`detail`).
       */
      type: 'resync'
      stream: 'orderbook'
      symbol: string
      reason: OrderbookResyncReason
      detail: string
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
