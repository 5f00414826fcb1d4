import type { Candle, CandleInterval, Trade } from '@bb/models'
import { createCandleAggregator, type CandleAggregator as SharedAggregator } from '@bb/utils'
import { describeValue, finiteNumber, integerIn, invalid } from './check.js'

// Indicator math runs on plain `number`s: RSI, averages and window extremes are ratios and
// thresholds, not money, and a double carries ~15 significant digits — more than any exchange price
// has. This keeps a tick of 8 rules × 100 symbols far below a millisecond (see the README's
// benchmark). Money (order totals, fills, balances) never goes through these classes: it is Decimal.

/**
 * Simple moving average over the last `period` values, O(1) per update (a ring buffer and a
 * running sum, re-summed every `period` updates so floating-point drift cannot build up).
 *
 * @example
 * ```ts
 * import { Sma } from '@bb/rules'
 * const sma = new Sma(3)
 * for (const close of [1, 2, 3, 4]) sma.update(close)
 * sma.value // 3
 * ```
 */
export class Sma {
  /** The look-back length. */
  readonly period: number
  private readonly buffer: Float64Array
  private count = 0
  private index = 0
  private sum = 0
  private sinceResum = 0

  /** @param period - number of values averaged, an integer ≥ 1. */
  constructor(period: number) {
    integerIn(period, 'period', 1, MAX_PERIOD) ?? missing('period')
    this.period = period
    this.buffer = new Float64Array(period)
  }

  /** Adds a value and returns the average, or `undefined` until `period` values were seen. */
  update(value: number): number | undefined {
    if (!Number.isFinite(value)) throw notFinite('value', value)
    if (this.count === this.period) this.sum -= this.buffer[this.index]!
    else this.count++
    this.buffer[this.index] = value
    this.sum += value
    this.index = (this.index + 1) % this.period
    if (++this.sinceResum >= this.period) {
      this.sinceResum = 0
      let exact = 0
      for (let i = 0; i < this.count; i++) exact += this.buffer[i]!
      this.sum = exact
    }
    return this.value
  }

  /** True once `period` values were seen. */
  get ready(): boolean {
    return this.count === this.period
  }

  /** The current average, or `undefined` during warm-up. */
  get value(): number | undefined {
    return this.ready ? this.sum / this.period : undefined
  }
}

/**
 * Exponential moving average with factor `smoothing / (period + 1)`, seeded with the SMA of the
 * first `period` values (the usual charting convention). O(1) per update.
 *
 * @example
 * ```ts
 * import { Ema } from '@bb/rules'
 * const ema = new Ema(2)
 * for (const close of [1, 2, 3]) ema.update(close)
 * ema.value // 2.5: seeded with (1 + 2) / 2, then 1.5 + (3 − 1.5) × 2/3
 * ```
 */
export class Ema {
  /** The look-back length. */
  readonly period: number
  /** The weight of the newest value, `smoothing / (period + 1)`. */
  readonly alpha: number
  private readonly seed: Sma
  private current: number | undefined

  /**
   * @param period - look-back length, an integer ≥ 1.
   * @param smoothing - the numerator of the weight, 2 by default (range 0.1–10).
   */
  constructor(period: number, smoothing = 2) {
    integerIn(period, 'period', 1, MAX_PERIOD) ?? missing('period')
    finiteNumber(smoothing, 'smoothing', true)
    this.period = period
    this.alpha = smoothing / (period + 1)
    this.seed = new Sma(period)
  }

  /** Adds a value and returns the EMA, or `undefined` until `period` values were seen. */
  update(value: number): number | undefined {
    if (!Number.isFinite(value)) throw notFinite('value', value)
    if (this.current === undefined) {
      this.current = this.seed.update(value)
    } else {
      this.current += this.alpha * (value - this.current)
    }
    return this.current
  }

  /** True once seeded. */
  get ready(): boolean {
    return this.current !== undefined
  }

  /** The current EMA, or `undefined` during warm-up. */
  get value(): number | undefined {
    return this.current
  }
}

