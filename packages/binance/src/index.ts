/**
 * The Binance Spot adapter for Backbone: {@link createBinance} (URLs and the market list as
 * settings) and the default instance {@link binance}, implementing the `@bb/exchange-adapter`
 * contract — `/api/v3` market-data endpoints with their weights, HMAC-SHA256 query signing,
 * the `X-MBX-USED-WEIGHT-1M` parser, the `{code,msg}` error mapper, combined market streams with
 * `SUBSCRIBE`/`UNSUBSCRIBE` ids, `exchangeInfo` market rules and field maps (see BINANCE.md).
 *
 * @packageDocumentation
 */
export { type BinanceSettings, binance, createBinance } from './adapter.js'
export { type BinanceMarketDataEndpoints, binanceMarketDataEndpoints } from './endpoints.js'
export { type BinanceBookUpdateIds, binanceBookUpdateIds, binanceRestRows } from './field-maps.js'
export { BINANCE_FILL_FIELDS, binanceFillRows } from './fills.js'
export { BINANCE_KLINE_INTERVALS, type BinanceKlineInterval } from './intervals.js'
export {
  BINANCE_DEFAULT_FEE_RATE,
  type BinanceExchangeInfo,
  type BinanceMarketInfo,
  binanceMarketRules,
  binanceOrderTypes,
  parseBinanceExchangeInfo,
} from './market.js'
export { BINANCE_WEIGHT_PER_MINUTE, binanceRequestWeight } from './rate-limits.js'
export { type BinanceSignOptions, binanceSignature, signBinanceQuery } from './sign.js'
export { BINANCE_KNOWN_QUOTES, type BinanceSymbol, binanceSymbolRules } from './symbol.js'
export { binanceStreamNames, buildBinanceUnsubscribe, buildBinanceUserDataSubscribe } from './ws.js'

import { binanceMarketDataEndpoints } from './endpoints.js'
import { binanceSymbolRules } from './symbol.js'

/** The market-data builders with the default symbol rules (no market list loaded). */
export const binanceMarketData = binanceMarketDataEndpoints(binanceSymbolRules())

/** The package version. */
export const VERSION = '0.0.0'
