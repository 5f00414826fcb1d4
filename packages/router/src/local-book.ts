import { DataValidationError, SubscriptionError, toBackboneError, UnknownSymbolError } from '@bb/errors'
import type { OrderbookLevel, OrderbookSnapshot } from '@bb/models'
import { checkOrderbook, type OrderbookIssue } from '@bb/unifier'
import {
  createLocalBook,
  type LocalBook,
  type LocalBookEvent,
  type LocalBookLevelInput,
  type StreamEvent,
} from '@bb/ws'
import { merge, Observable } from 'rxjs'
import type { CachedKind, SnapshotRoutes } from './cache.js'
import { type BackboneContext, followLink } from './context.js'
import type { LatestOptions } from './latest.js'
import type { OrderbookResyncReason } from './types.js'

/** WebSocket gap reasons after which the diff stream restarts (a new connection): rebuild the book. */
const RESYNC_ON_GAP = new Set(['reconnect', 'stale', 'overflow'])

/** Most snapshots in a row that do not make the book live before the stream errors. */
const MAX_SNAPSHOT_ATTEMPTS = 10

function updateId(path: string, value: string | undefined): number {
  const id = value === undefined ? Number.NaN : Number(value)
  if (!Number.isSafeInteger(id) || id < 0)
    throw new DataValidationError({
      path,
      expected: 'an update id (a non-negative integer below 2^53)',
      received: value,
    })
  return id
}

const levelsOf = (levels: readonly OrderbookLevel[]): LocalBookLevelInput[] =>
  levels.map((l) => [l.price, l.size] as const)

/** What a diff (a value of the diff-book stream) carries for the local book. */
function diffOf(value: OrderbookSnapshot): Parameters<LocalBook['push']>[0] {
  if (value.firstSequence === undefined)
    throw new DataValidationError({
      path: 'firstSequence',
      expected: "a diff of the adapter's diff-book stream (firstSequence and sequence)",
      received: value.firstSequence,
    })
  return {
    firstUpdateId: updateId('firstSequence', value.firstSequence),
    finalUpdateId: updateId('sequence', value.sequence),
    bids: levelsOf(value.bids),
    asks: levelsOf(value.asks),
  }
}

/**
 * What a diff can break in a book the local book keeps (`checkOrderbook`'s `crossed` and
 * `non-monotonic-ids`, the same issues in the same order), in O(1): the update id after the
 * previous state's and the best levels. The rest of the book was checked with its snapshot, and
 * `@bb/ws` checks each diff's ids and sizes.
 */
function checkDiffState(
  sequence: number,
  bids: readonly OrderbookLevel[],
  asks: readonly OrderbookLevel[],
  previous: { readonly sequence: string | undefined; readonly id: number } | undefined,
): OrderbookIssue[] {
  const issues: OrderbookIssue[] = []
  if (previous !== undefined && sequence <= previous.id)
    issues.push({
      type: 'non-monotonic-ids',
      previous: previous.sequence,
      firstSequence: undefined,
      sequence: String(sequence),
    })
  const bid = bids[0]
  const ask = asks[0]
  if (bid && ask && bid.price.greaterThanOrEqualTo(ask.price))
    issues.push({ type: 'crossed', bid: bid.price.toString(), ask: ask.price.toString() })
  return issues
}

/** A side cut to `depth` levels (`out`) and the side it was cut from. */
interface Trimmed {
  readonly from: readonly OrderbookLevel[] | undefined
  readonly out: readonly OrderbookLevel[]
}

const UNTRIMMED: Trimmed = { from: undefined, out: [] }

/**
 * A side's best `depth` levels: the previous cut when the side is the same array (the local book
 * shares a side a diff did not change), the side itself when it is short enough, else a frozen
 * copy of its top (by a loop: V8's `slice` of a frozen array takes a slow path).
 */
function top(previous: Trimmed, side: readonly OrderbookLevel[], depth: number): Trimmed {
  if (previous.from === side) return previous
  if (side.length <= depth) return { from: side, out: side }
  const out: OrderbookLevel[] = []
  for (let i = 0; i < depth; i++) out.push(side[i] as OrderbookLevel)
  return { from: side, out: Object.freeze(out) }
}

