import { DataValidationError, SubscriptionError } from '@bb/errors'
import { type Decimal, toDecimal } from '@bb/models'
import { from, Observable, type ObservableInput, type OperatorFunction } from 'rxjs'

/** One price level as received: `[price, quantity]` (absolute quantity; `0` removes the level). */
export type LocalBookLevelInput = readonly [price: string | Decimal, quantity: string | Decimal]

/** A REST depth snapshot: the book as of update id `lastUpdateId`. */
export interface LocalBookSnapshot {
  /** The update id of the book returned. */
  readonly lastUpdateId: number
  /** Bid levels (any order). */
  readonly bids: readonly LocalBookLevelInput[]
  /** Ask levels (any order). */
  readonly asks: readonly LocalBookLevelInput[]
}

/** A sequenced diff: the levels changed by update ids `firstUpdateId` … `finalUpdateId` (e.g. Binance `U` … `u`). */
export interface LocalBookDiff {
  /** First update id in the diff (`U`). */
  readonly firstUpdateId: number
  /** Final update id in the diff (`u`). */
  readonly finalUpdateId: number
  /** Changed bid levels, absolute quantities. */
  readonly bids: readonly LocalBookLevelInput[]
  /** Changed ask levels, absolute quantities. */
  readonly asks: readonly LocalBookLevelInput[]
}

/** A level of the local book. */
export interface LocalBookLevel {
  /** Price of the level. */
  readonly price: Decimal
  /** Size resting at the level (never zero). */
  readonly size: Decimal
}

/** Why the local book was discarded and a new snapshot is needed. */
export type LocalBookResyncReason =
  /** A diff's first id is not the previous final id + 1 (or the first diff does not bracket the snapshot). */
  | 'gap'
  /** The snapshot is older than the buffered diffs (its `lastUpdateId + 1` < the first buffered `firstUpdateId`). */
  | 'stale-snapshot'
  /** {@link checkLocalBook} found a problem in the book or a diff (crossed, negative size, ids out of order). */
  | 'integrity'

/** A problem found by {@link checkLocalBook} or in a diff. */
export type LocalBookIssue =
  | { readonly type: 'crossed'; readonly bid: string; readonly ask: string }
  | { readonly type: 'negative-size'; readonly side: 'bids' | 'asks'; readonly price: string }
  | { readonly type: 'non-monotonic-ids'; readonly firstUpdateId: number; readonly finalUpdateId: number }

/** What the local book emits: every applied state (no conflation) or a resync request. */
export type LocalBookEvent =
  | {
      /** A new state: after the snapshot (`source: 'snapshot'`) or after one diff (`source: 'diff'`). */
      readonly type: 'book'
      readonly source: 'snapshot' | 'diff'
      /** The book's update id (the snapshot's `lastUpdateId` or the diff's `finalUpdateId`). */
      readonly updateId: number
      /**
       * Bids, best (highest) first. Frozen and never changed afterwards; the previous state's array when the
       * diff left this side alone.
       */
      readonly bids: readonly LocalBookLevel[]
      /**
       * Asks, best (lowest) first. Frozen and never changed afterwards; the previous state's array when the
       * diff left this side alone.
       */
      readonly asks: readonly LocalBookLevel[]
    }
  | {
      /** The book was discarded: fetch a new snapshot and pass it to {@link LocalBook.snapshot}. */
      readonly type: 'resync'
      readonly reason: LocalBookResyncReason
      /** The book's update id before (undefined when there was no book). */
      readonly updateId: number | undefined
      /** The diff's ids that caused it, when a diff did. */
      readonly firstUpdateId?: number
      readonly finalUpdateId?: number
      /** Integrity problems, for `reason: 'integrity'`. */
      readonly issues?: readonly LocalBookIssue[]
    }

/** Options of {@link createLocalBook}. */
export interface LocalBookOptions {
  /** Most diffs buffered while waiting for a snapshot; one more throws `SubscriptionError`. Default 10 000. */
  readonly maxBuffer?: number
}

