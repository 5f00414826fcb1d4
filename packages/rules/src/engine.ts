import { type BackboneError, type Logger, redactingLogger, silentLogger, toBackboneError } from '@bb/errors'
import {
  type Candle,
  type CandleInterval,
  Decimal,
  intervalToMs,
  isFixedInterval,
  nextCandleOpenTime,
  type Ticker,
  type Trade,
} from '@bb/models'
import { merge, Observable, type Observer, Subject, type Subscription } from 'rxjs'
import { map } from 'rxjs/operators'
import { describeValue, integerIn, invalid, oneOf, optionsBag } from './check.js'
import {
  type CompiledRule,
  type CompiledStrategy,
  type ConditionTrace,
  compileStrategy,
  type EvalContext,
} from './compile.js'
import { DryRunExecutor } from './dry-run.js'
import type { ExecutedFill, Executor, OrderIntent, OrderOutcome } from './executor.js'
import { CandleAggregator, Ema, RollingWindow, Rsi, Sma } from './indicators.js'
import type { Action, Role, Strategy, StrategyInput } from './schema.js'
import { parseStrategy } from './validate.js'

/** The position state machine of one symbol: READY → ACTIVE → CLOSED → READY. */
export type PositionState = 'READY' | 'ACTIVE' | 'CLOSED'

/**
 * One market event the engine evaluates. Streams from the router map onto the first three; `price`
 * is a bare price (backtests, benchmarks); `disconnect` tells the engine a feed lost data, so the
 * crash and surge windows are rebuilt (RULES.md §B.4).
 */
export type MarketEvent =
  | { readonly type: 'trade'; readonly trade: Trade }
  | { readonly type: 'ticker'; readonly ticker: Ticker }
  | {
      readonly type: 'candle'
      readonly candle: Candle
      /** True when the candle is known to be final (history, backtests). Otherwise a candle is final once a later one arrives. */
      readonly closed?: boolean
    }
  | {
      readonly type: 'price'
      readonly symbol: string
      /** The traded price. */
      readonly price: number | Decimal
      /** Market time, ms UTC. */
      readonly timestamp: number
      /** Best bid, when known (a paper sell fills here). */
      readonly bestBid?: Decimal
      /** Best ask, when known (a paper buy fills here). */
      readonly bestAsk?: Decimal
    }
  | {
      readonly type: 'disconnect'
      /** The symbol affected; every symbol when omitted. */
      readonly symbol?: string
      /** When the feed was lost, ms UTC. */
      readonly timestamp: number
    }

/** A candidate rule that matched but was not executed this tick, and why. */
export interface DroppedCandidate {
  /** The rule's id. */
  readonly ruleId: string
  /** Its priority. */
  readonly priority: number
  /** Why it was dropped, e.g. `outranked by "crash" (priority 0)`. */
  readonly reason: string
}

/** The rule behind a decision. */
export interface DecisionRule {
  /** Rule id. */
  readonly id: string
  /** Display name. */
  readonly name: string
  /** Role. */
  readonly role: Role
  /** Priority (lower wins). */
  readonly priority: number
  /** 1-based rule number in the strategy (`0` for the emergency stop). */
  readonly number: number
}

/**
 * What the engine decided on one tick for one symbol, with its explanation (RULES.md §B.10): the rule
 * that fired, the values it saw, the comparisons, and the candidates that were dropped and why.
 * An `order` decision submits {@link Decision.order}; a `meta` decision wrote a flag (no order).
 */
export interface Decision {
  /** Sequence number, unique per engine. */
  readonly id: number
  /** The market, e.g. `KRW-BTC`. */
  readonly symbol: string
  /** Market time of the tick, ms UTC. */
  readonly timestamp: number
  /** `order` (buy/sell) or `meta` (flag written, no order). */
  readonly kind: 'order' | 'meta'
  /** The rule that fired. */
  readonly rule: DecisionRule
  /** The rule's action. */
  readonly action: Action
  /** The position state when the rule fired. */
  readonly state: PositionState
  /** The price of the tick. */
  readonly price: number
  /** Every variable the rule read, by label (`null`: not available). */
  readonly values: Readonly<Record<string, number | boolean | null>>
  /** Every comparison of the rule's condition tree, in order. */
  readonly conditions: readonly ConditionTrace[]
  /** Other candidates of this tick that lost to this rule. */
  readonly dropped: readonly DroppedCandidate[]
  /** The order placed, for `order` decisions. */
  readonly order?: OrderIntent
  /** One sentence for humans: "why did it sell?". */
  readonly explanation: string
}

/** A finished position cycle (READY → ACTIVE → CLOSED). */
export interface CycleResult {
  /** The market. */
  readonly symbol: string
  /** 1-based cycle number of this symbol. */
  readonly cycle: number
  /** Time of the entry fill. */
  readonly openedAt: number
  /** Time of the closing fill. */
  readonly closedAt: number
  /** The rule whose sell closed it (`emergency-stop` for the emergency stop). */
  readonly exitRuleId: string
  /** Quote spent on buys, fees included. */
  readonly invested: Decimal
  /** Quote received from sells, fees deducted. */
  readonly proceeds: Decimal
  /** `proceeds − invested`. */
  readonly pnl: Decimal
  /** `pnl / invested × 100`. */
  readonly pnlPct: number
  /** Fees of the cycle. */
  readonly fees: Decimal
  /** Number of buy fills (entry + adds). */
  readonly buys: number
}

/** What happened to an order after its decision. */
export type ExecutionEvent =
  | {
      readonly type: 'fill'
      /** The decision that placed the order. */
      readonly decisionId: number
      /** The rule. */
      readonly ruleId: string
      /** The fill. */
      readonly fill: ExecutedFill
      /** The position state after the fill. */
      readonly state: PositionState
    }
  | {
      readonly type: 'rejected'
      /** The decision that placed the order. */
      readonly decisionId: number
      /** The rule. */
      readonly ruleId: string
      /** The market. */
      readonly symbol: string
      /** Why. */
      readonly error: BackboneError
    }
  | {
      readonly type: 'cycle'
      /** The finished cycle. */
      readonly cycle: CycleResult
    }

