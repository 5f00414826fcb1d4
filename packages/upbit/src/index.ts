/**
 * The Upbit adapter for Backbone: {@link createUpbit} (URLs as settings) and the default
 * instance {@link upbit}, implementing the `@bb/exchange-adapter` contract — REST endpoints and
 * JWT signer, rate-limit header parser, error mapper, WebSocket protocol, market rules and field
 * maps for every model from REST, `DEFAULT`, `SIMPLE` and the list formats (see UPBIT.md).
 *
 * @packageDocumentation
 */
export { createUpbit, type UpbitSettings, upbit } from './adapter.js'
export {
  krwTickSize,
  UPBIT_KRW_FEE_RATE,
  UPBIT_KRW_MIN_ORDER,
  UPBIT_ORDER_OPTIONS,
  upbitMarketRules,
} from './market.js'
export { type UpbitMarket, type UpbitMarketInfo, upbitMarketInfo } from './market-info.js'
export { upbitTokenPayload } from './sign.js'

/** The package version. */
export const VERSION = '0.0.0'
