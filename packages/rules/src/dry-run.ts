import {
  type BackboneError,
  InsufficientFundsError,
  InvalidOrderError,
  PermissionError,
  toBackboneError,
} from '@bb/errors'
import { Decimal, type DecimalInput, parseSymbol } from '@bb/models'
import { callback, decimalIn, describeValue, integerIn, invalid, optionsBag } from './check.js'
import type { ExecutedFill, Executor, OrderIntent, OrderOutcome } from './executor.js'
import type { CreateOrderParams, OrderGateway } from './gateway.js'
import { krwTickSize, UPBIT_KRW_FEE_RATE, UPBIT_KRW_MIN_ORDER } from './market.js'

/** Options of {@link DryRunExecutor}. */
export interface DryRunExecutorOptions {
  /** Starting balances by currency, e.g. `{ KRW: '10000000' }`. Default: 10,000,000 KRW. */
  readonly balances?: Readonly<Record<string, DecimalInput>>
  /** Fee rate charged on every fill's funds. Default `0.0005` (0.05 %, Upbit KRW). */
  readonly feeRate?: DecimalInput
  /** Minimum order total in the quote currency. Default 5,000 (Upbit KRW). */
  readonly minOrderTotal?: DecimalInput
  /** Tick size for a price. Default {@link krwTickSize} (Upbit's KRW table). */
  readonly tickSize?: (price: Decimal) => Decimal
  /** Decimal places of base volumes (Upbit: 8). Default 8. */
  readonly volumeDecimals?: number
  /**
   * Checks every order with the gateway's `testOrder` (Upbit `POST /orders/test`) before the
   * paper fill; a refusal becomes a `rejected` outcome. Nothing is ever created on the exchange.
   */
  readonly testOrders?: Pick<OrderGateway, 'testOrder'>
}

/** One balance of the paper account. */
export interface PaperBalance {
  /** The currency, e.g. `KRW`. */
  readonly currency: string
  /** Available. */
  readonly free: Decimal
}

interface Pending {
  readonly intent: OrderIntent
  readonly resolve: (outcome: OrderOutcome) => void
}

/**
 * Paper trading, the default executor. Market buys spend a quote total (rounded down to the whole
 * won for percent sizes) at the best ask, market sells sell a volume at the best bid — the price the
 * engine saw, moved onto the tick grid against you (buys up, sells down) — or, for `next-price`
 * intents, at the next price observed (a backtest's next candle open). Every fill pays the fee
 * (0.05 %) on its funds; orders under the 5,000 KRW minimum and orders the balance cannot cover are
 * rejected with `InvalidOrderError` / `InsufficientFundsError`. Accounting is exact: volumes are
 * truncated to 8 decimals, `funds = volume × price`, a buy debits `funds + fee`, a sell credits
 * `funds − fee`, all in Decimal.
 *
 * @example
 * ```ts
 * import { Decimal } from '@bb/models'
 * import { DryRunExecutor } from '@bb/rules'
 * const paper = new DryRunExecutor({ balances: { KRW: '1000000' } })
 * const outcome = await paper.submit({
 *   id: 'o1', decisionId: 1, ruleId: 'manual', symbol: 'KRW-BTC', side: 'buy',
 *   amount: { kind: 'quote', value: new Decimal(100_000) },
 *   price: new Decimal(100_000_000), timestamp: Date.now(), fill: 'at-price',
 * })
 * paper.balance('KRW').toString() // '899950' (100,000 spent + 50 fee)
 * ```
 */
export class DryRunExecutor implements Executor {
  /** Always `dry-run`. */
  readonly mode = 'dry-run' as const
  private readonly balances = new Map<string, Decimal>()
  private readonly feeRate: Decimal
  private readonly minOrderTotal: Decimal
  private readonly tickSize: (price: Decimal) => Decimal
  private readonly volumeDecimals: number
  private readonly gateway: Pick<OrderGateway, 'testOrder'> | undefined
  private readonly pending: Pending[] = []
  private readonly fillLog: ExecutedFill[] = []
  private sequence = 0
  private halted = false
  private feesPaid: Decimal = new Decimal(0)

