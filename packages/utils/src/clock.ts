/**
 * Time as a component sees it. Every timer of the REST and WebSocket clients, the router and the
 * simulator goes through one, so tests of backoff, staleness, polling and rate limits run on a
 * manual clock (`ManualClock` from `@bb/utils/testing`) without sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Schedules `fn` after `ms`; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown
  /** Cancels a scheduled call (a handle already fired or cancelled is ignored). */
  clearTimeout(handle: unknown): void
}

/**
 * The real clock: `Date.now` and the global timers. Its timers keep the process alive (a request
 * waiting for its rate-limit slot must keep a script running until it is sent).
 *
 * @example
 * ```ts
 * import { systemClock } from '@bb/utils'
 * systemClock.setTimeout(() => console.log('one second later'), 1000)
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/**
 * The real clock for background work (polling, health ticks, hold-downs): like
 * {@link systemClock}, but its timers do not keep the process alive.
 *
 * @example
 * ```ts
 * import { backgroundClock } from '@bb/utils'
 * backgroundClock.setTimeout(() => console.log('only if the process is still running'), 1000)
 * ```
 */
export const backgroundClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    t.unref?.()
    return t
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/**
 * A one-shot timer slot on a {@link Clock}: `set` replaces a pending call. With a `counter`, the
 * number of armed slots is kept in `counter.timers` (for stats and leak tests).
 *
 * @example
 * ```ts
 * import { systemClock, Timer } from '@bb/utils'
 * const timer = new Timer(systemClock)
 * timer.set(() => console.log('fired'), 100)
 * timer.clear() // nothing is printed
 * ```
 */
export class Timer {
  private handle: unknown
  private armed = false

  /**
   * @param clock - the clock the timer runs on.
   * @param counter - optional counter of armed timers, shared by many slots.
   */
  constructor(
    private readonly clock: Clock,
    private readonly counter?: { timers: number },
  ) {}

  /** True while a call is pending. */
  get active(): boolean {
    return this.armed
  }

  /** Calls `fn` after `ms` (negative counts as 0), replacing a pending call. */
  set(fn: () => void, ms: number): void {
    this.clear()
    this.armed = true
    if (this.counter) this.counter.timers++
    this.handle = this.clock.setTimeout(
      () => {
        if (!this.armed) return
        this.armed = false
        if (this.counter) this.counter.timers--
        fn()
      },
      Math.max(0, ms),
    )
  }

  /** Calls `fn` after `ms` unless a call is already pending. */
  ensure(fn: () => void, ms: number): void {
    if (!this.armed) this.set(fn, ms)
  }

  /** Cancels a pending call. */
  clear(): void {
    if (!this.armed) return
    this.armed = false
    if (this.counter) this.counter.timers--
    this.clock.clearTimeout(this.handle)
    this.handle = undefined
  }
}

/**
 * Calls `fn` every `ms` on `clock` until the returned function is called. The next call is
 * scheduled after `fn` returns (no overlap, no burst after a blocked event loop). A throwing `fn`
 * does not stop the schedule: its error goes to `onError`.
 *
 * @example
 * ```ts
 * import { every, systemClock } from '@bb/utils'
 * const stop = every(systemClock, 1000, () => console.log('tick'), console.error)
 * stop()
 * ```
 */
export function every(
  clock: Clock,
  ms: number,
  fn: () => void,
  onError: (error: unknown) => void,
): () => void {
  let stopped = false
  let handle: unknown
  const tick = () => {
    if (stopped) return
    try {
      fn()
    } catch (error) {
      onError(error)
    }
    if (!stopped) handle = clock.setTimeout(tick, ms)
  }
  handle = clock.setTimeout(tick, ms)
  return () => {
    stopped = true
    clock.clearTimeout(handle)
  }
}
