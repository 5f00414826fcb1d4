import type { Clock } from '@bb/utils'
import type { LimitOptions } from './limits.js'

/**
 * A pino-shaped logger. Every method takes a context object and an optional message.
 * The simulator is silent unless you pass one.
 */
export interface SimLogger {
  /** Debug-level line. */
  debug(obj: object, msg?: string): void
  /** Info-level line. */
  info(obj: object, msg?: string): void
  /** Warning. */
  warn(obj: object, msg?: string): void
  /** Error. */
  error(obj: object, msg?: string): void
}

/** An API key pair with starting balances. */
export interface AccountSpec {
  /** The Secret Key used to sign JWTs (used as raw bytes, not base64). */
  readonly secretKey: string
  /** Starting available balances per currency, as decimal strings, e.g. `{ KRW: '1000000' }`. */
  readonly balances: Readonly<Record<string, string>>
}

/** Options of {@link startSim}. Every field is optional. */
export interface SimOptions {
  /** The exchange profile: Upbit (this interface) or `'binance'` (see `BinanceSimOptions`). @default 'upbit' */
  readonly exchange?: 'upbit'
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number
  /** Interface to listen on. @default '127.0.0.1' */
  readonly host?: string
  /** Seed of every random choice: the same seed and start time give the same market. @default 1 */
  readonly seed?: number
  /** How many markets (from the built-in list), or explicit codes like `['KRW-BTC', 'BTC-ETH']`. @default 30 */
  readonly markets?: number | readonly string[]
  /** Time acceleration: 1 = real time, 60 = a minute per second, 0 = manual clock ({@link Sim.advance}). @default 1 */
  readonly speed?: number
  /**
   * The real-time clock every timer of the simulator runs on (the market driver, REST and WS
   * delays, idle checks, UP statuses, fault schedules, rate-limit windows, replay pacing), and the
   * real time that `speed` scales. Inject a `ManualClock` (from `@bb/utils/testing`) to run a
   * simulator without real time. @default systemClock of `@bb/utils`
   */
  readonly clock?: Clock
  /** Simulated time at start (ms since epoch). History covers the 30 days before it. @default the clock's now */
  readonly startTime?: number
  /** Trades per second of a market as busy as KRW-BTC; other markets scale down. @default 0.5 */
  readonly tradesPerSecond?: number
  /** Whether crashes and surges are also scheduled after `startTime` (history always has some). @default true */
  readonly scheduledEvents?: boolean
  /**
   * API keys: access key → secret and balances. When omitted, one account exists:
   * access key `sim-access-key`, secret `sim-secret-key`, 100,000,000 KRW ({@link Sim.defaultAccount}).
   */
  readonly accounts?: Readonly<Record<string, AccountSpec>>
  /** Rate limits: `false` switches them off; an object overrides parts of Upbit's values. */
  readonly limits?: false | LimitOptions
  /** WebSocket idle timeout: a socket that sends nothing for this long is dropped (1006). @default 120000 */
  readonly idleTimeoutMs?: number
  /**
   * Extra WebSocket order-book frames after each trade's own, sharing its millisecond timestamp
   * with only the top sizes changed, as a busy real book updates several times per ms. @default 0
   */
  readonly bookUpdatesPerTrade?: number
  /** Interval of `{"status":"UP"}` after a client sent `PING`. @default 10000 */
  readonly upIntervalMs?: number
  /** Whether `/admin/*` is served. @default true */
  readonly admin?: boolean
  /** Logger (pino-compatible); silent by default. */
  readonly logger?: SimLogger
  /**
   * Correlated prices: this simulator's markets follow the price path of the Binance profile's
   * market of the same base (USDT), converted at `fx` with a `premiumPct` per quote — `KRW-BTC` ≈
   * `BTCUSDT × fx.KRW × (1 + premiumPct / 100)` — and `KRW-USDT` (list it in `markets`) is the
   * FX market at `fx.KRW`. Give both simulators the same `seed` and `startTime`. Off by default.
   */
  readonly reference?: SimReferenceOptions
}

/** The `reference` option of {@link SimOptions}: which path to follow, at which FX rate and premium. */
export interface SimReferenceOptions {
  /**
   * The Binance simulator's `markets` as it was started (the listing order is part of each
   * market's random stream). @default the Binance profile's default listing
   */
  readonly markets?: number | readonly string[]
  /** Units of each quote currency per USDT. @default { KRW: 1400 } */
  readonly fx?: Readonly<Record<string, number>>
  /** Premium over USDT × FX, percent: one number for every quote of `fx`, or per quote. @default 0 */
  readonly premiumPct?: number | Readonly<Record<string, number>>
}

/** Public description of a listed market. */
export interface SimMarket {
  /** `QUOTE-BASE`, e.g. `KRW-BTC`. */
  readonly code: string
  /** Quote currency. */
  readonly quote: 'KRW' | 'BTC' | 'USDT'
  /** Base currency. */
  readonly base: string
  /** Korean name. */
  readonly koreanName: string
  /** English name. */
  readonly englishName: string
}

