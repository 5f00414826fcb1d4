import {
  type Candle,
  type CandleInterval,
  candleOpenTime,
  nextCandleOpenTime,
  parseCandleInterval,
  type Trade,
} from '@bb/models'
import { Observable, type OperatorFunction } from 'rxjs'

/** Options of {@link createCandleAggregator}. */
export interface CandleAggregatorOptions {
  /**
   * A candle known from elsewhere (REST history, an exchange's candle stream): when a trade opens
   * an interval and this returns the candle of that same interval, the trade continues it instead
   * of starting a new candle.
   */
  continueFrom?: () => Candle | undefined
}

/** What one trade did to the candles. */
export interface CandleUpdate {
  /** The candle the trade went into, as it stands now. */
  readonly candle: Candle
  /** The candle of an earlier interval that this trade closed, if any. */
  readonly closed: Candle | undefined
}

/** The one trade→candle aggregator; see {@link createCandleAggregator}. */
export interface CandleAggregator {
  /** The interval of the candles built. */
  readonly interval: CandleInterval
  /**
   * Adds a trade. Returns the candle it went into and the candle it closed; `undefined` for a
   * trade older than the current candle (it belongs to a candle already closed: ignored).
   */
  push(trade: Trade): CandleUpdate | undefined
  /** The candle being built, as it stands (not closed). */
  readonly pending: Candle | undefined
  /** The time at which the pending candle ends, or `undefined`. */
  readonly pendingEndsAt: number | undefined
  /** Closes and returns the pending candle, if any. */
  flush(): Candle | undefined
}

/**
 * Builds candles of one interval from trades, the same way everywhere (the router's `candles$`
 * for intervals the WebSocket does not carry, and the rules' backtests and strategies): OHLC from
 * trade prices, volume and quote volume summed exactly (Decimal), `lastTradeAt` the latest trade
 * time. A candle closes when the first trade of a later interval arrives (or on `flush`);
 * intervals without trades produce no candle; a trade older than the current candle is ignored.
 * Candles are frozen; each update is a new object.
 *
 * @example
 * ```ts
 * import type { Trade } from '@bb/models'
 * import { createCandleAggregator } from '@bb/utils'
 * declare const trades: Trade[]
 * const aggregator = createCandleAggregator('1m')
 * const closed = trades.flatMap((trade) => aggregator.push(trade)?.closed ?? [])
 * ```
 */
export function createCandleAggregator(
  interval: CandleInterval,
  options: CandleAggregatorOptions = {},
): CandleAggregator {
  const parsed = parseCandleInterval(interval)
  let current: Candle | undefined
  return {
    interval: parsed,
    push(trade) {
      const open = candleOpenTime(trade.timestamp, parsed)
      if (current && open < current.timestamp) return undefined
      let closed: Candle | undefined
      let base: Candle | undefined
      if (current && open === current.timestamp) base = current
      else {
        closed = current
        const known = options.continueFrom?.()
        if (known && known.timestamp === open && known.interval === parsed) base = known
      }
      current = base ? extend(base, trade) : start(trade, open, parsed)
      return { candle: current, closed }
    },
    get pending() {
      return current
    },
    get pendingEndsAt() {
      return current ? nextCandleOpenTime(current.timestamp, parsed) : undefined
    },
    flush() {
      const out = current
      current = undefined
      return out
    },
  }
}

function extend(base: Candle, trade: Trade): Candle {
  return Object.freeze({
    ...base,
    high: trade.price.greaterThan(base.high) ? trade.price : base.high,
    low: trade.price.lessThan(base.low) ? trade.price : base.low,
    close: trade.price,
    volume: base.volume.plus(trade.size),
    quoteVolume: base.quoteVolume.plus(trade.price.times(trade.size)),
    lastTradeAt: Math.max(base.lastTradeAt ?? trade.timestamp, trade.timestamp),
    receivedAt: trade.receivedAt,
    source: trade.source,
  })
}

function start(trade: Trade, open: number, interval: CandleInterval): Candle {
  return Object.freeze({
    exchange: trade.exchange,
    symbol: trade.symbol,
    marketId: trade.marketId,
    base: trade.base,
    quote: trade.quote,
    timestamp: open,
    receivedAt: trade.receivedAt,
    source: trade.source,
    interval,
    open: trade.price,
    high: trade.price,
    low: trade.price,
    close: trade.price,
    volume: trade.size,
    quoteVolume: trade.price.times(trade.size),
    lastTradeAt: trade.timestamp,
  })
}

/**
 * An rxjs operator over {@link createCandleAggregator}: every trade emits the candle it went into
 * (a live, growing candle); trades older than the current candle emit nothing.
 *
 * @example
 * ```ts
 * import type { Trade } from '@bb/models'
 * import { aggregateCandles } from '@bb/utils'
 * import { from } from 'rxjs'
 * declare const trades: Trade[]
 * from(trades).pipe(aggregateCandles('1m')).subscribe((candle) => console.log(candle.close.toString()))
 * ```
 */
export function aggregateCandles(
  interval: CandleInterval,
  options: CandleAggregatorOptions = {},
): OperatorFunction<Trade, Candle> {
  return (trades) =>
    new Observable<Candle>((subscriber) => {
      const aggregator = createCandleAggregator(interval, options)
      return trades.subscribe({
        next: (trade) => {
          const update = aggregator.push(trade)
          if (update) subscriber.next(update.candle)
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      })
    })
}
