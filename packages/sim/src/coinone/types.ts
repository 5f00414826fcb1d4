import type { SimFaults, SimOptions, SimStats } from '../types.js'
import type { CoinoneAccountSpec } from './private.js'

export type { CoinoneAccountSpec } from './private.js'

/** Coinone-specific limits of the Coinone profile. */
export interface CoinoneLimitOptions {
  /** Public REST requests per minute per IP (a token bucket refilled evenly). @default 1200 */
  readonly publicPerMinute?: number
  /** Private order calls (`/v2.1/order`, `/order/cancel`) per second per account. @default 40 */
  readonly orderPerSecond?: number
  /** Other private calls per second per account. @default 80 */
  readonly privatePerSecond?: number
  /** WebSocket connections per IP (public) or per account (private); the next is closed with code 4290. @default 20 */
  readonly maxConnections?: number
  /** A socket that sends no request this long after opening is dropped. @default 60000 */
  readonly firstRequestTimeoutMs?: number
  /** A socket with no request (PING included) this long is dropped. @default 1800000 */
  readonly idleTimeoutMs?: number
}

/** Options of the Coinone profile: {@link SimOptions} (`markets` are targets, symbols or a count). */
export interface CoinoneSimOptions
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
    | 'reference'
  > {
  /** Selects the Coinone profile. */
  readonly exchange: 'coinone'
  /** How many pairs (from the built-in KRW list) or names like `['BTC', 'ETH/KRW']`. @default all 10 */
  readonly markets?: number | readonly string[]
  /** Coinone limits; `false` switches the REST limits off. */
  readonly coinone?: CoinoneLimitOptions | false
  /**
   * Access tokens: token → secret and balances. When omitted, one account exists: token
   * `sim-coinone-access-token`, secret `sim-coinone-secret-key`, 100,000,000 KRW and 1 BTC.
   */
  readonly accounts?: Readonly<Record<string, CoinoneAccountSpec>>
}

/** Live counters of the Coinone profile: the tape per pair and what the fault injection did. */
export interface CoinoneSimStats {
  /** Per symbol (`BTC/KRW`), since start: trades emitted and the first and last trade id. */
  readonly markets: Record<
    string,
    { tradesEmitted: number; firstTradeId: string | undefined; lastTradeId: string | undefined }
  >
  /** Public REST calls answered `error_code` 4 (the client's own rate-limit breach). */
  limitViolations: number
  /** What the fault injection did (the same counters as the Upbit profile's). */
  readonly faults: SimStats['faults']
}

/** A running Coinone-profile simulator. */
export interface CoinoneSim {
  /** Always `'coinone'`. */
  readonly exchange: 'coinone'
  /** `http://127.0.0.1:<port>`; public paths `/public/v2/...`, private `/v2.1/...`. */
  readonly restUrl: string
  /** The public WebSocket: `ws://127.0.0.1:<port>/`. */
  readonly wsUrl: string
  /**
   * The private WebSocket (MYORDER, MYASSET): `ws://127.0.0.1:<port>/v1/private`, authenticated
   * by the `X-COINONE-PAYLOAD`/`X-COINONE-SIGNATURE` upgrade headers (close 4280 when they fail).
   */
  readonly wsPrivateUrl: string
  /** The TCP port. */
  readonly port: number
  /** The seed. */
  readonly seed: number
  /** Listed symbols, e.g. `BTC/KRW`. */
  readonly symbols: readonly string[]
  /** The default access token and secret (undefined when `accounts` was given). */
  readonly defaultAccount: { readonly accessToken: string; readonly secretKey: string } | undefined
  /** Fault injection, the same controls as the other profiles' (Coinone error bodies). */
  readonly faults: SimFaults
  /** Live counters. */
  readonly stats: CoinoneSimStats
  /**
   * The 16-digit ids of every trade of `symbol` (`BTC/KRW` or `BTC`) emitted since start, oldest
   * first: the tape to compare a client's trades with (the ids are not consecutive).
   */
  emittedTradeIds(symbol: string): string[]
  /** Simulated time (ms). */
  now(): number
  /** Moves simulated time forward (manual clock with `speed: 0`). */
  advance(ms: number): void
  /** Changes the speed. */
  setSpeed(speed: number): void
  /** Stops the server. */
  close(): Promise<void>
}
