import { InvalidRequestError } from '@bb/errors'
import type { CandleInterval } from '@bb/models'

/**
 * Every chart interval Coinone's REST `chart` documents (its OpenAPI enum; COINONE.md §3). `10m`
 * appears only in the docs' prose and is **not** offered (unverified); `2h` and `6h` have no
 * unified {@link CandleInterval} and are reachable through `coinoneMarketData.chart` only.
 */
export const COINONE_CHART_INTERVALS = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '1d',
  '1w',
  '1mon',
] as const

/** One of {@link COINONE_CHART_INTERVALS}. */
export type CoinoneChartInterval = (typeof COINONE_CHART_INTERVALS)[number]

/** The WS CHART topic intervals: the REST list without `1mon`. */
const COINONE_WS_CHART_INTERVALS: readonly CoinoneChartInterval[] = COINONE_CHART_INTERVALS.filter(
  (i) => i !== '1mon',
)

const UNIFIED_TO_NATIVE: Readonly<Partial<Record<CandleInterval, CoinoneChartInterval>>> = {
  '1m': '1m',
  '3m': '3m',
  '5m': '5m',
  '15m': '15m',
  '30m': '30m',
  '1h': '1h',
  '4h': '4h',
  '1d': '1d',
  '1w': '1w',
  '1M': '1mon',
}

/** The unified intervals of REST candles (`1M` is Coinone's `1mon`). */
export const COINONE_REST_INTERVALS: readonly CandleInterval[] = Object.keys(
  UNIFIED_TO_NATIVE,
) as CandleInterval[]

/** The unified intervals of WS CHART (no `1M`). */
export const COINONE_WS_INTERVALS: readonly CandleInterval[] = COINONE_REST_INTERVALS.filter(
  (i) => i !== '1M',
)

const NATIVE_TO_UNIFIED: ReadonlyMap<string, CandleInterval> = new Map(
  Object.entries(UNIFIED_TO_NATIVE).map(([u, n]) => [n as string, u as CandleInterval]),
)

function refuse(interval: unknown, list: readonly string[]): never {
  throw new InvalidRequestError({
    param: 'interval',
    exchange: 'coinone',
    message: `Coinone has no candles for interval ${JSON.stringify(interval)}: use one of ${list.join(', ')}.`,
  })
}

/** Checks a native chart interval (`'2h'`, `'1mon'`); `InvalidRequestError` naming `interval` otherwise. */
export function coinoneChartInterval(interval: unknown, ws = false): CoinoneChartInterval {
  const list: readonly string[] = ws ? COINONE_WS_CHART_INTERVALS : COINONE_CHART_INTERVALS
  if (typeof interval === 'string' && list.includes(interval)) return interval as CoinoneChartInterval
  return refuse(interval, list)
}

/** The native interval of a unified one (`1M` → `1mon`); `InvalidRequestError` for `1s`, `10m`, `1y`. */
export function coinoneInterval(interval: CandleInterval, ws = false): CoinoneChartInterval {
  const list = ws ? COINONE_WS_INTERVALS : COINONE_REST_INTERVALS
  if (!list.includes(interval)) return refuse(interval, list)
  return UNIFIED_TO_NATIVE[interval]!
}

/** The unified interval of a native one, or `undefined` (`2h`, `6h`). */
export function unifiedCoinoneInterval(native: unknown): CandleInterval | undefined {
  return typeof native === 'string' ? NATIVE_TO_UNIFIED.get(native) : undefined
}
