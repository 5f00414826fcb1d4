import { AbortedError, toBackboneError } from '@bb/errors'
import { type Candle, type CandleInterval, candleOpenTime, type Trade } from '@bb/models'
import { createCandleAggregator } from '@bb/utils'
import { Observable } from 'rxjs'
import { type BackboneContext, followLink } from './context.js'
import type { CandleStreamOptions } from './types.js'

/**
 * One candle series: REST history first, then live updates — the exchange's WebSocket candles
 * where it carries the interval (REST polling while the link is down), else the trade stream
 * aggregated. Ascending; the last candle updates in place (never a smaller volume, never older).
 *
 * Aggregated from trades, the REST candle of the current interval is continued, not replaced:
 * the trades that arrive while the history loads are held (as trades) and, once it is in, only
 * those after the REST candle's last trade (`lastTradeAt`; a trade at exactly that time is
 * already in it) extend it — each trade counts once. A REST candle without `lastTradeAt` is taken
 * to hold every trade of its interval that arrived during its load.
 */
export function candleStream(
  ctx: BackboneContext,
  trades: (symbol: string) => Observable<Trade>,
  symbol: string,
  interval: CandleInterval,
  opts: CandleStreamOptions,
): Observable<Candle> {
  const { adapter, rest, ws, logger, poll } = ctx
  const overWs = adapter.capabilities.candleIntervals.ws.includes(interval)
  return new Observable<Candle>((subscriber) => {
    let last: Candle | undefined
    let historyDone = false
    const held: Candle[] = []
    const controller = new AbortController()
    const emitCandle = (candle: Candle) => {
      if (last && candle.timestamp < last.timestamp) return
      if (last && candle.timestamp === last.timestamp && candle.volume.lessThan(last.volume)) return
      last = candle
      subscriber.next(candle)
    }
    /** Trades held while the history loads (the trade-aggregated path). */
    const heldTrades: Trade[] = []
    /** Trades at or before this time are already counted by the REST candle of the current interval. */
    let countedUpTo = Number.NEGATIVE_INFINITY
    const aggregator = overWs ? undefined : createCandleAggregator(interval, { continueFrom: () => last })
    const addTrade = (trade: Trade) => {
      if (trade.timestamp <= countedUpTo) return
      const update = aggregator?.push(trade)
      if (update) emitCandle(update.candle)
    }
    const liveSubscription = overWs
      ? ws.candleEvents$(symbol, interval).subscribe({
          next: (event) => {
            if (event.type !== 'data') return
            ctx.onWsValue('candle')
            if (historyDone) emitCandle(event.value)
            else held.push(event.value)
          },
          error: (error) => subscriber.error(error),
          complete: () => subscriber.complete(),
        })
      : trades(symbol).subscribe({
          next: (trade) => (historyDone ? addTrade(trade) : heldTrades.push(trade)),
          error: (error) => subscriber.error(error),
          complete: () => subscriber.complete(),
        })
    /** After the history: where the REST candle of the current interval stops counting trades. */
    const continueHistory = () => {
      const current = last
      if (!current || !aggregator) return
      if (current.lastTradeAt !== undefined) countedUpTo = current.lastTradeAt
      else {
        for (const trade of heldTrades)
          if (candleOpenTime(trade.timestamp, aggregator.interval) === current.timestamp)
            countedUpTo = Math.max(countedUpTo, trade.timestamp)
      }
    }
    const historyCount = opts.history ?? 200
    ;(historyCount > 0
      ? rest.getCandles(symbol, interval, { count: historyCount, signal: controller.signal })
      : Promise.resolve([])
    )
      .then((history) => {
        for (const candle of history) emitCandle(candle)
        continueHistory()
        historyDone = true
        for (const candle of held.splice(0)) emitCandle(candle)
        for (const trade of heldTrades.splice(0)) addTrade(trade)
      })
      .catch((error: unknown) => {
        if (!AbortedError.isInstance(error)) subscriber.error(toBackboneError(error))
      })
    let stopPolling: (() => void) | undefined
    const linkSubscription = overWs
      ? followLink(ctx, 'candles', [symbol], {
          onFailover: () => {
            stopPolling = ctx.every(poll.candles, () => {
              if (!historyDone) return
              rest
                .getCandles(symbol, interval, { count: 2, signal: controller.signal })
                .then((candles) => {
                  for (const candle of candles) emitCandle(candle)
                })
                .catch((error: unknown) => {
                  if (!AbortedError.isInstance(error))
                    logger.warn({ error: toBackboneError(error).shortMessage, symbol }, 'candle poll failed')
                })
            })
          },
          onSwitchback: () => {
            stopPolling?.()
            stopPolling = undefined
          },
        })
      : undefined
    return () => {
      stopPolling?.()
      linkSubscription?.unsubscribe()
      controller.abort()
      liveSubscription.unsubscribe()
    }
  })
}
