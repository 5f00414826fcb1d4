import { DataValidationError, describeValue } from '@bb/errors'
import type { FeeRates, MarketRules, SymbolRules } from '@bb/exchange-adapter'
import { Decimal, type OrderType } from '@bb/models'
import type { BinanceSymbol } from './symbol.js'

/** One symbol of `GET /api/v3/exchangeInfo`, with the filters the adapter uses (BINANCE.md §9). */
export interface BinanceMarketInfo extends BinanceSymbol {
  /** `TRADING`, `HALT`, `BREAK`, `END_OF_DAY`, `CANCEL_ONLY`. */
  readonly status: string
  /** `PRICE_FILTER.tickSize`; `undefined` when the filter is absent or disabled (`0`). */
  readonly tickSize: Decimal | undefined
  /** `LOT_SIZE.stepSize`; `undefined` when absent or disabled. */
  readonly stepSize: Decimal | undefined
  /** `NOTIONAL.minNotional`, else `MIN_NOTIONAL.minNotional`; `undefined` when neither is present. */
  readonly minNotional: Decimal | undefined
  /** The native order types (`LIMIT`, `MARKET`, `LIMIT_MAKER`, …). */
  readonly orderTypes: readonly string[]
}

/** What {@link parseBinanceExchangeInfo} reads from `exchangeInfo`. */
export interface BinanceExchangeInfo {
  /** Every listed symbol, by native symbol (`BTCUSDT`). */
  readonly markets: ReadonlyMap<string, BinanceMarketInfo>
}

function bad(path: string, expected: string, received: unknown): DataValidationError {
  return new DataValidationError({
    path,
    expected,
    received,
    message: `exchangeInfo ${path}: expected ${expected}, got ${describeValue(received)}.`,
  })
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw bad(path, 'a non-empty string', value)
  return value
}

const DECIMAL = /^\d+(\.\d+)?$/

function positive(value: unknown, path: string): Decimal | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !DECIMAL.test(value))
    throw bad(path, 'decimal text such as "0.01000000"', value)
  const d = new Decimal(value)
  return d.isZero() ? undefined : d
}

/**
 * Reads `GET /api/v3/exchangeInfo` (text or parsed JSON) into the market list: symbol, base and
 * quote asset, status, and from `filters[]` the `PRICE_FILTER` tick size, `LOT_SIZE` step size and
 * the minimum notional (`NOTIONAL`, else the older `MIN_NOTIONAL`). A value of `0` disables a
 * filter part and reads as absent. Throws `DataValidationError` naming the bad path.
 *
 * @example
 * ```ts
 * import { parseBinanceExchangeInfo } from '@bb/binance'
 * const info = parseBinanceExchangeInfo({ symbols: [{ symbol: 'BTCUSDT', status: 'TRADING', baseAsset: 'BTC', quoteAsset: 'USDT',
 *   orderTypes: ['LIMIT', 'MARKET'], filters: [{ filterType: 'PRICE_FILTER', tickSize: '0.01000000' }] }] })
 * info.markets.get('BTCUSDT')?.tickSize?.toString() // '0.01'
 * ```
 */
export function parseBinanceExchangeInfo(raw: unknown): BinanceExchangeInfo {
  let value = raw
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw)
    } catch {
      throw bad('', 'JSON text', raw.slice(0, 40))
    }
  }
  const list =
    value !== null && typeof value === 'object' ? (value as { symbols?: unknown }).symbols : undefined
  if (!Array.isArray(list)) throw bad('symbols', 'an array', list)
  const markets = new Map<string, BinanceMarketInfo>()
  list.forEach((entry: unknown, i) => {
    const at = `symbols[${i}]`
    if (entry === null || typeof entry !== 'object') throw bad(at, 'an object', entry)
    const s = entry as Record<string, unknown>
    const symbol = text(s.symbol, `${at}.symbol`).toUpperCase()
    const base = text(s.baseAsset, `${at}.baseAsset`).toUpperCase()
    const quote = text(s.quoteAsset, `${at}.quoteAsset`).toUpperCase()
    const filters = s.filters === undefined ? [] : s.filters
    if (!Array.isArray(filters)) throw bad(`${at}.filters`, 'an array', filters)
    let tickSize: Decimal | undefined
    let stepSize: Decimal | undefined
    let notional: Decimal | undefined
    let minNotional: Decimal | undefined
    filters.forEach((f: unknown, j) => {
      const fat = `${at}.filters[${j}]`
      if (f === null || typeof f !== 'object') throw bad(fat, 'an object', f)
      const filter = f as Record<string, unknown>
      switch (filter.filterType) {
        case 'PRICE_FILTER':
          tickSize = positive(filter.tickSize, `${fat}.tickSize`)
          break
        case 'LOT_SIZE':
          stepSize = positive(filter.stepSize, `${fat}.stepSize`)
          break
        case 'NOTIONAL':
          notional = positive(filter.minNotional, `${fat}.minNotional`)
          break
        case 'MIN_NOTIONAL':
          minNotional = positive(filter.minNotional, `${fat}.minNotional`)
          break
        default:
      }
    })
    const types = s.orderTypes === undefined ? [] : s.orderTypes
    if (!Array.isArray(types) || !types.every((t) => typeof t === 'string'))
      throw bad(`${at}.orderTypes`, 'an array of strings', types)
    markets.set(symbol, {
      symbol,
      base,
      quote,
      status: typeof s.status === 'string' ? s.status : 'UNKNOWN',
      tickSize,
      stepSize,
      minNotional: notional ?? minNotional,
      orderTypes: types as string[],
    })
  })
  return { markets }
}

