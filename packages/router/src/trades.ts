import { AbortedError, InvalidRequestError, toBackboneError, UnknownSymbolError } from '@bb/errors'
import { compareIds, type Trade } from '@bb/models'
import { createTradeTracker } from '@bb/unifier'
import { Observable } from 'rxjs'
import { type BackboneContext, followLink } from './context.js'
import { withSource } from './operators.js'

/** Limits of the trade stream's REST back-fill and reconciliation. */
export interface TradeStreamSettings {
  /** Pages read back per gap at most. */
  maxBackfillPages: number
  /** Trades per REST page. */
  pageSize: () => number
  /** Period of the REST reconciliation, ms; 0 = off. */
  reconcileMs: number
}

/**
 * Exactly-once trades of one symbol across reconnects, silences, unreadable frames and
 * failovers: WebSocket trades deduplicated by id; each gap (and the first value after it) back-fills
 * from REST, values held meanwhile; REST polling while the link is down; a periodic REST
 * reconciliation as the second line of defence; a back-fill deeper than `maxBackfillPages` is
 * reported (`backfill-incomplete`), never skipped silently.
 */
export function tradeStream(
  ctx: BackboneContext,
  settings: TradeStreamSettings,
  symbol: string,
): Observable<Trade> {
  const { adapter, rest, ws, link, metrics, logger, poll } = ctx
  const { maxBackfillPages, pageSize, reconcileMs } = settings
  const emit = ctx.emit
  const every = ctx.every
  return new Observable<Trade>((subscriber) => {
    const tracker = createTradeTracker({ contiguousIds: adapter.capabilities.contiguousTradeIds })
    let delivered = false
    /** The first trade delivered: anything older happened before this stream began. */
    let firstId: string | undefined
    let catchingUp = false
    let pendingCatchUp = false
    /** The oldest "last id before a gap" asked for while a catch-up was running. */
    let pendingFrom: string | undefined
    let stopPolling: (() => void) | undefined
    /** A gap was reported and no WebSocket value has arrived since. */
    let gapOpen = false
    /**
     * A back-fill failed (REST down or refusing): it is retried on a timer, and live trades are
     * held until it succeeds, so that nothing after the gap overtakes what the gap lost. Without
     * it a healthy WebSocket (no polling) never asked again and the gap's trades were lost.
     */
    let stopBackfillRetry: (() => void) | undefined
    const held: Trade[] = []
    const controller = new AbortController()
    /** Delivers one trade unless it was seen; returns true when delivered. */
    const deliver = (trade: Trade, quietDuplicate = false): boolean => {
      const check = tracker.push(trade)
      if (check.status === 'duplicate') {
        if (!quietDuplicate) metrics.increment('duplicates_dropped_total')
        return false
      }
      if (check.status === 'late' && delivered) metrics.increment('late_trades_total')
      if (!delivered) firstId = trade.id
      delivered = true
      subscriber.next(trade)
      return true
    }
    const older = (a: string | undefined, b: string | undefined) =>
      a === undefined ? b : b === undefined ? a : compareIds(a, b) <= 0 ? a : b
    const catchUp = async (from?: string): Promise<void> => {
      if (from !== undefined) pendingFrom = older(pendingFrom, from)
      if (catchingUp) {
        pendingCatchUp = true
        return
      }
      catchingUp = true
      let failed = false
      try {
        do {
          pendingCatchUp = false
          const after = older(pendingFrom, tracker.lastId(symbol))
          pendingFrom = undefined
          if (after === undefined) {
            // Nothing delivered yet, so nothing can have been missed: a gap is no news. Without
            // the WebSocket, start from the newest trade (as the WebSocket's snapshot would).
            if (link.healthy) continue
            const [newestTrade] = await rest.getTrades(symbol, { count: 1, signal: controller.signal })
            if (newestTrade && tracker.lastId(symbol) === undefined) deliver(withSource(newestTrade, 'rest'))
            continue
          }
          const result = await tradesAfter(rest, maxBackfillPages, pageSize, symbol, after, controller.signal)
          if (!result.complete && result.oldestId !== undefined) {
            metrics.increment('backfill_incomplete_total')
            emit({
              type: 'backfill-incomplete',
              symbol,
              fromId: after,
              toId: result.oldestId,
              pages: result.pages,
            })
          }
          let count = 0
          for (const trade of result.trades) if (deliver(trade, true)) count++
          if (count > 0) {
            metrics.increment('backfilled_trades_total', undefined, count)
            emit({ type: 'backfill', symbol, trades: count, fromId: after })
          }
        } while (pendingCatchUp && !ctx.closed() && !controller.signal.aborted)
      } catch (error) {
        // A request the exchange can never serve (an unknown symbol, a page size it does not
        // offer) fails the stream with its typed error: retried, it would lose the gap in silence.
        if (UnknownSymbolError.isInstance(error) || InvalidRequestError.isInstance(error))
          subscriber.error(error)
        else if (!AbortedError.isInstance(error)) {
          const e = toBackboneError(error)
          logger.warn({ error: e.shortMessage, symbol }, 'trade back-fill failed; retrying on the next poll')
          // Keep the request and ask again on a timer (also the next poll or gap retries it).
          pendingFrom = older(pendingFrom, tracker.lastId(symbol))
          if (!stopBackfillRetry && !ctx.closed()) {
            const stop = every(poll.trades, () => {
              stop()
              stopBackfillRetry = undefined
              void catchUp()
            })
            stopBackfillRetry = stop
          }
          failed = true
        }
      } finally {
        catchingUp = false
        if (!failed) {
          stopBackfillRetry?.()
          stopBackfillRetry = undefined
          held.sort((a, b) => compareIds(a.id, b.id))
          for (const trade of held.splice(0)) deliver(trade)
        }
      }
    }
    const reconcile = async (): Promise<void> => {
      if (catchingUp || ctx.closed() || stopPolling) return
      const last = tracker.lastId(symbol)
      if (last === undefined) return
      try {
        const page = await rest.getTrades(symbol, {
          count: pageSize(),
          signal: controller.signal,
          priority: 'bulk', // a background check: never ahead of live work
        })
        if (catchingUp) return
        const ascending = [...page].sort((a, b) => compareIds(a.id, b.id))
        const oldest = ascending[0]
        if (oldest && compareIds(oldest.id, last) > 0 && page.length >= pageSize()) {
          // More than a page is missing: the full back-fill reads it.
          await catchUp(last)
          return
        }
        let count = 0
        for (const trade of ascending) {
          // Trades from before the stream began are history, not a loss.
          if (firstId !== undefined && compareIds(trade.id, firstId) < 0) continue
          if (deliver(withSource(trade, 'rest'), true)) count++
        }
        if (count > 0) {
          metrics.increment('reconciled_trades_total', undefined, count)
          emit({ type: 'reconciled', symbol, trades: count })
        }
      } catch (error) {
        if (!AbortedError.isInstance(error))
          logger.warn({ error: toBackboneError(error).shortMessage, symbol }, 'trade reconciliation failed')
      }
    }
    const wsSubscription = ws.tradeEvents$(symbol).subscribe({
      next: (event) => {
        if (event.type === 'gap') {
          metrics.increment('gaps_total', { reason: event.reason })
          emit({ type: 'gap', stream: 'trades', symbol: event.symbol, reason: event.reason })
          gapOpen = true
          void catchUp(event.lastId)
          return
        }
        ctx.onWsValue('trade')
        if (gapOpen) {
          // The first value after a gap closes it: whatever was lost up to this value is on the
          // exchange's tape now, so read it once more (the first back-fill may have run before
          // the last lost frame), holding this value until then.
          gapOpen = false
          held.push(event.value)
          void catchUp()
        } else if (catchingUp || stopBackfillRetry) held.push(event.value)
        else deliver(event.value)
      },
      error: (error) => subscriber.error(error),
      complete: () => subscriber.complete(),
    })
    const linkSubscription = followLink(ctx, 'trades', [symbol], {
      onFailover: () => {
        void catchUp()
        stopPolling = every(poll.trades, () => void catchUp())
      },
      onSwitchback: () => {
        stopPolling?.()
        stopPolling = undefined
        void catchUp()
      },
    })
    const stopReconcile = reconcileMs > 0 ? every(reconcileMs, () => void reconcile()) : () => {}
    return () => {
      stopPolling?.()
      stopBackfillRetry?.()
      stopReconcile()
      linkSubscription.unsubscribe()
      controller.abort()
      wsSubscription.unsubscribe()
    }
  })
}

