import { SubscriptionError } from '@bb/errors'
import type { Observable } from 'rxjs'

/**
 * Turns an Observable into an async iterable with a bounded queue. Breaking out of the
 * `for await` loop unsubscribes; a queue that overflows (the consumer is far behind) ends the
 * iteration with a `SubscriptionError` rather than dropping values silently.
 */
export function toAsyncIterable<T>(
  source: Observable<T>,
  options: { bufferSize?: number } = {},
): AsyncIterable<T> {
  const bufferSize = options.bufferSize ?? 10_000
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const queue: T[] = []
      let waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined
      let done = false
      let failure: unknown
      const subscription = source.subscribe({
        next(value) {
          if (waiting) {
            const w = waiting
            waiting = undefined
            w.resolve({ value, done: false })
          } else if (queue.length >= bufferSize) {
            failure = new SubscriptionError({
              message: `The async iterator fell ${bufferSize} values behind its stream; iterate faster or use the Observable.`,
            })
            subscription?.unsubscribe()
          } else {
            queue.push(value)
          }
        },
        error(error) {
          failure = error
          if (waiting) waiting.reject(error)
          waiting = undefined
        },
        complete() {
          done = true
          if (waiting) waiting.resolve({ value: undefined, done: true })
          waiting = undefined
        },
      })
      return {
        next() {
          if (queue.length > 0) return Promise.resolve({ value: queue.shift() as T, done: false })
          if (failure !== undefined) return Promise.reject(failure)
          if (done) return Promise.resolve({ value: undefined, done: true })
          return new Promise((resolve, reject) => {
            waiting = { resolve, reject }
          })
        },
        return() {
          subscription.unsubscribe()
          done = true
          queue.length = 0
          return Promise.resolve({ value: undefined, done: true })
        },
      }
    },
  }
}
