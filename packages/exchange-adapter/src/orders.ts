import { describeValue, InvalidRequestError } from '@bb/errors'
import { Decimal } from '@bb/models'
import type { CreateOrderParams, MarketRules } from './types.js'

const invalid = (param: string, message: string) => new InvalidRequestError({ param, message })

/** A plain non-negative decimal: text such as `'0.5'` or a finite, non-negative `Decimal`. */
function isAmount(value: unknown): boolean {
  if (typeof value === 'string') return /^\d+(\.\d+)?$/.test(value)
  return Decimal.isDecimal(value) && value.isFinite() && !value.isNegative()
}

/**
 * Checks an order against what the exchange's market rules declare, before any endpoint builder
 * runs: the side, a type the exchange lists in `orderTypes`, the sizing of the type (`limit`:
 * `volume` and `price`; `market`: `volume` or `cost`, as `marketOrderSizes` allows the side), a
 * `timeInForce` listed in `timeInForces` for the type, and only `options` the rules declare in
 * `orderOptions`. What the rules leave undeclared is left to the adapter's endpoint builder.
 * Throws an `InvalidRequestError` whose `param` names the parameter at fault (`options.<name>` for
 * an option); returns nothing.
 *
 * @example
 * ```ts
 * import { checkOrderParams } from '@bb/exchange-adapter'
 * import { upbit } from '@bb/upbit'
 * checkOrderParams(upbit.market, { symbol: 'BTC/KRW', side: 'buy', type: 'market', cost: '10000' }) // ok
 * checkOrderParams(upbit.market, { symbol: 'BTC/KRW', side: 'buy', type: 'market', cost: '1', price: '1' })
 * // throws InvalidRequestError, param 'price'
 * ```
 */
export function checkOrderParams(market: MarketRules, params: CreateOrderParams): void {
  if (params === null || typeof params !== 'object') throw invalid('params', 'An order needs parameters.')
  const { side, type } = params
  if (side !== 'buy' && side !== 'sell')
    throw invalid('side', `"side" must be buy or sell (got ${describeValue(side)}).`)
  if (!market.orderTypes.includes(type))
    throw invalid(
      'type',
      `The exchange takes ${market.orderTypes.join(' and ')} orders (got ${describeValue(type)}).`,
    )
  for (const param of ['volume', 'price', 'cost'] as const) {
    const value = params[param]
    if (value !== undefined && !isAmount(value))
      throw invalid(param, `"${param}" must be a plain non-negative decimal (got ${describeValue(value)}).`)
  }
  const given = (param: 'volume' | 'price' | 'cost') => params[param] !== undefined
  if (type === 'limit') {
    if (!given('volume')) throw invalid('volume', 'A limit order needs "volume" (base quantity).')
    if (!given('price')) throw invalid('price', 'A limit order needs "price".')
    if (given('cost'))
      throw invalid('cost', '"cost" is for market buys; a limit order gives volume and price.')
  } else {
    if (given('price'))
      throw invalid('price', 'A market order has no "price": give "volume" or, for a buy, "cost".')
    if (given('volume') === given('cost'))
      throw invalid(
        given('cost') ? 'cost' : 'volume',
        'A market order gives exactly one of "volume" (base quantity) and "cost" (quote amount).',
      )
    const sizing = given('cost') ? 'cost' : 'volume'
    const allowed = market.marketOrderSizes?.[side]
    if (allowed !== undefined && !allowed.includes(sizing))
      throw invalid(
        sizing,
        `A market ${side} on this exchange is sized by ${allowed.map((a) => `"${a}"`).join(' or ')}, not "${sizing}".`,
      )
  }
  if (params.timeInForce !== undefined && market.timeInForces !== undefined) {
    const allowed = market.timeInForces[type] ?? []
    if (!allowed.includes(params.timeInForce))
      throw invalid(
        'timeInForce',
        allowed.length === 0
          ? `"timeInForce" is not taken by ${type} orders on this exchange.`
          : `A ${type} order takes timeInForce ${allowed.join(', ')} (got ${describeValue(params.timeInForce)}).`,
      )
  }
  const options = params.options
  if (options !== undefined) {
    if (options === null || typeof options !== 'object')
      throw invalid('options', `"options" must be an object (got ${describeValue(options)}).`)
    const declared = market.orderOptions ?? {}
    for (const name of Object.keys(options))
      if (!Object.hasOwn(declared, name))
        throw invalid(
          `options.${name}`,
          `The exchange declares no order option ${describeValue(name)}${
            Object.keys(declared).length > 0 ? ` (it takes ${Object.keys(declared).join(', ')})` : ''
          }.`,
        )
  }
}
