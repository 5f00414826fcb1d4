import { AbortedError } from '@bb/errors'
import { type Clock, systemClock } from './clock.js'

/** Options of {@link sleep}. */
export interface SleepOptions {
  /** Rejects the sleep with `AbortedError` (and cancels its timer) when aborted. */
  signal?: AbortSignal | undefined
  /** The clock the sleep runs on. @default systemClock */
  clock?: Clock | undefined
}

/**
 * Resolves after `ms` on the given clock; rejects with `AbortedError` (the signal's reason as its
 * `cause`) when `signal` aborts first or is already aborted.
 *
 * @example
 * ```ts
 * import { sleep } from '@bb/utils'
 * await sleep(10, { signal: AbortSignal.timeout(1000) })
 * ```
 */
export function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  const { signal } = options
  const clock = options.clock ?? systemClock
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