  /** @param options - balances, fee, minimum, tick grid, optional test-order check. */
  constructor(options: DryRunExecutorOptions = {}) {
    const opts = optionsBag(options, 'options') ?? {}
    const balances = optionsBag(opts.balances, 'balances') ?? { KRW: 10_000_000 }
    for (const [currency, amount] of Object.entries(balances)) {
      if (!/^[A-Za-z0-9]{1,16}$/.test(currency))
        throw invalid(
          'balances',
          `A balance needs a currency code such as KRW (got ${describeValue(currency)}).`,
        )
      this.balances.set(currency.toUpperCase(), decimalIn(amount, `balances.${currency}`, { min: 0 })!)
    }
    this.feeRate = decimalIn(opts.feeRate, 'feeRate', { min: 0, below: 1 }) ?? new Decimal(UPBIT_KRW_FEE_RATE)
    this.minOrderTotal =
      decimalIn(opts.minOrderTotal, 'minOrderTotal', { min: 0 }) ?? new Decimal(UPBIT_KRW_MIN_ORDER)
    this.tickSize = callback(opts.tickSize, 'tickSize') ?? krwTickSize
    this.volumeDecimals = integerIn(opts.volumeDecimals, 'volumeDecimals', 0, 18) ?? 8
    if (
      opts.testOrders !== undefined &&
      typeof optionsBag(opts.testOrders, 'testOrders')?.testOrder !== 'function'
    )
      throw invalid(
        'testOrders',
        '"testOrders" must have a testOrder(params) method (e.g. @bb/rest\'s client).',
      )
    this.gateway = opts.testOrders
  }

  /** The available balance of a currency (zero when none). */
  balance(currency: string): Decimal {
    return this.balances.get(currency.toUpperCase()) ?? new Decimal(0)
  }

  /** Every non-zero balance. */
  getBalances(): readonly PaperBalance[] {
    return [...this.balances]
      .filter(([, free]) => !free.isZero())
      .map(([currency, free]) => ({ currency, free }))
  }

  /** Every fill so far, oldest first. */
  get fills(): readonly ExecutedFill[] {
    return this.fillLog
  }

  /** Total fees paid so far, in the quote currency. */
  get totalFees(): Decimal {
    return this.feesPaid
  }

  /** Orders waiting for their next price (`next-price` intents). */
  get pendingCount(): number {
    return this.pending.length
  }

  /** Places a paper order (see the class description). */
  async submit(intent: OrderIntent): Promise<OrderOutcome> {
    if (intent === null || typeof intent !== 'object' || (intent.side !== 'buy' && intent.side !== 'sell'))
      return reject(
        intent,
        new InvalidOrderError({
          channel: 'rules',
          message: `An order intent must be an object with side buy or sell (got ${describeValue(intent === null || typeof intent !== 'object' ? intent : intent.side)}).`,
        }),
      )
    if (this.halted && !intent.emergency)
      return reject(
        intent,
        new PermissionError({ message: 'The executor was stopped (emergency stop).', channel: 'rules' }),
      )
    if (this.gateway) {
      try {
        await this.gateway.testOrder(this.testParams(intent))
      } catch (error) {
        return reject(intent, toBackboneError(error))
      }
    }
    if (intent.fill === 'next-price') return new Promise((resolve) => this.pending.push({ intent, resolve }))
    return this.execute(intent, intent.price, intent.timestamp)
  }

  /** Fills the `next-price` orders of `symbol` at this price. */
  observePrice(symbol: string, price: Decimal, timestamp: number): void {
    if (this.pending.length === 0) return
    for (let i = 0; i < this.pending.length; ) {
      const entry = this.pending[i]!
      if (entry.intent.symbol === symbol) {
        this.pending.splice(i, 1)
        entry.resolve(this.execute(entry.intent, price, timestamp))
      } else i++
    }
  }

  /** Rejects every order still waiting for its next price (e.g. when the data ends). */
  cancelPending(reason = 'No further price: the order was cancelled.'): void {
    for (const entry of this.pending.splice(0))
      entry.resolve(reject(entry.intent, new InvalidOrderError({ message: reason, channel: 'rules' })))
  }

  /** Refuses further non-emergency orders and drops (rejects) the waiting ones. */
  async emergencyStop(): Promise<void> {
    this.halted = true
    for (const entry of this.pending.splice(0))
      entry.resolve(
        reject(
          entry.intent,
          new PermissionError({ message: 'Cancelled by the emergency stop.', channel: 'rules' }),
        ),
      )
  }