/** Binance's default spot fee without BNB discount or VIP tier: 0.1 % maker and taker. */
export const BINANCE_DEFAULT_FEE_RATE: Decimal = new Decimal('0.001')
const FEES: FeeRates = { maker: BINANCE_DEFAULT_FEE_RATE, taker: BINANCE_DEFAULT_FEE_RATE }

// Before exchangeInfo is loaded: BTCUSDT's published filters for stable-coin quotes, a satoshi
// grid for crypto quotes (BINANCE.md §9). Documented fallbacks, never authoritative.
const STABLE = new Set(['USDT', 'FDUSD', 'USDC', 'TUSD', 'BUSD', 'DAI', 'USD1'])
const FALLBACK_TICK_STABLE = new Decimal('0.01')
const FALLBACK_TICK_OTHER = new Decimal('0.00000001')
const FALLBACK_MIN_STABLE = new Decimal(5)
const FALLBACK_MIN_OTHER = new Decimal('0.0001')

const ORDER_TYPE_MAP: Readonly<Record<string, OrderType>> = {
  LIMIT: 'limit',
  LIMIT_MAKER: 'limit',
  MARKET: 'market',
}
// A `market` order gives a base `volume` (quantity) or, for a buy, a quote `cost` (quoteOrderQty).
const ORDER_TYPES: readonly OrderType[] = ['limit', 'market']

/** The unified order types of a symbol's native `orderTypes` (`LIMIT_MAKER` is a post-only limit). */
export function binanceOrderTypes(native: readonly string[]): OrderType[] {
  const out = new Set<OrderType>()
  for (const t of native) {
    const mapped = ORDER_TYPE_MAP[t]
    if (mapped) out.add(mapped)
  }
  return ORDER_TYPES.filter((t) => out.has(t))
}

function decimalsOf(step: Decimal): number {
  return Math.max(0, step.decimalPlaces())
}

/**
 * Binance's market rules: with a market list, each symbol's `PRICE_FILTER.tickSize`, the
 * `NOTIONAL`/`MIN_NOTIONAL` minimum and the `LOT_SIZE` step's decimals; without one (or for a
 * symbol the list lacks a filter for) the documented fallbacks: tick 0.01 and minimum 5 for
 * stable-coin quotes, 0.00000001 and 0.0001 otherwise, 8 volume decimals. Fees are the 0.1 % default.
 *
 * @example
 * ```ts
 * import { binanceMarketRules, binanceSymbolRules, parseBinanceExchangeInfo } from '@bb/binance'
 * import { Decimal } from '@bb/models'
 * const { markets } = parseBinanceExchangeInfo({ symbols: [{ symbol: 'ETHBTC', baseAsset: 'ETH', quoteAsset: 'BTC',
 *   filters: [{ filterType: 'PRICE_FILTER', tickSize: '0.00000100' }] }] })
 * binanceMarketRules(binanceSymbolRules(markets), markets).tickSize('ETHBTC', new Decimal('0.05')).toString() // '0.000001'
 * ```
 */
export function binanceMarketRules(
  symbols: SymbolRules,
  markets?: ReadonlyMap<string, BinanceMarketInfo>,
): MarketRules {
  const info = (symbol: string) => {
    const { symbol: native, quote } = symbols.split(symbol)
    return { market: markets?.get(native), stable: STABLE.has(quote) }
  }
  return {
    tickSize(symbol) {
      const { market, stable } = info(symbol)
      return market?.tickSize ?? (stable ? FALLBACK_TICK_STABLE : FALLBACK_TICK_OTHER)
    },
    fees(symbol) {
      symbols.split(symbol)
      return FEES
    },
    minOrderTotal(symbol) {
      const { market, stable } = info(symbol)
      return market?.minNotional ?? (stable ? FALLBACK_MIN_STABLE : FALLBACK_MIN_OTHER)
    },
    volumeDecimals(symbol) {
      const step = info(symbol).market?.stepSize
      return step === undefined ? 8 : decimalsOf(step)
    },
    orderTypes: ORDER_TYPES,
    defaultQuote: 'USDT',
  }
}
