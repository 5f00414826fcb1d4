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

/** Full jitter: a uniform delay in [0, min(max, initial × multiplier^(attempt−1))). `attempt` counts from 1. */
export function backoffDelay(attempt: number, policy: ResolvedReconnect): number {
  const cap = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1),
  )
  return Math.floor(policy.random() * cap)
}
