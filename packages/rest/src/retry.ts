import { AbortedError, isRetryable, RateLimitError } from '@bb/errors'
import type { Clock } from './clock.js'

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

/**
 * Full-jitter exponential backoff: a random delay in `[0, min(maxDelayMs, baseDelayMs × 2^attempt))`.
 * `attempt` counts from 0.
 */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? 200
  const cap = options.maxDelayMs ?? 5000
  const random = options.random ?? Math.random
  return Math.floor(random() * Math.min(cap, base * 2 ** attempt))
}

/** Sleeps on the given clock; rejects with `AbortedError` when the signal fires. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }))
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle)
      reject(new AbortedError({ cause: signal?.reason }))
    }
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
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
  // The first attempt is not wrapped in an async frame: a request that succeeds (nearly all)
  // pays for no retry machinery.
  const retries = options.retries ?? 3
  const first = attempt(0)
  return retries <= 0
    ? first
    : first.catch((error: unknown) => retryAfter(error, 0, retries, attempt, options))
}

async function retryAfter<T>(
  firstError: unknown,
  firstAttempt: number,
  retries: number,
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryRunOptions,
): Promise<T> {
  let error = firstError
  for (let n = firstAttempt; ; n++) {
    if (n >= retries || !isRetryable(error) || options.signal?.aborted) throw error
    const floor = RateLimitError.isInstance(error) ? (error.retryAfterMs ?? 0) : 0
    const delay = Math.max(floor, backoffDelay(n, options))
    options.onRetry?.(error, n + 1, delay)
    await sleep(options.clock, delay, options.signal)
    try {
      return await attempt(n + 1)
    } catch (next) {
      error = next
    }
  }
}
