// The per-market state of the engine: one SymbolRuntime per market (indicators, windows,
// trailing stops, cross-over memory, counters, flags, the position, the order in flight), held
// by a MarketStates store under one key per market (see market-key.ts).
import {
  type Candle,
  type CandleInterval,
  type Decimal,
  intervalToMs,
  isFixedInterval,
  nextCandleOpenTime,
  type Trade,
} from '@bb/models'
import type { CompiledRule, CompiledStrategy, EvalContext, TrailingSpec } from './compile.js'
import type { ExecutionEvent, PositionState, SymbolSnapshot } from './engine-types.js'
import type { OrderIntent, OrderOutcome } from './executor.js'
import { CandleAggregator, Ema, RollingWindow, Rsi, Sma } from './indicators.js'
import { applyFill, flatPosition, type Position } from './position.js'

/** One timeframe's candles of a market: which indicators it feeds and the candle not yet final. @internal */
export interface CandleTrack {
  readonly interval: CandleInterval
  /** Indexes of the indicators on this timeframe. */
  readonly slots: readonly number[]
  /** The live candle, final once a later one arrives. */
  pending: Candle | undefined
  /** Open time of the last candle fed to the indicators. */
  lastClosedOpen: number
  /** Trades → candles, when the engine builds its own. */
  aggregator: CandleAggregator | undefined
}

/** The strategy instance of one market. @internal */
export class SymbolRuntime implements EvalContext {
  price = Number.NaN
  priceDecimal: Decimal | undefined
  time = 0
  evalId = 0
  bestBid: Decimal | undefined
  bestAsk: Decimal | undefined
  readonly indicatorValues: (number | undefined)[]
  readonly indicators: (Rsi | Sma | Ema)[]
  readonly windows: RollingWindow[]
  readonly trailingArmed: boolean[]
  readonly trailingHwm: number[]
  readonly crossStamp: number[]
  readonly crossPrevLeft: number[]
  readonly crossPrevRight: number[]
  readonly crossBeforeLeft: number[]
  readonly crossBeforeRight: number[]
  readonly execCount = new Map<string, number>()
  readonly flags = new Map<string, boolean>()
  readonly blockedUntil = new Map<string, number>()
  readonly tracks: CandleTrack[]
  /** The position (see position.ts: changed by `applyFill` only). */
  position: Position = flatPosition()
  cooldownUntil = 0
  inFlight: OrderIntent | undefined
  /** An order decided on a candle close, held for the next price (next-open fills). */
  deferred: { compiled: CompiledRule | undefined; intent: OrderIntent } | undefined

  constructor(
    readonly symbol: string,
    compiled: CompiledStrategy,
  ) {
    this.indicators = compiled.indicators.map((spec) =>
      spec.kind === 'RSI'
        ? new Rsi(spec.period)
        : spec.kind === 'SMA'
          ? new Sma(spec.period)
          : new Ema(spec.period, spec.smoothing),
    )
    this.indicatorValues = compiled.indicators.map(() => undefined)
    this.windows = compiled.windowSeconds.map((seconds) => new RollingWindow(seconds * 1000))
    this.trailingArmed = compiled.trailing.map(() => false)
    this.trailingHwm = compiled.trailing.map(() => 0)
    const slots = () => Array.from({ length: compiled.crossSlots }, () => Number.NaN)
    this.crossStamp = Array.from({ length: compiled.crossSlots }, () => -1)
    this.crossPrevLeft = slots()
    this.crossPrevRight = slots()
    this.crossBeforeLeft = slots()
    this.crossBeforeRight = slots()
    this.tracks = compiled.timeframes.map((interval) => ({
      interval,
      slots: compiled.indicators.flatMap((spec, i) => (spec.timeframe === interval ? [i] : [])),
      pending: undefined,
      lastClosedOpen: Number.NEGATIVE_INFINITY,
      aggregator: undefined,
    }))
  }

  get state(): PositionState {
    return this.position.state
  }

  set state(state: PositionState) {
    this.position = { ...this.position, state }
  }