/** A local order book kept from a snapshot plus sequenced diffs. Pure and synchronous. */
export interface LocalBook {
  /** `awaiting-snapshot` (diffs are buffered) or `live` (diffs are applied). */
  readonly status: 'awaiting-snapshot' | 'live'
  /** The current update id, undefined while awaiting a snapshot. */
  readonly updateId: number | undefined
  /** Diffs held while awaiting a snapshot. */
  readonly buffered: number
  /** Feeds a diff: buffered, applied (one `book` event) or a `resync`. Throws `SubscriptionError` when the buffer is full, `DataValidationError` on a malformed diff. */
  push(diff: LocalBookDiff): LocalBookEvent[]
  /** Sets the book to a snapshot and replays the buffer: a `book` event per state, or a `resync`. */
  snapshot(snapshot: LocalBookSnapshot): LocalBookEvent[]
  /** Current levels (best first, copies: yours to change), empty while awaiting a snapshot. */
  levels(): { bids: LocalBookLevel[]; asks: LocalBookLevel[] }
}

const DEFAULT_MAX_BUFFER = 10_000

function checkId(path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < -1)
    throw new DataValidationError({ path, expected: 'an update id (a safe integer ≥ -1)', received: value })
  return value
}

/** A parsed level: the object the book keeps and hands out (frozen, never changed afterwards). */
type ParsedLevel = LocalBookLevel

function parseLevels(path: string, levels: unknown): ParsedLevel[] {
  if (!Array.isArray(levels))
    throw new DataValidationError({ path, expected: 'an array of [price, quantity]', received: levels })
  return levels.map((level: unknown, i) => {
    if (!Array.isArray(level) || level.length < 2)
      throw new DataValidationError({ path: `${path}[${i}]`, expected: '[price, quantity]', received: level })
    const price = toDecimal(level[0])
    const size = toDecimal(level[1])
    if (price === undefined || !price.isFinite() || !price.isPositive() || price.isZero())
      throw new DataValidationError({
        path: `${path}[${i}][0]`,
        expected: 'a positive decimal price',
        received: level[0],
      })
    if (size === undefined || !size.isFinite())
      throw new DataValidationError({
        path: `${path}[${i}][1]`,
        expected: 'a decimal quantity',
        received: level[1],
      })
    return Object.freeze({ price, size })
  })
}

function parseDiff(diff: unknown): {
  first: number
  final: number
  bids: ParsedLevel[]
  asks: ParsedLevel[]
} {
  if (typeof diff !== 'object' || diff === null)
    throw new DataValidationError({
      path: '',
      expected: 'a diff { firstUpdateId, finalUpdateId, bids, asks }',
      received: diff,
    })
  const d = diff as Partial<LocalBookDiff>
  return {
    first: checkId('firstUpdateId', d.firstUpdateId),
    final: checkId('finalUpdateId', d.finalUpdateId),
    bids: parseLevels('bids', d.bids),
    asks: parseLevels('asks', d.asks),
  }
}

/** A side of the book, best first: bids by descending price, asks by ascending. Frozen: states share it. */
type Side = readonly LocalBookLevel[]

const EMPTY: Side = Object.freeze([])

/**
 * The order of two positive finite prices: decimal.js's `comparedTo`, without the copy of its
 * argument it makes on every call. It reads the instances' documented read-only fields: `e`, the
 * exponent, and `d`, the base-1e7 words (normalized: no leading or trailing zero words).
 */
function compare(a: Decimal, b: Decimal): number {
  if (a.e !== b.e) return a.e > b.e ? 1 : -1
  const x = a.d
  const y = b.d
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number
    const yi = y[i] as number
    if (xi !== yi) return xi > yi ? 1 : -1
  }
  return x.length === y.length ? 0 : x.length > y.length ? 1 : -1
}

/**
 * Where `price` is in a side, by binary search: its index when a level has that price, else
 * `-(insertion index) - 1`. O(log n) exact comparisons.
 */
function search(side: Side, price: Decimal, desc: boolean): number {
  let lo = 0
  let hi = side.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const c = compare((side[mid] as LocalBookLevel).price, price)
    if (c === 0) return mid
    if (desc ? c > 0 : c < 0) lo = mid + 1
    else hi = mid
  }
  return -lo - 1
}

/**
 * Applies a diff's levels to a side, copy on write: the side itself is never changed (states
 * handed out hold it), a changed side is one shallow copy plus an insert, replace or delete per
 * level; a side the diff does not change is returned as is. (Spread, not `slice()`: V8 copies a
 * frozen array by `slice` on a slow path, some 20 times slower.)
 */
