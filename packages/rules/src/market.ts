import { Decimal, type DecimalInput } from '@bb/models'
import { callback, decimalIn, invalid, oneOf } from './check.js'

/** Upbit's taker fee in the KRW market: 0.05 % (`bid_fee` = `"0.0005"`, UPBIT.md §9). */
export const UPBIT_KRW_FEE_RATE: Decimal = new Decimal('0.0005')

/** Upbit's minimum order total in the KRW market: 5,000 KRW (UPBIT.md §9). */
export const UPBIT_KRW_MIN_ORDER: Decimal = new Decimal(5000)

// [lower bound, tick] rows of the KRW tick table (after the 2025-07-31 change), highest first.
const KRW_TICKS: readonly (readonly [Decimal, Decimal])[] = [
  [new Decimal(1_000_000), new Decimal(1000)],
  [new Decimal(500_000), new Decimal(500)],
  [new Decimal(100_000), new Decimal(100)],
  [new Decimal(50_000), new Decimal(50)],
  [new Decimal(10_000), new Decimal(10)],
  [new Decimal(5_000), new Decimal(5)],
  [new Decimal(100), new Decimal(1)],
]

/**
 * The price tick of Upbit's KRW market for a price (UPBIT.md §9): 1,000 KRW at 1,000,000 and
 * above, 500 from 500,000, 100 from 100,000, 50 from 50,000, 10 from 10,000, 5 from 5,000, 1 from
 * 100; below 100 KRW the tick keeps dividing by ten per decade (0.1 from 10, 0.01 from 1 …, never
 * below 0.00000001). The exchange's `/orderbook/instruments` is authoritative for a given pair:
 * pass your own function wherever a `tickSize` option is accepted when it differs.
 *
 * @example
 * ```ts
 * import { krwTickSize } from '@bb/rules'
 * krwTickSize('143250000').toString() // '1000'
 * krwTickSize('7420').toString() // '5'
 * ```
 */
export function krwTickSize(price: DecimalInput): Decimal {
  const value = decimalIn(price, 'price', { above: 0 }) ?? missingPrice()
  for (const [lower, tick] of KRW_TICKS) if (value.greaterThanOrEqualTo(lower)) return tick
  // Below 100 KRW: one tick is a ten-thousandth of the decade's lower bound's order of magnitude.
  let tick = new Decimal('0.01')
  let lower = new Decimal(10)
  while (value.lessThan(lower) && tick.greaterThan('0.00000001')) {
    lower = lower.dividedBy(10)
    tick = tick.dividedBy(10)
  }
  return tick
}

/** How {@link roundToTick} rounds a price that is not on the grid. */
export type TickRounding = 'up' | 'down' | 'nearest'

/**
 * Rounds a price onto the tick grid: `down` for a sell you must not overstate, `up` for a buy.
 *
 * @example
 * ```ts
 * import { roundToTick } from '@bb/rules'
 * roundToTick('143250400', 'up').toString() // '143251000'
 * roundToTick('7423', 'down').toString() // '7420'
 * ```
 */
export function roundToTick(
  price: DecimalInput,
  rounding: TickRounding = 'nearest',
  tickSize: (price: Decimal) => Decimal = krwTickSize,
): Decimal {
  const value = decimalIn(price, 'price', { above: 0 }) ?? missingPrice()
  oneOf(rounding, 'rounding', ['up', 'down', 'nearest'] as const)
  callback(tickSize, 'tickSize')
  const tick = tickSize(value)
  const mode =
    rounding === 'up' ? Decimal.ROUND_CEIL : rounding === 'down' ? Decimal.ROUND_FLOOR : Decimal.ROUND_HALF_UP
  const rounded = value.dividedBy(tick).toDecimalPlaces(0, mode).times(tick)
  // Rounding up across a band edge lands on the next band's grid anyway (its tick is a multiple).
  return rounded
}

function missingPrice(): never {
  throw invalid('price', '"price" is required.')
}
