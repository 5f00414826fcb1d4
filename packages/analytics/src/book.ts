import { Decimal, type DecimalInput, type OrderbookLevel, type OrderbookSnapshot } from '@bb/models'
import { systemClock } from '@bb/utils'
import { map, type OperatorFunction } from 'rxjs'
import {
  BPS,
  checkMaxAge,
  decimalOption,
  type InputRef,
  inputOf,
  type Refusal,
  refuse,
  type StalenessOptions,
  staleness,
} from './common.js'

const ZERO = new Decimal(0)
const HUNDRED = new Decimal(100)
const TWO = new Decimal(2)

/** The levels with a positive size (a zero-size level is a deletion some feeds keep). */
const live = (levels: readonly OrderbookLevel[]) => levels.filter((l) => l.size.greaterThan(0))

/** Top of book, or the reason there is none (an empty side or a crossed book). */
export function topOfBook(
  book: OrderbookSnapshot,
): { bid: Decimal; ask: Decimal; mid: Decimal; spreadBps: Decimal } | { reason: string } {
  const bid = live(book.bids)[0]
  const ask = live(book.asks)[0]
  const name = `${book.exchange} ${book.symbol}`
  if (!bid && !ask) return { reason: `${name} book is empty` }
  if (!bid) return { reason: `${name} book has no bids` }
  if (!ask) return { reason: `${name} book has no asks` }
  if (bid.price.greaterThanOrEqualTo(ask.price)) {
    return { reason: `${name} book is crossed (best bid ${bid.price} ≥ best ask ${ask.price})` }
  }
  const mid = bid.price.plus(ask.price).div(TWO)
  return { bid: bid.price, ask: ask.price, mid, spreadBps: ask.price.minus(bid.price).div(mid).times(BPS) }
}

/** The result of walking one side of a book for a quote notional ({@link walkBook}). */
export interface Fill {
  /** `buy` walked the asks, `sell` the bids. */
  readonly side: 'buy' | 'sell'
  /** The quote notional asked for. */
  readonly notional: Decimal
  /** The quote notional the book could absorb (≤ `notional`). */
  readonly filledQuote: Decimal
  /** The base size that fills. */
  readonly filledBase: Decimal
  /** `true` when the whole notional filled. */
  readonly complete: boolean
  /** `filledQuote / filledBase`; `undefined` when nothing filled. */
  readonly averagePrice: Decimal | undefined
  /**
   * The cost against mid in basis points, positive = worse than mid: buy `(avg − mid) / mid ×
   * 10,000`, sell `(mid − avg) / mid × 10,000`. `undefined` when nothing filled.
   */
  readonly slippageBps: Decimal | undefined
}

/**
 * Walks one side of a book for a quote notional: a `buy` spends `notional` on the asks (best
 * first), a `sell` takes bids until it has received `notional`. Pure; the last level is taken
 * partially.
 *
 * @example
 * ```ts
 * import { walkBook } from '@bb/analytics'
 * import { createBackbone } from '@bb/router'
 *
 * const book = await createBackbone().getOrderbook('BTC/KRW')
 * const mid = book.bids[0]!.price.plus(book.asks[0]!.price).div(2)
 * walkBook(book, 'buy', '1000000', mid) // { averagePrice, slippageBps, complete, ... }
 * ```
 */
export function walkBook(
  book: OrderbookSnapshot,
  side: 'buy' | 'sell',
  notional: DecimalInput,
  mid: Decimal,
): Fill {
  const want = new Decimal(notional)
  let quote = ZERO
  let base = ZERO
  for (const level of live(side === 'buy' ? book.asks : book.bids)) {
    const left = want.minus(quote)
    if (left.lessThanOrEqualTo(0)) break
    const levelQuote = level.price.times(level.size)
    if (levelQuote.lessThanOrEqualTo(left)) {
      quote = quote.plus(levelQuote)
      base = base.plus(level.size)
    } else {
      quote = quote.plus(left)
      base = base.plus(left.div(level.price))
    }
  }
  const averagePrice = base.isZero() ? undefined : quote.div(base)
  const slippageBps =
    averagePrice === undefined
      ? undefined
      : (side === 'buy' ? averagePrice.minus(mid) : mid.minus(averagePrice)).div(mid).times(BPS)
  return {
    side,
    notional: want,
    filledQuote: quote,
    filledBase: base,
    complete: quote.greaterThanOrEqualTo(want),
    averagePrice,
    slippageBps,
  }
}

/** Options of {@link depth}. */
export interface DepthOptions extends StalenessOptions {
  /** The band around mid, in percent: `1` counts levels within ±1 % of mid. @defaultValue 1 */
  readonly bandPct?: DecimalInput
  /** Quote notionals to price the slippage of, both ways. @defaultValue none */
  readonly notionals?: readonly DecimalInput[]
}