/** What a sequenced REST snapshot carries for the local book. */
function snapshotOf(value: OrderbookSnapshot): Parameters<LocalBook['snapshot']>[0] {
  return {
    lastUpdateId: updateId('sequence', value.sequence),
    bids: levelsOf(value.bids),
    asks: levelsOf(value.asks),
  }
}

/**
 * The order-book stream of an exchange that declares `capabilities.diffBook`: per symbol a local
 * book kept from the sequenced diff stream and a REST snapshot (through the rate-limited client),
 * by the documented rules (`@bb/ws` `createLocalBook`: buffer, snapshot, drop diffs at or before
 * it, the first diff brackets it, then each diff follows the previous one). Every applied diff
 * is one delivered state (`source: 'ws'`), the snapshot one state (`source: 'rest'`); a gap, a
 * reconnect or a failed integrity check (crossed, non-monotonic ids: {@link checkOrderbook} of the
 * whole book after a snapshot, its O(1) part after a diff) rebuilds the book from a new snapshot and
 * emits a `resync` event. States are frozen and share the side a diff did not change. While the
 * link is down, REST snapshots every `poll.orderbook` ms (each resets the book). `depth` trims the
 * delivered states, not the book. At subscribe one REST book is shown at once (a quiet market may
 * send no diff for a while).
 */
export function localBookStream(
  ctx: BackboneContext,
  routes: SnapshotRoutes,
  isPromoted: (kind: CachedKind, symbol: string) => boolean,
  normalized: string[],
  opts: LatestOptions,
): Observable<OrderbookSnapshot> {
  const streams = normalized.map((symbol) => oneBook(ctx, routes, symbol, opts))
  const merged = streams.length === 1 ? (streams[0] as Observable<OrderbookSnapshot>) : merge(...streams)
  return new Observable<OrderbookSnapshot>((subscriber) => {
    const conflate = opts.conflate === 'latest'
    const pending = new Map<string, OrderbookSnapshot>()
    let scheduled = false
    let dropped = 0
    let lastEventAt = 0
    const flush = () => {
      scheduled = false
      const values = [...pending.values()]
      pending.clear()
      for (const value of values) subscriber.next(value)
      if (dropped > 0 && ctx.clock.now() - lastEventAt >= 1000) {
        ctx.emit({ type: 'conflated', stream: 'orderbook', dropped })
        dropped = 0
        lastEventAt = ctx.clock.now()
      }
    }
    const inner = merged.subscribe({
      next: (value) => {
        if (!conflate) {
          subscriber.next(value)
          return
        }
        if (pending.has(value.marketId)) {
          ctx.metrics.increment('conflated_total', { stream: 'orderbook' })
          dropped++
        }
        pending.set(value.marketId, value)
        if (!scheduled) {
          scheduled = true
          setImmediate(flush) // the end of this event-loop turn: not a timer
        }
      },
      error: (error) => subscriber.error(error),
      complete: () => subscriber.complete(),
    })
    return () => {
      inner.unsubscribe()
      pending.clear()
      for (const symbol of normalized)
        if (!isPromoted('orderbook', symbol)) routes.markStale('orderbook', symbol)
    }
  })
}