/** A read-only view of one symbol's strategy instance. */
export interface SymbolSnapshot {
  /** The market. */
  readonly symbol: string
  /** Position state. */
  readonly state: PositionState
  /** Last price seen. */
  readonly price: number | undefined
  /** Base quantity held by the strategy. */
  readonly quantity: Decimal
  /** Quote spent on the open position, fees included. */
  readonly cost: Decimal
  /** Fee-inclusive average buy price. */
  readonly avgPrice: number | undefined
  /** Fill price of the cycle's last buy. */
  readonly anchor: number | undefined
  /** Fills per rule in this cycle. */
  readonly execCount: Readonly<Record<string, number>>
  /** Context flags of this cycle. */
  readonly flags: Readonly<Record<string, boolean>>
  /** Trailing stops: armed and high-water mark, per `activation%/trail%`. */
  readonly trailing: readonly {
    readonly key: string
    readonly armed: boolean
    readonly highWaterMark: number | undefined
  }[]
  /** Indicator values by key (`RSI|14|0|1m`), `undefined` during warm-up. */
  readonly indicators: Readonly<Record<string, number | undefined>>
  /** No re-entry before this time (ms UTC). */
  readonly cooldownUntil: number
  /** The order awaiting its result, if any. */
  readonly inFlight: OrderIntent | undefined
  /** 1-based number of the current (or last) cycle. */
  readonly cycle: number
}

/**
 * One rule as {@link Engine.inspect} sees it now: every comparison with the live value against its
 * target, and what keeps the rule from firing (the "why not").
 */
export interface RuleInspection {
  /** The rule. */
  readonly rule: DecisionRule
  /** Whether it is enabled in the strategy (disabled rules are listed, never evaluated). */
  readonly enabled: boolean
  /**
   * `would-fire`: its condition holds and nothing blocks it; `waiting`: its condition does not hold;
   * `blocked`: something other than the condition stops it (see {@link RuleInspection.blockers});
   * `disabled`: switched off in the strategy.
   */
  readonly status: 'would-fire' | 'waiting' | 'blocked' | 'disabled'
  /** Whether the condition tree holds on the current values. */
  readonly conditionMet: boolean
  /** Every comparison of the condition tree, with the left and right values seen now. */
  readonly conditions: readonly ConditionTrace[]
  /** Every variable the rule reads, by label (`null`: not available, e.g. during warm-up). */
  readonly values: Readonly<Record<string, number | boolean | null>>
  /**
   * What blocks the rule besides its condition, in words: the wrong position state, a cooldown,
   * an order in flight, a retry wait after a refusal, a flag already written, an emergency stop.
   */
  readonly blockers: readonly string[]
}

/** What {@link Engine.inspect} returns: every rule of one symbol evaluated now, without acting. */
export interface SymbolInspection {
  /** The market. */
  readonly symbol: string
  /** The position state. */
  readonly state: PositionState
  /** The last price seen (`undefined` before the first). */
  readonly price: number | undefined
  /** Market time of the last event, ms UTC. */
  readonly timestamp: number
  /** Every rule in strategy order (rule number 1 first). */
  readonly rules: readonly RuleInspection[]
}

/** The market-data streams {@link Engine.run} consumes; any subset. */
export interface EngineSources {
  /** Candles (live updates of the current candle, or closed ones). */
  readonly candles?: Observable<Candle>
  /** Tickers: the last price. */
  readonly tickers?: Observable<Ticker>
  /** Trades: prices for the windows; aggregated into candles when no candle stream is given. */
  readonly trades?: Observable<Trade>
  /** Any {@link MarketEvent}s, e.g. `disconnect`. */
  readonly events?: Observable<MarketEvent>
}

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /** The strategy: a validated one (e.g. `sevenRules()`) or input for {@link parseStrategy}. */
  readonly strategy: Strategy | StrategyInput
  /** Places orders. Default: a {@link DryRunExecutor} with 10,000,000 KRW of paper money. */
  readonly executor?: Executor
  /** Closed candles to warm the indicators up with (e.g. from REST), any symbols. */
  readonly history?: Iterable<Candle>
  /**
   * Where indicator candles come from: `candles` events, or `trades` aggregated into candles.
   * Default: `candles`; {@link Engine.run} switches to `trades` when it is given trades and no candles.
   */
  readonly candlesFrom?: 'candles' | 'trades'
  /**
   * How orders decided on a closed candle are placed: `close` at once, at the close price (live);
   * `next-open` held (the symbol stays locked) and placed at the symbol's next price — the next
   * candle's open (backtests).
   */
  readonly candleCloseFills?: 'close' | 'next-open'
  /** After a refused order, the rule waits this long before it may fire again. Default 60,000 ms. */
  readonly retryAfterRejectMs?: number
  /** Logger (silent by default). */
  readonly logger?: Logger
}

