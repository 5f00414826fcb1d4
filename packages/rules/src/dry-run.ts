import {
  type BackboneError,
  InsufficientFundsError,
  InvalidOrderError,
  PermissionError,
  toBackboneError,
} from '@bb/errors'
import { Decimal, type DecimalInput } from '@bb/models'
import { callback, decimalIn, describeValue, integerIn, invalid, optionsBag } from './check.js'
import { type ExchangeRules, exchangeRulesOf, splitMarket } from './exchange.js'
import type { ExecutedFill, Executor, OrderIntent, OrderOutcome } from './executor.js'
import type { CreateOrderParams, OrderGateway } from './gateway.js'

/** Options of {@link DryRunExecutor}. */
export interface DryRunExecutorOptions {
  /**
   * The exchange whose rules the paper account follows: an `ExchangeAdapter` (its symbol rules
   * split markets; its market rules give the tick grid, taker fee, minimum order and volume
   * decimals of each market). The options below override single rules. Required: there is no
   * default exchange (missing → `InvalidRequestError` naming `exchange`).
   */
  readonly exchange: ExchangeRules
  /** Starting balances by currency. Default: 10,000,000 of the exchange's `market.defaultQuote`. */
  readonly balances?: Readonly<Record<string, DecimalInput>>
  /** Fee rate charged on every fill's funds. Default the exchange's taker fee of the market. */
  readonly feeRate?: DecimalInput
  /** Minimum order total in the quote currency. Default the exchange's minimum of the market. */
  readonly minOrderTotal?: DecimalInput
  /** Tick size for a price. Default the exchange's tick grid of the market. */
  readonly tickSize?: (price: Decimal) => Decimal
  /** Decimal places of base volumes. Default the exchange's volume decimals of the market. */
  readonly volumeDecimals?: number
  /**
   * Checks every order with the gateway's `testOrder` (the exchange's order-test endpoint) before the
   * paper fill; a refusal becomes a `rejected` outcome. Nothing is ever created on the exchange.
   */
  readonly testOrders?: Pick<OrderGateway, 'testOrder'>
}

/** One balance of the paper account. */
export interface PaperBalance {
  /** The currency, e.g. `USDT`. */
  readonly currency: string
  /** Available. */
  readonly free: Decimal
}

interface Pending {
  readonly intent: OrderIntent
  readonly resolve: (outcome: OrderOutcome) => void
}

/**
 * Paper trading, the default executor, with the rules of an exchange (the `exchange` option: any
 * adapter). Market buys spend a quote total (rounded down to a whole unit for percent sizes) at the best ask, market sells sell a volume at the best bid — the price the
 * engine saw, moved onto the tick grid against you (buys up, sells down) — or, for `next-price`
 * intents, at the next price observed (a backtest's next candle open). Every fill pays the
 * exchange's taker fee on its funds; orders under the exchange's minimum and orders the balance
 * cannot cover are rejected with `InvalidOrderError` / `InsufficientFundsError`. Accounting is
 * exact: volumes are truncated to the exchange's volume decimals, `funds = volume × price`, a buy debits `funds + fee`, a sell credits
 * `funds − fee`, all in Decimal.
 *
 * @example
 * ```ts
 * import type { ExchangeAdapter } from '@bb/exchange-adapter'
 * import { Decimal } from '@bb/models'
 * import { DryRunExecutor } from '@bb/rules'
 * declare const exchange: ExchangeAdapter // from an exchange package
 * const paper = new DryRunExecutor({ exchange, balances: { USDT: '10000' } })
 * const outcome = await paper.submit({
 *   id: 'o1', decisionId: 1, ruleId: 'manual', symbol: 'BTC/USDT', side: 'buy',
 *   amount: { kind: 'quote', value: new Decimal(100) },
 *   price: new Decimal(64_000), timestamp: Date.now(), fill: 'at-price',
 * })
 * paper.balance('USDT') // 10,000 − 100 − the exchange's fee on 100
 * ```
 */