function applySide(side: Side, changes: readonly ParsedLevel[], desc: boolean): Side {
  let next: LocalBookLevel[] | undefined
  for (const level of changes) {
    const at = search(next ?? side, level.price, desc)
    if (level.size.isZero()) {
      if (at < 0) continue // removing an unknown level is normal
      next ??= [...side]
      next.splice(at, 1)
    } else {
      next ??= [...side]
      if (at >= 0) next[at] = level
      else next.splice(-at - 1, 0, level)
    }
  }
  return next === undefined ? side : Object.freeze(next)
}

/** A snapshot's side: sorted best first, zero sizes dropped, the last level of a repeated price kept. */
function buildSide(levels: readonly ParsedLevel[], desc: boolean): Side {
  const kept = levels.filter((l) => !l.size.isZero())
  kept.sort((a, b) => (desc ? compare(b.price, a.price) : compare(a.price, b.price))) // stable
  const out: LocalBookLevel[] = []
  for (const level of kept) {
    const top = out.length - 1
    if (top >= 0 && compare((out[top] as LocalBookLevel).price, level.price) === 0) out[top] = level
    else out.push(level)
  }
  return Object.freeze(out)
}

/** The crossed check of {@link checkLocalBook} on the book's own (positive) prices: O(1), the best levels. */
function crossed(bids: Side, asks: Side): LocalBookIssue[] {
  const bid = bids[0]
  const ask = asks[0]
  return bid && ask && compare(bid.price, ask.price) >= 0
    ? [{ type: 'crossed', bid: bid.price.toString(), ask: ask.price.toString() }]
    : []
}

/**
 * Checks a book: crossed (best bid ≥ best ask) and negative sizes. Sides are best first.
 *
 * @example
 * ```ts
 * import { checkLocalBook, createLocalBook } from '@bb/ws'
 * const book = createLocalBook()
 * book.snapshot({ lastUpdateId: 1, bids: [['99', '1']], asks: [['101', '1']] })
 * checkLocalBook(book.levels()) // []
 * ```
 */
export function checkLocalBook(book: {
  readonly bids: readonly LocalBookLevel[]
  readonly asks: readonly LocalBookLevel[]
}): LocalBookIssue[] {
  const issues: LocalBookIssue[] = []
  const bid = book.bids[0]
  const ask = book.asks[0]
  if (bid && ask && bid.price.greaterThanOrEqualTo(ask.price))
    issues.push({ type: 'crossed', bid: bid.price.toString(), ask: ask.price.toString() })
  for (const side of ['bids', 'asks'] as const)
    for (const level of book[side])
      if (level.size.isNegative()) issues.push({ type: 'negative-size', side, price: level.price.toString() })
  return issues
}

/**
 * Creates a {@link LocalBook}: buffer diffs until a snapshot; drop diffs with `finalUpdateId ≤
 * lastUpdateId`; the first applied diff must bracket `lastUpdateId + 1`; afterwards each
 * `firstUpdateId` must be the previous `finalUpdateId + 1`. Anything else, or a failed
 * {@link checkLocalBook}, discards the book and emits `resync` (fetch a new snapshot). Quantity 0
 * removes a level (removing an unknown level is normal). Exact `Decimal` arithmetic; every state is
 * emitted. Each side is a sorted array: a diff costs a binary search per changed level and one
 * shallow copy per changed side (the other side is shared with the previous state); the whole book
 * is checked after a snapshot, after a diff only what it can change (crossed at the top, negative
 * sizes in the diff). States are frozen and never change afterwards.
 *
 * @example
 * ```ts
 * import { createLocalBook } from '@bb/ws'
 * const book = createLocalBook({ maxBuffer: 1000 })
 * book.push({ firstUpdateId: 11, finalUpdateId: 12, bids: [['99', '0']], asks: [['101', '3']] }) // [] (buffered)
 * const events = book.snapshot({ lastUpdateId: 10, bids: [['99', '1']], asks: [['101', '1']] })
 * // events: book@10 (snapshot), book@12 (diff); book.levels().bids is empty
 * ```
 */