/** Options of a crash or surge. */
export interface PriceMoveOptions {
  /** Size of the move in percent (5 = 5 %). @default 10 */
  readonly pct?: number
  /** How long the move takes, in simulated ms. @default 30000 */
  readonly durationMs?: number
}

/** Market controls. */
export interface SimMarketControls {
  /** The listed market codes, in listing order. */
  readonly codes: readonly string[]
  /** The listed markets. */
  list(): SimMarket[]
  /** Last trade price of a market (as a number; exact on the tick grid). */
  price(code: string): number
  /** Starts a crash now: the price falls by `pct` % over `durationMs` and stays there. */
  crash(code: string, options?: PriceMoveOptions): void
  /** Starts a surge now: the price rises by `pct` % over `durationMs` and stays there. */
  surge(code: string, options?: PriceMoveOptions): void
}

/** A trade the simulator emitted after start (the live tape). */
export interface EmittedTrade {
  /** `sequential_id` as exact decimal digits (beyond 2^53). */
  readonly sequentialId: string
  /** Trade time (ms). */
  readonly timestamp: number
  /** Price. */
  readonly price: number
  /** Base volume. */
  readonly volume: number
  /** Taker side. */
  readonly askBid: 'ASK' | 'BID'
}

/** Per-market counters. */
export interface MarketStats {
  /** Trades emitted since start. */
  tradesEmitted: number
  /** `sequential_id` of the first trade emitted since start. */
  firstSequentialId: string | undefined
  /** `sequential_id` of the latest trade. */
  lastSequentialId: string | undefined
}

/** Counters of everything the simulator did. The object is live: read it any time. */
export interface SimStats {
  /** Per market code. */
  readonly markets: Record<string, MarketStats>
  /** WebSocket counters. */
  readonly ws: {
    /** Open connections now. */
    connectionsOpen: number
    /** Connections accepted since start. */
    connectionsTotal: number
    /** Frames sent (data, errors, status, list replies). */
    messagesSent: number
    /** Frames sent per message type (`ticker`, `trade`, `orderbook`, `candle.1m`, `myOrder`, `error`, `status`, …). */
    readonly messagesByType: Record<string, number>
    /** Request frames received (subscriptions, PING, LIST_SUBSCRIPTIONS). */
    requestsReceived: number
  }
  /** REST counters. */
  readonly rest: {
    /** Routed requests received. */
    requests: number
    /** Per rate-limit group. */
    readonly byGroup: Record<string, number>
  }
  /** 429s and 418s caused by the client, per group (`ticker`, `order`, `websocket-message`, …). */
  readonly limitViolations: Record<string, number>
  /** What the fault injection did. */
  readonly faults: {
    /** WebSocket connections dropped on purpose. */
    wsDropped: number
    /** Frames not sent because of `silence`. */
    framesSilenced: number
    /** Frames corrupted. */
    framesCorrupted: number
    /** REST calls failed with 5xx. */
    restFailed: number
    /** REST calls answered 429 by a storm. */
    restStormed: number
    /** TCP connections refused. */
    connectionsRefused: number
    /** Trade frames sent after the trade frame that followed them (`reorderTrades`). */
    tradesReordered: number
  }
}

/** Options of {@link SimFaults.failRest}. */
export interface FailRestOptions {
  /** Status to answer. @default 500 */
  readonly status?: 500 | 502 | 503 | 504
  /** Stop after this many ms (real time); forever when omitted. */
  readonly durationMs?: number
  /** Fail only this many calls, then stop (a deterministic fault count for tests). */
  readonly count?: number
}

/** Options of {@link SimFaults.corruptFrames}. */
export interface CorruptFramesOptions {
  /** `malformed`: invalid JSON of the same length; `truncated`: only the first half of the bytes. */
  readonly mode: 'malformed' | 'truncated'
  /** Share of frames to corrupt (0–1). @default 1 */
  readonly fraction?: number
  /** Corrupt only this many frames, then stop. */
  readonly count?: number
}

/** Active frame corruption. */
export interface CorruptState {
  /** How frames are corrupted. */
  mode: 'malformed' | 'truncated'
  /** Share of frames corrupted. */
  fraction: number
  /** Frames still to corrupt (`Infinity` = no limit). */
  remaining: number
}

/** An API key pair. */
export interface ApiKeys {
  /** The Access Key (JWT claim `access_key`). */
  readonly accessKey: string
  /** The Secret Key (HMAC key, raw bytes). */
  readonly secretKey: string
}

/** Options of {@link SimAccounts.create}. */
export interface CreateAccountOptions {
  /** Access key to use; random when omitted. */
  readonly accessKey?: string
  /** Secret key to use; random when omitted. */
  readonly secretKey?: string
  /** Starting balances, e.g. `{ KRW: '1000000', BTC: '0.5' }`. */
  readonly balances?: Readonly<Record<string, string>>
}

