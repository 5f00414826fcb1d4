/**
 * Test helpers of `@bb/utils`: a manual {@link ManualClock} to inject wherever a `clock` option is
 * taken, so time-dependent logic is tested without real time.
 *
 * @packageDocumentation
 */
import { describeValue, InvalidRequestError } from '@bb/errors'
import type { Clock } from './clock.js'

interface Scheduled {
  at: number
  fn: () => void
}

/**
 * A clock whose time moves only when the test says so. `advance` fires every timer that falls due
 * on the way, in time order (equal times in the order they were set), including timers those
 * timers set; `advanceAsync` also lets promises settle before each timer.
 *
 * @example
 * ```ts
 * import { sleep } from '@bb/utils'
 * import { ManualClock } from '@bb/utils/testing'
 * const clock = new ManualClock(0)
 * const slept = sleep(1000, { clock })
 * clock.advance(1000)
 * await slept // resolved without waiting a second
 * ```
 */
export class ManualClock implements Clock {
  private time: number
  private nextId = 1
  private readonly timers = new Map<number, Scheduled>()

  /** @param start - the time the clock starts at, ms since the epoch. @defaultValue 1_700_000_000_000 */
  constructor(start = 1_700_000_000_000) {
    this.time = start
  }

  /** The current (manual) time. */
  now(): number {
    return this.time
  }

  /** Schedules `fn` at `now() + ms` (negative counts as 0). */
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn })
    return id
  }

  /** Cancels a scheduled call. */
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number)
  }

  /** The number of timers scheduled and not yet fired. */
  pending(): number {
    return this.timers.size
  }

  /** The time of the next timer, or `undefined` when none is scheduled. */
  nextAt(): number | undefined {
    return this.due(Number.POSITIVE_INFINITY)?.[1].at
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  advance(ms: number): void {
    const end = this.time + checkMs(ms)
    for (;;) {
      const due = this.due(end)
      if (!due) break
      this.fire(due)
    }
    this.time = end
  }

  /**
   * Like {@link ManualClock.advance}, but lets pending promise callbacks run before each timer and
   * at the end (for code that schedules its next timer after an `await`).
   */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.time + checkMs(ms)
    for (;;) {
      await settle()
      const due = this.due(end)
      if (!due) break
      this.fire(due)
    }
    this.time = end
    await settle()
  }

  private due(end: number): [number, Scheduled] | undefined {
    let due: [number, Scheduled] | undefined
    for (const entry of this.timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry
    return due
  }

  private fire([id, timer]: [number, Scheduled]): void {
    this.timers.delete(id)
    this.time = Math.max(this.time, timer.at)
    timer.fn()
  }
}

function checkMs(ms: number): number {
  if (!(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0)) {
    throw new InvalidRequestError({
      param: 'ms',
      message: `advance(ms) needs a finite number of ms >= 0, got ${describeValue(ms)}.`,
    })
  }
  return ms
}

/** Lets queued promise callbacks (and the ones they queue, a few levels deep) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}