/**
 * Relative Strength Index with Wilder's smoothing: the first average gain and loss are plain
 * means of the first `period` changes, then `avg = (avg × (period − 1) + change) / period`.
 * A value exists after `period + 1` closes; Wilder smoothing converges slowly, so load several
 * times `period` candles of history for values that match a charting site. When there were no
 * losses the RSI is 100, with neither gains nor losses it is 50. O(1) per update.
 *
 * @example
 * ```ts
 * import { Rsi } from '@bb/rules'
 * const rsi = new Rsi(2)
 * for (const close of [10, 9, 8]) rsi.update(close)
 * rsi.value // 0: only losses
 * ```
 */
export class Rsi {
  /** The look-back length. */
  readonly period: number
  private previous: number | undefined
  private changes = 0
  private avgGain = 0
  private avgLoss = 0

  /** @param period - look-back length in closes, an integer ≥ 1 (the rule format allows 2–240). */
  constructor(period: number) {
    integerIn(period, 'period', 1, MAX_PERIOD) ?? missing('period')
    this.period = period
  }

  /** Adds a close and returns the RSI (0–100), or `undefined` during warm-up. */
  update(close: number): number | undefined {
    if (!Number.isFinite(close)) throw notFinite('close', close)
    if (this.previous !== undefined) {
      const change = close - this.previous
      const gain = Math.max(change, 0)
      const loss = change < 0 ? -change : 0
      if (this.changes < this.period) {
        this.avgGain += gain / this.period
        this.avgLoss += loss / this.period
      } else {
        this.avgGain = (this.avgGain * (this.period - 1) + gain) / this.period
        this.avgLoss = (this.avgLoss * (this.period - 1) + loss) / this.period
      }
      this.changes++
    }
    this.previous = close
    return this.value
  }

  /** True once `period + 1` closes were seen. */
  get ready(): boolean {
    return this.changes >= this.period
  }

  /** The current RSI, or `undefined` during warm-up. */
  get value(): number | undefined {
    if (!this.ready) return undefined
    if (this.avgLoss === 0) return this.avgGain === 0 ? 50 : 100
    return 100 - 100 / (1 + this.avgGain / this.avgLoss)
  }
}

/**
 * Time-windowed rolling minimum and maximum over timestamped samples: monotonic deques, O(1)
 * amortised per update. Samples older than `windowMs` before the newest are dropped.
 *
 * `coverage` says how much of the window is backed by data since the last {@link RollingWindow.reset}
 * (or since a gap longer than the window, which resets the window by itself): rules wait until it
 * reaches their `minCoverage`, so a window rebuilt after a reconnect cannot fire on a half-empty view.
 *
 * @example
 * ```ts
 * import { RollingWindow } from '@bb/rules'
 * const window = new RollingWindow(60_000)
 * window.push(0, 100)
 * window.push(30_000, 95)
 * window.max // 100
 * window.coverage(30_000) // 0.5
 * ```
 */
export class RollingWindow {
  /** The window length in milliseconds. */
  readonly windowMs: number
  private maxTimes: number[] = []
  private maxValues: number[] = []
  private maxHead = 0
  private minTimes: number[] = []
  private minValues: number[] = []
  private minHead = 0
  private firstAt: number | undefined
  private lastAt: number | undefined

  /** @param windowMs - the window length in milliseconds, > 0. */
  constructor(windowMs: number) {
    finiteNumber(windowMs, 'windowMs', true) ?? missing('windowMs')
    this.windowMs = windowMs
  }

  /** Adds a sample. Timestamps must not go backwards (a late sample is treated as current). */
  push(timestamp: number, value: number): void {
    if (!Number.isFinite(timestamp)) throw notFinite('timestamp', timestamp)
    if (!Number.isFinite(value)) throw notFinite('value', value)
    const at = this.lastAt !== undefined && timestamp < this.lastAt ? this.lastAt : timestamp
    if (this.lastAt !== undefined && at - this.lastAt > this.windowMs) this.reset()
    if (this.firstAt === undefined) this.firstAt = at
    this.lastAt = at
    // Max deque: values decreasing from head to tail.
    while (this.maxValues.length > this.maxHead && this.maxValues[this.maxValues.length - 1]! <= value) {
      this.maxValues.pop()
      this.maxTimes.pop()
    }
    this.maxValues.push(value)
    this.maxTimes.push(at)
    // Min deque: values increasing from head to tail.
    while (this.minValues.length > this.minHead && this.minValues[this.minValues.length - 1]! >= value) {
      this.minValues.pop()
      this.minTimes.pop()
    }
    this.minValues.push(value)
    this.minTimes.push(at)
    this.expire(at)
  }