/** The strategy engine: one instance per strategy, one state machine per symbol. */
export interface Engine {
  /** The validated strategy. */
  readonly strategy: Strategy
  /** The executor orders go to. */
  readonly executor: Executor
  /** Every decision, as it is made (hot). */
  readonly decisions$: Observable<Decision>
  /** Fills, refusals and finished cycles (hot). */
  readonly executions$: Observable<ExecutionEvent>
  /**
   * Consumes market-data streams and emits the decisions they cause. Cold: subscribing subscribes
   * to the sources, unsubscribing tears them down. Completes when every source completed and the
   * orders in flight are settled.
   */
  run(sources: EngineSources): Observable<Decision>
  /** Evaluates one event synchronously and returns the decisions it caused (orders settle later). */
  process(event: MarketEvent): readonly Decision[]
  /** Feeds closed candles into the indicators without evaluating rules (warm-up from history). */
  warmUp(candles: Iterable<Candle>): void
  /** Resolves once no order is in flight and every fill has been applied. */
  idle(): Promise<void>
  /** A snapshot of one symbol's state, or `undefined` if the engine has not seen it. */
  getState(symbol: string): SymbolSnapshot | undefined
  /** The symbols seen so far. */
  symbols(): readonly string[]
  /**
   * Evaluates every rule of `symbol` on its current values **without acting**: no order, no flag,
   * no counter and no cross-over state changes. Returns each rule's condition trace and its
   * blockers (the "why not" of a rule that does not fire), or `undefined` for a symbol the engine
   * has not seen. Decisions keep one feed across symbols: {@link Engine.decisions$} emits every
   * decision of every symbol in id order, ids contiguous from 1.
   */
  inspect(symbol: string): SymbolInspection | undefined
  /**
   * Emergency stop: stops evaluating rules, waits for orders in flight, sells every open position
   * at market (orders marked `emergency`), then halts the executor. Resolves with the sell decisions.
   */
  emergencyStop(reason?: string): Promise<readonly Decision[]>
  /** True after {@link Engine.emergencyStop}. */
  readonly halted: boolean
}

type IndicatorInstance = Rsi | Sma | Ema

interface CandleTrack {
  readonly interval: CandleInterval
  readonly slots: readonly number[]
  pending: Candle | undefined
  lastClosedOpen: number
  aggregator: CandleAggregator | undefined
}

class SymbolRuntime implements EvalContext {
  price = Number.NaN
  priceDecimal: Decimal | undefined
  time = 0
  evalId = 0
  avgPrice: number | undefined
  anchor: number | undefined
  bestBid: Decimal | undefined
  bestAsk: Decimal | undefined
  readonly indicatorValues: (number | undefined)[]
  readonly indicators: IndicatorInstance[]
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
  state: PositionState = 'READY'
  quantity: Decimal = new Decimal(0)
  cost: Decimal = new Decimal(0)
  cooldownUntil = 0
  inFlight: OrderIntent | undefined
  deferred: { compiled: CompiledRule | undefined; intent: OrderIntent } | undefined
  cycle = 0
  openedAt = 0
  invested: Decimal = new Decimal(0)
  proceeds: Decimal = new Decimal(0)
  fees: Decimal = new Decimal(0)
  buys = 0

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
    this.crossStamp = Array.from({ length: compiled.crossSlots }, () => -1)
    this.crossPrevLeft = Array.from({ length: compiled.crossSlots }, () => Number.NaN)
    this.crossPrevRight = Array.from({ length: compiled.crossSlots }, () => Number.NaN)
    this.crossBeforeLeft = Array.from({ length: compiled.crossSlots }, () => Number.NaN)
    this.crossBeforeRight = Array.from({ length: compiled.crossSlots }, () => Number.NaN)
    this.tracks = compiled.timeframes.map((interval) => ({
      interval,
      slots: compiled.indicators.flatMap((spec, i) => (spec.timeframe === interval ? [i] : [])),
      pending: undefined,
      lastClosedOpen: Number.NEGATIVE_INFINITY,
      aggregator: undefined,
    }))
  }

  resetCycle(): void {
    this.execCount.clear()
    this.flags.clear()
    this.blockedUntil.clear()
    this.trailingArmed.fill(false)
    this.trailingHwm.fill(0)
    this.quantity = new Decimal(0)
    this.cost = new Decimal(0)
    this.avgPrice = undefined
    this.anchor = undefined
    this.invested = new Decimal(0)
    this.proceeds = new Decimal(0)
    this.fees = new Decimal(0)
    this.buys = 0
  }
}

const ZERO = new Decimal(0)

function candleEnd(candle: Candle): number {
  return isFixedInterval(candle.interval)
    ? candle.timestamp + intervalToMs(candle.interval)
    : nextCandleOpenTime(candle.timestamp, candle.interval)
}

function formatNumber(value: number | boolean | null): string {
  if (value === null) return 'n/a'
  if (typeof value === 'boolean') return String(value)
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)))
}

/**
 * Creates the strategy engine. It evaluates every market event for its symbol: it updates the
 * indicators, windows and trailing stops, lets the rules active in the position's state propose
 * candidates, runs meta actions (flags) in addition, executes only the best trading candidate
 * (lowest priority number; ties: RISK/EXIT, then buys, then MANAGEMENT, then rule number), and
 * records why. While an order is in flight no trading rule of that symbol fires; counters change
 * on confirmed fills only; a closed position resets every counter, flag and trailing stop and
 * waits out its cooldown in CLOSED before READY.
 *
 * Indicator math uses `number` (see {@link Rsi}); quantities, costs and fills use `Decimal`.
 *
 * @example
 * ```ts
 * import { createBackbone } from '@bb/router'
 * import { createEngine, DryRunExecutor, sevenRules } from '@bb/rules'
 * const backbone = createBackbone({ exchange: 'upbit' })
 * const engine = createEngine({
 *   strategy: sevenRules(),
 *   executor: new DryRunExecutor({ balances: { KRW: '10000000' } }),
 *   history: await backbone.getCandles('KRW-BTC', '1m', { count: 200 }),
 * })
 * engine.run({ trades: backbone.trades$('KRW-BTC') }).subscribe((decision) => {
 *   console.log(decision.explanation)
 * })
 * ```
 */
export function createEngine(options: EngineOptions): Engine {
  return new StrategyEngine(options)
}

class StrategyEngine implements Engine {
  readonly strategy: Strategy
  readonly executor: Executor
  private readonly compiled: CompiledStrategy
  private readonly runtimes = new Map<string, SymbolRuntime>()
  private readonly decisionSubject = new Subject<Decision>()
  private readonly executionSubject = new Subject<ExecutionEvent>()
  private readonly pending = new Set<Promise<void>>()
  private readonly logger: Logger
  private readonly retryAfterRejectMs: number
  private readonly candleCloseFills: 'close' | 'next-open'
  private candlesFrom: 'candles' | 'trades'
  private nextDecisionId = 1
  private stopped = false

