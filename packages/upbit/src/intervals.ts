import { InvalidRequestError } from '@bb/errors'
import { CANDLE_INTERVALS, type CandleInterval } from '@bb/models'

/** REST candle paths per interval (every interval has one on Upbit). */
const REST_PATHS: Readonly<Record<CandleInterval, string>> = {
  '1s': '/v1/candles/seconds',
  '1m': '/v1/candles/minutes/1',
  '3m': '/v1/candles/minutes/3',
  '5m': '/v1/candles/minutes/5',
  '10m': '/v1/candles/minutes/10',
  '15m': '/v1/candles/minutes/15',
  '30m': '/v1/candles/minutes/30',
  '1h': '/v1/candles/minutes/60',
  '4h': '/v1/candles/minutes/240',
  '1d': '/v1/candles/days',
  '1w': '/v1/candles/weeks',
  '1M': '/v1/candles/months',
  '1y': '/v1/candles/years',
}

/** WebSocket candle types per interval; days and longer have no stream. */
const WS_TYPES: Partial<Readonly<Record<CandleInterval, string>>> = {
  '1s': 'candle.1s',
  '1m': 'candle.1m',
  '3m': 'candle.3m',
  '5m': 'candle.5m',
  '10m': 'candle.10m',
  '15m': 'candle.15m',
  '30m': 'candle.30m',
  '1h': 'candle.60m',
  '4h': 'candle.240m',
}

/** Intervals with a REST endpoint. */
export const UPBIT_REST_INTERVALS: readonly CandleInterval[] = CANDLE_INTERVALS
/** Intervals with a WebSocket stream. */
export const UPBIT_WS_INTERVALS: readonly CandleInterval[] = CANDLE_INTERVALS.filter((i) => WS_TYPES[i])

/** The WS channel name → interval (`candle.60m` → `1h`). */
export const UPBIT_WS_CANDLE_INTERVALS: Readonly<Record<string, CandleInterval>> = Object.fromEntries(
  Object.entries(WS_TYPES).map(([interval, type]) => [type, interval as CandleInterval]),
)

/** REST `unit` field (minutes) → interval. */
export const UPBIT_REST_MINUTE_UNITS: Readonly<Record<string, CandleInterval>> = {
  '1': '1m',
  '3': '3m',
  '5': '5m',
  '10': '10m',
  '15': '15m',
  '30': '30m',
  '60': '1h',
  '240': '4h',
}

function unknownInterval(interval: unknown, channel: 'REST' | 'WebSocket', valid: readonly string[]) {
  return new InvalidRequestError({
    param: 'interval',
    exchange: 'upbit',
    message: `Upbit has no ${channel} candles for interval ${JSON.stringify(interval)}: use one of ${valid.join(', ')}.`,
  })
}

/** The REST path of a candle interval; throws `InvalidRequestError` naming the interval. */
export function upbitCandlePath(interval: CandleInterval): string {
  const path = REST_PATHS[interval]
  if (path === undefined) throw unknownInterval(interval, 'REST', UPBIT_REST_INTERVALS)
  return path
}

/** The WS type of a candle interval (`1h` → `candle.60m`); throws `InvalidRequestError` naming the interval. */
export function upbitCandleType(interval: CandleInterval): string {
  const type = WS_TYPES[interval]
  if (type === undefined) throw unknownInterval(interval, 'WebSocket', UPBIT_WS_INTERVALS)
  return type
}
