import { DataValidationError, describeValue } from '@bb/errors'
import type { FeeRates, MarketRules, SymbolRules } from '@bb/exchange-adapter'
import { Decimal, type OrderType } from '@bb/models'

/** One band of a range-unit ladder: prices in `[rangeMin, nextRangeMin)` sit on `priceUnit`. */
export interface CoinoneRangeUnit {
  /** Inclusive lower bound. */
  readonly rangeMin: Decimal
  /** Exclusive upper bound; `undefined` for the open last band. */
  readonly nextRangeMin: Decimal | undefined
  /** The tick in the band. */
  readonly priceUnit: Decimal
}

const band = (min: string, next: string | undefined, unit: string): CoinoneRangeUnit => ({
  rangeMin: new Decimal(min),
  nextRangeMin: next === undefined ? undefined : new Decimal(next),
  priceUnit: new Decimal(unit),
})

/**
 * The documented example ladder of `range_units` (COINONE.md §9), used for a pair whose own
 * ladder is not loaded. Live BTC used 10,000 KRW steps (a band above 1,000,000 the example does
 * not show): load the pair's ladder (`createCoinone({ rangeUnits })`) for authority.
 */
export const COINONE_EXAMPLE_RANGE_UNITS: readonly CoinoneRangeUnit[] = [
  band('0', '1', '0.0001'),
  band('1', '10', '0.001'),
  band('10', '100', '0.01'),
  band('100', '1000', '0.1'),
  band('1000', '5000', '1'),
  band('5000', '10000', '5'),
  band('10000', '50000', '10'),
  band('50000', '100000', '50'),
  band('100000', '500000', '100'),
  band('500000', '1000000', '500'),
  band('1000000', undefined, '1000'),
]

function bad(path: string, expected: string, received: unknown): DataValidationError {
  return new DataValidationError({
    path,
    expected,
    received,
    message: `Coinone ${path}: expected ${expected}, got ${describeValue(received)}.`,
  })
}

function parsed(raw: unknown): Record<string, unknown> {
  let value = raw
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw)
    } catch {
      throw bad('', 'JSON text', raw.slice(0, 40))
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('', 'an object', value)
  return value as Record<string, unknown>
}

// Range units are JSON numbers (`0.0001`): their shortest text is exact for these grids.
function number(value: unknown, path: string): Decimal {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return new Decimal(String(value))
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return new Decimal(value)
  throw bad(path, 'a non-negative number', value)
}

/**
 * Parses a `GET /public/v2/range_units/{quote}/{target}` reply (text or parsed) into its ladder,
 * sorted by `range_min`. The last band's `next_range_min` is kept as its bound. Throws
 * `DataValidationError` for any other shape, an empty ladder or a zero unit.
 *
 * @example
 * ```ts
 * import { parseCoinoneRangeUnits } from '@bb/coinone'
 * parseCoinoneRangeUnits('{"result":"success","error_code":"0","range_price_units":[{"range_min":0,"next_range_min":1,"price_unit":0.0001}]}')[0]?.priceUnit.toString() // '0.0001'
 * ```
 */
export function parseCoinoneRangeUnits(raw: unknown): CoinoneRangeUnit[] {
  const body = parsed(raw)
  const list = body.range_price_units
  if (!Array.isArray(list) || list.length === 0) throw bad('range_price_units', 'a non-empty array', list)
  const bands = list.map((entry: unknown, i) => {
    const at = `range_price_units[${i}]`
    if (entry === null || typeof entry !== 'object') throw bad(at, 'an object', entry)
    const e = entry as Record<string, unknown>
    const priceUnit = number(e.price_unit, `${at}.price_unit`)
    if (priceUnit.isZero()) throw bad(`${at}.price_unit`, 'a positive tick', e.price_unit)
    return {
      rangeMin: number(e.range_min, `${at}.range_min`),
      nextRangeMin:
        e.next_range_min === undefined ? undefined : number(e.next_range_min, `${at}.next_range_min`),
      priceUnit,
    }
  })
  return bands.sort((a, b) => a.rangeMin.comparedTo(b.rangeMin))
}

/** The tick of a price on a ladder: the last band whose `rangeMin` ≤ price (prices above the top band use it). */
export function coinoneTickOf(ladder: readonly CoinoneRangeUnit[], price: Decimal): Decimal {
  let unit = ladder[0]!.priceUnit
  for (const b of ladder) if (price.greaterThanOrEqualTo(b.rangeMin)) unit = b.priceUnit
  return unit
}

/** One row of `GET /public/v2/markets/{quote}`: the fields the market rules use. */
export interface CoinoneMarketInfo {
  /** `BTC/KRW`. */
  readonly symbol: string
  /** `qty_unit`: the quantity step. */
  readonly qtyUnit: Decimal
  /** `min_order_amount`: the smallest order total, KRW. */
  readonly minOrderAmount: Decimal
  /** `order_types`, lower case (`limit`, `market`, `stop_limit`). */
  readonly orderTypes: readonly string[]
  /** `maintenance_status`: 0 normal, 1 under maintenance. */
  readonly maintenanceStatus: number
  /** `trade_status`: 0 no trading, 1 buy and sell, 2 no buy, 3 no sell. */
  readonly tradeStatus: number
}

const DECIMAL = /^\d+(\.\d+)?$/