  constructor(options: EngineOptions) {
    const opts = optionsBag(options, 'options', true)
    this.strategy = parseStrategy(opts.strategy)
    this.compiled = compileStrategy(this.strategy)
    if (opts.executor !== undefined && typeof optionsBag(opts.executor, 'executor')?.submit !== 'function')
      throw invalid(
        'executor',
        '"executor" must have a submit(intent) method (a DryRunExecutor or a LiveExecutor).',
      )
    if (opts.logger !== undefined && typeof optionsBag(opts.logger, 'logger')?.error !== 'function')
      throw invalid('logger', '"logger" must be a pino-compatible logger ({ debug, info, warn, error }).')
    integerIn(opts.retryAfterRejectMs, 'retryAfterRejectMs', 0, 86_400_000)
    oneOf(opts.candleCloseFills, 'candleCloseFills', ['close', 'next-open'] as const)
    oneOf(opts.candlesFrom, 'candlesFrom', ['candles', 'trades'] as const)
    if (
      opts.history !== undefined &&
      (opts.history === null ||
        typeof opts.history !== 'object' ||
        typeof (opts.history as Iterable<Candle>)[Symbol.iterator] !== 'function')
    )
      throw invalid(
        'history',
        `"history" must be an array (or iterable) of candles (got ${describeValue(opts.history)}).`,
      )
    this.executor = opts.executor ?? new DryRunExecutor()
    // Every line the engine logs passes redaction (secrets registered with registerSecret too).
    this.logger = redactingLogger(opts.logger ?? silentLogger)
    this.retryAfterRejectMs = opts.retryAfterRejectMs ?? 60_000
    this.candleCloseFills = opts.candleCloseFills ?? 'close'
    this.candlesFrom = opts.candlesFrom ?? 'candles'
    if (opts.history) this.warmUp(opts.history)
  }

  get decisions$(): Observable<Decision> {
    return this.decisionSubject.asObservable()
  }

  get executions$(): Observable<ExecutionEvent> {
    return this.executionSubject.asObservable()
  }

  get halted(): boolean {
    return this.stopped
  }

  run(sources: EngineSources): Observable<Decision> {
    optionsBag(sources, 'sources', true)
    for (const name of ['candles', 'tickers', 'trades', 'events'] as const) {
      const source = sources[name]
      if (source !== undefined && typeof (source as { subscribe?: unknown } | null)?.subscribe !== 'function')
        throw invalid(
          `sources.${name}`,
          `"sources.${name}" must be an Observable (got ${describeValue(source)}).`,
        )
    }
    if (!sources.candles && !sources.tickers && !sources.trades && !sources.events)
      throw invalid('sources', '"sources" needs at least one of candles, tickers, trades or events.')
    return new Observable<Decision>((subscriber) => {
      if (!sources.candles && sources.trades && this.candlesFrom === 'candles') this.candlesFrom = 'trades'
      const output = this.decisionSubject.subscribe(subscriber)
      const inputs: Observable<MarketEvent>[] = []
      if (sources.candles)
        inputs.push(sources.candles.pipe(map((candle): MarketEvent => ({ type: 'candle', candle }))))
      if (sources.tickers)
        inputs.push(sources.tickers.pipe(map((ticker): MarketEvent => ({ type: 'ticker', ticker }))))
      if (sources.trades)
        inputs.push(sources.trades.pipe(map((trade): MarketEvent => ({ type: 'trade', trade }))))
      if (sources.events) inputs.push(sources.events)
      const observer: Partial<Observer<MarketEvent>> = {
        next: (event) => {
          try {
            this.process(event)
          } catch (error) {
            subscriber.error(error)
          }
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          this.idle().then(
            () => subscriber.complete(),
            (error) => subscriber.error(error),
          )
        },
      }
      const input: Subscription = merge(...inputs).subscribe(observer)
      return () => {
        input.unsubscribe()
        output.unsubscribe()
      }
    })
  }

  warmUp(candles: Iterable<Candle>): void {
    for (const candle of candles) {
      const runtime = this.runtime(candle.symbol)
      const track = runtime.tracks.find((t) => t.interval === candle.interval)
      if (!track || candle.timestamp <= track.lastClosedOpen) continue
      this.closeCandle(runtime, track, candle)
    }
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }

  symbols(): readonly string[] {
    return [...this.runtimes.keys()]
  }

