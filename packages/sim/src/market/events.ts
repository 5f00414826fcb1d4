import { hashInts, Rng } from '../util/rng.js'
import { DAY, MINUTE } from '../util/time.js'
import type { MarketState, PriceEvent } from './state.js'

/** What the event schedule depends on. */
export interface EventSchedule {
  readonly seed: number
  readonly startTime: number
  readonly historyStartMinute: number
  /** Whether scheduled crashes and surges happen after the start (injected ones always do). */
  readonly scheduledEvents: boolean
}

/**
 * Scheduled crashes and surges: generates `m`'s events for the days before `untilDay` (about one
 * day in eight has one), each from its own seeded generator.
 */
export function scheduleEvents(m: MarketState, untilDay: number, model: EventSchedule): void {
  if (m.eventDaysUntil === 0) m.eventDaysUntil = model.historyStartMinute / 1440
  if (m.calm) {
    m.eventDaysUntil = Math.max(m.eventDaysUntil, untilDay)
    return
  }
  for (let day = m.eventDaysUntil; day < untilDay; day++) {
    const rng = new Rng(hashInts(model.seed, m.salt, day, 3))
    if (rng.next() >= 0.12) continue
    const start = day * DAY + rng.int(DAY)
    if (start >= model.startTime && !model.scheduledEvents) continue
    const pct = 0.05 + 0.1 * rng.next()
    const sign = rng.next() < 0.5 ? -1 : 1
    const durationMs = 15_000 + rng.int(40_000)
    insertEvent(m, {
      start,
      durationMs,
      logShift: Math.log(1 + sign * pct),
      injected: false,
      revert: 0.4 + 0.4 * rng.next(),
      revertMs: 30 * MINUTE + rng.int(150 * MINUTE),
    })
  }
  m.eventDaysUntil = Math.max(m.eventDaysUntil, untilDay)
}

/** Inserts an event in start order. */
function insertEvent(m: MarketState, e: PriceEvent): void {
  let i = m.events.length
  while (i > 0 && (m.events[i - 1] as PriceEvent).start > e.start) i--
  m.events.splice(i, 0, e)
}

/** Injects a crash (negative pct) or surge starting at `start`. */
export function injectEvent(m: MarketState, start: number, pct: number, durationMs: number): PriceEvent {
  const e: PriceEvent = {
    start,
    durationMs: Math.max(1, durationMs),
    logShift: Math.log(1 + pct),
    injected: true,
    revert: 0,
    revertMs: 1,
  }
  insertEvent(m, e)
  return e
}

/** The log-price shift of every event at time `t` (ramps, then partial reverts). */
export function eventLog(m: MarketState, t: number): number {
  let sum = 0
  for (const e of m.events) {
    if (e.start > t) break
    const f = (t - e.start) / e.durationMs
    if (f < 1) sum += e.logShift * f
    else {
      const back = Math.min(1, (t - e.start - e.durationMs) / e.revertMs)
      sum += e.logShift * (1 - e.revert * back)
    }
  }
  return sum
}

/** Whether a crash/surge touched this market in the 24 h before `t`. */
export function recentEvent(m: MarketState, t: number): boolean {
  for (const e of m.events) {
    if (e.start > t) break
    if (e.start + e.durationMs >= t - DAY) return true
  }
  return false
}
