import type { BackboneError } from '@bb/errors'
import type { Decimal } from '@bb/models'

/** How much a buy order spends: a fixed quote total, or a percent of the available quote balance. */
export type OrderAmount =
  | { readonly kind: 'quote'; readonly value: Decimal }
  | { readonly kind: 'quote_percent'; readonly value: number }

/**
 * An order the engine asks an executor to place: always a market order (a buy by its quote
 * total, sent as `cost`; a sell by `volume`).
 */
export interface OrderIntent {
  /** Client order id, unique per engine run (sent as the exchange's client order id). */
  readonly id: string
  /** The decision that produced the order. */
  readonly decisionId: number
  /** The rule that fired (`emergency-stop` for the emergency stop). */
  readonly ruleId: string
  /** The market: the exchange's native id or a unified `BASE/QUOTE` symbol. */
  readonly symbol: string
  /** Buy or sell. */
  readonly side: 'buy' | 'sell'
  /** For buys: what to spend. */
  readonly amount?: OrderAmount
  /** For sells: the base volume to sell. */
  readonly volume?: Decimal
  /** The best price known when the decision was made: best ask for a buy, best bid for a sell, else the last trade. */
  readonly price: Decimal
  /** Market time of the decision, ms UTC. */
  readonly timestamp: number
  /**
   * `at-price`: a paper executor fills at {@link OrderIntent.price} (live best price);
   * `next-price`: at the next price it is shown (a backtest fills decisions made on a candle's
   * close at the next candle's open).
   */
  readonly fill: 'at-price' | 'next-price'
  /** True for the orders of an emergency stop: executors accept them even when halted. */
  readonly emergency?: boolean
}

/** A completed order as the engine accounts for it (several exchange fills are summed). */
export interface ExecutedFill {
  /** The exchange's (or the paper account's) order id. */
  readonly orderId: string
  /** The client order id ({@link OrderIntent.id}). */
  readonly clientOrderId: string
  /** The market. */
  readonly symbol: string
  /** Buy or sell. */
  readonly side: 'buy' | 'sell'
  /** Average fill price (`funds / volume`), on the tick grid for paper fills. */
  readonly price: Decimal
  /** Base volume bought or sold. */
  readonly volume: Decimal
  /** Quote amount exchanged, before the fee. */
  readonly funds: Decimal
  /** Fee paid in the quote currency. */
  readonly fee: Decimal
  /** Market time of the fill, ms UTC. */
  readonly timestamp: number
}

/** The result of {@link Executor.submit}: a fill, or a refusal with the error that explains it. */
export type OrderOutcome =
  | { readonly status: 'filled'; readonly intent: OrderIntent; readonly fill: ExecutedFill }
  | { readonly status: 'rejected'; readonly intent: OrderIntent; readonly error: BackboneError }

/**
 * Places the engine's orders. {@link DryRunExecutor} (paper, the default) and {@link LiveExecutor}
 * (real orders through an {@link OrderGateway}) implement it; a test can bring its own.
 */
export interface Executor {
  /** `dry-run` for paper trading, `live` for real orders. */
  readonly mode: 'dry-run' | 'live'
  /**
   * Places an order and resolves once it is done: filled (fully or, for a cancelled market
   * order, partly) or rejected. Never rejects the promise for an exchange refusal: that is a
   * `rejected` outcome.
   */
  submit(intent: OrderIntent): Promise<OrderOutcome>
  /**
   * Sees every market price before the engine evaluates it: a paper executor fills
   * `next-price` orders here. Optional.
   */
  observePrice?(symbol: string, price: Decimal, timestamp: number): void
  /** Stops accepting new non-emergency orders and cancels open ones. Optional. */
  emergencyStop?(): Promise<void>
}