export function createLocalBook(options: LocalBookOptions = {}): LocalBook {
  const maxBuffer = options.maxBuffer ?? DEFAULT_MAX_BUFFER
  if (!Number.isSafeInteger(maxBuffer) || maxBuffer < 1)
    throw new DataValidationError({ path: 'maxBuffer', expected: 'a positive integer', received: maxBuffer })
  // Each side is a sorted array, replaced (never changed) by a diff that changes it: every state
  // handed out keeps its arrays, and the side a diff does not touch is shared with the next state.
  let bids: Side = EMPTY
  let asks: Side = EMPTY
  let updateId: number | undefined
  let buffer: ReturnType<typeof parseDiff>[] = []

  function discard(): void {
    bids = EMPTY
    asks = EMPTY
    updateId = undefined
  }

  function resync(
    reason: LocalBookResyncReason,
    diff?: ReturnType<typeof parseDiff>,
    issues?: LocalBookIssue[],
  ): LocalBookEvent {
    const event: LocalBookEvent = {
      type: 'resync',
      reason,
      updateId,
      ...(diff ? { firstUpdateId: diff.first, finalUpdateId: diff.final } : {}),
      ...(issues ? { issues } : {}),
    }
    discard()
    return event
  }

  /** Applies a live diff; `first` says whether it is the first after the snapshot. */
  function apply(diff: ReturnType<typeof parseDiff>, first: boolean): LocalBookEvent | undefined {
    const held = updateId as number
    if (diff.final < diff.first)
      return resync('integrity', diff, [
        { type: 'non-monotonic-ids', firstUpdateId: diff.first, finalUpdateId: diff.final },
      ])
    if (diff.final <= held) return undefined // stale: already in the book
    if (first ? diff.first > held + 1 : diff.first !== held + 1) return resync('gap', diff)
    const negative: LocalBookIssue[] = []
    for (const side of ['bids', 'asks'] as const)
      for (const l of diff[side])
        if (l.size.isNegative()) negative.push({ type: 'negative-size', side, price: l.price.toString() })
    if (negative.length > 0) return resync('integrity', diff, negative)
    bids = applySide(bids, diff.bids, true)
    asks = applySide(asks, diff.asks, false)
    updateId = diff.final
    // What a diff can break, given a checked book and a diff without negative sizes: the top.
    const issues = crossed(bids, asks)
    if (issues.length > 0) return resync('integrity', diff, issues)
    return { type: 'book', source: 'diff', updateId: diff.final, bids, asks }
  }

  let awaitingFirst = false

  return {
    get status() {
      return updateId === undefined ? 'awaiting-snapshot' : 'live'
    },
    get updateId() {
      return updateId
    },
    get buffered() {
      return buffer.length
    },
    levels() {
      return { bids: [...bids], asks: [...asks] }
    },
    push(input) {
      const diff = parseDiff(input)
      if (updateId === undefined) {
        if (buffer.length >= maxBuffer)
          throw new SubscriptionError({
            stream: 'orderbook',
            channel: 'ws',
            retryable: true,
            message: `The local book buffered ${maxBuffer} diffs without a snapshot: its buffer overflowed.`,
            details: { maxBuffer },
          })
        buffer.push(diff)
        return []
      }
      const event = apply(diff, awaitingFirst)
      if (event === undefined) return []
      if (event.type === 'book') awaitingFirst = false
      else buffer = event.reason === 'gap' ? [diff] : [] // the diff after a gap starts the next sequence
      return [event]
    },
    snapshot(input) {
      if (typeof input !== 'object' || input === null)
        throw new DataValidationError({
          path: '',
          expected: 'a snapshot { lastUpdateId, bids, asks }',
          received: input,
        })
      const lastUpdateId = checkId('lastUpdateId', input.lastUpdateId)
      const snapBids = parseLevels('bids', input.bids)
      const snapAsks = parseLevels('asks', input.asks)
      const pending = buffer.filter((d) => d.final > lastUpdateId)
      const head = pending[0]
      if (head !== undefined && head.first > lastUpdateId + 1) {
        buffer = pending
        return [resync('stale-snapshot')]
      }
      buffer = []
      bids = buildSide(snapBids, true)
      asks = buildSide(snapAsks, false)
      updateId = lastUpdateId
      const issues = checkLocalBook({ bids, asks }) // the whole book, once per snapshot
      if (issues.length > 0) {
        buffer = pending
        return [resync('integrity', undefined, issues)]
      }
      const events: LocalBookEvent[] = [
        { type: 'book', source: 'snapshot', updateId: lastUpdateId, bids, asks },
      ]
      awaitingFirst = true
      for (let i = 0; i < pending.length; i++) {
        const diff = pending[i] as ReturnType<typeof parseDiff>
        const event = apply(diff, awaitingFirst)
        if (event === undefined) continue
        events.push(event)
        if (event.type === 'book') awaitingFirst = false
        else {
          buffer = event.reason === 'gap' ? pending.slice(i) : pending.slice(i + 1)
          break
        }
      }
      return events
    },
  }
}

