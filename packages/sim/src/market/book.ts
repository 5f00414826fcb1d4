import { hashInts, Rng } from '../util/rng.js'
import type { Book, BookLevel, MarketState, TopOfBook } from './state.js'
import type { TradeRecord } from './summary.js'
import { type QuoteCurrency, stepTick } from './ticks.js'
import { volumeOf } from './volume.js'

const BOOK_LEVELS = 30

/** Top of the book right after trade `t`. */
export function topOfBook(seed: number, m: MarketState, t: TradeRecord): TopOfBook {
  const { askPrice, bidPrice } = bookAnchors(m.quote, t)
  const rng = new Rng(hashInts(seed, m.salt, t.ts, t.sub))
  const askSize = levelSize(m, rng, askPrice, 0)
  const bidSize = levelSize(m, rng, bidPrice, 0)
  return { askPrice, askSize, bidPrice, bidSize }
}

/** The size of one book level: a seeded notional, growing with the depth. */
function levelSize(m: MarketState, rng: Rng, price: number, level: number): number {
  const notional = Math.exp(m.notionalMu + 1.2 + 0.15 * Math.min(level, 10) + 0.9 * rng.normal())
  return volumeOf(notional / price)
}

/**
 * The full 30-level book (native grid) after trade `t` (the last one; before any, around the
 * reference price): seeded per trade, so the same trade always gives the same book.
 */
export function bookAfter(
  seed: number,
  m: MarketState,
  t: TradeRecord | undefined,
  processedTime: number,
): Book {
  const key = t ? `${t.ts}:${t.sub}` : 'none'
  if (m.bookMemo && m.bookMemo.key === key) return m.bookMemo.book
  const ref = t ?? { ts: processedTime, sub: 0, price: m.def.referencePrice, volume: 0, bid: true }
  const top = topOfBook(seed, m, ref)
  const rng = new Rng(hashInts(seed, m.salt, ref.ts, ref.sub))
  // consume the two draws used by topOfBook so level 0 sizes agree
  levelSize(m, rng, top.askPrice, 0)
  levelSize(m, rng, top.bidPrice, 0)
  const asks: BookLevel[] = [[top.askPrice, top.askSize]]
  const bids: BookLevel[] = [[top.bidPrice, top.bidSize]]
  let ap = top.askPrice
  let bp = top.bidPrice
  for (let k = 1; k < BOOK_LEVELS; k++) {
    ap = stepTick(m.quote, ap, 1)
    asks.push([ap, levelSize(m, rng, ap, k)])
    const nb = stepTick(m.quote, bp, -1)
    if (nb < bp) {
      bp = nb
      bids.push([bp, levelSize(m, rng, bp, k)])
    }
  }
  const book: Book = { timestamp: ref.ts, asks, bids }
  m.bookMemo = { key, level: 0, book }
  return book
}

function bookAnchors(quote: QuoteCurrency, t: TradeRecord): { askPrice: number; bidPrice: number } {
  if (t.bid) {
    const bidPrice = stepTick(quote, t.price, -1)
    return { askPrice: t.price, bidPrice: bidPrice < t.price ? bidPrice : 0 }
  }
  return { askPrice: stepTick(quote, t.price, 1), bidPrice: t.price }
}
