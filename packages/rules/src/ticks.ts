import { Decimal, type DecimalInput } from '@bb/models'
import { decimalIn, describeValue, invalid, oneOf, optionsBag } from './check.js'
import type { ExchangeRules } from './exchange.js'

/** How {@link roundToTick} rounds a price that is not on the grid. */
export type TickRounding = 'up' | 'down' | 'nearest'

/**
 * Where {@link roundToTick} reads the tick size: a function of the price, or an exchange and one
 * of its markets (the tick is `exchange.market.tickSize(symbol, price)`).
 */
export type TickSource =
  | ((price: Decimal) => Decimal)
  | { readonly exchange: ExchangeRules; readonly symbol: string }

/**
 * Rounds a price onto the tick grid of a market: `down` for a sell you must not overstate, `up`
 * for a buy. The grid comes from the exchange's market rules (`{ exchange, symbol }`) or from a
 * tick function; there is no default grid (every exchange has its own).
 *
 * @example
 * ```ts
 * import { fixtureExchange } from '@bb/adapter-testing'
 * import { Decimal } from '@bb/models'
 * import { roundToTick } from '@bb/rules'
 * // any adapter works; the conformance kit's fixture exchange has a 0.01 tick in USDT markets
 * roundToTick('64000.123', 'up', { exchange: fixtureExchange, symbol: 'BTCUSDT' }).toString() // '64000.13'
 * roundToTick('7423', 'down', () => new Decimal(5)).toString() // '7420'
 * ```
 */
export function roundToTick(price: DecimalInput, rounding: TickRounding, tickSize: TickSource): Decimal {
  const value = decimalIn(price, 'price', { above: 0 }) ?? missing('price', '"price" is required.')
  oneOf(rounding, 'rounding', ['up', 'down', 'nearest'] as const)
  const tick = tickOf(tickSize, value)
  const mode =
    rounding === 'up' ? Decimal.ROUND_CEIL : rounding === 'down' ? Decimal.ROUND_FLOOR : Decimal.ROUND_HALF_UP
  // Rounding up across a band edge lands on the next band's grid anyway (its tick is a multiple).
  return value.dividedBy(tick).toDecimalPlaces(0, mode).times(tick)
}

function tickOf(source: TickSource, price: Decimal): Decimal {
  if (source === undefined)
    missing(
      'tickSize',
      '"tickSize" is required: pass `{ exchange, symbol }` (the adapter of your exchange package and a market) or a function of the price.',
    )
  let tick: unknown
  if (typeof source === 'function') tick = source(price)
  else {
    const where = optionsBag(source, 'tickSize', true)
    if (typeof where.exchange?.market?.tickSize !== 'function' || typeof where.symbol !== 'string')
      throw invalid(
        'tickSize',
        `"tickSize" must be a function or { exchange, symbol } with an exchange adapter (got ${describeValue(source)}).`,
      )
    tick = where.exchange.market.tickSize(where.symbol, price)
  }
  if (!Decimal.isDecimal(tick) || !(tick as Decimal).isFinite() || !(tick as Decimal).greaterThan(0))
    throw invalid('tickSize', `The tick size must be a Decimal above 0 (got ${describeValue(tick)}).`)
  return tick as Decimal
}

function missing(param: string, message: string): never {
  throw invalid(param, message)
}
