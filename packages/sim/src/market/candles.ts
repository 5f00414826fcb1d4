import { DAY, MINUTE, utcMonthStart, utcWeekStart, utcYearStart } from '../util/time.js'
import type { MarketModel, MarketState } from './model.js'
import { addTrade, mergeAll, type Summary, summaryOf } from './summary.js'
import type { Candle, CandleUnit } from './views.js'

/** Start of the interval of `unit` that contains `t`. */
export function intervalStart(unit: CandleUnit, t: number): number {
  switch (unit.kind) {
    case 'seconds':
      return Math.floor(t / 1000) * 1000
    case 'minutes':
      return Math.floor(t / (unit.minutes * MINUTE)) * unit.minutes * MINUTE
    case 'days':
      return Math.floor(t / DAY) * DAY
    case 'weeks':
      return utcWeekStart(t)
    case 'months':
      return utcMonthStart(t)
    case 'years':
      return utcYearStart(t)
  }
}

/** Start of the interval after the one starting at `start`. */
function intervalEnd(unit: CandleUnit, start: number): number {
  switch (unit.kind) {
    case 'seconds':
      return start + 1000
    case 'minutes':
      return start + unit.minutes * MINUTE
    case 'days':
      return start + DAY
    case 'weeks':
      return start + 7 * DAY
    case 'months': {
      const d = new Date(start)
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
    }
    case 'years':
      return Date.UTC(new Date(start).getUTCFullYear() + 1, 0, 1)
  }
}

/** Summary of one interval (no trades → undefined). */
export function candleSummary(
  model: MarketModel,
  m: MarketState,
  unit: CandleUnit,
  start: number,
): Summary | undefined {
  const end = intervalEnd(unit, start)
  if (unit.kind === 'seconds') {
    let s: Summary | undefined
    for (const t of model.tradesInMinute(m, Math.floor(start / MINUTE))) {
      if (t.ts < start || t.ts >= end) continue
      if (!s) s = summaryOf(t)
      else addTrade(s, t)
    }
    return s
  }
  if (unit.kind === 'minutes') return model.rangeSummary(m, start / MINUTE, end / MINUTE)
  const firstDay = Math.floor(start / DAY)
  const lastDay = Math.floor(end / DAY)
  const parts: (Summary | undefined)[] = []
  for (let d = firstDay; d < lastDay; d++) parts.push(model.daySummary(m, d))
  return mergeAll(parts)
}

/** Candles strictly before `to` (by start time), newest first, at most `count`, skipping empty ones. */
export function listCandles(
  model: MarketModel,
  m: MarketState,
  unit: CandleUnit,
  to: number,
  count: number,
): Candle[] {
  const out: Candle[] = []
  const upper = Math.min(to, model.processedTime + 1)
  const floor =
    unit.kind === 'seconds' ? model.exactFromMinute * MINUTE : model.historyStartMinute * MINUTE - 366 * DAY
  if (unit.kind === 'seconds') {
    // walk trades backwards, grouping by second
    let minute = Math.floor((upper - 1) / MINUTE)
    const firstMinute = Math.max(model.exactFromMinute, model.historyStartMinute)
    for (; minute >= firstMinute && out.length < count; minute--) {
      const trades = model.tradesInMinute(m, minute)
      let current: Candle | undefined
      const inMinute: Candle[] = []
      for (const t of trades) {
        const start = Math.floor(t.ts / 1000) * 1000
        if (start >= upper) break
        if (current && current.start === start) addTrade(current.summary, t)
        else {
          current = { start, summary: summaryOf(t) }
          inMinute.push(current)
        }
      }
      for (let k = inMinute.length - 1; k >= 0 && out.length < count; k--) out.push(inMinute[k] as Candle)
    }
    return out
  }
  let start = intervalStart(unit, upper - 1)
  const historyStart = model.historyStartMinute * MINUTE
  while (out.length < count && intervalEnd(unit, start) > historyStart && start > floor) {
    const s = candleSummary(model, m, unit, start)
    if (s) out.push({ start, summary: s })
    start = intervalStart(unit, start - 1)
  }
  return out
}

/** The most recent candle at or before the processed time (the WS candle snapshot). */
export function latestCandle(model: MarketModel, m: MarketState, unit: CandleUnit): Candle | undefined {
  return listCandles(model, m, unit, model.processedTime + 1, 1)[0]
}