/** Options of {@link localBook}. */
export interface LocalBookStreamOptions extends LocalBookOptions {
  /** Most snapshot fetches in a row that do not yield a live book before the stream errors with `SubscriptionError`. Default 10. */
  readonly maxSnapshotAttempts?: number
}

/**
 * An RxJS operator over a stream of diffs: keeps a {@link createLocalBook} book, fetches a snapshot
 * at the first diff and again after every `resync` (the `resync` event is emitted first, so the
 * consumer sees that the book was discarded), and emits every state. Errors: the source's, the
 * fetch's, a buffer overflow or too many fruitless snapshots (`SubscriptionError`).
 *
 * @example
 * ```ts
 * import { Subject } from 'rxjs'
 * import { type LocalBookDiff, localBook } from '@bb/ws'
 * const diffs = new Subject<LocalBookDiff>()
 * const fetchSnapshot = async () => ({ lastUpdateId: 10, bids: [['99', '1']], asks: [['101', '1']] }) as const
 * diffs.pipe(localBook(fetchSnapshot)).subscribe((e) => console.log(e.type))
 * diffs.next({ firstUpdateId: 11, finalUpdateId: 11, bids: [], asks: [['101', '2']] })
 * ```
 */
export function localBook(
  fetchSnapshot: () => ObservableInput<LocalBookSnapshot>,
  options: LocalBookStreamOptions = {},
): OperatorFunction<LocalBookDiff, LocalBookEvent> {
  const maxAttempts = options.maxSnapshotAttempts ?? 10
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1)
    throw new DataValidationError({
      path: 'maxSnapshotAttempts',
      expected: 'a positive integer',
      received: maxAttempts,
    })
  return (source) =>
    new Observable<LocalBookEvent>((subscriber) => {
      const book = createLocalBook(options)
      let fetching: { unsubscribe(): void } | undefined
      let attempts = 0
      const emit = (events: LocalBookEvent[]): boolean => {
        let resync = false
        for (const event of events) {
          subscriber.next(event)
          if (event.type === 'resync') resync = true
          else if (event.source === 'diff' || book.status === 'live') attempts = 0
        }
        return resync
      }
      const fetch = (): void => {
        if (fetching !== undefined || subscriber.closed) return
        if (++attempts > maxAttempts) {
          subscriber.error(
            new SubscriptionError({
              stream: 'orderbook',
              retryable: true,
              message: `The local book got ${maxAttempts} snapshots in a row without becoming live.`,
              details: { maxSnapshotAttempts: maxAttempts },
            }),
          )
          return
        }
        let done = false
        const sub = from(fetchSnapshot()).subscribe({
          next: (snapshot) => {
            if (done) return
            done = true
            fetching = undefined
            try {
              if (emit(book.snapshot(snapshot))) fetch()
            } catch (error) {
              subscriber.error(error)
            }
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            if (!done) {
              fetching = undefined
              subscriber.error(
                new DataValidationError({ path: 'snapshot', expected: 'a snapshot from fetchSnapshot' }),
              )
            }
          },
        })
        if (!done) fetching = sub
      }
      const upstream = source.subscribe({
        next: (diff) => {
          try {
            const events = book.push(diff)
            if (emit(events) || book.status === 'awaiting-snapshot') fetch()
          } catch (error) {
            subscriber.error(error)
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
      return () => {
        upstream.unsubscribe()
        fetching?.unsubscribe()
      }
    })
}
