import { backoffDelay } from '@bb/utils'

/** Reconnect policy: exponential backoff with full jitter. */
export interface ReconnectOptions {
  /** Cap of the first delay, ms. @default 500 */
  readonly initialDelayMs?: number
  /** Largest delay cap, ms. @default 30000 */
  readonly maxDelayMs?: number
  /** Growth of the cap per attempt. @default 2 */
  readonly multiplier?: number
  /** Give up (and error the streams with `ConnectionClosedError`) after this many attempts in a row. @default Infinity */
  readonly maxAttempts?: number
  /**
   * Authentication failures (`INVALID_AUTH`, HTTP 401/403 on upgrade) tolerated in a row before the
   * private streams error with `AuthenticationError` instead of reconnecting. @default 1
   */
  readonly maxAuthFailures?: number
  /** Random source in [0, 1), injectable for tests. @default Math.random */
  readonly random?: () => number
}

/** Reconnect options with every default filled in. */
export type ResolvedReconnect = Required<ReconnectOptions>

/** Fills in the defaults. */
export function resolveReconnect(options: ReconnectOptions | undefined): ResolvedReconnect {
  return {
    initialDelayMs: options?.initialDelayMs ?? 500,
    maxDelayMs: options?.maxDelayMs ?? 30_000,
    multiplier: options?.multiplier ?? 2,
    maxAttempts: options?.maxAttempts ?? Number.POSITIVE_INFINITY,
    maxAuthFailures: options?.maxAuthFailures ?? 1,
    random: options?.random ?? Math.random,
  }
}

/**
 * The delay before reconnect attempt `attempt` (counted from 1): the workspace's one backoff
 * policy (`backoffDelay` of `@bb/utils`, full jitter under `initial × multiplier^retry`) for
 * retry `attempt − 1`.
 */
export function reconnectDelay(attempt: number, policy: ResolvedReconnect): number {
  return backoffDelay(attempt - 1, policy)
}
