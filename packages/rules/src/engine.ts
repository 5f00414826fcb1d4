// The strategy engine as a composition of small units: market keys (market-key.ts), event checks
// (events.ts), per-market state (state.ts), arbitration (arbitration.ts, pure), explanations and
// inspection (explanation.ts), position accounting (position.ts, pure) and orders (orders.ts).
import { type Logger, redactingLogger, silentLogger } from '@bb/errors'
import { type Candle, Decimal } from '@bb/models'
import { Observable, Subject } from 'rxjs'
import { arbitrate } from './arbitration.js'
import { describeValue, integerIn, invalid, oneOf, optionsBag } from './check.js'
import { type CompiledRule, type CompiledStrategy, compileStrategy } from './compile.js'
import { DryRunExecutor } from './dry-run.js'
import type {
  Decision,
  Engine,
  EngineOptions,
  EngineSources,
  ExecutionEvent,
  MarketEvent,
  SymbolInspection,
  SymbolSnapshot,
} from './engine-types.js'
import { checkEvent, checkSources, marketEvents } from './events.js'
import { type ExchangeRules, exchangeRulesOf, splitMarket } from './exchange.js'
import type { Executor, OrderOutcome } from './executor.js'
import { buildDecision, emergencyDecision, inspectMarket } from './explanation.js'
import { MarketKeys } from './market-key.js'
import { emergencyIntent, intentFor, Orders } from './orders.js'
import type { Action, Strategy } from './schema.js'
import { candleEnd, MarketStates, type SymbolRuntime } from './state.js'
import { parseStrategy } from './validate.js'

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
 * import type { MarketDataBackbone } from '@bb/router'
 * import { createEngine, DryRunExecutor, sevenRules } from '@bb/rules'
 * declare const backbone: MarketDataBackbone // createBackbone({ exchange: … }) of @bb/router
 * const exchange = backbone.adapter
 * const engine = createEngine({
 *   strategy: sevenRules(),
 *   exchange,
 *   executor: new DryRunExecutor({ exchange, balances: { [exchange.market.defaultQuote]: '10000000' } }),
 *   history: await backbone.getCandles('BTC/USDT', '1m', { count: 200 }),
 * })
 * engine.run({ trades: backbone.trades$('BTC/USDT') }).subscribe((decision) => {
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
  private readonly exchange: ExchangeRules
  private readonly keys: MarketKeys
  private readonly compiled: CompiledStrategy
  private readonly states: MarketStates
  private readonly orders: Orders
  private readonly decisionSubject = new Subject<Decision>()
  private readonly executionSubject = new Subject<ExecutionEvent>()
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
    this.exchange = exchangeRulesOf(opts.exchange, 'createEngine')
    this.keys = new MarketKeys(this.exchange)
    this.states = new MarketStates(this.compiled)
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
    this.executor = opts.executor ?? new DryRunExecutor({ exchange: this.exchange })
    // Every line the engine logs passes redaction (secrets registered with registerSecret too).
    this.logger = redactingLogger(opts.logger ?? silentLogger)
    this.retryAfterRejectMs = opts.retryAfterRejectMs ?? 60_000
    this.candleCloseFills = opts.candleCloseFills ?? 'close'
    this.candlesFrom = opts.candlesFrom ?? 'candles'
    this.orders = new Orders(
      this.executor,
      (runtime, compiled, outcome) => this.settle(runtime, compiled, outcome),
      this.logger,
      this.candleCloseFills === 'next-open',
    )
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
    checkSources(sources)
    return new Observable<Decision>((subscriber) => {
      if (!sources.candles && sources.trades && this.candlesFrom === 'candles') this.candlesFrom = 'trades'
      const output = this.decisionSubject.subscribe(subscriber)
      const input = marketEvents(sources).subscribe({
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
      })
      return () => {
        input.unsubscribe()
        output.unsubscribe()
      }
    })
  }

  warmUp(candles: Iterable<Candle>): void {
    for (const candle of candles)
      this.states
        .open(this.keys.of(candle.symbol, (candle as { marketId?: unknown }).marketId, 'candle.symbol'))
        .warmUp(candle)
  }

  idle(): Promise<void> {
    return this.orders.idle()
  }

  symbols(): readonly string[] {
    return this.states.keys()
  }

  inspect(symbol: string): SymbolInspection | undefined {
    if (typeof symbol !== 'string')
      throw invalid(
        'symbol',
        `"symbol" must be a market code: a native id or a BASE/QUOTE symbol (got ${describeValue(symbol)}).`,
      )
    const runtime = this.states.get(this.keys.of(symbol))
    return runtime && inspectMarket(runtime, this.compiled, this.stopped)
  }

  getState(symbol: string): SymbolSnapshot | undefined {
    return this.states.get(this.keys.of(symbol))?.snapshot(this.compiled)
  }

  process(event: MarketEvent): readonly Decision[] {
    const key = checkEvent(event, this.keys)
    if (this.stopped) return []
    switch (event.type) {
      case 'trade': {
        const { trade } = event
        const runtime = this.states.open(key!)
        if (this.candlesFrom === 'trades') runtime.aggregate(trade)
        runtime.bestBid = trade.bestBid?.price
        runtime.bestAsk = trade.bestAsk?.price
        return this.tick(runtime, trade.price.toNumber(), trade.price, trade.timestamp, false)
      }
      case 'ticker': {
        const { ticker } = event
        const runtime = this.states.open(key!)
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
      case 'candle': {
        const { candle } = event
        const closed = event.closed === true
        const runtime = this.states.open(key!)
        if (this.candlesFrom === 'candles' && !runtime.candle(candle, closed)) return []
        runtime.bestBid = undefined
        runtime.bestAsk = undefined
        const time = closed ? candleEnd(candle) : (candle.lastTradeAt ?? candle.receivedAt)
        return this.tick(runtime, candle.close.toNumber(), candle.close, time, closed)
      }
      case 'price': {
        const runtime = this.states.open(key!)
        runtime.bestBid = event.bestBid
        runtime.bestAsk = event.bestAsk
        const price = typeof event.price === 'number' ? event.price : event.price.toNumber()
        const decimal = typeof event.price === 'number' ? undefined : event.price
        return this.tick(runtime, price, decimal, event.timestamp, false)
      }
      case 'disconnect': {
        const targets = key ? [this.states.get(key)] : [...this.states.values()]
        for (const runtime of targets) for (const window of runtime?.windows ?? []) window.reset()
        this.logger.info({ symbol: event.symbol ?? '*' }, 'feed disconnected: price windows rebuilt')
        return []
      }
    }
  }

  async emergencyStop(reason = 'emergency stop'): Promise<readonly Decision[]> {
    this.stopped = true
    this.orders.dropHeld(this.states.values())
    await this.idle()
    const decisions: Decision[] = []
    for (const runtime of this.states.values()) {
      if (runtime.state !== 'ACTIVE' || runtime.quantity.isZero()) continue
      const price = runtime.bestBid ?? runtime.priceDecimal ?? new Decimal(runtime.price)
      const order = emergencyIntent(
        this.nextDecisionId++,
        runtime.symbol,
        runtime.quantity,
        price,
        runtime.time,
      )
      const decision = emergencyDecision(order, runtime.state, runtime.price, reason)
      decisions.push(decision)
      this.decisionSubject.next(decision)
      this.orders.place(runtime, undefined, order)
    }
    await this.idle()
    await this.executor.emergencyStop?.()
    this.logger.warn({ reason, positions: decisions.length }, 'emergency stop')
    return decisions
  }

  // -------------------------------------------------------------------------------------------

  private quoteOf(symbol: string): string {
    try {
      return splitMarket(this.exchange, symbol).quote
    } catch {
      return 'quote'
    }
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
    // An order decided on a candle close (next-open fills) goes out at this, the next price.
    this.orders.releaseHeld(runtime, decimal ?? new Decimal(price), at)
    if (this.executor.observePrice)
      this.executor.observePrice(runtime.symbol, decimal ?? new Decimal(price), at)
    runtime.observe(price, at, this.compiled.trailing)
    if (runtime.state === 'CLOSED' && at >= runtime.cooldownUntil) runtime.state = 'READY'
    return this.evaluate(runtime, onCandleClose)
  }

  /**
   * Lets the rules active in the position's state propose candidates: meta actions (flags) run
   * in addition, in priority order; of the trading rules that fire, {@link arbitrate} picks one.
   */
  private evaluate(runtime: SymbolRuntime, onCandleClose: boolean): readonly Decision[] {
    runtime.evalId++
    const state = runtime.state
    if (state === 'CLOSED') return []
    const decisions: Decision[] = []
    const fired: CompiledRule[] = []
    const traces = new Map<CompiledRule, ReturnType<CompiledRule['trace']>>()
    for (const compiled of this.compiled.rules) {
      const { rule } = compiled
      if (rule.activation !== 'ANY' && rule.activation !== state) continue
      if (compiled.meta) {
        if (!compiled.test(runtime)) continue
        const action = rule.action as Extract<Action, { type: 'set_flag' }>
        if ((runtime.flags.get(action.flag) ?? false) === action.value) continue
        const trace = compiled.trace(runtime)
        runtime.flags.set(action.flag, action.value)
        decisions.push(this.decision(runtime, compiled, trace, [], undefined))
        continue
      }
      if (runtime.inFlight) continue
      const blocked = runtime.blockedUntil.get(rule.id)
      if (blocked !== undefined && runtime.time < blocked) continue
      if (!compiled.test(runtime)) continue
      // The first to fire is traced at once: a later flag must not change what it saw.
      if (fired.length === 0) traces.set(compiled, compiled.trace(runtime))
      fired.push(compiled)
    }
    const { winner, dropped } = arbitrate(fired)
    if (winner) {
      const order = intentFor({
        id: this.nextDecisionId,
        ruleId: winner.rule.id,
        action: winner.rule.action,
        symbol: runtime.symbol,
        timestamp: runtime.time,
        price: runtime.priceDecimal ?? new Decimal(runtime.price),
        bestBid: runtime.bestBid,
        bestAsk: runtime.bestAsk,
        quantity: runtime.quantity,
        fill: onCandleClose && this.candleCloseFills === 'next-open' ? 'next-price' : 'at-price',
        minOrderTotal: () =>
          this.exchange.market.minOrderTotal(splitMarket(this.exchange, runtime.symbol).native),
      })
      if (order) {
        const trace = traces.get(winner) ?? winner.trace(runtime)
        decisions.push(this.decision(runtime, winner, trace, dropped, order))
        this.orders.place(runtime, winner, order)
      }
    }
    if (decisions.length === 0) return decisions
    // Emit in the order they were made: meta actions of higher priority first.
    decisions.sort((a, b) => a.id - b.id)
    for (const decision of decisions) this.decisionSubject.next(decision)
    return decisions
  }

  private decision(
    runtime: SymbolRuntime,
    compiled: CompiledRule,
    trace: ReturnType<CompiledRule['trace']>,
    dropped: Decision['dropped'],
    order: Decision['order'],
  ): Decision {
    return buildDecision({
      id: this.nextDecisionId++,
      symbol: runtime.symbol,
      quote: this.quoteOf(runtime.symbol),
      timestamp: runtime.time,
      price: runtime.price,
      compiled,
      trace,
      dropped,
      order,
      state: runtime.state,
    })
  }

  /** Applies an order's outcome to its market and emits what happened. */
  private settle(runtime: SymbolRuntime, compiled: CompiledRule | undefined, outcome: OrderOutcome): void {
    if (outcome.status === 'rejected')
      this.logger.warn(
        { symbol: outcome.intent.symbol, rule: outcome.intent.ruleId, error: outcome.error.shortMessage },
        'order refused',
      )
    const rules = {
      retryAfterRejectMs: this.retryAfterRejectMs,
      defaultCooldownSeconds: this.strategy.defaultCooldownSeconds,
    }
    runtime.settle(compiled, outcome, rules, (event) => this.executionSubject.next(event))
  }
}