  inspect(symbol: string): SymbolInspection | undefined {
    if (typeof symbol !== 'string')
      throw invalid(
        'symbol',
        `"symbol" must be a market code such as KRW-BTC (got ${describeValue(symbol)}).`,
      )
    const runtime = this.runtimes.get(symbol)
    if (!runtime) return undefined
    // Cross-over conditions remember the previous value per evaluation: inspection must not move
    // that memory, so it is saved and put back.
    const saved = [
      runtime.crossStamp,
      runtime.crossPrevLeft,
      runtime.crossPrevRight,
      runtime.crossBeforeLeft,
      runtime.crossBeforeRight,
    ].map((slots) => [...slots])
    const restore = () => {
      const targets = [
        runtime.crossStamp,
        runtime.crossPrevLeft,
        runtime.crossPrevRight,
        runtime.crossBeforeLeft,
        runtime.crossBeforeRight,
      ]
      targets.forEach((target, i) => {
        for (let j = 0; j < target.length; j++) target[j] = saved[i]![j]!
      })
    }
    const state = runtime.state
    const time = (at: number) => new Date(at).toISOString().replace('.000Z', 'Z')
    const evaluated = new Map(this.compiled.rules.map((c) => [c.rule.id, c]))
    const rules: RuleInspection[] = []
    try {
      this.strategy.rules.forEach((rule, index) => {
        const ruleInfo: DecisionRule = {
          id: rule.id,
          name: rule.name,
          role: rule.role,
          priority: rule.priority,
          number: index + 1,
        }
        const compiled = evaluated.get(rule.id)
        if (!compiled) {
          rules.push({
            rule: ruleInfo,
            enabled: false,
            status: 'disabled',
            conditionMet: false,
            conditions: [],
            values: {},
            blockers: ['switched off in the strategy'],
          })
          return
        }
        const trace = compiled.trace(runtime)
        const conditionMet = trace.conditions.length > 0 ? compiled.test(runtime) : false
        const blockers: string[] = []
        if (this.stopped) blockers.push('the engine is halted (emergency stop)')
        if (state === 'CLOSED')
          blockers.push(`cooldown until ${time(runtime.cooldownUntil)} (position CLOSED)`)
        else if (rule.activation !== 'ANY' && rule.activation !== state)
          blockers.push(`runs in ${rule.activation}; the position is ${state}`)
        if (compiled.meta) {
          const action = rule.action as Extract<Action, { type: 'set_flag' }>
          if ((runtime.flags.get(action.flag) ?? false) === action.value)
            blockers.push(`flag ${action.flag} is already ${action.value}`)
        } else {
          if (runtime.inFlight)
            blockers.push(`order ${runtime.inFlight.id} (${runtime.inFlight.side}) is in flight`)
          const blocked = runtime.blockedUntil.get(rule.id)
          if (blocked !== undefined && runtime.time < blocked)
            blockers.push(`waiting until ${time(blocked)} after a refused order`)
          if (rule.action.type === 'sell' && runtime.quantity.isZero() && state === 'ACTIVE')
            blockers.push('nothing to sell')
        }
        rules.push({
          rule: ruleInfo,
          enabled: true,
          status: blockers.length > 0 ? 'blocked' : conditionMet ? 'would-fire' : 'waiting',
          conditionMet,
          conditions: trace.conditions,
          values: { PRICE: Number.isNaN(runtime.price) ? null : runtime.price, ...trace.values },
          blockers,
        })
      })
    } finally {
      restore()
    }
    return {
      symbol,
      state,
      price: Number.isNaN(runtime.price) ? undefined : runtime.price,
      timestamp: runtime.time,
      rules,
    }
  }

  getState(symbol: string): SymbolSnapshot | undefined {
    const r = this.runtimes.get(symbol)
    if (!r) return undefined
    return {
      symbol,
      state: r.state,
      price: Number.isNaN(r.price) ? undefined : r.price,
      quantity: r.quantity,
      cost: r.cost,
      avgPrice: r.avgPrice,
      anchor: r.anchor,
      execCount: Object.fromEntries(r.execCount),
      flags: Object.fromEntries(r.flags),
      trailing: this.compiled.trailing.map((spec, i) => ({
        key: `${spec.activationPct}%/${spec.trailPct}%`,
        armed: r.trailingArmed[i]!,
        highWaterMark: r.trailingArmed[i] ? r.trailingHwm[i] : undefined,
      })),
      indicators: Object.fromEntries(
        this.compiled.indicators.map((spec, i) => [spec.key, r.indicatorValues[i]]),
      ),
      cooldownUntil: r.cooldownUntil,
      inFlight: r.inFlight,
      cycle: r.cycle,
    }
  }

  process(event: MarketEvent): readonly Decision[] {
    checkEvent(event)
    if (this.stopped) return []
    switch (event.type) {
      case 'trade': {
        const { trade } = event
        const runtime = this.runtime(trade.symbol)
        if (this.candlesFrom === 'trades') this.aggregate(runtime, trade)
        runtime.bestBid = trade.bestBid?.price
        runtime.bestAsk = trade.bestAsk?.price
        return this.tick(runtime, trade.price.toNumber(), trade.price, trade.timestamp, false)
      }
      case 'ticker': {
        const { ticker } = event
        const runtime = this.runtime(ticker.symbol)
        runtime.bestBid = undefined
        runtime.bestAsk = undefined
        return this.tick(
          runtime,
          ticker.last.toNumber(),
          ticker.last,
          ticker.lastTradeAt ?? ticker.timestamp,
          false,
        )
      }
      case 'candle':
        return this.onCandle(event.candle, event.closed === true)
      case 'price': {
        const runtime = this.runtime(event.symbol)
        runtime.bestBid = event.bestBid
        runtime.bestAsk = event.bestAsk
        const price = typeof event.price === 'number' ? event.price : event.price.toNumber()
        const decimal = typeof event.price === 'number' ? undefined : event.price
        return this.tick(runtime, price, decimal, event.timestamp, false)
      }
      case 'disconnect': {
        const targets = event.symbol ? [this.runtimes.get(event.symbol)] : [...this.runtimes.values()]
        for (const runtime of targets) for (const window of runtime?.windows ?? []) window.reset()
        this.logger.info({ symbol: event.symbol ?? '*' }, 'feed disconnected: price windows rebuilt')
        return []
      }
    }
  }

  async emergencyStop(reason = 'emergency stop'): Promise<readonly Decision[]> {
    this.stopped = true
    for (const runtime of this.runtimes.values())
      if (runtime.deferred) {
        runtime.deferred = undefined
        runtime.inFlight = undefined
      }
    await this.idle()
    const decisions: Decision[] = []
    for (const runtime of this.runtimes.values()) {
      if (runtime.state !== 'ACTIVE' || runtime.quantity.isZero()) continue
      const price = runtime.bestBid ?? runtime.priceDecimal ?? new Decimal(runtime.price)
      const id = this.nextDecisionId++
      const order: OrderIntent = {
        id: `bb-${id}`,
        decisionId: id,
        ruleId: 'emergency-stop',
        symbol: runtime.symbol,
        side: 'sell',
        volume: runtime.quantity,
        price,
        timestamp: runtime.time,
        fill: 'at-price',
        emergency: true,
      }
      const decision: Decision = {
        id,
        symbol: runtime.symbol,
        timestamp: runtime.time,
        kind: 'order',
        rule: { id: 'emergency-stop', name: 'Emergency stop', role: 'RISK', priority: 0, number: 0 },
        action: { type: 'sell', positionPercent: 100 },
        state: runtime.state,
        price: runtime.price,
        values: { PRICE: runtime.price },
        conditions: [],
        dropped: [],
        order,
        explanation: `Emergency stop (${reason}): sell the whole ${runtime.symbol} position at market.`,
      }
      decisions.push(decision)
      this.decisionSubject.next(decision)
      this.submit(runtime, undefined, order)
    }
    await this.idle()
    await this.executor.emergencyStop?.()
    this.logger.warn({ reason, positions: decisions.length }, 'emergency stop')
    return decisions
  }

