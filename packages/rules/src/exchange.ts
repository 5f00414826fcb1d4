import type { ExchangeAdapter } from '@bb/exchange-adapter'
import { isUnifiedSymbol, parseSymbol } from '@bb/models'
import { describeValue, invalid, optionsBag } from './check.js'

/**
 * What `@bb/rules` needs of an exchange: its id, its symbol rules (to split a market into base
 * and quote) and its market rules (tick sizes, fees, minimum order, volume decimals, the quote of
 * the default paper balance). Any `ExchangeAdapter` is one: pass the adapter of your exchange
 * package (or `backbone.adapter` of a `@bb/router` backbone) as the `exchange` option of
 * {@link createEngine}, {@link DryRunExecutor}, {@link backtest}, {@link parseCandlesCsv} or
 * {@link LiveExecutor}. It is required: `@bb/rules` has no default exchange.
 */
export type ExchangeRules = Pick<ExchangeAdapter, 'id' | 'symbols' | 'market'>

/** How to fix a missing `exchange` option (no exchange is assumed). */
const HOW_TO_FIX =
  'pass the adapter of the exchange whose market rules apply, e.g. `exchange: <adapter>` imported from its exchange package, or `backbone.adapter` of a @bb/router backbone'

/**
 * Checks the required `exchange` option of `where` (e.g. `DryRunExecutor`): an
 * `InvalidRequestError` naming `exchange` and how to fix it when it is missing or not an adapter.
 * @internal
 */
export function exchangeRulesOf(value: unknown, where = 'this call'): ExchangeRules {
  if (value === undefined) throw invalid('exchange', `"exchange" is required by ${where}: ${HOW_TO_FIX}.`)
  const rules = optionsBag(value as ExchangeRules, 'exchange')!
  if (
    typeof rules.id !== 'string' ||
    typeof rules.symbols?.split !== 'function' ||
    typeof rules.symbols?.join !== 'function' ||
    typeof rules.symbols?.normalize !== 'function' ||
    typeof rules.market?.tickSize !== 'function' ||
    typeof rules.market?.fees !== 'function' ||
    typeof rules.market?.minOrderTotal !== 'function' ||
    typeof rules.market?.volumeDecimals !== 'function' ||
    typeof rules.market?.defaultQuote !== 'string'
  )
    throw invalid(
      'exchange',
      `"exchange" must be an exchange adapter (id, symbols, market) (got ${describeValue(value)}): ${HOW_TO_FIX}.`,
    )
  return rules
}

/**
 * Base, quote and the exchange's native id of a market given as a unified `BASE/QUOTE` symbol or
 * as the native id. @internal
 */
export function splitMarket(
  rules: ExchangeRules,
  symbol: string,
): { native: string; base: string; quote: string } {
  if (isUnifiedSymbol(symbol)) {
    const { base, quote } = parseSymbol(symbol)
    return { native: rules.symbols.join({ base, quote }), base, quote }
  }
  const split = rules.symbols.split(symbol)
  return { native: split.symbol, base: split.base, quote: split.quote }
}
