import { type Clock, systemClock } from './clock.js'
import { sleep } from './sleep.js'

/** The one backoff policy: exponential growth of a cap, full jitter under it. */
export interface BackoffPolicy {
  /** Cap of the first delay (retry 0), ms. @default 200 */
  initialDelayMs?: number
  /** Largest cap of one delay, ms. @default 5000 */
  maxDelayMs?: number
  /** Growth of the cap per retry. @default 2 */
  multiplier?: number
  /** Source of randomness for the jitter (0 ≤ x < 1). @default Math.random */
  random?: () => number
}

/**
 * Full-jitter exponential backoff: a uniform delay in
 * `[0, min(maxDelayMs, initialDelayMs × multiplier^retry))`. `retry` counts from 0 (the delay
 * before the first retry), the same way for every caller.
 *
 * @example
 * ```ts
 * import { backoffDelay } from '@bb/utils'
 * backoffDelay(3, { initialDelayMs: 100, random: () => 0.5 }) // 400 (half of the 800 ms cap)
 * ```
 */
export function backoffDelay(retry: number, policy: BackoffPolicy = {}): number {
  const initial = policy.initialDelayMs ?? 200
  const cap = policy.maxDelayMs ?? 5000
  const multiplier = policy.multiplier ?? 2
  const random = policy.random ?? Math.random
  return Math.floor(random() * Math.min(cap, initial * multiplier ** Math.max(0, retry)))
}

/** Options of {@link retry}. */
export interface RetryPolicy extends BackoffPolicy {
  /** Retries after the first attempt. @default 3 */
  retries?: number
  /** Whether a failure is worth another attempt. @default every failure */
  shouldRetry?: (error: unknown) => boolean
  /** The least delay before retrying after `error`, ms (e.g. a server's `Retry-After`). @default 0 */
  minDelayMs?: (error: unknown) => number
  /** The clock of the backoff sleeps. @default systemClock */
  clock?: Clock | undefined
  /** Stops retrying (and sleeping: the sleep rejects with `AbortedError`) when aborted. */
  signal?: AbortSignal | undefined
  /** Sees each retry before its delay: the failure, the number of the attempt to come (1 = the first retry) and the delay. */
  onRetry?: (error: unknown, attemptNumber: number, delayMs: number) => void
}

/**
 * Runs `attempt` and retries it with {@link backoffDelay} while `shouldRetry` says so, up to
 * `retries` times; the last failure is thrown. The first attempt runs synchronously inside the
 * call (no extra async frame): a call that succeeds pays for no retry machinery.
 *
 * @example
 * ```ts
 * import { retry } from '@bb/utils'
 * let calls = 0
 * const value = await retry(async () => (++calls < 3 ? Promise.reject(new Error('flaky')) : 'ok'), {
 *   initialDelayMs: 1,
 * })
 * console.log(value, calls) // ok 3
 * ```
 */
export function retry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy = {},
): Promise<T> {
  const retries = policy.retries ?? 3
  const first = attempt(0)
  return retries <= 0 ? first : first.catch((error: unknown) => retryAfter(error, retries, attempt, policy))
}

async function retryAfter<T>(
  firstError: unknown,
  retries: number,
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  const clock = policy.clock ?? systemClock
  let error = firstError
  for (let n = 0; ; n++) {
    if (n >= retries || policy.signal?.aborted || !(policy.shouldRetry?.(error) ?? true)) throw error
    const delay = Math.max(policy.minDelayMs?.(error) ?? 0, backoffDelay(n, policy))
    policy.onRetry?.(error, n + 1, delay)
    await sleep(delay, { clock, signal: policy.signal })
    try {
      return await attempt(n + 1)
    } catch (next) {
      error = next
    }
  }
}
