import type { Clock } from '@bb/ws'

export type { Clock }

/** The real clock; its timers do not keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    t.unref?.()
    return t
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** A one-shot timer on a {@link Clock}; `set` replaces a pending call. */
export class Timer {
  private handle: unknown
  private armed = false

  constructor(private readonly clock: Clock) {}

  /** True while a call is pending. */
  get active(): boolean {
    return this.armed
  }

  /** Calls `fn` after `ms`, replacing a pending call. */
  set(fn: () => void, ms: number): void {
    this.clear()
    this.armed = true
    this.handle = this.clock.setTimeout(
      () => {
        if (!this.armed) return
        this.armed = false
        fn()
      },
      Math.max(0, ms),
    )
  }

  /** Cancels a pending call. */
  clear(): void {
    if (!this.armed) return
    this.armed = false
    this.clock.clearTimeout(this.handle)
  }
}

/**
 * Calls `fn` every `ms` on `clock` until the returned function is called. A throwing `fn`
 * does not stop the schedule (and never reaches the timer: errors go to `onError`).
 */
export function every(clock: Clock, ms: number, fn: () => void, onError: (e: unknown) => void): () => void {
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
