/**
 * Time as the client sees it. Injectable so that tests of backoff, heartbeats, staleness and
 * send limits can run without sleeping; the default is the real clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Schedules `fn` after `ms`; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown
  /** Cancels a scheduled call. */
  clearTimeout(handle: unknown): void
}

/**
 * The real clock: `Date.now` and the global timers.
 *
 * @example
 * ```ts
 * import { createWsClient, systemClock } from '@bb/ws'
 * import { upbit } from '@bb/upbit'
 * const client = createWsClient({ adapter: upbit, clock: systemClock })
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** A one-shot timer slot on a clock that counts live timers (for `stats().timers`). */
export class TimerSlot {
  private handle: unknown
  private armed = false

  constructor(
    private readonly clock: Clock,
    private readonly counter: { timers: number },
  ) {}

  /** True while a call is scheduled. */
  get active(): boolean {
    return this.armed
  }

  /** Schedules `fn` after `ms`, replacing any call already scheduled on this slot. */
  set(fn: () => void, ms: number): void {
    this.clear()
    this.armed = true
    this.counter.timers++
    this.handle = this.clock.setTimeout(
      () => {
        if (!this.armed) return
        this.armed = false
        this.counter.timers--
        fn()
      },
      Math.max(0, ms),
    )
  }

  /** Schedules `fn` unless a call is already scheduled. */
  ensure(fn: () => void, ms: number): void {
    if (!this.armed) this.set(fn, ms)
  }

  /** Cancels the scheduled call, if any. */
  clear(): void {
    if (!this.armed) return
    this.armed = false
    this.counter.timers--
    this.clock.clearTimeout(this.handle)
    this.handle = undefined
  }
}
