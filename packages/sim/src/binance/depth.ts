import type { MarketModel, MarketState } from '../market/model.js'
import type { BinanceSymbol } from './catalog.js'
import { px, qty } from './format.js'

/** One diff-depth batch: `U`..`u` and the levels set (absolute quantities, `"0"` = removed). */
export interface DepthDiff {
  readonly U: number
  readonly u: number
  readonly bids: [string, string][]
  readonly asks: [string, string][]
}

class Batch {
  U = 0
  readonly bids = new Map<string, string>()
  readonly asks = new Map<string, string>()
}

/**
 * The order book of one symbol as Binance sequences it: every change of the model's book
 * (after each trade) gets update ids; diffs are batched per stream speed and a snapshot is
 * always consistent with the ids already assigned.
 */
export class DepthBook {
  lastUpdateId: number
  /** price text → quantity text, per side. */
  private bids = new Map<string, string>()
  private asks = new Map<string, string>()
  private readonly batches = new Map<number, Batch>()

  constructor(
    private readonly model: MarketModel,
    private readonly m: MarketState,
    readonly sym: BinanceSymbol,
    firstUpdateId: number,
  ) {
    this.lastUpdateId = firstUpdateId
    const book = model.book(m)
    for (const [p, s] of book.bids) this.bids.set(px(p), qty(sym, s))
    for (const [p, s] of book.asks) this.asks.set(px(p), qty(sym, s))
  }

  /** Re-reads the model's book; returns whether anything changed (and assigns ids). */
  refresh(): boolean {
    const book = this.model.book(this.m)
    const nb = new Map<string, string>()
    const na = new Map<string, string>()
    for (const [p, s] of book.bids) nb.set(px(p), qty(this.sym, s))
    for (const [p, s] of book.asks) na.set(px(p), qty(this.sym, s))
    const changes: ['b' | 'a', string, string][] = []
    diffSide(this.bids, nb, 'b', changes)
    diffSide(this.asks, na, 'a', changes)
    if (changes.length === 0) return false
    this.bids = nb
    this.asks = na
    const U = this.lastUpdateId + 1
    this.lastUpdateId += changes.length
    for (const batch of this.batches.values()) {
      if (batch.U === 0) batch.U = U
      for (const [side, p, q] of changes) (side === 'b' ? batch.bids : batch.asks).set(p, q)
    }
    return true
  }

  /** Registers a batching speed (ms) so changes are collected for it. */
  track(speedMs: number): void {
    if (!this.batches.has(speedMs)) this.batches.set(speedMs, new Batch())
  }

  /** Takes the batch of one speed (undefined when nothing changed since the last take). */
  take(speedMs: number): DepthDiff | undefined {
    const b = this.batches.get(speedMs)
    if (!b || b.U === 0) return undefined
    this.batches.set(speedMs, new Batch())
    return {
      U: b.U,
      u: this.lastUpdateId,
      bids: sortLevels([...b.bids], true),
      asks: sortLevels([...b.asks], false),
    }
  }

  /** Top `limit` levels per side: bids high → low, asks low → high. */
  snapshot(limit: number): { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] } {
    return {
      lastUpdateId: this.lastUpdateId,
      bids: sortLevels([...this.bids], true).slice(0, limit),
      asks: sortLevels([...this.asks], false).slice(0, limit),
    }
  }

  /** Best bid and ask `[price, qty]` (undefined on an empty side). */
  best(): { bid: [string, string] | undefined; ask: [string, string] | undefined } {
    const s = this.snapshot(1)
    return { bid: s.bids[0], ask: s.asks[0] }
  }
}

function diffSide(
  prev: Map<string, string>,
  next: Map<string, string>,
  side: 'b' | 'a',
  out: ['b' | 'a', string, string][],
): void {
  for (const [p, q] of next) if (prev.get(p) !== q) out.push([side, p, q])
  for (const p of prev.keys()) if (!next.has(p)) out.push([side, p, '0.00000000'])
}

function sortLevels(levels: [string, string][], desc: boolean): [string, string][] {
  return levels.sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])))
}