function decimalText(value: unknown, path: string): Decimal {
  if (typeof value !== 'string' || !DECIMAL.test(value))
    throw bad(path, 'decimal text such as "5000.0"', value)
  return new Decimal(value)
}

/**
 * Parses a `GET /public/v2/markets/{quote}` reply (text or parsed) into its rows by symbol
 * (`BTC/KRW`; currencies upper-cased). Throws `DataValidationError` naming the bad field.
 *
 * @example
 * ```ts
 * import { parseCoinoneMarkets } from '@bb/coinone'
 * const markets = parseCoinoneMarkets({ result: 'success', error_code: '0', markets: [{ quote_currency: 'KRW', target_currency: 'BTC', qty_unit: '0.00000001', min_order_amount: '5000.0', order_types: ['limit', 'market'], maintenance_status: 0, trade_status: 1 }] })
 * markets.get('BTC/KRW')?.minOrderAmount.toString() // '5000'
 * ```
 */
export function parseCoinoneMarkets(raw: unknown): Map<string, CoinoneMarketInfo> {
  const body = parsed(raw)
  const list = body.markets
  if (!Array.isArray(list)) throw bad('markets', 'an array', list)
  const out = new Map<string, CoinoneMarketInfo>()
  list.forEach((entry: unknown, i) => {
    const at = `markets[${i}]`
    if (entry === null || typeof entry !== 'object') throw bad(at, 'an object', entry)
    const m = entry as Record<string, unknown>
    if (typeof m.quote_currency !== 'string' || typeof m.target_currency !== 'string')
      throw bad(`${at}.target_currency`, 'quote_currency and target_currency strings', m.target_currency)
    const symbol = `${m.target_currency.toUpperCase()}/${m.quote_currency.toUpperCase()}`
    const types = m.order_types ?? []
    if (!Array.isArray(types) || !types.every((t) => typeof t === 'string'))
      throw bad(`${at}.order_types`, 'an array of strings', types)
    out.set(symbol, {
      symbol,
      qtyUnit: decimalText(m.qty_unit, `${at}.qty_unit`),
      minOrderAmount: decimalText(m.min_order_amount, `${at}.min_order_amount`),
      orderTypes: (types as string[]).map((t) => t.toLowerCase()),
      maintenanceStatus: typeof m.maintenance_status === 'number' ? m.maintenance_status : 0,
      tradeStatus: typeof m.trade_status === 'number' ? m.trade_status : 1,
    })
  })
  return out
}

/**
 * The standing Open API fee rate (personal key): 0.02 % maker and taker (COINONE.md §9). A 0 %
 * promotion ran from 2026-08-21 "until further notice"; `/v2.1/account/trade_fee` is authoritative.
 */
export const COINONE_DEFAULT_FEE_RATE: Decimal = new Decimal('0.0002')
const FEES: FeeRates = { maker: COINONE_DEFAULT_FEE_RATE, taker: COINONE_DEFAULT_FEE_RATE }

/** Live BTC's `min_order_amount` (5,000 KRW) and `qty_unit` (8 dp): the fallbacks before `markets` is loaded. */
const FALLBACK_MIN_TOTAL = new Decimal(5000)
const FALLBACK_VOLUME_DECIMALS = 8

// `limit`, and `market`: a sell by quantity, a buy by the quote `amount` (the neutral `cost`).
const ORDER_TYPES: readonly OrderType[] = ['limit', 'market']

/**
 * The market rules (COINONE.md §9): ticks from the pair's range-unit ladder when loaded, else
 * {@link COINONE_EXAMPLE_RANGE_UNITS}; fees {@link COINONE_DEFAULT_FEE_RATE}; the minimum order
 * total and volume decimals from the `markets` row when loaded, else 5,000 KRW and 8 decimals.
 * Order types `limit` and `market` (a sell by quantity, a buy by `cost`, the quote amount);
 * `STOP_LIMIT` has no unified type.
 */
export function coinoneMarketRules(
  symbols: SymbolRules,
  markets?: ReadonlyMap<string, CoinoneMarketInfo>,
  rangeUnits?: ReadonlyMap<string, readonly CoinoneRangeUnit[]>,
): MarketRules {
  return {
    tickSize(symbol, price) {
      const native = symbols.normalize(symbol)
      if (!Decimal.isDecimal(price) || price.isNegative() || !price.isFinite())
        throw bad('price', 'a non-negative Decimal', price)
      return coinoneTickOf(rangeUnits?.get(native) ?? COINONE_EXAMPLE_RANGE_UNITS, price)
    },
    fees(symbol) {
      symbols.normalize(symbol)
      return FEES
    },
    minOrderTotal(symbol) {
      return markets?.get(symbols.normalize(symbol))?.minOrderAmount ?? FALLBACK_MIN_TOTAL
    },
    volumeDecimals(symbol) {
      const unit = markets?.get(symbols.normalize(symbol))?.qtyUnit
      return unit === undefined ? FALLBACK_VOLUME_DECIMALS : Math.max(0, unit.decimalPlaces())
    },
    orderTypes: ORDER_TYPES,
    marketOrderSizes: { buy: ['cost'], sell: ['volume'] },
    timeInForces: { limit: ['post_only'] },
    defaultQuote: 'KRW',
  }
}