  // -------------------------------------------------------------------------------------------

  private runtime(symbol: string): SymbolRuntime {
    let runtime = this.runtimes.get(symbol)
    if (!runtime) {
      runtime = new SymbolRuntime(symbol, this.compiled)
      this.runtimes.set(symbol, runtime)
    }
    return runtime
  }

  private aggregate(runtime: SymbolRuntime, trade: Trade): void {
    for (const track of runtime.tracks) {
      track.aggregator ??= new CandleAggregator(track.interval)
      const closed = track.aggregator.push(trade)
      if (closed) this.closeCandle(runtime, track, closed)
    }
  }

  private closeCandle(runtime: SymbolRuntime, track: CandleTrack, candle: Candle): void {
    track.lastClosedOpen = candle.timestamp
    const close = candle.close.toNumber()
    for (const slot of track.slots) runtime.indicatorValues[slot] = runtime.indicators[slot]!.update(close)
  }

  private onCandle(candle: Candle, closed: boolean): readonly Decision[] {
    const runtime = this.runtime(candle.symbol)
    const track = runtime.tracks.find((t) => t.interval === candle.interval)
    if (track && this.candlesFrom === 'candles') {
      if (candle.timestamp <= track.lastClosedOpen) return []
      if (track.pending && track.pending.timestamp < candle.timestamp) {
        this.closeCandle(runtime, track, track.pending)
        track.pending = undefined
      }
      if (closed) {
        this.closeCandle(runtime, track, candle)
        track.pending = undefined
      } else track.pending = candle
    }
    runtime.bestBid = undefined
    runtime.bestAsk = undefined
    const time = closed ? candleEnd(candle) : (candle.lastTradeAt ?? candle.receivedAt)
    return this.tick(runtime, candle.close.toNumber(), candle.close, time, closed)
  }

  private tick(
    runtime: SymbolRuntime,
    price: number,
    decimal: Decimal | undefined,
    time: number,
    onCandleClose: boolean,
  ): readonly Decision[] {
    if (!(price > 0)) return []
    const at = Math.max(time, runtime.time)
    runtime.price = price
    runtime.priceDecimal = decimal
    runtime.time = at
    if (runtime.deferred) {
      // An order decided on a candle close (next-open fills) goes out at this, the next price.
      const { compiled, intent } = runtime.deferred
      runtime.deferred = undefined
      const best = intent.side === 'buy' ? runtime.bestAsk : runtime.bestBid
      this.submit(runtime, compiled, {
        ...intent,
        price: best ?? decimal ?? new Decimal(price),
        timestamp: at,
        fill: 'at-price',
      })
    }
    if (this.executor.observePrice)
      this.executor.observePrice(runtime.symbol, decimal ?? new Decimal(price), at)
    for (const window of runtime.windows) window.push(at, price)
    if (runtime.state === 'ACTIVE' && runtime.avgPrice !== undefined) {
      const specs = this.compiled.trailing
      for (let i = 0; i < specs.length; i++) {
        if (runtime.trailingArmed[i]) {
          if (price > runtime.trailingHwm[i]!) runtime.trailingHwm[i] = price
        } else if ((price / runtime.avgPrice - 1) * 100 >= specs[i]!.activationPct - 1e-9) {
          runtime.trailingArmed[i] = true
          runtime.trailingHwm[i] = price
        }
      }
    }
    if (runtime.state === 'CLOSED' && at >= runtime.cooldownUntil) runtime.state = 'READY'
    return this.evaluate(runtime, onCandleClose)
  }

  private evaluate(runtime: SymbolRuntime, onCandleClose: boolean): readonly Decision[] {
    runtime.evalId++
    const state = runtime.state
    if (state === 'CLOSED') return []
    const decisions: Decision[] = []
    let winner: CompiledRule | undefined
    const dropped: DroppedCandidate[] = []
    let winnerTrace: ReturnType<CompiledRule['trace']> | undefined
    for (const compiled of this.compiled.rules) {
      const { rule } = compiled
      if (rule.activation !== 'ANY' && rule.activation !== state) continue
      if (compiled.meta) {
        if (!compiled.test(runtime)) continue
        const action = rule.action as Extract<Action, { type: 'set_flag' }>
        if ((runtime.flags.get(action.flag) ?? false) === action.value) continue
        const trace = compiled.trace(runtime)
        runtime.flags.set(action.flag, action.value)
        const decision = this.decision(runtime, compiled, trace, [], undefined, state)
        decisions.push(decision)
        continue
      }
      if (runtime.inFlight) continue
      const blocked = runtime.blockedUntil.get(rule.id)
      if (blocked !== undefined && runtime.time < blocked) continue
      if (winner) {
        if (compiled.test(runtime))
          dropped.push({
            ruleId: rule.id,
            priority: rule.priority,
            reason:
              rule.priority > winner.rule.priority
                ? `outranked by "${winner.rule.id}" (priority ${winner.rule.priority} < ${rule.priority})`
                : `outranked by "${winner.rule.id}" (same priority ${rule.priority}; ${winner.rule.role} before ${rule.role}, then rule order)`,
          })
        continue
      }
      if (compiled.test(runtime)) {
        winner = compiled
        winnerTrace = compiled.trace(runtime)
      }
    }
    if (winner && winnerTrace) {
      const order = this.intent(runtime, winner, onCandleClose)
      if (order) {
        const decision = this.decision(runtime, winner, winnerTrace, dropped, order, state)
        decisions.push(decision)
        this.submit(runtime, winner, order)
      }
    }
    if (decisions.length === 0) return decisions
    // Emit in the order they were made: meta actions of higher priority first.
    decisions.sort((a, b) => a.id - b.id)
    for (const decision of decisions) this.decisionSubject.next(decision)
    return decisions
  }

