import { InvalidRequestError, SubscriptionError } from '@bb/errors'
import type { Observable, Subscription } from 'rxjs'

/** Options of {@link toAsyncIterable}. */
export interface AsyncIterableOptions<T> {
  /** Values kept for a consumer that is behind; past it the iteration fails (or conflates). @default 10000 */
  bufferSize?: number
  /** Ends the iteration (the `for await` loop finishes normally) and unsubscribes. */
  signal?: AbortSignal
  /**
   * Explicit conflation for a slow consumer of latest-value streams (tickers, books): a new value
   * whose key equals that of a value still queued replaces it (the queue then holds at most one
   * value per key). `onConflate` is told how many values were replaced. Off by default.
   */
  conflateBy?: (value: T) => string
  /** Called with the value that was replaced when `conflateBy` conflates. */
  onConflate?: (dropped: T) => void
}

/**
 * Turns an Observable into an async iterable with a bounded queue. Breaking out of the
 * `for await` loop (or aborting `signal`) unsubscribes; a queue that overflows (the consumer is
 * far behind) ends the iteration with a `SubscriptionError` rather than dropping values silently
 * — unless `conflateBy` asks for explicit conflation. Works with synchronous sources too.
 *
 * @example
 * ```ts
 * import { toAsyncIterable } from '@bb/utils'
 * import { of } from 'rxjs'
 * for await (const n of toAsyncIterable(of(1, 2, 3))) console.log(n)
 * ```
 */
export function toAsyncIterable<T>(
  source: Observable<T>,
  options: AsyncIterableOptions<T> = {},
): AsyncIterable<T> {
  const bufferSize = options.bufferSize ?? 10_000
  if (!(Number.isInteger(bufferSize) && bufferSize > 0)) {
    throw new InvalidRequestError({
      param: 'bufferSize',
      message: `bufferSize must be a positive integer, got ${String(bufferSize)}.`,
    })
  }
  const { signal, conflateBy, onConflate } = options
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const queue: T[] = []
      const keys: string[] = []
      let waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined
      let done = false
      let failure: unknown
      let subscription: Subscription | undefined
      let stopRequested = false
      const stop = () => {
        stopRequested = true
        subscription?.unsubscribe()
      }
      const finish = () => {
        done = true
        stop()
        if (waiting) waiting.resolve({ value: undefined, done: true })
        waiting = undefined
      }
      const onAbort = () => {
        queue.length = 0
        keys.length = 0
        finish()
      }
      if (signal?.aborted) done = true
      else signal?.addEventListener('abort', onAbort, { once: true })
      if (!done) {
        subscription = source.subscribe({
          next(value) {
            if (done || failure !== undefined) return
            if (waiting) {
              const w = waiting
              waiting = undefined
              w.resolve({ value, done: false })
              return
            }
            if (conflateBy) {
              const key = conflateBy(value)
              const at = keys.indexOf(key)
              if (at >= 0) {
                const dropped = queue[at] as T
                queue[at] = value
                onConflate?.(dropped)
                return
              }
            }
            if (queue.length >= bufferSize) {
              failure = new SubscriptionError({
                message: `The async iterator fell ${bufferSize} values behind its stream; iterate faster, conflate or use the Observable.`,
              })
              stop()
              return
            }
            queue.push(value)
            if (conflateBy) keys.push(conflateBy(value))
          },
          error(error) {
            failure = error
            signal?.removeEventListener('abort', onAbort)
            if (waiting) waiting.reject(error)
            waiting = undefined
          },
          complete() {
            signal?.removeEventListener('abort', onAbort)
            done = true
            if (waiting) waiting.resolve({ value: undefined, done: true })
            waiting = undefined
          },
        })
        // A synchronous source may have asked to stop before `subscribe` returned.
        if (stopRequested) subscription.unsubscribe()
      }
      return {
        next() {
          if (queue.length > 0) {
            keys.shift()
            return Promise.resolve({ value: queue.shift() as T, done: false })
          }
          if (failure !== undefined) return Promise.reject(failure)
          if (done) return Promise.resolve({ value: undefined, done: true })
          return new Promise((resolve, reject) => {
            waiting = { resolve, reject }
          })
        },
        return() {
          signal?.removeEventListener('abort', onAbort)
          queue.length = 0
          keys.length = 0
          finish()
          return Promise.resolve({ value: undefined, done: true })
        },
      }
    },
  }
}
