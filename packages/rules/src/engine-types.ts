// The public types of the strategy engine: the events it reads, the decisions and executions it
// emits, the views of its state, and its options and interface (the composition is engine.ts).
import type { BackboneError, Logger } from '@bb/errors'
import type { Candle, Decimal, Ticker, Trade } from '@bb/models'
import type { Observable } from 'rxjs'
import type { ConditionTrace } from './compile.js'
import type { ExchangeRules } from './exchange.js'
import type { ExecutedFill, Executor, OrderIntent } from './executor.js'
import type { Action, Role, Strategy, StrategyInput } from './schema.js'

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
  /** The market, as the engine keys it (see {@link Engine.symbols}), e.g. `BTCUSDT`. */
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
  /**
   * The exchange the strategy trades on (any `ExchangeAdapter`, e.g. `backbone.adapter`): its
   * symbol rules read the markets of events, its market rules drive the default executor. Events
   * may name a market by its unified `BASE/QUOTE` symbol or by the exchange's native id (a model's
   * `marketId` wins when present); the engine keeps ONE state per market, keyed by the native id
   * (`exchange.symbols.normalize`), and reports that key in decisions, snapshots and orders. A
   * market the exchange's symbol rules reject is an `InvalidRequestError`.
   * Required: there is no default exchange (missing → `InvalidRequestError` naming `exchange`).
   */
  readonly exchange: ExchangeRules
  /**
   * Places orders. Default: a {@link DryRunExecutor} of {@link EngineOptions.exchange} with
   * 10,000,000 of the exchange's `market.defaultQuote` in paper money.
   */
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
  /**
   * A snapshot of one market's state (given as a native id or a `BASE/QUOTE` symbol), or
   * `undefined` if the engine has not seen it; `InvalidRequestError` for a symbol the exchange rejects.
   */
  getState(symbol: string): SymbolSnapshot | undefined
  /** The markets seen so far, by their key: the exchange's native id (see {@link EngineOptions.exchange}). */
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
