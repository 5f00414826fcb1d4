import type { OrderbookSnapshot } from '@bb/models'
import { badArgument, checkObject, checkString } from '../check.js'

/** A book handed in by the caller: an object with `bids` and `asks` arrays, or `InvalidRequestError`. */
function checkBook(book: unknown): void {
  checkObject('book', book, 'an order book { bids, asks }')
  const { bids, asks } = book as { bids?: unknown; asks?: unknown }
  if (!Array.isArray(bids)) badArgument('bids', 'an array of levels', bids)
  if (!Array.isArray(asks)) badArgument('asks', 'an array of levels', asks)
}

/** A problem found in a book. */
export type OrderbookIssue =
  | {
      /** The best bid is at or above the best ask. */
      readonly type: 'crossed'
      /** Best bid price. */
      readonly bid: string
      /** Best ask price. */
      readonly ask: string
    }
  | {
      /** A level with a price but size 0. */
      readonly type: 'zero-size'
      /** Which side. */
      readonly side: 'bids' | 'asks'
      /** The level's price. */
      readonly price: string
    }
  | {
      /** A side without levels. */
      readonly type: 'empty-side'
      /** Which side. */
      readonly side: 'bids' | 'asks'
    }
  | {
      /**
       * Sequenced books only: the book's `sequence` is not after the previous book's, or its
       * `firstSequence` is after its `sequence` (update ids must only grow).
       */
      readonly type: 'non-monotonic-ids'
      /** The previous book's sequence, when one was given. */
      readonly previous: string | undefined
      /** The book's first update id, when it has one. */
      readonly firstSequence: string | undefined
      /** The book's sequence. */
      readonly sequence: string
    }

/** Options of {@link checkOrderbook}. */
export interface CheckOrderbookOptions {
  /** The book held before this one: its `sequence` must be smaller than this book's. */
  readonly previous?: Pick<OrderbookSnapshot, 'sequence'> | undefined
}

function sequenceOf(param: string, value: unknown): bigint | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !/^\d{1,30}$/.test(value))
    badArgument(param, 'an update id (digits)', value)
  return BigInt(value)
}

/**
 * Checks a whole book: crossed (best bid ≥ best ask), zero-size levels (padding units with a
 * zero price are dropped by normalization when the adapter says so; a priced level of size 0 is an anomaly), empty sides;
 * for sequenced books (`sequence`), non-monotonic update ids: `firstSequence` after `sequence`, or
 * `sequence` not after `options.previous.sequence`. Throws `InvalidRequestError` for a value that
 * is not a book or an update id that is not digits.
 *
 * @example
 * ```ts
 * import type { OrderbookSnapshot } from '@bb/models'
 * import { checkOrderbook } from '@bb/unifier'
 * declare const book: OrderbookSnapshot // e.g. from backbone.getOrderbook('BTC/USDT')
 * checkOrderbook(book) // [] for a healthy book
 * ```
 */
export function checkOrderbook(
  book: Pick<OrderbookSnapshot, 'bids' | 'asks'> &
    Partial<Pick<OrderbookSnapshot, 'sequence' | 'firstSequence'>>,
  options: CheckOrderbookOptions = {},
): OrderbookIssue[] {
  checkBook(book)
  checkObject('options', options)
  const issues: OrderbookIssue[] = []
  const sequence = sequenceOf('sequence', book.sequence)
  const first = sequenceOf('firstSequence', book.firstSequence)
  const previous = sequenceOf('previous.sequence', options.previous?.sequence)
  if (
    sequence !== undefined &&
    ((first !== undefined && first > sequence) || (previous !== undefined && sequence <= previous))
  )
    issues.push({
      type: 'non-monotonic-ids',
      previous: options.previous?.sequence,
      firstSequence: book.firstSequence,
      sequence: book.sequence as string,
    })
  const bestBid = book.bids[0]
  const bestAsk = book.asks[0]
  if (bestBid && bestAsk && bestBid.price.greaterThanOrEqualTo(bestAsk.price)) {
    issues.push({ type: 'crossed', bid: bestBid.price.toString(), ask: bestAsk.price.toString() })
  }
  for (const side of ['bids', 'asks'] as const) {
    if (book[side].length === 0) issues.push({ type: 'empty-side', side })
    for (const level of book[side]) {
      if (level.size.isZero()) issues.push({ type: 'zero-size', side, price: level.price.toString() })
    }
  }
  return issues
}

/** What {@link OrderbookState.apply} did. */
export interface OrderbookUpdate {
  /** False when the book was older than the one held (out of order) and was ignored. */
  readonly accepted: boolean
  /** The book now held for the symbol. */
  readonly book: OrderbookSnapshot
  /** Problems found in the applied book (empty when not accepted). */
  readonly issues: readonly OrderbookIssue[]
}

/**
 * Latest whole book per market, keyed by the native `marketId` (for exchanges that send whole
 * books, not deltas). Pure and synchronous.
 */
export interface OrderbookState {
  /** Applies a book: it replaces the held one unless it is older. */
  apply(book: OrderbookSnapshot): OrderbookUpdate
  /** The book held for a market (its native `marketId`). */
  get(marketId: string): OrderbookSnapshot | undefined
  /** Native market ids with a book. */
  symbols(): string[]
  /** Drops a market's book (or all), e.g. on disconnect: a stale book must not be served. */
  reset(marketId?: string): void
}

/**
 * Creates an {@link OrderbookState}.
 *
 * @example
 * ```ts
 * import type { OrderbookSnapshot } from '@bb/models'
 * import { createOrderbookState } from '@bb/unifier'
 * declare const book: OrderbookSnapshot // e.g. from backbone.orderbook$('BTC/USDT')
 * const books = createOrderbookState()
 * const { accepted, issues } = books.apply(book)
 * ```
 */
export function createOrderbookState(): OrderbookState {
  const books = new Map<string, OrderbookSnapshot>()
  return {
    apply(book) {
      checkBook(book)
      checkString('marketId', book.marketId)
      if (typeof book.timestamp !== 'number' || !Number.isFinite(book.timestamp))
        badArgument('timestamp', 'a time in ms (a finite number)', book.timestamp)
      const held = books.get(book.marketId)
      if (held !== undefined && book.timestamp < held.timestamp)
        return { accepted: false, book: held, issues: [] }
      books.set(book.marketId, book)
      return { accepted: true, book, issues: checkOrderbook(book) }
    },
    get(symbol) {
      return books.get(symbol)
    },
    symbols() {
      return [...books.keys()]
    },
    reset(symbol) {
      if (symbol === undefined) books.clear()
      else books.delete(symbol)
    },
  }
}