  private testParams(intent: OrderIntent): CreateOrderParams {
    if (intent.side === 'sell')
      return {
        symbol: intent.symbol,
        side: 'sell',
        type: 'market',
        volume: intent.volume ?? new Decimal(0),
        clientOrderId: intent.id,
      }
    return {
      symbol: intent.symbol,
      side: 'buy',
      type: 'price',
      price: this.buyTotal(intent, parseSymbol(intent.symbol).quote),
      clientOrderId: intent.id,
    }
  }

  private buyTotal(intent: OrderIntent, quote: string): Decimal {
    const amount = intent.amount
    if (!amount) return new Decimal(0)
    if (amount.kind === 'quote') return amount.value
    return this.balance(quote).times(amount.value).dividedBy(100).toDecimalPlaces(0, Decimal.ROUND_FLOOR)
  }

  private execute(intent: OrderIntent, referencePrice: Decimal, timestamp: number): OrderOutcome {
    const { quote, base } = parseSymbol(intent.symbol)
    if (intent.side === 'buy') {
      const total = this.buyTotal(intent, quote)
      if (total.lessThan(this.minOrderTotal))
        return reject(
          intent,
          new InvalidOrderError({
            message: `The buy total ${total.toString()} ${quote} is below the minimum order of ${this.minOrderTotal.toString()} ${quote}.`,
            exchangeCode: 'under_min_total_bid',
            channel: 'rules',
          }),
        )
      const price = this.onGrid(referencePrice, Decimal.ROUND_CEIL)
      const volume = total.dividedBy(price).toDecimalPlaces(this.volumeDecimals, Decimal.ROUND_FLOOR)
      const funds = volume.times(price)
      const fee = funds.times(this.feeRate)
      const available = this.balance(quote)
      if (funds.plus(fee).greaterThan(available))
        return reject(
          intent,
          new InsufficientFundsError({
            currency: quote,
            message: `Insufficient ${quote}: the buy needs ${funds.plus(fee).toString()} (with fee), ${available.toString()} is available.`,
            exchangeCode: 'insufficient_funds_bid',
            channel: 'rules',
          }),
        )
      if (volume.isZero())
        return reject(
          intent,
          new InvalidOrderError({ message: 'The buy total buys no volume at this price.', channel: 'rules' }),
        )
      this.balances.set(quote, available.minus(funds).minus(fee))
      this.balances.set(base, this.balance(base).plus(volume))
      return this.record(intent, { price, volume, funds, fee, timestamp })
    }
    const held = this.balance(base)
    const wanted = (intent.volume ?? held).toDecimalPlaces(this.volumeDecimals, Decimal.ROUND_FLOOR)
    const volume = Decimal.min(wanted, held)
    if (volume.isZero() || volume.isNegative())
      return reject(
        intent,
        new InsufficientFundsError({
          currency: base,
          message: `Nothing to sell: ${base} balance is ${held.toString()}.`,
          exchangeCode: 'insufficient_funds_ask',
          channel: 'rules',
        }),
      )
    const price = this.onGrid(referencePrice, Decimal.ROUND_FLOOR)
    const funds = volume.times(price)
    if (funds.lessThan(this.minOrderTotal))
      return reject(
        intent,
        new InvalidOrderError({
          message: `The sell total ${funds.toString()} ${quote} is below the minimum order of ${this.minOrderTotal.toString()} ${quote}.`,
          exchangeCode: 'under_min_total_ask',
          channel: 'rules',
        }),
      )
    const fee = funds.times(this.feeRate)
    this.balances.set(base, held.minus(volume))
    this.balances.set(quote, this.balance(quote).plus(funds).minus(fee))
    return this.record(intent, { price, volume, funds, fee, timestamp })
  }

  private onGrid(price: Decimal, rounding: typeof Decimal.ROUND_CEIL | typeof Decimal.ROUND_FLOOR): Decimal {
    const tick = this.tickSize(price)
    return price.dividedBy(tick).toDecimalPlaces(0, rounding).times(tick)
  }

  private record(
    intent: OrderIntent,
    fill: { price: Decimal; volume: Decimal; funds: Decimal; fee: Decimal; timestamp: number },
  ): OrderOutcome {
    const executed: ExecutedFill = {
      orderId: `paper-${++this.sequence}`,
      clientOrderId: intent.id,
      symbol: intent.symbol,
      side: intent.side,
      ...fill,
    }
    this.fillLog.push(executed)
    this.feesPaid = this.feesPaid.plus(fill.fee)
    return { status: 'filled', intent, fill: executed }
  }
}

function reject(intent: OrderIntent, error: BackboneError): OrderOutcome {
  return { status: 'rejected', intent, error }
}