  private intent(
    runtime: SymbolRuntime,
    compiled: CompiledRule,
    onCandleClose: boolean,
  ): OrderIntent | undefined {
    const { action } = compiled.rule
    const id = this.nextDecisionId
    const price = runtime.priceDecimal ?? new Decimal(runtime.price)
    const fill = onCandleClose && this.candleCloseFills === 'next-open' ? 'next-price' : 'at-price'
    const base = {
      id: `bb-${id}`,
      decisionId: id,
      ruleId: compiled.rule.id,
      symbol: runtime.symbol,
      timestamp: runtime.time,
      fill,
    } as const
    if (action.type === 'buy') {
      return {
        ...base,
        side: 'buy',
        amount:
          action.amount.kind === 'quote'
            ? { kind: 'quote', value: new Decimal(action.amount.value) }
            : { kind: 'quote_percent', value: action.amount.value },
        price: runtime.bestAsk ?? price,
      }
    }
    if (action.type === 'sell') {
      if (runtime.quantity.isZero()) return undefined
      const volume =
        action.positionPercent >= 100
          ? runtime.quantity
          : runtime.quantity
              .times(action.positionPercent)
              .dividedBy(100)
              .toDecimalPlaces(8, Decimal.ROUND_FLOOR)
      return { ...base, side: 'sell', volume, price: runtime.bestBid ?? price }
    }
    return undefined
  }

  private decision(
    runtime: SymbolRuntime,
    compiled: CompiledRule,
    trace: ReturnType<CompiledRule['trace']>,
    dropped: readonly DroppedCandidate[],
    order: OrderIntent | undefined,
    state: PositionState,
  ): Decision {
    const { rule } = compiled
    const id = this.nextDecisionId++
    const values = { PRICE: runtime.price, ...trace.values }
    const met = trace.conditions
      .filter((c) => c.result)
      .map((c) => `${c.condition} (${formatNumber(c.left)} vs ${formatNumber(c.right)})`)
    const what =
      rule.action.type === 'buy'
        ? `buy ${rule.action.amount.kind === 'quote' ? `${rule.action.amount.value} ${quoteOf(runtime.symbol)}` : `${rule.action.amount.value} % of the available ${quoteOf(runtime.symbol)}`}`
        : rule.action.type === 'sell'
          ? rule.action.positionPercent >= 100
            ? 'sell the whole position'
            : `sell ${rule.action.positionPercent} % of the position`
          : `set ${rule.action.flag} = ${rule.action.value}`
    let explanation = `${runtime.symbol} @ ${formatNumber(runtime.price)}: rule ${compiled.number} "${rule.id}" (${rule.role}, priority ${rule.priority}) → ${what}, because ${met.join(' and ') || 'its condition held'}.`
    if (dropped.length > 0)
      explanation += ` Dropped: ${dropped.map((d) => `"${d.ruleId}" (${d.reason})`).join(', ')}.`
    const decision: Decision = {
      id,
      symbol: runtime.symbol,
      timestamp: runtime.time,
      kind: order ? 'order' : 'meta',
      rule: {
        id: rule.id,
        name: rule.name,
        role: rule.role,
        priority: rule.priority,
        number: compiled.number,
      },
      action: rule.action,
      state,
      price: runtime.price,
      values,
      conditions: trace.conditions,
      dropped,
      explanation,
      ...(order ? { order } : {}),
    }
    return decision
  }

  private submit(runtime: SymbolRuntime, compiled: CompiledRule | undefined, intent: OrderIntent): void {
    runtime.inFlight = intent
    if (intent.fill === 'next-price' && this.candleCloseFills === 'next-open') {
      runtime.deferred = { compiled, intent }
      return
    }
    let promise: Promise<OrderOutcome>
    try {
      promise = this.executor.submit(intent)
    } catch (error) {
      promise = Promise.resolve({ status: 'rejected', intent, error: toBackboneError(error) })
    }
    const settled = promise
      .catch(
        (error: unknown): OrderOutcome => ({ status: 'rejected', intent, error: toBackboneError(error) }),
      )
      .then((outcome) => this.apply(runtime, compiled, outcome))
      // The error as redacted JSON: a raw Error inside a log field would escape redaction.
      .catch((error: unknown) =>
        this.logger.error(
          { error: toBackboneError(error, { channel: 'rules' }).toJSON() },
          'applying an order outcome failed',
        ),
      )
      .finally(() => this.pending.delete(settled))
    this.pending.add(settled)
  }

