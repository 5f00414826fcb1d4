import { toBackboneError, UnknownSymbolError } from '@bb/errors'
import type { OrderbookSnapshot, Ticker } from '@bb/models'
import type { StreamEvent } from '@bb/ws'
import { Observable } from 'rxjs'
import type { CachedKind, SnapshotRoutes } from './cache.js'
import { type BackboneContext, followLink } from './context.js'
import { localBookStream } from './local-book.js'
import type { LatestStreamOptions } from './types.js'

type Value = Ticker | OrderbookSnapshot

/** Options of {@link latestStream}. */
export interface LatestOptions extends LatestStreamOptions {
  /** Order-book depth. */
  depth?: number
}

/**
 * The latest-value streams (tickers, order books) with REST failover: every WebSocket value in
 * arrival order (none older than a REST value already emitted), a REST snapshot after each gap,
 * REST polling while the link is down, explicit conflation on request; the cache kept current.
 */
export function latestStream(
  ctx: BackboneContext,
  routes: SnapshotRoutes,
  isPromoted: (kind: CachedKind, symbol: string) => boolean,
  kind: CachedKind,
  normalized: string[],
  opts: LatestOptions,
): Observable<Value> {
  // A sequenced book (snapshot + diffs): the local book keeps it (every diff one state).
  if (kind === 'orderbook' && ctx.adapter.capabilities.diffBook !== undefined)
    return localBookStream(ctx, routes, isPromoted, normalized, opts)
  const { metrics, rest, ws, logger, clock, poll } = ctx
  return new Observable<Value>((subscriber) => {
    /** Newest timestamp emitted per symbol (REST values must be newer to be emitted). */
    const newest = new Map<string, number>()
    /** Timestamp of the last REST value emitted per symbol (older WS values are superseded). */
    const restAt = new Map<string, number>()
    const conflate = opts.conflate === 'latest'
    const pending = new Map<string, Value>()
    let flushScheduled = false
    let conflatedSinceEvent = 0
    let lastConflatedEventAt = 0
    let polling = false
    let stopPolling: (() => void) | undefined
    const out = (value: Value) => {
      if (!conflate) {
        subscriber.next(value)
        return
      }
      if (pending.has(value.marketId)) {
        metrics.increment('conflated_total', { stream: kind })
        conflatedSinceEvent++
      }
      pending.set(value.marketId, value)
      if (!flushScheduled) {
        flushScheduled = true
        setImmediate(flush) // the end of this event-loop turn: not a timer
      }
    }
    const flush = () => {
      flushScheduled = false
      const values = [...pending.values()]
      pending.clear()
      for (const value of values) subscriber.next(value)
      if (conflatedSinceEvent > 0 && clock.now() - lastConflatedEventAt >= 1000) {
        ctx.emit({ type: 'conflated', stream: kind, dropped: conflatedSinceEvent })
        conflatedSinceEvent = 0
        lastConflatedEventAt = clock.now()
      }
    }
    const remember = (value: Value, live: boolean) => {
      routes.remember(kind, value, live)
      const previous = newest.get(value.marketId)
      if (previous === undefined || value.timestamp > previous) newest.set(value.marketId, value.timestamp)
    }
    const fromWs = (value: Value) => {
      // WS vs WS: arrival order, every value (equal timestamps are normal at a high rate).
      const restTime = restAt.get(value.marketId)
      if (restTime !== undefined && value.timestamp < restTime) {
        metrics.increment('superseded_total', { stream: kind })
        return
      }
      remember(value, true)
      out(value)
    }
    const fromRest = (value: Value) => {
      const previous = newest.get(value.marketId)
      if (previous !== undefined && value.timestamp <= previous) return // nothing newer than we have
      restAt.set(value.marketId, value.timestamp)
      remember(value, false)
      out(value)
    }
    const depth = opts.depth !== undefined ? { depth: opts.depth } : {}
    const upstream: Observable<StreamEvent<Value>> =
      kind === 'ticker' ? ws.tickerEvents$(normalized) : ws.orderbookEvents$(normalized, depth)
    const pollOnce = async () => {
      if (polling || ctx.closed()) return
      polling = true
      try {
        const values =
          kind === 'ticker' ? await rest.getTickers(normalized) : await rest.getOrderbook(normalized, depth)
        for (const value of values) fromRest(value)
      } catch (error) {
        if (UnknownSymbolError.isInstance(error)) subscriber.error(error)
        else logger.warn({ error: toBackboneError(error).shortMessage, stream: kind }, 'REST poll failed')
      } finally {
        polling = false
      }
    }
    const wsSubscription = upstream.subscribe({
      next: (event) => {
        if (event.type !== 'data') {
          metrics.increment('gaps_total', { reason: event.reason })
          ctx.emit({ type: 'gap', stream: kind, symbol: event.symbol, reason: event.reason })
          void pollOnce() // a gap: take one fresh snapshot from REST
          return
        }
        ctx.onWsValue(kind)
        fromWs(event.value)
      },
      error: (error) => subscriber.error(error),
      complete: () => subscriber.complete(),
    })
    const linkSubscription = followLink(ctx, kind, normalized, {
      onFailover: () => {
        void pollOnce()
        stopPolling = ctx.every(kind === 'ticker' ? poll.ticker : poll.orderbook, () => void pollOnce())
      },
      onSwitchback: () => {
        stopPolling?.()
        stopPolling = undefined
      },
    })
    return () => {
      stopPolling?.()
      linkSubscription.unsubscribe()
      wsSubscription.unsubscribe()
      pending.clear()
      for (const symbol of normalized) if (!isPromoted(kind, symbol)) routes.markStale(kind, symbol)
    }
  })
}
