/**
 * `@bb/utils` — the plumbing every layer shares: one injectable {@link Clock} (the real one, a
 * background one, and a manual one in `@bb/utils/testing`), timers on it, one backoff and retry
 * policy, `sleep` with a signal, Observable → async iterable with a bounded queue, and the one
 * trade → candle aggregator.
 *
 * @packageDocumentation
 */
export {
  type BackoffPolicy,
  backoffDelay,
  type RetryPolicy,
  retry,
} from './backoff.js'
export {
  aggregateCandles,
  type CandleAggregator,
  type CandleAggregatorOptions,
  type CandleUpdate,
  createCandleAggregator,
} from './candles.js'
export { backgroundClock, type Clock, every, systemClock, Timer } from './clock.js'
export { type AsyncIterableOptions, toAsyncIterable } from './iterate.js'
export { type SleepOptions, sleep } from './sleep.js'
