/**
 * Compiled normalizers and stream unification for Backbone adapters: `createUnifier(adapter)`
 * turns an adapter's field maps into fast normalizers, once; `parseExactJson` keeps ids and
 * decimals exact; the stream helpers dedupe trades, detect gaps, order snapshots before realtime
 * values, track staleness and keep order-book state. Everything is pure and synchronous.
 *
 * @packageDocumentation
 */
export { parseExactJson } from './exact-json.js'
export { decimalFromPlainText, exactDecimal } from './fast-decimal.js'
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