  get quantity(): Decimal {
    return this.position.quantity
  }

  get avgPrice(): number | undefined {
    return this.position.avgPrice
  }

  get anchor(): number | undefined {
    return this.position.anchor
  }

  /** Feeds a final candle of a timeframe to that timeframe's indicators. */
  closeCandle(track: CandleTrack, candle: Candle): void {
    track.lastClosedOpen = candle.timestamp
    const close = candle.close.toNumber()
    for (const slot of track.slots) this.indicatorValues[slot] = this.indicators[slot]!.update(close)
  }

  /** Warm-up: a closed candle for the indicators, unless older than the last one fed. */
  warmUp(candle: Candle): void {
    const track = this.tracks.find((t) => t.interval === candle.interval)
    if (track && candle.timestamp > track.lastClosedOpen) this.closeCandle(track, candle)
  }

  /** Builds candles from trades (one aggregator per timeframe); closed ones feed the indicators. */
  aggregate(trade: Trade): void {
    for (const track of this.tracks) {
      track.aggregator ??= new CandleAggregator(track.interval)
      const closed = track.aggregator.push(trade)
      if (closed) this.closeCandle(track, closed)
    }
  }

  /**
   * A candle event: a live candle stays pending until a later one arrives (then it is final); a
   * closed one is final at once. `false` for a candle older than the last one fed (ignored).
   */
  candle(candle: Candle, closed: boolean): boolean {
    const track = this.tracks.find((t) => t.interval === candle.interval)
    if (!track) return true
    if (candle.timestamp <= track.lastClosedOpen) return false
    if (track.pending && track.pending.timestamp < candle.timestamp) {
      this.closeCandle(track, track.pending)
      track.pending = undefined
    }
    if (closed) {
      this.closeCandle(track, candle)
      track.pending = undefined
    } else track.pending = candle
    return true
  }

  /**
   * A new price at market time `at`: the price windows, and the trailing stops of an open
   * position (armed at their activation gain over the average price, then tracking the high).
   */
  observe(price: number, at: number, trailing: readonly TrailingSpec[]): void {
    for (const window of this.windows) window.push(at, price)
    const { avgPrice } = this.position
    if (this.position.state !== 'ACTIVE' || avgPrice === undefined) return
    for (let i = 0; i < trailing.length; i++) {
      if (this.trailingArmed[i]) {
        if (price > this.trailingHwm[i]!) this.trailingHwm[i] = price
      } else if ((price / avgPrice - 1) * 100 >= trailing[i]!.activationPct - 1e-9) {
        this.trailingArmed[i] = true
        this.trailingHwm[i] = price
      }
    }
  }

  /**
   * Applies the outcome of this market's order in flight and emits what happened, in order. A
   * refusal sets the buy's `onRejectSetFlag` (in ACTIVE) and makes the rule wait
   * `retryAfterRejectMs`; a fill goes through {@link applyFill}, counts for its rule, and a fill
   * that opens a cycle starts the per-cycle memory over; one that closes it starts the cooldown
   * (the sell's `cooldownSeconds`, else the strategy's default) and emits the `cycle` event. The
   * `fill` event is emitted before the cycle's memory is cleared (a listener still sees its counters).
   */
  settle(
    compiled: CompiledRule | undefined,
    outcome: OrderOutcome,
    rules: { readonly retryAfterRejectMs: number; readonly defaultCooldownSeconds: number },
    emit: (event: ExecutionEvent) => void,
  ): void {
    this.inFlight = undefined
    const { intent } = outcome
    const action = compiled?.rule.action
    if (outcome.status === 'rejected') {
      if (action?.type === 'buy' && action.onRejectSetFlag && this.state === 'ACTIVE')
        this.flags.set(action.onRejectSetFlag, true)
      if (compiled) this.blockedUntil.set(compiled.rule.id, this.time + rules.retryAfterRejectMs)
      const { decisionId, ruleId, symbol } = intent
      emit({ type: 'rejected', decisionId, ruleId, symbol, error: outcome.error })
      return
    }
    const { fill } = outcome
    const result = applyFill(this.position, fill)
    if (result.opened) this.resetCycle()
    this.position = result.position
    this.execCount.set(intent.ruleId, (this.execCount.get(intent.ruleId) ?? 0) + 1)
    emit({ type: 'fill', decisionId: intent.decisionId, ruleId: intent.ruleId, fill, state: this.state })
    const { closed } = result
    if (!closed) return
    const cooldownSeconds =
      action?.type === 'sell' && action.cooldownSeconds !== undefined
        ? action.cooldownSeconds
        : rules.defaultCooldownSeconds
    this.resetCycle()
    this.cooldownUntil = fill.timestamp + cooldownSeconds * 1000
    emit({ type: 'cycle', cycle: { symbol: this.symbol, exitRuleId: intent.ruleId, ...closed } })
  }

