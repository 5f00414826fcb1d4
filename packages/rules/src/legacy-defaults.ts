// The defaults of callers that pass no `exchange` (e.g. createEngine's default executor): the
// rules of the exchange @bb/rules was first written for, kept so those callers behave as before.
// Everything else reads an exchange's rules from its adapter (`exchange` options). This file is
// the one place of @bb/rules that names that exchange (tools/scripts/check-neutral.mjs lists it).
import type { MarketRules, SymbolRules } from '@bb/exchange-adapter'
import { Decimal, type DecimalInput, type OrderType } from '@bb/models'
import { callback, decimalIn, describeValue, invalid, oneOf } from './check.js'
import type { ExchangeRules } from './exchange.js'

/**
 * Upbit's taker fee in the KRW market: 0.05 %. Kept for compatibility; read an exchange's fees
 * from its adapter (`adapter.market.fees(symbol)`, e.g. `@bb/upbit`).
 */
const UPBIT_KRW_FEE_RATE: Decimal = new Decimal('0.0005')

/**
 * Upbit's minimum order total in the KRW market: 5,000 KRW. Kept for compatibility; read it from
 * the adapter (`adapter.market.minOrderTotal(symbol)`).
 */
const UPBIT_KRW_MIN_ORDER: Decimal = new Decimal(5000)

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
 * The price tick of Upbit's KRW market for a price (kept for compatibility; `@bb/upbit` has the
 * tables of every Upbit market, read through `adapter.market.tickSize`): 1,000 KRW at 1,000,000 and
 * above, 500 from 500,000, 100 from 100,000, 50 from 50,000, 10 from 10,000, 5 from 5,000, 1 from
 * 100; below 100 KRW the tick keeps dividing by ten per decade (0.1 from 10, 0.01 from 1 …, never
 * below 0.00000001). The exchange's `/orderbook/instruments` is authoritative for a given pair:
 * pass your own function wherever a `tickSize` option is accepted when it differs.
 *
 * @internal
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

const QUOTE_BASE = /^([A-Z0-9]{2,10})-([A-Z0-9]{1,15})$/

const legacySymbols: SymbolRules = {
  format: 'QUOTE-BASE, upper case (KRW-BTC)',
  normalize: (symbol) => legacySplit(symbol).symbol,
  split: (symbol) => legacySplit(symbol),
  join: (parts) => `${parts.quote.toUpperCase()}-${parts.base.toUpperCase()}`,
}

function legacySplit(symbol: string): { symbol: string; base: string; quote: string } {
  const upper = typeof symbol === 'string' && symbol.length <= 64 ? symbol.trim().toUpperCase() : ''
  const match = QUOTE_BASE.exec(upper)
  if (!match)
    throw invalid(
      'symbol',
      `Malformed symbol ${describeValue(symbol)}: expected QUOTE-BASE (KRW-BTC) or BASE/QUOTE.`,
    )
  return { symbol: upper, quote: match[1]!, base: match[2]! }
}

const legacyMarket: MarketRules = {
  tickSize: (_symbol, price) => krwTickSize(price),
  fees: () => ({ maker: UPBIT_KRW_FEE_RATE, taker: UPBIT_KRW_FEE_RATE }),
  minOrderTotal: () => UPBIT_KRW_MIN_ORDER,
  volumeDecimals: () => 8,
  orderTypes: ['limit', 'price', 'market', 'best'] as readonly OrderType[],
  defaultQuote: 'KRW',
}

/** The rules used when no `exchange` is given (Upbit's KRW market, as before). @internal */
export const LEGACY_EXCHANGE_RULES: ExchangeRules = {
  id: 'upbit',
  symbols: legacySymbols,
  market: legacyMarket,
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
