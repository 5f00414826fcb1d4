import type { SimFaults, SimOptions, SimStats } from '../types.js'
import type { BinanceAccountSpec } from './private.js'

export type { BinanceAccountSpec } from './private.js'

/** Binance-specific limits of the Binance profile. */
export interface BinanceLimitOptions {
  /** REST `REQUEST_WEIGHT` per window (a minute unless `weightWindowMs` says otherwise) per IP. @default 6000 */
  readonly weightLimit?: number
  /**
   * The length of the fixed, aligned weight window, ms: shrink it (with `weightLimit`) so that a
   * test spans several windows in seconds. `X-MBX-USED-WEIGHT-1M` then reports this window's use.
   * @default 60000
   */
  readonly weightWindowMs?: number
  /** Rejected (429) requests in the same window after which the IP is banned (418). @default 5 */
  readonly banAfter?: number
  /** The first ban, ms (it doubles per repeat, up to 3 days). @default 120000 (2 minutes) */
  readonly banMs?: number
  /** Incoming WebSocket frames per second per connection before it is closed. @default 5 */
  readonly messagesPerSecond?: number
  /** Server ping interval on the simulated clock. @default 20000 */
  readonly pingIntervalMs?: number
  /**
   * Added to every trade and aggregate-trade id on the wire, e.g. `2n ** 53n` to prove a client
   * parses int64 ids losslessly (they are written as plain JSON digits). @default 0n
   */
  readonly tradeIdOffset?: bigint
}

/** Options of the Binance profile: {@link SimOptions} (`markets` are Binance symbols or a count). */
export interface BinanceSimOptions
  extends Pick<
    SimOptions,
    | 'port'
    | 'host'
    | 'seed'
    | 'speed'
    | 'clock'
    | 'startTime'
    | 'tradesPerSecond'
    | 'scheduledEvents'
    | 'logger'
  > {
  /** Selects the Binance profile. */
  readonly exchange: 'binance'
  /** How many symbols (from the built-in USDT list) or names like `['BTCUSDT', 'ETHUSDT']`. @default all 10 */
  readonly markets?: number | readonly string[]
  /** Binance limits. */
  readonly binance?: BinanceLimitOptions
  /**
   * API keys: key → HMAC secret and balances. When omitted, one account exists: key
   * `sim-binance-api-key`, secret `sim-binance-secret-key`, 100,000 USDT and 1 BTC.
   */
  readonly accounts?: Readonly<Record<string, BinanceAccountSpec>>
}

/** Live counters of the Binance profile: the tape per symbol and what the fault injection did. */
export interface BinanceSimStats {
  /** Per symbol, since start: trades emitted and the first and last trade id (exact digits, as on the wire). */
  readonly markets: Record<
    string,
    {
      tradesEmitted: number
      firstTradeId: string | undefined
      lastTradeId: string | undefined
      /** Diff-depth events of `<s>@depth@100ms` sent (to at least one subscriber). */
      depthDiffsSent: number
      /** Diff-depth events withheld by {@link BinanceSim.skipDepthUpdates} (their ids are a gap). */
      depthDiffsSkipped: number
    }
  >
  /** What the fault injection did (the same counters as the Upbit profile's). */
  readonly faults: SimStats['faults']
}

/** A running Binance-profile simulator. */
export interface BinanceSim {
  /** Always `'binance'`. */
  readonly exchange: 'binance'
  /** `http://127.0.0.1:<port>`; REST paths are `/api/v3/...`. */
  readonly restUrl: string
  /** Raw streams base: `ws://127.0.0.1:<port>/ws` (append `/<stream>` or SUBSCRIBE). */
  readonly wsUrl: string
  /** Combined streams: `ws://127.0.0.1:<port>/stream` (add `?streams=a/b`). */
  readonly streamUrl: string
  /**
   * The WebSocket API: `ws://127.0.0.1:<port>/ws-api/v3` (`ping`, `time`,
   * `userDataStream.subscribe.signature`, `userDataStream.unsubscribe`).
   */
  readonly wsApiUrl: string
  /** The TCP port. */
  readonly port: number
  /** The seed. */
  readonly seed: number
  /** Listed symbols, e.g. `BTCUSDT`. */
  readonly symbols: readonly string[]
  /** The default API key and secret (undefined when `accounts` was given). */
  readonly defaultAccount: { readonly apiKey: string; readonly secretKey: string } | undefined
  /** Fault injection, the same controls as the Upbit profile's (Binance error bodies). */
  readonly faults: SimFaults
  /** Live counters. */
  readonly stats: BinanceSimStats
  /**
   * The ids of every trade of `symbol` emitted since start, oldest first (contiguous, exact
   * digits with `tradeIdOffset` applied): the tape to compare a client's trades with.
   */
  emittedTradeIds(symbol: string): string[]
  /**
   * Fault: the next `count` (default 1) events of `symbol`'s 100 ms diff stream (`@depth@100ms`) are
   * not sent — their update ids are consumed, so a client's next event shows a gap
   * (`U` > its last `u` + 1). Partial depth and REST are unaffected.
   */
  skipDepthUpdates(symbol: string, count?: number): void
  /** Simulated time (ms). */
  now(): number
  /** Moves simulated time forward (manual clock with `speed: 0`). */
  advance(ms: number): void
  /** Changes the speed. */
  setSpeed(speed: number): void
  /** Stops the server. */
  close(): Promise<void>
}