  private expire(now: number): void {
    const oldest = now - this.windowMs
    while (this.maxHead < this.maxTimes.length - 1 && this.maxTimes[this.maxHead]! < oldest) this.maxHead++
    while (this.minHead < this.minTimes.length - 1 && this.minTimes[this.minHead]! < oldest) this.minHead++
    // Compact now and then so the arrays do not grow without bound.
    if (this.maxHead > 1024 && this.maxHead * 2 > this.maxTimes.length) {
      this.maxTimes = this.maxTimes.slice(this.maxHead)
      this.maxValues = this.maxValues.slice(this.maxHead)
      this.maxHead = 0
    }
    if (this.minHead > 1024 && this.minHead * 2 > this.minTimes.length) {
      this.minTimes = this.minTimes.slice(this.minHead)
      this.minValues = this.minValues.slice(this.minHead)
      this.minHead = 0
    }
  }

  /** The highest value inside the window ending at the newest sample, or `undefined` when empty. */
  get max(): number | undefined {
    return this.maxValues.length > this.maxHead ? this.maxValues[this.maxHead] : undefined
  }

  /** The lowest value inside the window ending at the newest sample, or `undefined` when empty. */
  get min(): number | undefined {
    return this.minValues.length > this.minHead ? this.minValues[this.minHead] : undefined
  }

  /** Share of the window (0–1) covered by data at time `now` since the window was last rebuilt. */
  coverage(now: number): number {
    if (this.firstAt === undefined) return 0
    return Math.min(1, Math.max(0, now - this.firstAt) / this.windowMs)
  }

  /** Forgets every sample: call it after a reconnect, the window then rebuilds from new data. */
  reset(): void {
    this.maxTimes = []
    this.maxValues = []
    this.maxHead = 0
    this.minTimes = []
    this.minValues = []
    this.minHead = 0
    this.firstAt = undefined
    this.lastAt = undefined
  }
}

/**
 * Builds candles of one interval from trades: OHLC from trade prices, volume and quote volume
 * summed exactly (Decimal). A candle closes when the first trade of a later interval arrives (or
 * on {@link CandleAggregator.flush}); intervals without trades produce no candle, as exchanges do.
 *
 * @example
 * ```ts
 * import type { Trade } from '@bb/models'
 * import { CandleAggregator } from '@bb/rules'
 * declare const trades: Trade[] // e.g. collected from backbone.trades$(…)
 * const aggregator = new CandleAggregator('1m')
 * const closed = trades.flatMap((trade) => aggregator.push(trade) ?? [])
 * ```
 */
export class CandleAggregator {
  /** The candle interval built. */
  readonly interval: CandleInterval
  private readonly inner: SharedAggregator

  /** @param interval - the interval of the candles built. */
  constructor(interval: CandleInterval) {
    if (typeof interval !== 'string')
      throw invalid(
        'interval',
        `"interval" must be a candle interval such as '1m' (got ${describeValue(interval)}).`,
      )
    // The workspace's one trade→candle aggregator (`@bb/utils`), shared with the router.
    this.inner = createCandleAggregator(interval)
    this.interval = this.inner.interval
  }

  /**
   * Adds a trade. Returns the candle that the trade closed (the previous interval's), if any.
   * Trades older than the current candle are ignored (they belong to a candle already closed).
   */
  push(trade: Trade): Candle | undefined {
    return this.inner.push(trade)?.closed
  }

  /** The candle being built, as it stands (not closed). */
  get pending(): Candle | undefined {
    return this.inner.pending
  }

  /** The time at which the pending candle ends, or `undefined`. */
  get pendingEndsAt(): number | undefined {
    return this.inner.pendingEndsAt
  }

  /** Closes and returns the pending candle, if any. */
  flush(): Candle | undefined {
    return this.inner.flush()
  }
}

/** The longest look-back an indicator accepts (a million values). */
const MAX_PERIOD = 1_000_000

function missing(param: string): never {
  throw invalid(param, `"${param}" is required.`)
}

// A NaN or an infinity would poison every later value of an indicator silently.
function notFinite(param: string, value: unknown) {
  return invalid(param, `"${param}" must be a finite number (got ${describeValue(value)}).`)
}
