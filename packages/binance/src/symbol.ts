import { describeValue, InvalidRequestError, UnknownSymbolError } from '@bb/errors'
import type { SymbolRules } from '@bb/exchange-adapter'

/** A Binance symbol split into its parts. */
export interface BinanceSymbol {
  /** The native symbol, upper case: `BTCUSDT`. */
  readonly symbol: string
  /** The base asset: `BTC`. */
  readonly base: string
  /** The quote asset: `USDT`. */
  readonly quote: string
}

/**
 * The quote assets the heuristic split tries, longest first, before the market list is loaded
 * (BINANCE.md §3). A symbol is `baseAsset + quoteAsset` with no separator, so the split is not
 * derivable from the text: `exchangeInfo` is authoritative and wins once loaded.
 */
export const BINANCE_KNOWN_QUOTES: readonly string[] = [
  'FDUSD',
  'USDT',
  'USDC',
  'TUSD',
  'BUSD',
  'EURI',
  'BTC',
  'ETH',
  'BNB',
  'EUR',
  'TRY',
  'BRL',
  'JPY',
  'MXN',
  'ARS',
  'ZAR',
  'PLN',
  'RON',
  'UAH',
  'COP',
  'CZK',
  'XRP',
  'DOGE',
  'SOL',
  'TRX',
  'DAI',
  'USD1',
  'USDP',
  'AEUR',
  'IDRT',
  'BIDR',
  'AUD',
  'GBP',
  'RUB',
  'NGN',
]

// Longest first, so `BTCFDUSD` is FDUSD-quoted before any shorter suffix is tried.
const BY_LENGTH = [...BINANCE_KNOWN_QUOTES].sort((a, b) => b.length - a.length)

// Upper case letters and digits; symbol names may also be non-ASCII (BINANCE.md §3), accepted
// when the market list names them.
const NATIVE = /^[A-Z0-9]{2,30}$/
const UNIFIED = /^([^\s/]{1,20})\/([^\s/]{1,20})$/

function invalid(symbol: unknown): InvalidRequestError {
  return new InvalidRequestError({
    param: 'symbol',
    exchange: 'binance',
    message: `Malformed symbol ${describeValue(symbol)}: expected BASEQUOTE (BTCUSDT) or BASE/QUOTE (BTC/USDT).`,
  })
}

/**
 * The symbol rules of one adapter instance: with a market list (`exchangeInfo`, see
 * {@link parseBinanceExchangeInfo}) a symbol splits exactly by its `baseAsset`/`quoteAsset` and a
 * symbol the list does not name is an `UnknownSymbolError`; without one the split is the
 * documented heuristic over {@link BINANCE_KNOWN_QUOTES} (longest quote suffix first).
 * `BASE/QUOTE` (`BTC/USDT`) is accepted everywhere and maps to the native `BTCUSDT`; a stream
 * name (`btcusdt@trade`) splits as its symbol.
 */
export function binanceSymbolRules(markets?: ReadonlyMap<string, BinanceSymbol>): SymbolRules {
  const byParts = new Map<string, BinanceSymbol>()
  for (const m of markets?.values() ?? []) byParts.set(`${m.base}/${m.quote}`, m)

  function split(symbol: string): BinanceSymbol {
    if (typeof symbol !== 'string' || symbol.length > 64) throw invalid(symbol)
    // A stream name (`btcusdt@depth5`) names its symbol before the `@`.
    const at = symbol.indexOf('@')
    const upper = (at === -1 ? symbol : symbol.slice(0, at)).trim().toUpperCase()
    const unified = UNIFIED.exec(upper)
    if (unified) {
      const base = unified[1]!
      const quote = unified[2]!
      if (markets) {
        const known = byParts.get(`${base}/${quote}`)
        if (!known)
          throw new UnknownSymbolError({ symbol: upper, exchange: 'binance', hint: 'BTCUSDT or BTC/USDT' })
        return known
      }
      return { symbol: `${base}${quote}`, base, quote }
    }
    if (markets) {
      const known = markets.get(upper)
      if (known) return known
      if (!NATIVE.test(upper)) throw invalid(symbol)
      throw new UnknownSymbolError({ symbol: upper, exchange: 'binance', hint: 'BTCUSDT or BTC/USDT' })
    }
    if (!NATIVE.test(upper)) throw invalid(symbol)
    for (const quote of BY_LENGTH) {
      if (upper.length > quote.length && upper.endsWith(quote))
        return { symbol: upper, base: upper.slice(0, -quote.length), quote }
    }
    throw new InvalidRequestError({
      param: 'symbol',
      exchange: 'binance',
      message: `Cannot split ${describeValue(symbol)} without the market list: its quote is none of the known quote assets. Load exchangeInfo (createBinance({ exchangeInfo })) or pass BASE/QUOTE.`,
    })
  }

  return {
    format: markets
      ? 'BASEQUOTE, upper case, no separator (BTCUSDT), split by the loaded exchangeInfo; BASE/QUOTE (BTC/USDT) accepted'
      : 'BASEQUOTE, upper case, no separator (BTCUSDT), split by known quote assets until exchangeInfo is loaded; BASE/QUOTE (BTC/USDT) accepted',
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
            exchange: 'binance',
            message: `A Binance symbol needs a non-empty string ${name}, got ${describeValue(value)}.`,
          })
      }
      return split(`${(base as string).toUpperCase()}/${(quote as string).toUpperCase()}`).symbol
    },
  }
}
