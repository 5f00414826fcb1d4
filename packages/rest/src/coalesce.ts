import { AbortedError } from '@bb/errors'
import { type Clock, systemClock } from './clock.js'

interface Shared<T> {
  promise: Promise<T>
  controller: AbortController | undefined
  callers: number
}

/**
 * Shares one in-flight promise between identical concurrent calls (same key). Each caller may
 * abort on its own; the shared work is aborted only when every caller has aborted.
 */
export function createCoalescer() {
  const inflight = new Map<string, Shared<unknown>>()
  return {
    /** How many distinct calls are in flight. */
    get size(): number {
      return inflight.size
    },
    /** True while a call with this key is in flight. */
    has(key: string): boolean {
      return inflight.has(key)
    },
    /** Runs `work` once per key at a time; later callers with the same key join the running call. */
    run<T>(
      key: string,
      work: (signal: AbortSignal | undefined) => Promise<T>,
      signal?: AbortSignal,
    ): Promise<T> {
      if (signal?.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }))
      let shared = inflight.get(key) as Shared<T> | undefined
      if (!shared) {
        // The shared work gets a signal only when its first caller has one (no per-request
        // AbortController on the hot path); later callers join without changing that.
        const controller = signal ? new AbortController() : undefined
        const done = () => {
          if (inflight.get(key) === entry) inflight.delete(key)
        }
        const entry: Shared<T> = {
          controller,
          callers: 0,
          // then(…, …) rather than finally: one promise less per request
          promise: work(controller?.signal).then(
            (value) => {
              done()
              return value
            },
            (error: unknown) => {
              done()
              throw error
            },
          ),
        }
        inflight.set(key, entry as Shared<unknown>)
        shared = entry
      }
      const entry = shared
      entry.callers++
      if (!signal) return entry.promise
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
          entry.callers--
          if (entry.callers === 0) {
            inflight.delete(key)
            entry.controller?.abort(signal.reason)
          }
          reject(new AbortedError({ cause: signal.reason }))
        }
        signal.addEventListener('abort', onAbort, { once: true })
        entry.promise.then(
          (value) => {
            signal.removeEventListener('abort', onAbort)
            resolve(value)
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort)
            reject(error)
          },
        )
      })
    },
  }
}

/** Options of {@link createBatcher}. */
export interface BatcherOptions<K, V> {
  /** Loads many keys in one call; the result maps each key found to its value. */
  load: (keys: K[]) => Promise<Map<K, V>>
  /**
   * How long to collect keys before loading, ms. `0` (the default) merges the calls of one
   * event-loop turn and adds no delay to a lone caller; a positive value waits that long.
   * @default 0
   */
  windowMs?: number
  /** Most keys in one load; a full batch is sent at once. */
  maxBatch: number
  /** What a key missing from the result rejects with. */
  missing: (key: K) => unknown
  /** The clock of the window timer. @default systemClock */
  clock?: Clock
}

interface Pending<V> {
  resolve: (value: V) => void
  reject: (error: unknown) => void
}

/**
 * Merges single-key requests made within a short window into one multi-key request (a
 * DataLoader-style batcher), e.g. many `getTickers(['KRW-BTC'])` callers → one `/ticker?markets=…`.
 */
export function createBatcher<K, V>(options: BatcherOptions<K, V>) {
  const windowMs = options.windowMs ?? 0
  let queue = new Map<K, Pending<V>[]>()
  // The pending flush: a timer (window > 0), an immediate (end of the event-loop turn), or a
  // microtask (the end of the caller's synchronous burst).
  const clock = options.clock ?? systemClock
  let timer: unknown
  // Batches sent and not yet answered.
  let inflight = 0

  const cancel = () => {
    // a pending microtask cannot be cancelled: it finds an empty queue and returns
    if (timer !== undefined && timer !== 'microtask') {
      if (windowMs > 0) clock.clearTimeout(timer)
      else clearImmediate(timer as ReturnType<typeof setImmediate>)
    }
    timer = undefined
  }

  const flush = () => {
    cancel()
    const batch = queue
    queue = new Map()
    if (batch.size === 0) return
    inflight++
    options.load([...batch.keys()]).then(
      (values) => {
        inflight--
        for (const [key, waiters] of batch) {
          const has = values.has(key)
          for (const waiter of waiters) {
            if (has) waiter.resolve(values.get(key) as V)
            else waiter.reject(options.missing(key))
          }
        }
      },
      (error: unknown) => {
        inflight--
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error)
      },
    )
  }

  return {
    /**
     * Resolves with the value of `key`, loaded together with the other keys asked for in the
     * same window. With no window: when no batch is in flight, the batch goes out at the end of
     * the caller's synchronous burst (a lone caller waits for nothing); while one is, callers
     * are collected until the end of the event-loop turn.
     */
    load(key: K): Promise<V> {
      return new Promise<V>((resolve, reject) => {
        const waiters = queue.get(key)
        if (waiters) waiters.push({ resolve, reject })
        else queue.set(key, [{ resolve, reject }])
        if (queue.size >= options.maxBatch) flush()
        else if (timer === undefined) {
          if (windowMs > 0) timer = clock.setTimeout(flush, windowMs)
          else if (inflight === 0) {
            timer = 'microtask'
            queueMicrotask(flush)
          } else timer = setImmediate(flush)
        }
      })
    },
  }
}
