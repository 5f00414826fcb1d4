/**
 * Compiled normalizers and stream unification for Backbone adapters: `createUnifier(adapter)`
 * turns an adapter's field maps into fast normalizers, once; `parseExactJson` keeps ids and
 * decimals exact; the stream helpers dedupe trades, detect gaps, order snapshots before realtime
 * values, track staleness and keep order-book state. Everything is pure and synchronous.
 *
 * @packageDocumentation
 */
export { parseExactJson } from './exact-json.js'
export {
  decimalFromPlainText,
  exactDecimal,
  isFastDecimalEnabled,
  runDecimalSelfCheck,
} from './fast-decimal.js'
export {
  type CheckOrderbookOptions,
  checkOrderbook,
  createOrderbookState,
  type OrderbookIssue,
  type OrderbookState,
  type OrderbookUpdate,
} from './stream/orderbook.js'
export {
  createSnapshotSequencer,
  type SnapshotSequencer,
  type SnapshotSequencerOptions,
} from './stream/sequencer.js'
export { createStalenessTracker, type StalenessOptions, type StalenessTracker } from './stream/staleness.js'
export {
  createTradeTracker,
  type TradeCheck,
  type TradeGap,
  type TradeTracker,
  type TradeTrackerOptions,
} from './stream/trades.js'
export {
  createUnifier,
  type DataFrameResult,
  type FrameContext,
  type FrameResult,
  type NormalizeContext,
  type Unifier,
  type UnifierOptions,
  type ValidationMode,
} from './unifier.js'
