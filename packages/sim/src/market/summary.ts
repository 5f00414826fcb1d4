/** OHLCV aggregate of a set of trades (a minute, a day, a candle). */
export interface Summary {
  open: number
  high: number
  low: number
  close: number
  /** Base volume. */
  volume: number
  /** Quote turnover (Σ price × volume). */
  turnover: number
  /** Time of the first trade. */
  firstTs: number
  /** Time of the last trade. */
  lastTs: number
  /** Number of trades. */
  count: number
  /** Volume of trades whose taker bought (`BID`). */
  bidVolume: number
  /** Volume of trades whose taker sold (`ASK`). */
  askVolume: number
}

/** A trade on the tape of one market. `sequential_id` = `ts * 10000 + sub`, written as digits. */
export interface TradeRecord {
  /** Trade time (ms). */
  readonly ts: number
  /** Disambiguator for trades in the same millisecond (0–9999). */
  readonly sub: number
  /** Price on the tick grid. */
  readonly price: number
  /** Base volume. */
  readonly volume: number
  /** `true` if the taker bought (`ask_bid: BID`). */
  readonly bid: boolean
}

/** `sequential_id` digits of a trade (exact, beyond 2^53). */
export function sidText(t: { readonly ts: number; readonly sub: number }): string {
  const s = t.sub
  return `${t.ts}${s < 10 ? '000' : s < 100 ? '00' : s < 1000 ? '0' : ''}${s}`
}

/** Compares two trades by sequential id. */
export function compareSid(a: { ts: number; sub: number }, b: { ts: number; sub: number }): number {
  return a.ts === b.ts ? a.sub - b.sub : a.ts - b.ts
}

/** A summary of one trade. */
export function summaryOf(t: TradeRecord): Summary {
  return {
    open: t.price,
    high: t.price,
    low: t.price,
    close: t.price,
    volume: t.volume,
    turnover: t.price * t.volume,
    firstTs: t.ts,
    lastTs: t.ts,
    count: 1,
    bidVolume: t.bid ? t.volume : 0,
    askVolume: t.bid ? 0 : t.volume,
  }
}

/** Adds a trade to a summary in place (the trade must be the newest). */
export function addTrade(s: Summary, t: TradeRecord): void {
  if (t.price > s.high) s.high = t.price
  if (t.price < s.low) s.low = t.price
  s.close = t.price
  s.volume += t.volume
  s.turnover += t.price * t.volume
  s.lastTs = t.ts
  s.count++
  if (t.bid) s.bidVolume += t.volume
  else s.askVolume += t.volume
}

/** Merges `later` (strictly after `acc` in time) into `acc` in place. */
function mergeInto(acc: Summary, later: Summary): void {
  if (later.high > acc.high) acc.high = later.high
  if (later.low < acc.low) acc.low = later.low
  acc.close = later.close
  acc.volume += later.volume
  acc.turnover += later.turnover
  acc.lastTs = later.lastTs
  acc.count += later.count
  acc.bidVolume += later.bidVolume
  acc.askVolume += later.askVolume
}

/** Merges summaries given oldest first; `undefined` when all are empty. */
export function mergeAll(parts: Iterable<Summary | undefined>): Summary | undefined {
  let acc: Summary | undefined
  for (const p of parts) {
    if (!p) continue
    if (!acc) acc = { ...p }
    else mergeInto(acc, p)
  }
  return acc
}
