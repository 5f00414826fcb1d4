import { describeValue, InvalidRequestError } from '@bb/errors'
import { CANDLE_INTERVALS, type CandleInterval } from './enums.js'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const FIXED_MS: Readonly<Record<Exclude<CandleInterval, '1M' | '1y'>, number>> = {
  '1s': SECOND,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '10m': 10 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '4h': 4 * HOUR,
  '1d': DAY,
  '1w': 7 * DAY,
}

// Other spellings users and exchanges use for the same intervals.
const ALIASES: Readonly<Record<string, CandleInterval>> = {
  '60m': '1h',
  '240m': '4h',
  '1D': '1d',
  '1W': '1w',
  '1mo': '1M',
  '1Y': '1y',
}

/** True for a valid {@link CandleInterval}. */
export function isCandleInterval(value: unknown): value is CandleInterval {
  return typeof value === 'string' && (CANDLE_INTERVALS as readonly string[]).includes(value)
}

/**
 * Reads a candle interval, accepting the canonical names (`1m`, `4h`, `1d`, `1M`…) and common
 * aliases (`60m`, `240m`, `1D`). Throws `InvalidRequestError` listing the valid intervals.
 *
 * @example
 * ```ts
 * import { parseCandleInterval } from '@bb/models'
 * parseCandleInterval('240m') // '4h'
 * ```
 */
export function parseCandleInterval(value: unknown): CandleInterval {
  if (isCandleInterval(value)) return value
  const alias = typeof value === 'string' && Object.hasOwn(ALIASES, value) ? ALIASES[value] : undefined
  if (alias) return alias
  throw new InvalidRequestError({
    param: 'interval',
    message: `Unknown candle interval ${describeValue(value)}: use one of ${CANDLE_INTERVALS.join(', ')}.`,
  })
}

/** The interval itself when it is a {@link CandleInterval}; `InvalidRequestError` otherwise. */
function checkedInterval(interval: unknown): CandleInterval {
  if (isCandleInterval(interval)) return interval
  throw new InvalidRequestError({
    param: 'interval',
    message: `Unknown candle interval ${describeValue(interval)}: use one of ${CANDLE_INTERVALS.join(', ')}.`,
  })
}

/** The timestamp itself when it is a finite number of ms; `InvalidRequestError` otherwise. */
function checkedTimestamp(timestamp: unknown): number {
  if (typeof timestamp === 'number' && Number.isFinite(timestamp) && Math.abs(timestamp) <= 8.64e15)
    return timestamp
  throw new InvalidRequestError({
    param: 'timestamp',
    message: `Expected a timestamp in ms (a finite number within ±8.64e15), got ${describeValue(timestamp)}.`,
  })
}

/** True for intervals of fixed length (everything but the calendar `1M` and `1y`). */
export function isFixedInterval(interval: CandleInterval): interval is Exclude<CandleInterval, '1M' | '1y'> {
  return interval !== '1M' && interval !== '1y'
}

/**
 * The length of a fixed interval in milliseconds. Calendar months and years have no fixed length:
 * for them this throws `InvalidRequestError`; use {@link candleOpenTime} / {@link nextCandleOpenTime}.
 */
export function intervalToMs(interval: CandleInterval): number {
  checkedInterval(interval)
  if (isFixedInterval(interval)) return FIXED_MS[interval]
  throw new InvalidRequestError({
    param: 'interval',
    message: `The calendar interval "${interval}" has no fixed length: use nextCandleOpenTime().`,
  })
}

/** The fixed interval whose length is `ms`, or `undefined`. */
export function msToInterval(ms: number): CandleInterval | undefined {
  for (const [interval, length] of Object.entries(FIXED_MS))
    if (length === ms) return interval as CandleInterval
  return undefined
}

/**
 * The open time of the candle that contains `timestamp` (ms UTC). Candles align to UTC: day
 * candles open at 00:00 UTC (09:00 KST), weeks on Monday 00:00 UTC, months on the
 * 1st, years on 1 January.
 *
 * @example
 * ```ts
 * import { candleOpenTime } from '@bb/models'
 * candleOpenTime(Date.parse('2025-06-25T13:56:53Z'), '1w') // Date.parse('2025-06-23T00:00:00Z'), a Monday
 * ```
 *
 * Throws `InvalidRequestError` for a timestamp that is not a finite number within the range of
 * `Date` (±8.64e15 ms), and for an unknown interval.
 */
export function candleOpenTime(timestamp: number, interval: CandleInterval): number {
  checkedTimestamp(timestamp)
  checkedInterval(interval)
  if (interval === '1M') {
    const date = new Date(timestamp)
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
  }
  if (interval === '1y') return Date.UTC(new Date(timestamp).getUTCFullYear(), 0, 1)
  if (interval === '1w') {
    // 1970-01-01 was a Thursday: shift so that weeks start on Monday.
    const mondayOffset = 4 * DAY
    return Math.floor((timestamp - mondayOffset) / FIXED_MS['1w']) * FIXED_MS['1w'] + mondayOffset
  }
  const length = FIXED_MS[interval]
  return Math.floor(timestamp / length) * length
}

/** The open time of the candle after the one that contains `timestamp` (same checks as {@link candleOpenTime}). */
export function nextCandleOpenTime(timestamp: number, interval: CandleInterval): number {
  const open = candleOpenTime(timestamp, interval)
  if (interval === '1M') {
    const date = new Date(open)
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)
  }
  if (interval === '1y') return Date.UTC(new Date(open).getUTCFullYear() + 1, 0, 1)
  return open + FIXED_MS[interval]
}