  /** Starts the strategy's per-cycle memory over: counters, flags, refusal waits, trailing stops. */
  resetCycle(): void {
    this.execCount.clear()
    this.flags.clear()
    this.blockedUntil.clear()
    this.trailingArmed.fill(false)
    this.trailingHwm.fill(0)
  }

  /**
   * Runs `read` and puts the cross-over memory back afterwards: an inspection evaluates every
   * rule but must not move the "previous value" a cross-over compares with.
   */
  withCrossMemoryKept<T>(read: () => T): T {
    const targets = [
      this.crossStamp,
      this.crossPrevLeft,
      this.crossPrevRight,
      this.crossBeforeLeft,
      this.crossBeforeRight,
    ]
    const saved = targets.map((slots) => [...slots])
    try {
      return read()
    } finally {
      targets.forEach((target, i) => {
        for (let j = 0; j < target.length; j++) target[j] = saved[i]![j]!
      })
    }
  }

  /** A read-only view (see {@link SymbolSnapshot}). */
  snapshot(compiled: CompiledStrategy): SymbolSnapshot {
    const { position } = this
    return {
      symbol: this.symbol,
      state: position.state,
      price: Number.isNaN(this.price) ? undefined : this.price,
      quantity: position.quantity,
      cost: position.cost,
      avgPrice: position.avgPrice,
      anchor: position.anchor,
      execCount: Object.fromEntries(this.execCount),
      flags: Object.fromEntries(this.flags),
      trailing: compiled.trailing.map((spec, i) => ({
        key: `${spec.activationPct}%/${spec.trailPct}%`,
        armed: this.trailingArmed[i]!,
        highWaterMark: this.trailingArmed[i] ? this.trailingHwm[i] : undefined,
      })),
      indicators: Object.fromEntries(
        compiled.indicators.map((spec, i) => [spec.key, this.indicatorValues[i]]),
      ),
      cooldownUntil: this.cooldownUntil,
      inFlight: this.inFlight,
      cycle: position.cycle,
    }
  }
}

/** Every market's runtime, by its key, in the order first seen. @internal */
export class MarketStates {
  private readonly byKey = new Map<string, SymbolRuntime>()

  constructor(private readonly compiled: CompiledStrategy) {}

  /** The runtime of a market, or `undefined` if never seen. */
  get(key: string): SymbolRuntime | undefined {
    return this.byKey.get(key)
  }

  /** The runtime of a market, created (fresh: READY, flat, cold indicators) on first sight. */
  open(key: string): SymbolRuntime {
    let runtime = this.byKey.get(key)
    if (!runtime) {
      runtime = new SymbolRuntime(key, this.compiled)
      this.byKey.set(key, runtime)
    }
    return runtime
  }

  /** The keys seen so far, first seen first. */
  keys(): string[] {
    return [...this.byKey.keys()]
  }

  /** Every runtime, first seen first. */
  values(): IterableIterator<SymbolRuntime> {
    return this.byKey.values()
  }
}

/** When a candle ends: the next interval's open (calendar intervals: the next month/year). @internal */
export function candleEnd(candle: Candle): number {
  return isFixedInterval(candle.interval)
    ? candle.timestamp + intervalToMs(candle.interval)
    : nextCandleOpenTime(candle.timestamp, candle.interval)
}
