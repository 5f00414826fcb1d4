import type { Trade } from '@bb/models'
import { compareIds } from '@bb/models'
import { badArgument, checkNumber, checkObject, checkString } from '../check.js'

/** A range of trades that were missed and should be fetched (e.g. by REST, newest first, with a cursor). */
export interface TradeGap {
  /** The market: its native id (`marketId`) when the trades carry one, else their `symbol`. */
  readonly symbol: string
  /** The last trade id seen before the gap (exclusive). */
  readonly afterId: string
  /** The first trade id seen after the gap (exclusive). */
  readonly beforeId: string
  /** Time of the trade before the gap, ms UTC. */
  readonly afterTime: number
  /** Time of the trade after the gap, ms UTC. */
  readonly beforeTime: number
  /** For exchanges with contiguous ids: how many trades are missing; `undefined` when unknown. */
  readonly missing: number | undefined
  /** Why the gap was detected: an id jump, or a reconnect that may have lost trades. */
  readonly reason: 'id-jump' | 'reconnect'
}

/** What {@link TradeTracker.push} decided about a trade. */
export interface TradeCheck {
  /** `new`: first time seen and newest; `late`: first time seen but older than the newest; `duplicate`: seen before — drop it. */
  readonly status: 'new' | 'late' | 'duplicate'
  /** A gap that ends at this trade, when one was detected. */
  readonly gap?: TradeGap
}

/** Options of {@link createTradeTracker}. */
export interface TradeTrackerOptions {
  /** True when consecutive trade ids differ by one (then any jump is a gap). See the adapter's `capabilities.contiguousTradeIds`. */
  readonly contiguousIds?: boolean
  /** How many ids per symbol (the highest) are remembered for de-duplication; default 10 000. */
  readonly memory?: number
}

/**
 * Trade de-duplication and gap detection by trade id, per market. Pure and synchronous. A market
 * is keyed by the trade's native `marketId` (every model carries one) or, for a bare
 * `{ symbol, id, timestamp }`, by its `symbol`; the other methods take that key.
 */
export interface TradeTracker {
  /** Checks one trade (REST or WS, in any order) and remembers it. */
  push(trade: Pick<Trade, 'symbol' | 'id' | 'timestamp'> & { readonly marketId?: string }): TradeCheck
  /**
   * Marks that trades may have been lost (the socket dropped): the next trade of the symbol (or
   * of every symbol) reports a `reconnect` gap from the last trade seen, unless it continues the
   * sequence exactly.
   */
  markDisconnected(symbol?: string): void
  /** The newest trade id seen for a symbol. */
  lastId(symbol: string): string | undefined
  /** Forgets a symbol (or everything). */
  reset(symbol?: string): void
}

interface SymbolState {
  lastId: string
  lastTime: number
  /** The remembered ids, ascending (`compareIds`), live from `head`: trades mostly come in order, so a new id is an append. */
  ids: string[]
  head: number
  disconnected: boolean
}

const NEW: TradeCheck = Object.freeze({ status: 'new' })
const LATE: TradeCheck = Object.freeze({ status: 'late' })
const DUPLICATE: TradeCheck = Object.freeze({ status: 'duplicate' })

function increment(id: string, by: bigint): string | undefined {
  return /^\d+$/.test(id) ? (BigInt(id) + by).toString() : undefined
}

/**
 * Creates a {@link TradeTracker}. Ids are compared as exact decimal strings (`compareIds`), so
 * ids beyond 2^53 work. With contiguous ids a jump reports the missing
 * range; without, gaps are reported after {@link TradeTracker.markDisconnected}.
 *
 * @example
 * ```ts
 * import { createTradeTracker } from '@bb/unifier'
 * const tracker = createTradeTracker({ contiguousIds: true })
 * tracker.push({ symbol: 'BTCUSDT', id: '100', timestamp: 1 })
 * tracker.push({ symbol: 'BTCUSDT', id: '104', timestamp: 2 }).gap?.missing // 3
 * tracker.push({ symbol: 'BTCUSDT', id: '104', timestamp: 2 }).status // 'duplicate'
 * ```
 */
