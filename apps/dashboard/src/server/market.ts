import type { OrderbookSnapshot, Ticker, Trade } from '@bb/models'

/** One displayed value with where it came from and when it was received (the badge and the age). */
export interface Cell {
  /** The value, an exact decimal as a string. */
  readonly value: string
  /** `ws`, `rest`, `cache` or `sim`. */
  readonly source: string
  /** Local receive time, ms UTC. */
  readonly receivedAt: number
}

/** One row of the Markets table. */
export interface MarketRow {
  /** The market, e.g. `KRW-BTC`. */
  readonly symbol: string
  /** Last trade price. */
  last?: Cell
  /** 24 h change, signed ratio (0.015 = 1.5 %). */
  change?: Cell
  /** 24 h quote turnover. */
  volume?: Cell
  /** Best bid. */
  bid?: Cell
  /** Best ask. */
  ask?: Cell
  /** `ask − bid`. */
  spread?: Cell
}

/** One trade of the tape. */
export interface TapeTrade {
  /** The market. */
  readonly symbol: string
  /** The exchange's trade id. */
  readonly id: string
  /** Price, exact. */
  readonly price: string
  /** Size, exact. */
  readonly size: string
  /** Taker side. */
  readonly side: string
  /** Where it came from. */
  readonly source: string
  /** Exchange time, ms UTC. */
  readonly timestamp: number
  /** Local receive time, ms UTC. */
  readonly receivedAt: number
}

const cell = (value: { toString(): string }, source: string, receivedAt: number): Cell => ({
  value: value.toString(),
  source,
  receivedAt,
})

/** Applies a ticker to a row (every value keeps the ticker's source and receive time). */
export function applyTicker(row: MarketRow, ticker: Ticker): void {
  row.last = cell(ticker.last, ticker.source, ticker.receivedAt)
  row.change = cell(ticker.changeRate, ticker.source, ticker.receivedAt)
  row.volume = cell(ticker.quoteVolume24h, ticker.source, ticker.receivedAt)
}

/** Applies the top of an order book to a row. */
export function applyOrderbook(row: MarketRow, book: OrderbookSnapshot): void {
  const bid = book.bids[0]?.price
  const ask = book.asks[0]?.price
  if (bid) row.bid = cell(bid, book.source, book.receivedAt)
  if (ask) row.ask = cell(ask, book.source, book.receivedAt)
  if (bid && ask) row.spread = cell(ask.minus(bid), book.source, book.receivedAt)
}

/** A trade as the tape shows it (decimals as strings). */
export function tapeTrade(trade: Trade): TapeTrade {
  return {
    symbol: trade.marketId,
    id: trade.id,
    price: trade.price.toString(),
    size: trade.size.toString(),
    side: trade.side,
    source: trade.source,
    timestamp: trade.timestamp,
    receivedAt: trade.receivedAt,
  }
}
