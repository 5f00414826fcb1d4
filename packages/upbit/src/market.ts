import type { FeeRates, MarketRules } from '@bb/exchange-adapter'
import { Decimal, type OrderType } from '@bb/models'
import { parseUpbitSymbol } from './symbol.js'

/** Upbit's taker (and maker) fee in the KRW market: 0.05 % (`bid_fee` = `"0.0005"`, UPBIT.md §9). */
export const UPBIT_KRW_FEE_RATE: Decimal = new Decimal('0.0005')

/** Upbit's minimum order total in the KRW market: 5,000 KRW (UPBIT.md §9). */
export const UPBIT_KRW_MIN_ORDER: Decimal = new Decimal(5000)

// [lower bound, tick] rows of the KRW tick table (after the 2025-07-31 change), highest first.
const KRW_TICKS: readonly (readonly [Decimal, Decimal])[] = [
  [new Decimal(1_000_000), new Decimal(1000)],
  [new Decimal(500_000), new Decimal(500)],
  [new Decimal(100_000), new Decimal(100)],
  [new Decimal(50_000), new Decimal(50)],
  [new Decimal(10_000), new Decimal(10)],
  [new Decimal(5_000), new Decimal(5)],
  [new Decimal(100), new Decimal(1)],
]

const SATOSHI = new Decimal('0.00000001')

/**
 * The price tick of Upbit's KRW market for a price (UPBIT.md §9): 1,000 KRW at 1,000,000 and
 * above, 500 from 500,000, 100 from 100,000, 50 from 50,000, 10 from 10,000, 5 from 5,000, 1 from
 * 100; below 100 KRW the tick keeps dividing by ten per decade (never below 0.00000001). The
 * exchange's `/orderbook/instruments` is authoritative for a given pair.
 *
 * @example
 * ```ts
 * import { krwTickSize } from '@bb/upbit'
 * import { Decimal } from '@bb/models'
 * krwTickSize(new Decimal('143250000')).toString() // '1000'
 * krwTickSize(new Decimal('7420')).toString() // '5'
 * ```
 */
export function krwTickSize(price: Decimal): Decimal {
  for (const [lower, tick] of KRW_TICKS) if (price.greaterThanOrEqualTo(lower)) return tick
  // Below 100 KRW: one tick is a ten-thousandth of the decade's lower bound's order of magnitude.
  let tick = new Decimal('0.01')
  let lower = new Decimal(10)
  while (price.lessThan(lower) && tick.greaterThan(SATOSHI)) {
    lower = lower.dividedBy(10)
    tick = tick.dividedBy(10)
  }
  return tick
}

// USDT market: 0.01 at 10 and above, one more decimal per decade below (UPBIT.md §9).
function usdtTickSize(price: Decimal): Decimal {
  let tick = new Decimal('0.01')
  let lower = new Decimal(10)
  while (price.lessThan(lower) && tick.greaterThan(SATOSHI)) {
    lower = lower.dividedBy(10)
    tick = tick.dividedBy(10)
  }
  return tick
}

const KRW_FEES: FeeRates = { maker: UPBIT_KRW_FEE_RATE, taker: UPBIT_KRW_FEE_RATE }
// BTC and USDT markets: 0.25 % (Upbit's fee schedule; `GET /orders/chance` is authoritative).
const OTHER_FEE = new Decimal('0.0025')
const OTHER_FEES: FeeRates = { maker: OTHER_FEE, taker: OTHER_FEE }
const MIN_TOTAL: Readonly<Record<string, Decimal>> = {
  KRW: UPBIT_KRW_MIN_ORDER,
  BTC: new Decimal('0.00005'),
  USDT: new Decimal('0.5'),
}
const ORDER_TYPES: readonly OrderType[] = ['limit', 'market']

/**
 * Upbit's one order option, `best`: a market order that fills at the best opposite price only
 * (`ord_type: best`), with timeInForce `ioc` or `fok`. A buy gives `cost`, a sell `volume`.
 */
export const UPBIT_ORDER_OPTIONS: Readonly<Record<string, string>> = {
  best: 'fill at the best opposite price only (ord_type best); needs timeInForce ioc or fok',
}

/**
 * Upbit's market rules (UPBIT.md §9): the KRW, BTC and USDT tick grids, fees, minimum order
 * totals (5,000 KRW, 0.00005 BTC, 0.5 USDT), 8 volume decimals, and the orders Upbit takes:
 * `limit` (timeInForce `ioc`, `fok`, `post_only`), `market` buys by `cost` (`ord_type: price`),
 * `market` sells by `volume` (`ord_type: market`), and the {@link UPBIT_ORDER_OPTIONS} `best`
 * (a market order with timeInForce `ioc`/`fok`).
 *
 * @example
 * ```ts
 * import { upbitMarketRules } from '@bb/upbit'
 * import { Decimal } from '@bb/models'
 * upbitMarketRules.tickSize('KRW-BTC', new Decimal('143250000')).toString() // '1000'
 * upbitMarketRules.minOrderTotal('KRW-BTC').toString() // '5000'
 * ```
 */
export const upbitMarketRules: MarketRules = {
  tickSize(symbol, price) {
    const { quote } = parseUpbitSymbol(symbol)
    if (quote === 'BTC') return SATOSHI
    if (quote === 'USDT') return usdtTickSize(price)
    return krwTickSize(price)
  },
  fees: (symbol) => (parseUpbitSymbol(symbol).quote === 'KRW' ? KRW_FEES : OTHER_FEES),
  minOrderTotal: (symbol) => MIN_TOTAL[parseUpbitSymbol(symbol).quote] ?? UPBIT_KRW_MIN_ORDER,
  volumeDecimals: () => 8,
  orderTypes: ORDER_TYPES,
  marketOrderSizes: { buy: ['cost'], sell: ['volume'] },
  timeInForces: { limit: ['ioc', 'fok', 'post_only'], market: ['ioc', 'fok'] },
  orderOptions: UPBIT_ORDER_OPTIONS,
  defaultQuote: 'KRW',
}