/**
 * Every trade after `afterId`, ascending (REST, paged backwards until `afterId` is reached or
 * `maxBackfillPages` pages were read: then `complete` is false and `oldestId` is the oldest read).
 */
async function tradesAfter(
  rest: BackboneContext['rest'],
  maxBackfillPages: number,
  pageSize: () => number,
  symbol: string,
  afterId: string,
  signal: AbortSignal,
): Promise<{ trades: Trade[]; complete: boolean; oldestId: string | undefined; pages: number }> {
  const out: Trade[] = []
  let cursor: string | undefined
  let complete = false
  let pages = 0
  let oldestId: string | undefined
  while (pages < maxBackfillPages) {
    let trades: Trade[]
    try {
      trades = await rest.getTrades(symbol, {
        count: pageSize(),
        signal,
        // The first page is live work; a deep back-fill's older pages queue behind live calls.
        priority: pages === 0 ? 'live' : 'bulk',
        ...(cursor ? { cursor } : {}),
      })
    } catch (error) {
      // An exchange that serves only its most recent trades refuses a cursor: what is older than
      // the pages read cannot be had, so the back-fill ends incomplete (reported by the caller as
      // `backfill-incomplete`) instead of failing and being retried forever while the rest is lost.
      if (cursor !== undefined && InvalidRequestError.isInstance(error) && error.param === 'cursor') break
      throw error
    }
    pages++
    let reached = false
    for (const trade of trades) {
      if (compareIds(trade.id, afterId) <= 0) {
        reached = true
        break
      }
      out.push(trade)
      oldestId = trade.id
    }
    if (reached || trades.length === 0) {
      complete = true
      break
    }
    cursor = trades.at(-1)!.id
  }
  return {
    trades: out.sort((a, b) => compareIds(a.id, b.id)).map((t) => withSource(t, 'rest')),
    complete,
    oldestId,
    pages,
  }
}
