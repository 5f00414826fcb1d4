// Orders: what the engine asks for (pure intents), and their placement and tracking (the
// executor call, the order in flight per market, orders held for the next price, settling).
import { type Logger, toBackboneError } from '@bb/errors'
import { Decimal } from '@bb/models'
import type { CompiledRule } from './compile.js'
import type { Executor, OrderIntent, OrderOutcome } from './executor.js'
import type { Action } from './schema.js'
import type { SymbolRuntime } from './state.js'

/** What {@link intentFor} reads of the market and the position. @internal */
export interface IntentInput {
  /** The decision id (the client order id is `bb-<id>`). */
  readonly id: number
  readonly ruleId: string
  readonly action: Action
  readonly symbol: string
  readonly timestamp: number
  /** The tick's price. */
  readonly price: Decimal
  readonly bestBid: Decimal | undefined
  readonly bestAsk: Decimal | undefined
  /** Base quantity held. */
  readonly quantity: Decimal
  readonly fill: OrderIntent['fill']
  /** The market's minimum order total (sizes a `min_order_multiple` buy). */
  readonly minOrderTotal: () => Decimal
}

/**
 * The market order an action asks for: a buy spends a quote total (a fixed one, a multiple of the
 * market's minimum order total, or a percent of the free quote) at the best ask, a sell sells a share of the position (floored to 8 decimals; all of it
 * at 100 %) at the best bid — the tick's price when no book is known. `undefined` for a flag, or
 * for a sell with nothing held. Pure.
 * @internal
 */
export function intentFor(input: IntentInput): OrderIntent | undefined {
  const { action } = input
  const base = {
    id: `bb-${input.id}`,
    decisionId: input.id,
    ruleId: input.ruleId,
    symbol: input.symbol,
    timestamp: input.timestamp,
    fill: input.fill,
  } as const
  if (action.type === 'buy')
    return {
      ...base,
      side: 'buy',
      amount:
        action.amount.kind === 'quote'
          ? { kind: 'quote', value: new Decimal(action.amount.value) }
          : action.amount.kind === 'min_order_multiple'
            ? { kind: 'quote', value: input.minOrderTotal().times(action.amount.value) }
            : { kind: 'quote_percent', value: action.amount.value },
      price: input.bestAsk ?? input.price,
    }
  if (action.type === 'sell') {
    if (input.quantity.isZero()) return undefined
    const volume =
      action.positionPercent >= 100
        ? input.quantity
        : input.quantity.times(action.positionPercent).dividedBy(100).toDecimalPlaces(8, Decimal.ROUND_FLOOR)
    return { ...base, side: 'sell', volume, price: input.bestBid ?? input.price }
  }
  return undefined
}

/** The emergency stop's sell of a whole position at market (accepted by a halted executor). @internal */
export function emergencyIntent(
  id: number,
  symbol: string,
  volume: Decimal,
  price: Decimal,
  timestamp: number,
): OrderIntent {
  return {
    id: `bb-${id}`,
    decisionId: id,
    ruleId: 'emergency-stop',
    symbol,
    side: 'sell',
    volume,
    price,
    timestamp,
    fill: 'at-price',
    emergency: true,
  }
}

/** Applies an order's outcome to its market (the engine's accounting). @internal */
export type Settle = (
  runtime: SymbolRuntime,
  compiled: CompiledRule | undefined,
  outcome: OrderOutcome,
) => void

/**
 * Places orders with the executor and tracks them: one order in flight per market
 * (`runtime.inFlight`, cleared by `settle`), `next-price` orders held until the market's next
 * price when candle-close orders fill at the next open, every outcome settled exactly once — a
 * thrown or rejected `submit` becomes a `rejected` outcome; a failing `settle` is logged, never
 * lost in an unhandled rejection.
 * @internal
 */
export class Orders {
  private readonly pending = new Set<Promise<void>>()

  constructor(
    private readonly executor: Executor,
    private readonly settle: Settle,
    private readonly logger: Logger,
    /** True when `next-price` orders wait for the next price (backtests' next-open fills). */
    private readonly holdNextPrice: boolean,
  ) {}

  /** Orders sent and not yet settled. */
  get size(): number {
    return this.pending.size
  }

  /** Places (or holds) an order for a market; the market has it in flight until it settles. */
  place(runtime: SymbolRuntime, compiled: CompiledRule | undefined, intent: OrderIntent): void {
    runtime.inFlight = intent
    if (intent.fill === 'next-price' && this.holdNextPrice) {
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
      .then((outcome) => this.settle(runtime, compiled, outcome))
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

  /** Places the order a market holds for its next price, at that price (best ask/bid when known). */
  releaseHeld(runtime: SymbolRuntime, price: Decimal, timestamp: number): void {
    if (!runtime.deferred) return
    const { compiled, intent } = runtime.deferred
    runtime.deferred = undefined
    const best = intent.side === 'buy' ? runtime.bestAsk : runtime.bestBid
    this.place(runtime, compiled, { ...intent, price: best ?? price, timestamp, fill: 'at-price' })
  }

  /** Forgets every held order (the emergency stop): the markets have nothing in flight any more. */
  dropHeld(runtimes: Iterable<SymbolRuntime>): void {
    for (const runtime of runtimes)
      if (runtime.deferred) {
        runtime.deferred = undefined
        runtime.inFlight = undefined
      }
  }

  /** Resolves once no order is in flight and every outcome has been settled. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }
}
