import { AbortedError, toBackboneError } from '@bb/errors'
import type { Candle, CandleInterval, Trade } from '@bb/models'
import { aggregateCandles } from '@bb/utils'
import { Observable } from 'rxjs'
import { type BackboneContext, followLink } from './context.js'
import type { CandleStreamOptions } from './types.js'

/**
 * One candle series: REST history first, then live updates — the exchange's WebSocket candles
 * where it carries the interval (REST polling while the link is down), else the trade stream
 * aggregated. Ascending; the last candle updates in place (never a smaller volume, never older).
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
    const live: Observable<Candle> = overWs
      ? new Observable<Candle>((inner) =>
          ws.candleEvents$(symbol, interval).subscribe({
            next: (event) => {
              if (event.type === 'data') {
                ctx.onWsValue('candle')
                inner.next(event.value)
              }
            },
            error: (e) => inner.error(e),
            complete: () => inner.complete(),
          }),
        )
      : trades(symbol).pipe(aggregateCandles(interval, { continueFrom: () => last }))
    const liveSubscription = live.subscribe({
      next: (candle) => (historyDone ? emitCandle(candle) : held.push(candle)),
      error: (error) => subscriber.error(error),
      complete: () => subscriber.complete(),
    })
    const historyCount = opts.history ?? 200
    ;(historyCount > 0
      ? rest.getCandles(symbol, interval, { count: historyCount, signal: controller.signal })
      : Promise.resolve([])
    )
      .then((history) => {
        for (const candle of history) emitCandle(candle)
        historyDone = true
        for (const candle of held.splice(0)) emitCandle(candle)
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
