/**
 * The Coinone adapter for Backbone: {@link createCoinone} (URLs, the market list and the tick
 * ladders as settings) and the default instance {@link coinone}, implementing the
 * `@bb/exchange-adapter` contract — v2 public REST (markets, range units, tickers, order book,
 * trades, candles of every interval), v2.1 private request builders signed with HMAC-SHA512 over
 * the Base64 JSON payload, errors read from the HTTP-200 `error_code` envelope, one-topic
 * WebSocket subscriptions in the DEFAULT and SHORT formats, range-unit market rules and field
 * maps (see COINONE.md).
 *
 * @packageDocumentation
 */
export { type CoinoneSettings, coinone, createCoinone } from './adapter.js'
export {
  COINONE_BOOK_SIZES,
  COINONE_TRADE_SIZES,
  type CoinoneMarketDataEndpoints,
  coinoneMarketDataEndpoints,
} from './endpoints.js'
export { coinoneBodyError, mapCoinoneClose } from './errors.js'
export { coinoneChartBody } from './field-maps.js'
export { COINONE_CHART_INTERVALS, type CoinoneChartInterval } from './intervals.js'
export {
  COINONE_DEFAULT_FEE_RATE,
  COINONE_EXAMPLE_RANGE_UNITS,
  type CoinoneMarketInfo,
  type CoinoneRangeUnit,
  coinoneMarketRules,
  coinoneTickOf,
  parseCoinoneMarkets,
  parseCoinoneRangeUnits,
} from './market.js'
export { COINONE_PUBLIC_PER_MINUTE } from './rate-limits.js'
export { coinonePayload, coinoneSignature, signCoinoneRequest } from './sign.js'
export { COINONE_QUOTES, type CoinoneSymbol, coinoneSymbolRules } from './symbol.js'
export { buildCoinoneSubscriptions, COINONE_WS_MAX_CONNECTIONS } from './ws.js'

import { coinoneMarketDataEndpoints } from './endpoints.js'
import { coinoneSymbolRules } from './symbol.js'

/** The public market-data builders with the default symbol rules (no market list loaded). */
export const coinoneMarketData = coinoneMarketDataEndpoints(coinoneSymbolRules())

/** The package version. */
export const VERSION = '0.0.0'
