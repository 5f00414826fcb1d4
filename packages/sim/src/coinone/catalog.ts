import { definitionFor, type MarketDefinition } from '../market/catalog.js'
import { tickFor } from '../market/ticks.js'

/** A Coinone pair of the simulator: a KRW market of the shared model under Coinone's names. */
export interface CoinonePair {
  /** `target_currency` (the base), upper case, e.g. `BTC`. */
  readonly target: string
  /** `quote_currency`: always `KRW` (Coinone lists KRW pairs only). */
  readonly quote: 'KRW'
  /** The unified symbol, `BTC/KRW`. */
  readonly symbol: string
  /** The model's market definition (`KRW-BTC`). */
  readonly def: MarketDefinition
}

// KRW pairs Coinone lists, busiest first (the model's reference prices and activity).
const TARGETS = ['BTC', 'ETH', 'XRP', 'SOL', 'DOGE', 'ADA', 'TRX', 'AVAX', 'LINK', 'SHIB'] as const

function pairOf(target: string): CoinonePair {
  const def = definitionFor(`KRW-${target}`, () => 0.5)
  return { target, quote: 'KRW', symbol: `${target}/KRW`, def }
}

/** Every pair the Coinone profile lists, in listing order. */
const CATALOG: readonly CoinonePair[] = TARGETS.map(pairOf)

/**
 * Resolves the `markets` option of the Coinone profile: a count, or targets (`BTC`) or symbols
 * (`BTC/KRW`) from the built-in list.
 */
export function resolveCoinonePairs(markets: number | readonly string[] | undefined): CoinonePair[] {
  if (markets === undefined) return CATALOG.slice()
  if (typeof markets === 'number') {
    if (!Number.isInteger(markets) || markets < 1 || markets > CATALOG.length)
      throw new RangeError(`markets must be an integer from 1 to ${CATALOG.length}`)
    return CATALOG.slice(0, markets)
  }
  const out: CoinonePair[] = []
  for (const name of markets) {
    const target = typeof name === 'string' ? name.toUpperCase().replace(/\/KRW$/, '') : ''
    const p = CATALOG.find((x) => x.target === target)
    if (!p)
      throw new RangeError(
        `Unknown Coinone pair "${String(name)}": expected one of ${CATALOG.map((x) => x.symbol).join(', ')}`,
      )
    if (!out.includes(p)) out.push(p)
  }
  if (out.length === 0) throw new RangeError('markets must name at least one pair')
  return out
}

/** One band of a tick ladder: `[range_min, next_range_min)` → `price_unit` (JSON numbers). */
export interface RangeUnit {
  readonly range_min: number
  readonly next_range_min: number
  readonly price_unit: number
}

// The band edges of the model's KRW grid (the one the matching engine checks prices against).
const EDGES = [0, 0.0001, 0.001, 0.01, 0.1, 1, 10, 100, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000]
const TOP = 10_000_000_000_000

/**
 * The pair's tick ladder as `range_units` sends it: the model's KRW price grid, so a client that
 * loads it validates prices exactly as the sim's matching engine does.
 */
export function rangeUnits(): RangeUnit[] {
  return EDGES.map((min, i) => ({
    range_min: min,
    next_range_min: EDGES[i + 1] ?? TOP,
    price_unit: tickFor('KRW', min === 0 ? 0.00005 : min).size,
  }))
}

/** A price as decimal text on the pair's tick (no exponent, no trailing zeros beyond the tick). */
export function priceText(price: number): string {
  return price.toFixed(tickFor('KRW', price).decimals)
}

/** A price as `ticker_new` prints it: at least one decimal (`"50543000.0"`). */
export function tickerPrice(price: number): string {
  const t = priceText(price)
  return t.includes('.') ? t : `${t}.0`
}

/** A quantity or volume: up to 8 decimals, trailing zeros dropped (`"0.0143"`, `"0"`). */
export function qtyText(v: number): string {
  const t = v.toFixed(8)
  return t.includes('.') ? t.replace(/\.?0+$/, '') || '0' : t
}

/** The 16-digit market-data id of a trade (and of the book, ticker and candle it produced). */
export function dataId(
  t: { readonly ts: number; readonly sub: number } | undefined,
  fallbackTs: number,
): string {
  if (!t) return `${fallbackTs}000`
  const s = Math.min(t.sub, 999)
  return `${t.ts}${s < 10 ? '00' : s < 100 ? '0' : ''}${s}`
}

/** A Coinone business error: HTTP 200 (unless `status` says otherwise) with the string `error_code`. */
export class CoinoneError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 200,
  ) {
    super(message)
    this.name = 'CoinoneError'
  }

  /** The body Coinone sends. */
  body(): string {
    return JSON.stringify({ result: 'error', error_code: this.code, error_msg: this.message })
  }
}