export function createTradeTracker(options: TradeTrackerOptions = {}): TradeTracker {
  checkObject('options', options)
  if (options.contiguousIds !== undefined && typeof options.contiguousIds !== 'boolean')
    badArgument('contiguousIds', 'a boolean', options.contiguousIds)
  checkNumber('memory', options.memory, 1, true)
  const contiguous = options.contiguousIds ?? false
  const memory = Math.max(1, options.memory ?? 10_000)
  const states = new Map<string, SymbolState>()

  // The window keeps the `memory` highest ids; the lowest goes first.
  function trim(state: SymbolState): void {
    if (state.ids.length - state.head > memory) {
      state.head++
      if (state.head > memory) {
        state.ids = state.ids.slice(state.head)
        state.head = 0
      }
    }
  }

  // Position of `id` in the live window, or where it belongs (-position - 1).
  function search(state: SymbolState, id: string): number {
    let low = state.head
    let high = state.ids.length - 1
    while (low <= high) {
      const mid = (low + high) >>> 1
      const order = compareIds(state.ids[mid]!, id)
      if (order === 0) return mid
      if (order < 0) low = mid + 1
      else high = mid - 1
    }
    return -low - 1
  }

  return {
    push(trade) {
      checkObject('trade', trade, 'a trade { symbol, id, timestamp }')
      const { id, timestamp } = trade
      const symbol = trade.marketId ?? trade.symbol
      checkString(trade.marketId === undefined ? 'symbol' : 'marketId', symbol)
      checkString('id', id)
      if (typeof timestamp !== 'number' || !Number.isFinite(timestamp))
        badArgument('timestamp', 'a time in ms (a finite number)', timestamp)
      if (contiguous && !/^\d+$/.test(id)) badArgument('id', 'a decimal digit string (contiguous ids)', id)
      const state = states.get(symbol)
      if (state === undefined) {
        states.set(symbol, { lastId: id, lastTime: timestamp, ids: [id], head: 0, disconnected: false })
        return NEW
      }
      // `lastId` is the highest id seen: anything above it is new (the common case, no search).
      const order = compareIds(id, state.lastId)
      if (order <= 0) {
        if (order === 0) return DUPLICATE
        const at = search(state, id)
        if (at >= 0) return DUPLICATE
        state.ids.splice(-at - 1, 0, id)
        trim(state)
        return LATE
      }
      state.ids.push(id)
      trim(state)
      const disconnected = state.disconnected
      state.disconnected = false
      // Contiguous ids: any jump is a gap (with its size). Otherwise only a disconnect is.
      const expected = contiguous ? increment(state.lastId, 1n) : undefined
      const jumped = expected !== undefined && id !== expected
      const gap: TradeGap | undefined =
        jumped || (disconnected && !contiguous)
          ? {
              symbol,
              afterId: state.lastId,
              beforeId: id,
              afterTime: state.lastTime,
              beforeTime: timestamp,
              missing: jumped ? Number(BigInt(id) - BigInt(state.lastId) - 1n) : undefined,
              reason: jumped && !disconnected ? 'id-jump' : 'reconnect',
            }
          : undefined
      state.lastId = id
      state.lastTime = timestamp
      return gap === undefined ? NEW : { status: 'new', gap }
    },
    markDisconnected(symbol) {
      if (symbol === undefined) {
        for (const state of states.values()) state.disconnected = true
      } else {
        const state = states.get(symbol)
        if (state) state.disconnected = true
      }
    },
    lastId(symbol) {
      return states.get(symbol)?.lastId
    },
    reset(symbol) {
      if (symbol === undefined) states.clear()
      else states.delete(symbol)
    },
  }
}
