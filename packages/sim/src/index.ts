/**
 * `@bb/sim` — an Upbit-compatible exchange on localhost (with Binance and Coinone profiles of the same market): REST quotation and exchange endpoints,
 * public and private WebSocket, a seeded market, a matching engine, Upbit's rate limits and
 * fault injection.
 *
 * @packageDocumentation
 */
export type {
  BinanceAccountSpec,
  BinanceLimitOptions,
  BinanceSim,
  BinanceSimOptions,
  BinanceSimStats,
} from './binance/types.js'
export type {
  CoinoneAccountSpec,
  CoinoneLimitOptions,
  CoinoneSim,
  CoinoneSimOptions,
  CoinoneSimStats,
} from './coinone/types.js'
export { signJwt } from './exchange/jwt.js'
export {
  DEFAULT_LIMITS,
  type LimitConfig,
  type LimitGroup,
  type LimitOptions,
  type LimitRule,
} from './limits.js'
export { parseCapture, type ReplayFrame, type ReplayOptions } from './replay.js'
export { type StartSimOptions, startSim } from './sim.js'
export type {
  AccountSpec,
  ApiKeys,
  CorruptFramesOptions,
  CorruptState,
  CreateAccountOptions,
  EmittedTrade,
  FailRestOptions,
  FaultState,
  MarketStats,
  PriceMoveOptions,
  Sim,
  SimAccounts,
  SimBalance,
  SimFaults,
  SimLogger,
  SimMarket,
  SimMarketControls,
  SimOptions,
  SimReferenceOptions,
  SimStats,
} from './types.js'
