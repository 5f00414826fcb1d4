import { describeValue, InvalidRequestError, UnknownSymbolError } from '@bb/errors'
import type { SymbolRules } from '@bb/exchange-adapter'

/** A Coinone market: the two fields Coinone addresses it by (COINONE.md §3). */
export interface CoinoneSymbol {
  /** The symbol this adapter uses, `BASE/QUOTE` upper case: `BTC/KRW`. */
  readonly symbol: string
  /** `target_currency`, upper case: `BTC`. */
  readonly base: string
  /** `quote_currency`, upper case: `KRW` (the only quote Coinone lists). */
  readonly quote: string
}

/** The quote currencies Coinone lists: KRW only (`markets/USDT` is empty; COINONE.md §3). */
export const COINONE_QUOTES: readonly string[] = ['KRW']

const CURRENCY = /^[A-Z0-9]{1,20}$/

function invalid(symbol: unknown): InvalidRequestError {
  return new InvalidRequestError({
    param: 'symbol',
    exchange: 'coinone',
    message: `Malformed symbol ${describeValue(symbol)}: expected BASE/QUOTE (BTC/KRW) or a bare target currency (BTC, on KRW).`,
  })
}

/**
 * The symbol rules of one adapter instance. Coinone has **no combined market code**: a market is
 * `quote_currency` + `target_currency`, in paths `/{quote}/{target}` (`/KRW/BTC`). The symbol
 * this adapter uses is therefore the unified `BASE/QUOTE` itself (`BTC/KRW`), upper case; a bare
 * target currency (`btc`, as in a WS frame's `target_currency`) means the KRW market. Case is
 * normalized (`ticker_new` sends lower case). A quote other than KRW is an `UnknownSymbolError`;
 * with a market list loaded (`createCoinone({ markets })`) so is a target it does not name.
 */
export function coinoneSymbolRules(markets?: ReadonlySet<string>): SymbolRules {
  function split(symbol: string): CoinoneSymbol {
    if (typeof symbol !== 'string' || symbol.length > 64) throw invalid(symbol)
    const upper = symbol.trim().toUpperCase()
    const slash = upper.indexOf('/')
    const base = slash === -1 ? upper : upper.slice(0, slash)
    const quote = slash === -1 ? 'KRW' : upper.slice(slash + 1)
    if (!CURRENCY.test(base) || !CURRENCY.test(quote)) throw invalid(symbol)
    const unified = `${base}/${quote}`
    if (!COINONE_QUOTES.includes(quote) || (markets !== undefined && !markets.has(unified)))
      throw new UnknownSymbolError({ symbol: unified, exchange: 'coinone', hint: 'BTC/KRW' })
    return { symbol: unified, base, quote }
  }
  return {
    format: markets
      ? 'BASE/QUOTE upper case (BTC/KRW; Coinone has no combined code), from the loaded market list; a bare target (BTC) means KRW'
      : 'BASE/QUOTE upper case (BTC/KRW; Coinone has no combined code), KRW quote only; a bare target (BTC) means KRW',
    normalize: (symbol) => split(symbol).symbol,
    split,
    join(parts) {
      const base = (parts as { base?: unknown } | null | undefined)?.base
      const quote = (parts as { quote?: unknown } | null | undefined)?.quote
      for (const [name, value] of [
        ['base', base],
        ['quote', quote],
      ] as const) {
        if (typeof value !== 'string' || value === '')
          throw new InvalidRequestError({
            param: name,
            exchange: 'coinone',
            message: `A Coinone symbol needs a non-empty string ${name}, got ${describeValue(value)}.`,
          })
      }
      return split(`${base as string}/${quote as string}`).symbol
    },
  }
}

/** The path segment `/{quote}/{target}` of a market (`/KRW/BTC`). */
export function coinonePathOf(rules: SymbolRules, symbol: unknown, param = 'symbol'): string {
  if (typeof symbol !== 'string')
    throw new InvalidRequestError({
      param,
      exchange: 'coinone',
      message: `Expected a symbol such as BTC/KRW for "${param}", got ${describeValue(symbol)}.`,
    })
  const { base, quote } = rules.split(symbol)
  return `/${quote}/${base}`
}