export class DryRunExecutor implements Executor {
  /** Always `dry-run`. */
  readonly mode = 'dry-run' as const
  private readonly balances = new Map<string, Decimal>()
  private readonly exchange: ExchangeRules
  private readonly fixedFee: Decimal | undefined
  private readonly fixedMin: Decimal | undefined
  private readonly fixedTick: ((price: Decimal) => Decimal) | undefined
  private readonly fixedDecimals: number | undefined
  private readonly gateway: Pick<OrderGateway, 'testOrder'> | undefined
  private readonly pending: Pending[] = []
  private readonly fillLog: ExecutedFill[] = []
  private sequence = 0
  private halted = false
  private feesPaid: Decimal = new Decimal(0)

  /** @param options - the exchange (required), balances, fee, minimum, tick grid, optional test-order check. */
  constructor(options: DryRunExecutorOptions) {
    const opts = optionsBag(options, 'options', true)
    this.exchange = exchangeRulesOf(opts.exchange, 'DryRunExecutor')
    const balances = optionsBag(opts.balances, 'balances') ?? {
      [this.exchange.market.defaultQuote]: 10_000_000,
    }
    for (const [currency, amount] of Object.entries(balances)) {
      if (!/^[A-Za-z0-9]{1,16}$/.test(currency))
        throw invalid(
          'balances',
          `A balance needs a currency code such as USDT (got ${describeValue(currency)}).`,
        )
      this.balances.set(currency.toUpperCase(), decimalIn(amount, `balances.${currency}`, { min: 0 })!)
    }
    this.fixedFee = decimalIn(opts.feeRate, 'feeRate', { min: 0, below: 1 })
    this.fixedMin = decimalIn(opts.minOrderTotal, 'minOrderTotal', { min: 0 })
    this.fixedTick = callback(opts.tickSize, 'tickSize')
    this.fixedDecimals = integerIn(opts.volumeDecimals, 'volumeDecimals', 0, 18)
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
      type: 'market',
      cost: this.buyTotal(intent, splitMarket(this.exchange, intent.symbol).quote),
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
    const { quote, base, native: symbol } = splitMarket(this.exchange, intent.symbol)
    const minOrderTotal = this.fixedMin ?? this.exchange.market.minOrderTotal(symbol)
    const feeRate = this.fixedFee ?? this.exchange.market.fees(symbol).taker
    const volumeDecimals = this.fixedDecimals ?? this.exchange.market.volumeDecimals(symbol)
    if (intent.side === 'buy') {
      const total = this.buyTotal(intent, quote)
      if (total.lessThan(minOrderTotal))
        return reject(
          intent,
          new InvalidOrderError({
            message: `The buy total ${total.toString()} ${quote} is below the minimum order of ${minOrderTotal.toString()} ${quote}.`,
            exchangeCode: 'under_min_total_bid',
            channel: 'rules',
          }),
        )
      const price = this.onGrid(symbol, referencePrice, Decimal.ROUND_CEIL)
      const volume = total.dividedBy(price).toDecimalPlaces(volumeDecimals, Decimal.ROUND_FLOOR)
      const funds = volume.times(price)
      const fee = funds.times(feeRate)
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
    const wanted = (intent.volume ?? held).toDecimalPlaces(volumeDecimals, Decimal.ROUND_FLOOR)
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
    const price = this.onGrid(symbol, referencePrice, Decimal.ROUND_FLOOR)
    const funds = volume.times(price)
    if (funds.lessThan(minOrderTotal))
      return reject(
        intent,
        new InvalidOrderError({
          message: `The sell total ${funds.toString()} ${quote} is below the minimum order of ${minOrderTotal.toString()} ${quote}.`,
          exchangeCode: 'under_min_total_ask',
          channel: 'rules',
        }),
      )
    const fee = funds.times(feeRate)
    this.balances.set(base, held.minus(volume))
    this.balances.set(quote, this.balance(quote).plus(funds).minus(fee))
    return this.record(intent, { price, volume, funds, fee, timestamp })
  }

  private onGrid(
    symbol: string,
    price: Decimal,
    rounding: typeof Decimal.ROUND_CEIL | typeof Decimal.ROUND_FLOOR,
  ): Decimal {
    const tick = this.fixedTick ? this.fixedTick(price) : this.exchange.market.tickSize(symbol, price)
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
