import { describeValue, InvalidRequestError } from '@bb/errors'
import { Decimal, type Trade } from '@bb/models'
import { systemClock } from '@bb/utils'
import { map, type OperatorFunction } from 'rxjs'
import {
  checkMaxAge,
  type InputRef,
  inputOf,
  marketKey,
  type Refusal,
  refuse,
  type StalenessOptions,
  staleness,
} from './common.js'

/** A 365-day year in ms: crypto markets trade around the clock, every day. */
export const YEAR_MS = 365 * 24 * 60 * 60 * 1000

const ZERO = new Decimal(0)

/** Options of {@link realizedVolatility}. */
export interface VolatilityOptions extends StalenessOptions {
  /** The window, in ms: trades with `timestamp > now − windowMs` count. */
  readonly windowMs: number
  /** The most trades kept per market (oldest dropped first). @defaultValue 10,000 */
  readonly maxTrades?: number
}

/** Realized volatility of one market over the window. */
export interface Volatility {
  /** Not a refusal. */
  readonly refused: false
  /** The market (the last trade's inputs). */
  readonly input: InputRef
  /** The window, ms. */
  readonly windowMs: number
  /** Exchange time of the first and last trade used. */
  readonly from: number
  /** Exchange time of the last trade used. */
  readonly to: number
  /** Trades used. */
  readonly trades: number
  /** `Σ ln(p_i / p_{i−1})²` over consecutive trades in the window (not annualised). */
  readonly variance: Decimal
  /** `√variance`: the volatility over the window. */
  readonly volatility: Decimal
  /** `√(variance × YEAR_MS / windowMs)`: annualised on a 365-day year, the window as the period. */
  readonly annualized: Decimal
}

/**
 * An operator: trades in → on each trade, the realized volatility of its market (keyed by
 * `(exchange, marketId)`, the exchange's native market id) over the last `windowMs`, from log returns between consecutive trades
 * (ordered by exchange timestamp, arrival order for equal timestamps). Annualisation: `√(Σ r² ×
 * YEAR_MS / windowMs)` on a 365-day year. Fewer than two trades in the window, or a last trade
 * older than `maxAgeMs`, is a {@link Refusal}.
 *
 * @example
 * ```ts
 * import { realizedVolatility } from '@bb/analytics'
 * import { createBackbone } from '@bb/router'
 *
 * const backbone = createBackbone()
 * backbone.trades$('BTC/KRW').pipe(realizedVolatility({ windowMs: 60_000 }))
 * ```
 */
export function realizedVolatility(
  options: VolatilityOptions,
): OperatorFunction<Trade, Volatility | Refusal> {
  const windowMs = options?.windowMs
  if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) {
    throw new InvalidRequestError({
      param: 'windowMs',
      message: `windowMs must be a positive number of milliseconds, got ${describeValue(windowMs)}.`,
    })
  }
  const maxTrades = options.maxTrades ?? 10_000
  if (!Number.isInteger(maxTrades) || maxTrades < 2) {
    throw new InvalidRequestError({
      param: 'maxTrades',
      message: `maxTrades must be an integer ≥ 2, got ${describeValue(maxTrades)}.`,
    })
  }
  const maxAgeMs = checkMaxAge(options.maxAgeMs)
  const clock = options.clock ?? systemClock
  const scale = new Decimal(YEAR_MS).div(windowMs)
  return (source) => {
    // Per market: the trades in the window (timestamp order) and, cached beside each, the squared
    // log return from the trade before it (0 for the first), so a trade costs one or two `ln`s.
    const byMarket = new Map<string, { trades: Trade[]; squares: Decimal[] }>()
    const square = (list: Trade[], i: number) => {
      if (i === 0) return ZERO
      const r = list[i]!.price.div(list[i - 1]!.price).ln()
      return r.times(r)
    }
    return source.pipe(
      map((trade) => {
        const key = marketKey(trade)
        const market = byMarket.get(key) ?? { trades: [], squares: [] }
        byMarket.set(key, market)
        const { trades: list, squares } = market
        // Insert in timestamp order; equal timestamps keep arrival order.
        let at = list.length
        while (at > 0 && list[at - 1]!.timestamp > trade.timestamp) at--
        list.splice(at, 0, trade)
        squares.splice(at, 0, square(list, at))
        if (at + 1 < list.length) squares[at + 1] = square(list, at + 1)
        const now = clock.now()
        let dropped = false
        while (list.length > 0 && (list[0]!.timestamp <= now - windowMs || list.length > maxTrades)) {
          list.shift()
          squares.shift()
          dropped = true
        }
        if (dropped && squares.length > 0) squares[0] = ZERO
        const input = inputOf(list.at(-1) ?? trade)
        const old = staleness([input], now, maxAgeMs)
        if (old) return old
        if (list.length < 2) {
          return refuse(
            `${list.length} trade(s) of ${trade.exchange} ${trade.symbol} in the window, need 2`,
            [input],
            now,
          )
        }
        let variance = ZERO
        for (const sq of squares) variance = variance.plus(sq)
        return {
          refused: false,
          input,
          windowMs,
          from: list[0]!.timestamp,
          to: list.at(-1)!.timestamp,
          trades: list.length,
          variance,
          volatility: variance.sqrt(),
          annualized: variance.times(scale).sqrt(),
        } satisfies Volatility
      }),
    )
  }
}