function oneBook(
  ctx: BackboneContext,
  routes: SnapshotRoutes,
  symbol: string,
  opts: LatestOptions,
): Observable<OrderbookSnapshot> {
  const { metrics, rest, ws, logger, poll } = ctx
  const snapshotDepth = ctx.adapter.capabilities.diffBook?.snapshotDepth
  return new Observable<OrderbookSnapshot>((subscriber) => {
    let book = createLocalBook()
    /** The last state delivered (its sequence and time: both only grow). */
    let last: OrderbookSnapshot | undefined
    /** `last`'s sequence as a number (every delivered sequence is a safe integer). */
    let lastId = -1
    let fetching = false
    let attempts = 0
    let stopped = false
    let stopPolling: (() => void) | undefined
    let stopRetry: (() => void) | undefined
    /** Diffs buffered while awaiting a snapshot, by final id: each replayed state keeps its diff's times. */
    const buffered = new Map<number, OrderbookSnapshot>()

    /** The trimmed sides last delivered, by the side they were cut from: an unchanged side is shared. */
    let cut: { bids: Trimmed; asks: Trimmed } = { bids: UNTRIMMED, asks: UNTRIMMED }
    const trim = (state: OrderbookSnapshot): OrderbookSnapshot => {
      const depth = opts.depth
      if (depth === undefined) return state
      cut = { bids: top(cut.bids, state.bids, depth), asks: top(cut.asks, state.asks, depth) }
      return Object.freeze({ ...state, bids: cut.bids.out, asks: cut.asks.out })
    }

    const resync = (reason: OrderbookResyncReason, detail: string, rebuild: boolean) => {
      metrics.increment('orderbook_resyncs_total', { reason })
      ctx.emit({ type: 'resync', stream: 'orderbook', symbol, reason, detail })
      logger.info({ symbol, reason, detail }, 'local order book resync')
      // A rebuilt book waits for the next diff to ask for its snapshot (buffer first, then the
      // snapshot: the documented order); the book's own resync keeps the diff that showed the gap.
      if (rebuild) {
        book = createLocalBook()
        buffered.clear()
      } else void takeSnapshot()
    }

    /** Delivers one state of the local book; false when the integrity check failed (resync begun). */
    const deliver = (event: Extract<LocalBookEvent, { type: 'book' }>, from: OrderbookSnapshot): boolean => {
      const source = event.source === 'snapshot' ? 'rest' : 'ws'
      const timestamp = Math.max(from.timestamp, last?.timestamp ?? 0)
      const state: OrderbookSnapshot = Object.freeze({
        exchange: from.exchange,
        symbol: from.symbol,
        marketId: from.marketId,
        base: from.base,
        quote: from.quote,
        timestamp,
        receivedAt: from.receivedAt,
        source,
        streamType: source === 'rest' ? 'snapshot' : 'realtime',
        bids: event.bids,
        asks: event.asks,
        level: from.level,
        sequence: String(event.updateId),
      })
      // A snapshot: the whole book once. A diff: what it can change, O(1) (not the whole book).
      const issues =
        source === 'ws'
          ? checkDiffState(
              event.updateId,
              event.bids,
              event.asks,
              last && { sequence: last.sequence, id: lastId },
            )
          : checkOrderbook(state).filter(
              (issue) => issue.type === 'crossed' || issue.type === 'non-monotonic-ids',
            )
      if (issues.length > 0) {
        resync('integrity', JSON.stringify(issues), true)
        return false
      }
      if (source === 'ws') attempts = 0
      last = state
      lastId = event.updateId
      routes.remember('orderbook', state, source === 'ws')
      subscriber.next(trim(state))
      return true
    }

    const handle = (events: readonly LocalBookEvent[], from: OrderbookSnapshot) => {
      for (const event of events) {
        if (event.type === 'book') {
          const origin = event.source === 'diff' ? (buffered.get(event.updateId) ?? from) : from
          if (!deliver(event, origin)) return
          continue
        }
        const ids =
          event.firstUpdateId === undefined ? '' : ` (diff ${event.firstUpdateId}…${event.finalUpdateId})`
        resync(event.reason, `book at ${event.updateId ?? 'none'}${ids}`, false)
        return
      }
    }

    /** Fetches a sequenced snapshot; `reset` replaces the book with it (the failover poll). */
    const takeSnapshot = async (reset = false): Promise<void> => {
      if (fetching || stopped) return
      if (++attempts > MAX_SNAPSHOT_ATTEMPTS) {
        subscriber.error(
          new SubscriptionError({
            stream: 'orderbook',
            exchange: ctx.adapter.id,
            retryable: true,
            message: `The local book of ${symbol} took ${MAX_SNAPSHOT_ATTEMPTS} snapshots in a row without a diff applying.`,
            details: { symbol, maxSnapshotAttempts: MAX_SNAPSHOT_ATTEMPTS },
          }),
        )
        return
      }
      fetching = true
      try {
        const [snapshot] = await rest.getOrderbook([symbol], {
          ...(snapshotDepth !== undefined ? { depth: snapshotDepth } : {}),
        })
        fetching = false
        if (stopped) return
        if (!snapshot) throw new UnknownSymbolError({ symbol, exchange: ctx.adapter.id })
        if (reset) {
          if (last !== undefined && BigInt(snapshotOf(snapshot).lastUpdateId) <= BigInt(last.sequence ?? -1))
            return // nothing newer than the book delivered
          book = createLocalBook()
          buffered.clear()
        }
        const events = book.snapshot(snapshotOf(snapshot))
        handle(events, snapshot)
        if (book.status === 'live') buffered.clear()
      } catch (error) {
        fetching = false
        if (stopped) return
        if (UnknownSymbolError.isInstance(error) || DataValidationError.isInstance(error)) {
          subscriber.error(error)
          return
        }
        attempts--
        logger.warn({ error: toBackboneError(error).shortMessage, symbol }, 'order-book snapshot failed')
        // Try again after one poll interval (a one-shot on the backbone's clock).
        stopRetry?.()
        const stop = ctx.every(poll.orderbook, () => {
          stop()
          stopRetry = undefined
          void takeSnapshot(reset)
        })
        stopRetry = stop
      }
    }

    /**
     * A quiet market may send no diff for a while, and the book waits for one (buffer first, then
     * the snapshot). So one REST book is shown at once, outside the local book — unless the local
     * book has delivered a state by the time it arrives.
     */
    const preview = async (): Promise<void> => {
      try {
        const [snapshot] = await rest.getOrderbook([symbol], {
          ...(snapshotDepth !== undefined ? { depth: snapshotDepth } : {}),
        })
        // The local book is ahead (or its own snapshot is on the way): the preview is not needed.
        if (stopped || last !== undefined || fetching || book.status === 'live') return
        if (!snapshot) throw new UnknownSymbolError({ symbol, exchange: ctx.adapter.id })
        const { lastUpdateId } = snapshotOf(snapshot) // a sequenced snapshot, or DataValidationError
        const state: OrderbookSnapshot = Object.freeze({
          ...snapshot,
          source: 'rest',
          streamType: 'snapshot',
        })
        last = state
        lastId = lastUpdateId
        routes.remember('orderbook', state, false)
        subscriber.next(trim(state))
      } catch (error) {
        if (stopped) return
        if (UnknownSymbolError.isInstance(error) || DataValidationError.isInstance(error))
          subscriber.error(error)
        else logger.warn({ error: toBackboneError(error).shortMessage, symbol }, 'order-book preview failed')
      }
    }

    const upstream: Observable<StreamEvent<OrderbookSnapshot>> = ws.orderbookEvents$([symbol], {
      diff: true,
    })
    const wsSubscription = upstream.subscribe({
      next: (event) => {
        if (event.type !== 'data') {
          metrics.increment('gaps_total', { reason: event.reason })
          ctx.emit({ type: 'gap', stream: 'orderbook', symbol: event.symbol, reason: event.reason })
          // A new connection restarts the diff stream: rebuild. Other gaps (silence, an unreadable
          // frame) lose at most diffs, which the next diff's ids show.
          if (RESYNC_ON_GAP.has(event.reason))
            resync(event.reason as OrderbookResyncReason, 'websocket gap', true)
          return
        }
        ctx.onWsValue('orderbook')
        const value = event.value
        try {
          const diff = diffOf(value)
          const events = book.push(diff)
          if (book.status === 'awaiting-snapshot') buffered.set(diff.finalUpdateId, value)
          handle(events, value)
        } catch (error) {
          subscriber.error(toBackboneError(error))
          return
        }
        if (book.status === 'awaiting-snapshot') void takeSnapshot()
      },
      error: (error) => subscriber.error(error),
      complete: () => subscriber.complete(),
    })
    void preview()
    const linkSubscription = followLink(ctx, 'orderbook', [symbol], {
      onFailover: () => {
        void takeSnapshot(true)
        stopPolling = ctx.every(poll.orderbook, () => {
          attempts = 0 // polling is no resync loop
          void takeSnapshot(true)
        })
      },
      onSwitchback: () => {
        stopPolling?.()
        stopPolling = undefined
      },
    })
    return () => {
      stopped = true
      stopPolling?.()
      stopRetry?.()
      linkSubscription.unsubscribe()
      wsSubscription.unsubscribe()
    }
  })
}
