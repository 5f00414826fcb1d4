import type { MarketModel, MarketState } from '../market/model.js'
import type { TradeRecord } from '../market/summary.js'
import { MINUTE } from '../util/time.js'

/** Trade removed from the model's tape per trim (see `MarketModel.emit`). */
const TRIM = 200_000

/** A trade with its Binance trade id. */
export interface IdTrade {
  readonly id: number
  readonly trade: TradeRecord
}

/**
 * Contiguous Binance trade ids over the model's tape: the tape's first trade has id `base`,
 * each later one +1; history minutes before the tape count backwards from `base`.
 */
export class TradeIds {
  private offset: number
  private first: TradeRecord | undefined
  /** cum[k] = number of history trades in minutes [startMinute - k, startMinute). */
  private readonly cum: number[] = [0]

  constructor(
    private readonly model: MarketModel,
    private readonly m: MarketState,
    base: number,
  ) {
    this.offset = base
    this.first = m.trades[0]
  }

  /** Call after every trade the model appends (keeps ids stable across the tape's trims). */
  noteAppend(): void {
    const head = this.m.trades[0]
    if (this.first !== undefined && head !== this.first) this.offset += TRIM
    this.first = head
  }

  /** Id of the first trade still on the tape. */
  get tapeBase(): number {
    return this.offset
  }

  /** Id of the last trade so far (`tapeBase - 1` before any). */
  lastId(): number {
    return this.offset + this.m.trades.length - 1
  }

  /** Id of a trade of the tape. */
  idOfTape(index: number): number {
    return this.offset + index
  }

  private historyCount(k: number): number {
    // k minutes back from the start minute
    while (this.cum.length <= k) {
      const i = this.cum.length
      const minute = this.model.startMinute - i
      const n = minute < this.model.exactFromMinute ? 0 : this.model.historyTrades(this.m, minute).length
      this.cum.push((this.cum[i - 1] as number) + n)
    }
    return this.cum[k] as number
  }

  /** The oldest id that exists (the start of the exact history). */
  oldestId(): number {
    return this.offset - this.historyCount(this.model.startMinute - this.model.exactFromMinute)
  }

  /** Up to `count` trades from id `from` (inclusive), oldest first. */
  fromId(from: number, count: number): IdTrade[] {
    const out: IdTrade[] = []
    let id = from
    if (id < this.offset) {
      // locate the history minute holding `id` (or the oldest one), counting back only as far as needed
      const maxK = this.model.startMinute - this.model.exactFromMinute
      let k = 1
      while (k < maxK && this.offset - this.historyCount(k) > id) k++
      id = Math.max(id, this.offset - this.historyCount(k))
      for (; k >= 1 && out.length < count; k--) {
        const minute = this.model.startMinute - k
        const firstId = this.offset - this.historyCount(k)
        const trades = this.model.historyTrades(this.m, minute)
        for (let j = Math.max(0, id - firstId); j < trades.length && out.length < count; j++)
          out.push({ id: firstId + j, trade: trades[j] as TradeRecord })
        id = firstId + trades.length
      }
    }
    const tape = this.m.trades
    for (let j = Math.max(0, id - this.offset); j < tape.length && out.length < count; j++)
      out.push({ id: this.offset + j, trade: tape[j] as TradeRecord })
    return out
  }

  /** The `count` most recent trades, oldest first. */
  recent(count: number): IdTrade[] {
    return this.fromId(this.lastId() - count + 1, count)
  }

  /** Id of the first trade at or after `ts` (binary search on the tape, else the history). */
  firstIdAtOrAfter(ts: number): number {
    const tape = this.m.trades
    const head = tape[0]
    if (head && ts >= head.ts) {
      let lo = 0
      let hi = tape.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if ((tape[mid] as TradeRecord).ts < ts) lo = mid + 1
        else hi = mid
      }
      return this.offset + lo
    }
    const minute = Math.floor(ts / MINUTE)
    const k = this.model.startMinute - minute
    if (k > this.model.startMinute - this.model.exactFromMinute) return this.oldestId()
    const firstId = this.offset - this.historyCount(k)
    const trades = this.model.historyTrades(this.m, minute)
    let j = 0
    while (j < trades.length && (trades[j] as TradeRecord).ts < ts) j++
    return firstId + j
  }
}
