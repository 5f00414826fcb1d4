import {
  type OrderbookSnapshot,
  parseOrderbook,
  parseTicker,
  parseTrade,
  type Ticker,
  type Trade,
} from '@bb/models'

/** The manual clock's start, and the default timestamp of every hand-built model. */
export const T0 = 1_700_000_000_000

type Levels = readonly (readonly [string, string])[]

/**
 * A native market id in the style of the exchange: Upbit's `QUOTE-BASE` (`KRW-BTC`), else the
 * `BASEQUOTE` of the fixture exchange (`BTCUSDT`) — deliberately unlike the unified `BTC/KRW`.
 */
function nativeId(exchange: string, base: string, quote: string): string {
  return exchange === 'upbit' ? `${quote}-${base}` : `${base}${quote}`
}

/** A validated order book from `[price, size]` pairs (bids best first, asks best first). */
export function book(
  exchange: string,
  quote: string,
  bids: Levels,
  asks: Levels,
  over: { timestamp?: number; marketId?: string } = {},
): OrderbookSnapshot {
  return parseOrderbook({
    exchange,
    symbol: `BTC/${quote}`,
    marketId: over.marketId ?? nativeId(exchange, 'BTC', quote),
    base: 'BTC',
    quote,
    timestamp: over.timestamp ?? T0,
    receivedAt: over.timestamp ?? T0,
    source: 'sim',
    bids: bids.map(([price, size]) => ({ price, size })),
    asks: asks.map(([price, size]) => ({ price, size })),
  })
}

/** A validated ticker with `last` = `price`. */
export function ticker(exchange: string, base: string, quote: string, price: string, timestamp = T0): Ticker {
  return parseTicker({
    exchange,
    symbol: `${base}/${quote}`,
    marketId: nativeId(exchange, base, quote),
    base,
    quote,
    timestamp,
    receivedAt: timestamp,
    source: 'sim',
    last: price,
    open: price,
    high: price,
    low: price,
    prevClose: price,
    change: 'even',
    changePrice: '0',
    changeRate: '0',
    volume: '1',
    quoteVolume: price,
    volume24h: '1',
    quoteVolume24h: price,
  })
}

let seq = 0
/** A validated trade of BTC/USD (native id `BTCUSD` unless `marketId` is given). */
export function trade(price: string, timestamp: number, exchange = 'ex1', marketId = 'BTCUSD'): Trade {
  return parseTrade({
    exchange,
    symbol: 'BTC/USD',
    marketId,
    base: 'BTC',
    quote: 'USD',
    timestamp,
    receivedAt: timestamp,
    source: 'sim',
    id: String(++seq),
    price,
    size: '1',
    side: 'buy',
  })
}
