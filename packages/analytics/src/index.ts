/**
 * `@bb/analytics` — cross-exchange analytics as pure RxJS operators over the backbone's model
 * streams: book liquidity ({@link depth}), arbitrage spreads net of taker fees ({@link spread$}),
 * the premium index ({@link premium$}) and realized volatility ({@link realizedVolatility}).
 * Exact decimals throughout; every value names its inputs; stale inputs are refused.
 *
 * @packageDocumentation
 */

export {
  type Arbitrage,
  arbitrage,
  type SpreadOptions,
  type SpreadSnapshot,
  spread$,
  type TakerFees,
  walkArbitrage,
} from './arbitrage.js'
export {
  type BookLiquidity,
  bookLiquidity,
  type DepthOptions,
  depth,
  type Fill,
  topOfBook,
  walkBook,
} from './book.js'
export {
  DEFAULT_MAX_AGE_MS,
  type InputRef,
  isRefusal,
  type Refusal,
  type StalenessOptions,
} from './common.js'
export { type FxSource, type FxUsed, fxRate } from './fx.js'
export { type Premium, type PremiumOptions, premium, premium$ } from './premium.js'
export { realizedVolatility, type Volatility, type VolatilityOptions, YEAR_MS } from './volatility.js'
