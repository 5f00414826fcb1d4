import type { ExchangeAdapter } from '@bb/exchange-adapter'
import { isUnifiedSymbol, parseSymbol } from '@bb/models'
import { describeValue, invalid, optionsBag } from './check.js'
import { LEGACY_EXCHANGE_RULES } from './legacy-defaults.js'

/**
 * What `@bb/rules` needs of an exchange: its id, its symbol rules (to split a market into base
 * and quote) and its market rules (tick sizes, fees, minimum order, volume decimals, the quote of
 * the default paper balance). Any `ExchangeAdapter` is one: pass the adapter of your exchange as
 * the `exchange` option of {@link DryRunExecutor}, {@link backtest}, {@link parseCandlesCsv} or
 * {@link LiveExecutor}.
 */
export type ExchangeRules = Pick<ExchangeAdapter, 'id' | 'symbols' | 'market'>

/** Checks an `exchange` option; the legacy defaults when it is absent. @internal */
export function exchangeRulesOf(value: unknown): ExchangeRules {
  if (value === undefined) return LEGACY_EXCHANGE_RULES
  const rules = optionsBag(value as ExchangeRules, 'exchange')!
  if (
    typeof rules.id !== 'string' ||
    typeof rules.symbols?.split !== 'function' ||
    typeof rules.market?.tickSize !== 'function' ||
    typeof rules.market?.fees !== 'function' ||
    typeof rules.market?.minOrderTotal !== 'function'
  )
    throw invalid(
      'exchange',
      `"exchange" must be an exchange adapter (id, symbols, market), e.g. from an exchange package (got ${describeValue(value)}).`,
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