/** Liquidity of one book, as {@link depth} emits it. */
export interface BookLiquidity {
  /** Not a refusal. */
  readonly refused: false
  /** The book it was computed from. */
  readonly input: InputRef
  /** The book's quote currency, the unit of every quote figure. */
  readonly quote: string
  /** Best bid. */
  readonly bestBid: Decimal
  /** Best ask. */
  readonly bestAsk: Decimal
  /** `(bestBid + bestAsk) / 2`. */
  readonly mid: Decimal
  /** `(bestAsk − bestBid) / mid × 10,000`. */
  readonly spreadBps: Decimal
  /** The band used, in percent of mid. */
  readonly bandPct: Decimal
  /** Bid levels priced ≥ mid × (1 − band): size in base and `Σ price × size` in quote. */
  readonly bidDepth: { readonly base: Decimal; readonly quote: Decimal }
  /** Ask levels priced ≤ mid × (1 + band). */
  readonly askDepth: { readonly base: Decimal; readonly quote: Decimal }
  /**
   * `(bidBase − askBase) / (bidBase + askBase)` within the band, in [−1, 1]: positive = more
   * resting bids. `undefined` when the band holds no size at all.
   */
  readonly imbalance: Decimal | undefined
  /** One buy and one sell {@link Fill} per requested notional, in the order given. */
  readonly slippage: readonly { readonly buy: Fill; readonly sell: Fill }[]
}

function band(levels: readonly OrderbookLevel[], inside: (price: Decimal) => boolean) {
  let base = ZERO
  let quote = ZERO
  for (const level of live(levels)) {
    if (!inside(level.price)) continue
    base = base.plus(level.size)
    quote = quote.plus(level.price.times(level.size))
  }
  return { base, quote }
}

/**
 * The liquidity of one book, pure: spread in bps, depth within ±`bandPct` % of mid on both sides
 * (base and quote), imbalance, and the slippage of each notional. A refusal for a stale, empty or
 * crossed book.
 */
export function bookLiquidity(
  book: OrderbookSnapshot,
  options: { bandPct: Decimal; notionals: readonly Decimal[]; now: number; maxAgeMs: number },
): BookLiquidity | Refusal {
  const input = inputOf(book)
  const old = staleness([input], options.now, options.maxAgeMs)
  if (old) return old
  const top = topOfBook(book)
  if ('reason' in top) return refuse(top.reason, [input], options.now)
  const ratio = options.bandPct.div(HUNDRED)
  const low = top.mid.times(Decimal.sub(1, ratio))
  const high = top.mid.times(Decimal.add(1, ratio))
  const bidDepth = band(book.bids, (p) => p.greaterThanOrEqualTo(low))
  const askDepth = band(book.asks, (p) => p.lessThanOrEqualTo(high))
  const total = bidDepth.base.plus(askDepth.base)
  return {
    refused: false,
    input,
    quote: book.quote,
    bestBid: top.bid,
    bestAsk: top.ask,
    mid: top.mid,
    spreadBps: top.spreadBps,
    bandPct: options.bandPct,
    bidDepth,
    askDepth,
    imbalance: total.isZero() ? undefined : bidDepth.base.minus(askDepth.base).div(total),
    slippage: options.notionals.map((n) => ({
      buy: walkBook(book, 'buy', n, top.mid),
      sell: walkBook(book, 'sell', n, top.mid),
    })),
  }
}

/**
 * An operator: each order book in → its {@link BookLiquidity} (or a {@link Refusal}) out. Bad
 * options throw an `InvalidRequestError` when the operator is created.
 *
 * @example
 * ```ts
 * import { depth } from '@bb/analytics'
 * import { createBackbone } from '@bb/router'
 *
 * const backbone = createBackbone()
 * backbone.orderbook$('BTC/KRW').pipe(depth({ bandPct: 1, notionals: ['10000000'] }))
 * ```
 */
export function depth(
  options: DepthOptions = {},
): OperatorFunction<OrderbookSnapshot, BookLiquidity | Refusal> {
  const maxAgeMs = checkMaxAge(options.maxAgeMs)
  const bandPct = decimalOption('bandPct', options.bandPct ?? 1, {
    min: ZERO,
    minInclusive: false,
    max: HUNDRED,
  })
  const notionals = (options.notionals ?? []).map((n, i) =>
    decimalOption(`notionals[${i}]`, n, { min: ZERO, minInclusive: false }),
  )
  const clock = options.clock ?? systemClock
  return map((book) => bookLiquidity(book, { bandPct, notionals, now: clock.now(), maxAgeMs }))
}
