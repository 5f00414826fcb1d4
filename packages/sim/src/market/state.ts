import { hashInts } from '../util/rng.js'
import type { MarketDefinition } from './catalog.js'
import type { Summary, TradeRecord } from './summary.js'
import type { QuoteCurrency } from './ticks.js'

/** A crash or surge: the price moves by `logShift` (log) linearly over `durationMs` from `start`. */
export interface PriceEvent {
  readonly start: number
  readonly durationMs: number
  readonly logShift: number
  readonly injected: boolean
  /** Share of the move given back afterwards (scheduled events partly recover). */
  readonly revert: number
  /** How long the recovery takes. */
  readonly revertMs: number
}

/** The trades of one minute, generated at once and emitted as time passes. */
export interface MinutePlan {
  readonly minute: number
  readonly n: number
  readonly ts: Float64Array
  readonly logp: Float64Array
  readonly vol: Float64Array
  readonly bid: Uint8Array
  next: number
}

/** One side level of the book: `[price, size]`. */
export type BookLevel = readonly [price: number, size: number]

/** A synthesized order book. */
export interface Book {
  readonly timestamp: number
  readonly asks: readonly BookLevel[]
  readonly bids: readonly BookLevel[]
}

/** Top of book after a trade. */
export interface TopOfBook {
  readonly askPrice: number
  readonly askSize: number
  readonly bidPrice: number
  readonly bidSize: number
}

/** 52-week extremes. */
export interface Extremes {
  high: number
  highDate: string
  low: number
  lowDate: string
}

/** Per-market state of the model. */
export class MarketState {
  readonly def: MarketDefinition
  readonly index: number
  readonly quote: QuoteCurrency
  /** Expected trades per minute at the normal regime. */
  readonly ratePerMinute: number
  /** log of the typical trade notional in quote currency. */
  readonly notionalMu: number
  readonly volFactor: number
  readonly salt: number
  /** No scheduled crashes and surges (an FX market); injected ones still happen. */
  readonly calm: boolean
  logW = new Float64Array(64 * 1024)
  regime = new Uint8Array(64 * 1024)
  walkLen = 0
  logScale = 0
  events: PriceEvent[] = []
  eventDaysUntil = 0 // scheduled events generated for days < this (day index)
  // live tape
  readonly trades: TradeRecord[] = []
  readonly liveMinutes = new Map<number, Summary>()
  plan: MinutePlan | undefined
  last: TradeRecord | undefined
  emitted = 0
  firstLiveSid: TradeRecord | undefined
  // caches
  readonly dayCache = new Map<number, Summary | null>()
  readonly prevCloseCache = new Map<number, number>()
  today: { day: number; summary: Summary | undefined } | undefined
  rolling: { from: number; volume: number; turnover: number } | undefined
  extremes: Extremes | undefined
  bookMemo: { key: string; level: number; book: Book } | undefined

  /**
   * `stream`: the random stream to draw the walk, the events and the trades from instead of this
   * market's own (a market that follows a reference market takes that market's; see
   * `PriceReference`).
   */
  constructor(
    def: MarketDefinition,
    index: number,
    seed: number,
    tradesPerSecond: number,
    stream?: { readonly salt: number; readonly volFactor: number; readonly calm?: boolean },
  ) {
    this.calm = stream?.calm ?? false
    this.def = def
    this.index = index
    this.quote = def.quote
    this.salt = stream?.salt ?? marketSalt(seed, index, def)
    this.ratePerMinute = Math.max(0.05, tradesPerSecond * 60 * def.liquidity)
    const typical = def.quote === 'KRW' ? 250_000 : def.quote === 'BTC' ? 0.0018 : 180
    this.notionalMu = Math.log(typical) - 0.6
    this.volFactor = stream?.volFactor ?? volFactorOf(def)
  }
}

/** The salt of a market's random stream: its seed, its index in the listing and its code. */
export function marketSalt(seed: number, index: number, def: MarketDefinition): number {
  return hashInts(seed, index, def.code.length, def.code.charCodeAt(4) || 0)
}

/** Volatility multiplier of a market: quieter markets move more. */
export function volFactorOf(def: MarketDefinition): number {
  return 1 + 0.5 * (1 - Math.min(1, def.liquidity))
}
