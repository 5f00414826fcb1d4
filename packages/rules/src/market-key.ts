import { isUnifiedSymbol, parseSymbol } from '@bb/models'
import { describeValue, invalid } from './check.js'
import type { ExchangeRules } from './exchange.js'

/**
 * The one key the engine files a market's state under: the exchange's **native id**, as its
 * symbol rules normalize it (`exchange.symbols.normalize`). A model's `marketId` (the native id
 * every model carries next to its unified `symbol`) wins when present; otherwise the `symbol` is
 * read as a unified `BASE/QUOTE` symbol (joined into the native id by `exchange.symbols.join`) or
 * as a native id. So `{ symbol: 'BTC/USDT', marketId: 'BTCUSDT' }`, `{ symbol: 'BTC/USDT' }` and
 * `{ symbol: 'btcusdt' }` are one market for an exchange with `BTCUSDT` ids.
 *
 * Throws `InvalidRequestError` naming `param` for a value that is not a string or that the
 * exchange's symbol rules reject (ill-formed, or a quote the exchange does not list).
 * @internal
 */
export function marketKey(
  exchange: ExchangeRules,
  symbol: unknown,
  marketId?: unknown,
  param = 'symbol',
): string {
  const given = typeof marketId === 'string' && marketId !== '' ? marketId : symbol
  if (typeof given !== 'string' || given.length === 0 || given.length > 64)
    throw invalid(
      param,
      `"${param}" must be a market: a native id (${exchange.symbols.format}) or a BASE/QUOTE symbol (got ${describeValue(given)}).`,
    )
  try {
    if (given === marketId) return exchange.symbols.normalize(given)
    if (isUnifiedSymbol(given)) {
      const { base, quote } = parseSymbol(given)
      return exchange.symbols.normalize(exchange.symbols.join({ base, quote }))
    }
    return exchange.symbols.normalize(given)
  } catch {
    throw invalid(
      param,
      `${describeValue(given)} is not a market of ${exchange.id}: expected a native id (${exchange.symbols.format}) or a BASE/QUOTE symbol of a quote it lists.`,
    )
  }
}

/**
 * {@link marketKey} with a memo: a live feed repeats the same few symbols, so each distinct
 * (symbol, marketId) pair is resolved by the exchange's rules once. Bounded: the memo is dropped
 * when it holds `limit` entries (a hostile feed of ever-new strings cannot grow it).
 * @internal
 */
export class MarketKeys {
  private readonly memo = new Map<string, string>()

  constructor(
    readonly exchange: ExchangeRules,
    private readonly limit = 4096,
  ) {}

  /** The key of a market given as `symbol` (and, when known, its native `marketId`). */
  of(symbol: unknown, marketId?: unknown, param = 'symbol'): string {
    const memoKey =
      typeof symbol === 'string' && (marketId === undefined || typeof marketId === 'string')
        ? `${symbol}\u0000${marketId ?? ''}`
        : undefined
    if (memoKey !== undefined) {
      const known = this.memo.get(memoKey)
      if (known !== undefined) return known
    }
    const key = marketKey(this.exchange, symbol, marketId, param)
    if (memoKey !== undefined) {
      if (this.memo.size >= this.limit) this.memo.clear()
      this.memo.set(memoKey, key)
    }
    return key
  }
}
