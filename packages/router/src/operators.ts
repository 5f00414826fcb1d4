import type { Source } from '@bb/models'
import { Observable } from 'rxjs'

/** The value marked with `source` (the same object when it already is). */
export const withSource = <T extends { source: Source }>(value: T, source: Source): T =>
  value.source === source ? value : Object.freeze({ ...value, source })

/** Completes `source` when `signal` aborts (at once when it already has). */
export function untilAborted<T>(source: Observable<T>, signal: AbortSignal): Observable<T> {
  return new Observable<T>((subscriber) => {
    if (signal.aborted) {
      subscriber.complete()
      return
    }
    const onAbort = () => subscriber.complete()
    signal.addEventListener('abort', onAbort, { once: true })
    const inner = source.subscribe(subscriber)
    return () => {
      signal.removeEventListener('abort', onAbort)
      inner.unsubscribe()
    }
  })
}

/** Merges streams: values as they come, the first error ends all, completes when all have. */
export function mergeStreams<T>(streams: Observable<T>[]): Observable<T> {
  if (streams.length === 1) return streams[0]!
  return new Observable<T>((subscriber) => {
    let open = streams.length
    const subscriptions = streams.map((s) =>
      s.subscribe({
        next: (v) => subscriber.next(v),
        error: (e) => subscriber.error(e),
        complete: () => {
          if (--open === 0) subscriber.complete()
        },
      }),
    )
    return () => {
      for (const s of subscriptions) s.unsubscribe()
    }
  })
}

/** Counts live subscriptions of `source` in `counts[kind]` (for health). */
export function counted<T>(
  counts: Record<string, number>,
  kind: string,
  source: Observable<T>,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    counts[kind] = (counts[kind] ?? 0) + 1
    const subscription = source.subscribe(subscriber)
    return () => {
      counts[kind] = (counts[kind] ?? 1) - 1
      subscription.unsubscribe()
    }
  })
}
