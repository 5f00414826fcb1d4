import type { DryRunExecutor, Executor, LiveExecutor, OrderIntent, OrderOutcome } from '@bb/rules'

/**
 * The dashboard's one executor: the engine is created once with it and never learns whether an
 * order is paper or real. Buys go to the live executor only while the session is armed (the
 * deadline is checked at every order, so expiry needs no timer); every other buy is paper. A sell
 * goes live when the position of its market was bought live (real coins are sold for real, even
 * after the arming expired or was stopped: an emergency sell is accepted by a halted live
 * executor), else it is paper.
 */
export class RoutingExecutor implements Executor {
  #live: LiveExecutor | undefined
  #until = 0
  readonly #liveSymbols = new Set<string>()

  /** @param paper - the dry-run executor (the default route). */
  constructor(
    readonly paper: DryRunExecutor,
    private readonly now: () => number = Date.now,
  ) {}

  /** `live` while armed, else `dry-run`. */
  get mode(): 'dry-run' | 'live' {
    return this.armed ? 'live' : 'dry-run'
  }

  /** True while a live executor is set and its deadline is ahead. */
  get armed(): boolean {
    return this.#live !== undefined && !this.#live.stopped && this.#until > this.now()
  }

  /** Routes buys to `live` until `until` (ms UTC). */
  arm(live: LiveExecutor, until: number): void {
    this.#live = live
    this.#until = until
  }

  /** Buys are paper again (sells of live positions still go to the live executor). */
  disarm(): void {
    this.#until = 0
  }

  async submit(intent: OrderIntent): Promise<OrderOutcome> {
    const live = this.#live
    const toLive =
      live !== undefined &&
      (intent.side === 'buy' ? this.armed && !intent.emergency : this.#liveSymbols.has(intent.symbol))
    if (!toLive) return this.paper.submit(intent)
    const outcome = await live.submit(intent)
    if (outcome.status === 'filled') {
      if (intent.side === 'buy') this.#liveSymbols.add(intent.symbol)
      else if (intent.volume === undefined || outcome.fill.volume.greaterThanOrEqualTo(intent.volume))
        this.#liveSymbols.delete(intent.symbol)
    }
    return outcome
  }

  observePrice(symbol: string, price: OrderIntent['price'], timestamp: number): void {
    this.paper.observePrice?.(symbol, price, timestamp)
  }

  /** Halts both routes; the live one cancels the orders it still has open. */
  async emergencyStop(): Promise<void> {
    this.#until = 0
    await this.paper.emergencyStop?.()
    await this.#live?.emergencyStop()
  }
}