  private apply(runtime: SymbolRuntime, compiled: CompiledRule | undefined, outcome: OrderOutcome): void {
    runtime.inFlight = undefined
    const { intent } = outcome
    if (outcome.status === 'rejected') {
      const action = compiled?.rule.action
      if (action?.type === 'buy' && action.onRejectSetFlag && runtime.state === 'ACTIVE')
        runtime.flags.set(action.onRejectSetFlag, true)
      if (compiled) runtime.blockedUntil.set(compiled.rule.id, runtime.time + this.retryAfterRejectMs)
      this.logger.warn(
        { symbol: intent.symbol, rule: intent.ruleId, error: outcome.error.shortMessage },
        'order refused',
      )
      this.executionSubject.next({
        type: 'rejected',
        decisionId: intent.decisionId,
        ruleId: intent.ruleId,
        symbol: intent.symbol,
        error: outcome.error,
      })
      return
    }
    const { fill } = outcome
    if (fill.side === 'buy') {
      if (runtime.state !== 'ACTIVE') {
        runtime.resetCycle()
        runtime.state = 'ACTIVE'
        runtime.cycle++
        runtime.openedAt = fill.timestamp
      }
      const spent = fill.funds.plus(fill.fee)
      runtime.quantity = runtime.quantity.plus(fill.volume)
      runtime.cost = runtime.cost.plus(spent)
      runtime.invested = runtime.invested.plus(spent)
      runtime.fees = runtime.fees.plus(fill.fee)
      runtime.buys++
      runtime.anchor = fill.price.toNumber()
      runtime.avgPrice = runtime.cost.dividedBy(runtime.quantity).toNumber()
    } else {
      const share = runtime.quantity.isZero()
        ? new Decimal(1)
        : Decimal.min(1, fill.volume.dividedBy(runtime.quantity))
      runtime.cost = runtime.cost.minus(runtime.cost.times(share))
      runtime.quantity = Decimal.max(ZERO, runtime.quantity.minus(fill.volume))
      runtime.proceeds = runtime.proceeds.plus(fill.funds).minus(fill.fee)
      runtime.fees = runtime.fees.plus(fill.fee)
      runtime.avgPrice = runtime.quantity.isZero()
        ? undefined
        : runtime.cost.dividedBy(runtime.quantity).toNumber()
    }
    runtime.execCount.set(intent.ruleId, (runtime.execCount.get(intent.ruleId) ?? 0) + 1)
    const closes = fill.side === 'sell' && runtime.quantity.isZero()
    this.executionSubject.next({
      type: 'fill',
      decisionId: intent.decisionId,
      ruleId: intent.ruleId,
      fill,
      state: closes ? 'CLOSED' : runtime.state,
    })
    if (closes) {
      const pnl = runtime.proceeds.minus(runtime.invested)
      const cycle: CycleResult = {
        symbol: runtime.symbol,
        cycle: runtime.cycle,
        openedAt: runtime.openedAt,
        closedAt: fill.timestamp,
        exitRuleId: intent.ruleId,
        invested: runtime.invested,
        proceeds: runtime.proceeds,
        pnl,
        pnlPct: runtime.invested.isZero() ? 0 : pnl.dividedBy(runtime.invested).times(100).toNumber(),
        fees: runtime.fees,
        buys: runtime.buys,
      }
      const action = compiled?.rule.action
      const cooldownSeconds =
        action?.type === 'sell' && action.cooldownSeconds !== undefined
          ? action.cooldownSeconds
          : this.strategy.defaultCooldownSeconds
      runtime.resetCycle()
      runtime.state = 'CLOSED'
      runtime.cooldownUntil = fill.timestamp + cooldownSeconds * 1000
      this.executionSubject.next({ type: 'cycle', cycle })
    }
  }
}

function quoteOf(symbol: string): string {
  const dash = symbol.indexOf('-')
  return dash > 0 ? symbol.slice(0, dash) : 'quote'
}

const EVENT_TYPES = new Set(['trade', 'ticker', 'candle', 'price', 'disconnect'])

const isTime = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0
const isPrice = (value: unknown) =>
  typeof value === 'number'
    ? Number.isFinite(value) && value > 0
    : Decimal.isDecimal(value) && (value as Decimal).isFinite() && (value as Decimal).greaterThan(0)
// A dashed native id (`QQQ-BBB`) or a unified BASE/QUOTE symbol (what models carry in `symbol`).
const isSymbol = (value: unknown) => typeof value === 'string' && /^[A-Z0-9]+[-/][A-Z0-9]+$/.test(value)

/** Checks one market event: a few `typeof`s per tick, so that bad data fails loudly and typed. */
function checkEvent(event: MarketEvent): void {
  if (event === null || typeof event !== 'object' || !EVENT_TYPES.has(event.type))
    throw invalid(
      'event',
      `A market event must be an object of type trade, ticker, candle, price or disconnect (got ${describeValue(event === null || typeof event !== 'object' ? event : event.type)}).`,
    )
  const bad = (param: string, value: unknown) =>
    invalid(param, `Bad ${param} in a ${event.type} event (got ${describeValue(value)}).`)
  switch (event.type) {
    case 'trade':
    case 'ticker': {
      const model = (event.type === 'trade' ? event.trade : event.ticker) as
        | { symbol?: unknown; price?: unknown; last?: unknown; timestamp?: unknown }
        | null
        | undefined
      if (model === null || typeof model !== 'object') throw bad(event.type, model)
      if (!isSymbol(model.symbol)) throw bad(`${event.type}.symbol`, model.symbol)
      const price = event.type === 'trade' ? model.price : model.last
      if (!isPrice(price)) throw bad(`${event.type}.${event.type === 'trade' ? 'price' : 'last'}`, price)
      if (!isTime(model.timestamp)) throw bad(`${event.type}.timestamp`, model.timestamp)
      return
    }
    case 'candle': {
      const candle = event.candle as
        | { symbol?: unknown; close?: unknown; timestamp?: unknown }
        | null
        | undefined
      if (candle === null || typeof candle !== 'object') throw bad('candle', candle)
      if (!isSymbol(candle.symbol)) throw bad('candle.symbol', candle.symbol)
      if (!isPrice(candle.close)) throw bad('candle.close', candle.close)
      if (!isTime(candle.timestamp)) throw bad('candle.timestamp', candle.timestamp)
      return
    }
    case 'price':
      if (!isSymbol(event.symbol)) throw bad('symbol', event.symbol)
      if (!isPrice(event.price)) throw bad('price', event.price)
      if (!isTime(event.timestamp)) throw bad('timestamp', event.timestamp)
      return
    case 'disconnect':
      if (event.symbol !== undefined && !isSymbol(event.symbol)) throw bad('symbol', event.symbol)
      return
  }
}
