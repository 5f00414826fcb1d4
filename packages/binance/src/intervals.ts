import { InvalidRequestError } from '@bb/errors'
import type { CandleInterval } from '@bb/models'

/**
 * Every kline interval Binance serves, REST and WS alike (case-sensitive; BINANCE.md §4.8), `1s`
 * included. `2h 6h 8h 12h 3d` have no unified {@link CandleInterval}: they are reachable through
 * {@link binanceMarketData}'s `klines` only.
 */
export const BINANCE_KLINE_INTERVALS = [
  '1s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
] as const

/** One of {@link BINANCE_KLINE_INTERVALS}. */
export type BinanceKlineInterval = (typeof BINANCE_KLINE_INTERVALS)[number]

/** The unified intervals Binance has (no `10m`, no `1y`): the same on REST and WS. */
export const BINANCE_INTERVALS: readonly CandleInterval[] = [
  '1s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '4h',
  '1d',
  '1w',
  '1M',
]

const NATIVE: ReadonlySet<string> = new Set(BINANCE_KLINE_INTERVALS)

/** Checks a native interval (`'1s'`, `'12h'`); `InvalidRequestError` naming `interval` otherwise. */
export function binanceKlineInterval(interval: unknown): BinanceKlineInterval {
  if (typeof interval === 'string' && NATIVE.has(interval)) return interval as BinanceKlineInterval
  throw new InvalidRequestError({
    param: 'interval',
    exchange: 'binance',
    message: `Binance has no klines for interval ${JSON.stringify(interval)}: use one of ${BINANCE_KLINE_INTERVALS.join(', ')}.`,
  })
}

/** The native interval of a unified one (identical spelling); `InvalidRequestError` for `10m`, `1y`. */
export function binanceInterval(interval: CandleInterval): BinanceKlineInterval {
  if (!(BINANCE_INTERVALS as readonly unknown[]).includes(interval)) {
    throw new InvalidRequestError({
      param: 'interval',
      exchange: 'binance',
      message: `Binance has no candles for interval ${JSON.stringify(interval)}: use one of ${BINANCE_INTERVALS.join(', ')}.`,
    })
  }
  return interval as BinanceKlineInterval
}
