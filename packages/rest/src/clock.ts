/**
 * Time as the client sees it. Injectable so that tests of waits, backoff and bans run without
 * sleeping; the default is the real clock.
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
 * The real clock (`Date.now` and the global timers). Timers are not unref'd on purpose: a request
 * waiting for its rate-limit slot must keep a script alive until it is sent.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
