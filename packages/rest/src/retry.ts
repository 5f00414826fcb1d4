import { isRetryable, RateLimitError } from '@bb/errors'
import { type Clock, backoffDelay as policyDelay, retry } from '@bb/utils'

/** How failed requests are retried. */
export interface RetryOptions {
  /** Retries after the first attempt. @default 3 */
  retries?: number
  /** Base of the exponential backoff, ms. @default 200 */
  baseDelayMs?: number
  /** Cap of one backoff delay, ms. @default 5000 */
  maxDelayMs?: number
  /** Source of randomness for the jitter (0 ≤ x < 1). @default Math.random */
  random?: () => number
}

/** The workspace's one backoff policy (`@bb/utils`) with this client's option names. */
function policy(options: RetryOptions) {
  return {
    ...(options.baseDelayMs !== undefined ? { initialDelayMs: options.baseDelayMs } : {}),
    ...(options.maxDelayMs !== undefined ? { maxDelayMs: options.maxDelayMs } : {}),
    ...(options.random ? { random: options.random } : {}),
  }
}

/**
 * Full-jitter exponential backoff: a random delay in `[0, min(maxDelayMs, baseDelayMs × 2^attempt))`.
 * `attempt` counts from 0 (the delay before the first retry), as `backoffDelay` of `@bb/utils` does.
 */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  return policyDelay(attempt, policy(options))
}

/** What {@link withRetry} needs besides the attempt. */
export type RetryRunOptions = RetryOptions & {
  /** The clock of the backoff sleeps. */
  clock: Clock
  /** Stops retrying (and sleeping) when aborted. */
  signal?: AbortSignal | undefined
  /** Sees each retry before its delay. */
  onRetry?: (error: unknown, attemptNumber: number, delayMs: number) => void
}

/**
 * Runs `attempt` and retries it with full-jitter backoff while the failure is retryable
 * (`isRetryable`: network, timeout, 5xx, 429 — never other 4xx, never a ban). A 429 with a known
 * `retryAfterMs` waits at least that long. `onRetry` sees each retry before its delay.
 */
export function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryRunOptions,
): Promise<T> {
  return retry(attempt, {
    ...policy(options),
    retries: options.retries ?? 3,
    clock: options.clock,
    signal: options.signal,
    shouldRetry: isRetryable,
    minDelayMs: (error) => (RateLimitError.isInstance(error) ? (error.retryAfterMs ?? 0) : 0),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  })
}