/** Current fault settings (real-time deadlines, ms since epoch). */
export interface FaultState {
  /** Interval of periodic drops, if any. */
  dropEveryMs: number | undefined
  /** WebSockets silent until this time. */
  silentUntil: number
  /** Extra delay of REST responses. */
  restDelayMs: number
  /** Extra delay of WebSocket frames. */
  wsDelayMs: number
  /** Share of REST calls failed with `failStatus`. */
  failFraction: number
  /** Status of failed REST calls. */
  failStatus: number
  /** `failFraction` applies until this time. */
  failUntil: number
  /** Failures still to answer (`count`); infinite when not given. */
  failRemaining: number
  /** Frame corruption, if any. */
  corrupt: CorruptState | undefined
  /** REST answers 429 until this time. */
  stormUntil: number
  /** New TCP connections are refused until this time. */
  refuseUntil: number
  /** Trade frames still to hold back behind the next one (`reorderTrades`). */
  reorderRemaining: number
}

/**
 * Fault injection. Durations are real (wall-clock) milliseconds. The same controls exist over
 * HTTP under `/admin/faults/*`.
 */
export interface SimFaults {
  /** Drops every WebSocket connection now, without a close frame (clients see 1006). */
  dropConnections(): void
  /** Drops every WebSocket connection every `everyMs` until {@link SimFaults.clear}. */
  dropConnectionsEvery(everyMs: number): void
  /** Keeps sockets open but sends nothing (no data, no `UP`) for `durationMs`. */
  silence(durationMs: number): void
  /** Delays every REST response by `ms` (0 to stop). */
  delayRest(ms: number): void
  /** Delays every WebSocket frame by `ms`, order kept (0 to stop). */
  delayWs(ms: number): void
  /** Answers a share (0–1) of routed REST calls with a 5xx. */
  failRest(fraction: number, options?: FailRestOptions): void
  /** Sends malformed or truncated WebSocket frames. */
  corruptFrames(options: CorruptFramesOptions): void
  /** Answers every routed REST call with 429 `Too many API requests.` for `durationMs`. */
  storm429(durationMs: number): void
  /** Refuses new TCP connections (REST and WebSocket) for `durationMs`. */
  refuseConnections(durationMs: number): void
  /**
   * Delivers the next `count` trade frames of each connection out of order: each is held back and
   * sent right after the connection's next trade frame (or after 500 ms), as a real feed's late
   * trades arrive. Ids and the tape are unchanged.
   */
  reorderTrades(count: number): void
  /** Removes every fault. */
  clear(): void
  /** The current settings. */
  readonly state: Readonly<FaultState>
}

/** Balance line as the simulator holds it (decimal strings). */
export interface SimBalance {
  /** Available. */
  readonly balance: string
  /** Held by open orders. */
  readonly locked: string
  /** Average buy price in KRW. */
  readonly avgBuyPrice: string
}

/** Account management. */
export interface SimAccounts {
  /**
   * Creates an API key pair. Without `accessKey`/`secretKey` random ones are generated.
   * @returns the keys to sign requests with.
   */
  create(options?: CreateAccountOptions): ApiKeys
  /** Balances of an account by currency. Throws for an unknown key. */
  balances(accessKey: string): Record<string, SimBalance>
  /** Sets the available balance of a currency (a deposit or withdrawal, instantly). */
  setBalance(accessKey: string, currency: string, amount: string): void
}

/** A running simulator. */
export interface Sim {
  /** REST origin, like `https://api.upbit.com`; paths include `/v1/...`. */
  readonly restUrl: string
  /** Public WebSocket URL (`.../websocket/v1`). */
  readonly wsUrl: string
  /** Private WebSocket URL (`.../websocket/v1/private`). */
  readonly privateWsUrl: string
  /** Admin base URL (`.../admin`). */
  readonly adminUrl: string
  /** The TCP port. */
  readonly port: number
  /** The seed in use. */
  readonly seed: number
  /** The default account when `accounts` was not given, else `undefined`. */
  readonly defaultAccount: ApiKeys | undefined
  /** Market controls. */
  readonly market: SimMarketControls
  /** Fault injection. */
  readonly faults: SimFaults
  /** Live counters. */
  readonly stats: SimStats
  /** Accounts and balances. */
  readonly accounts: SimAccounts
  /** Current simulated time (ms). */
  now(): number
  /** Moves simulated time forward by `ms` and produces everything that happens meanwhile. */
  advance(ms: number): void
  /** Changes the speed (0 = manual clock). */
  setSpeed(speed: number): void
  /** Trades emitted since start for a market, oldest first (optionally only after a `sequential_id`). */
  emittedTrades(code: string, afterSequentialId?: string): EmittedTrade[]
  /** Closes every socket, timer and the server. Safe to call twice. */
  close(): Promise<void>
}
