import {
  InvalidOrderError,
  InvalidRequestError,
  type Logger,
  PermissionError,
  redactingLogger,
  silentLogger,
  TimeoutError,
  toBackboneError,
} from '@bb/errors'
import { Decimal, type DecimalInput, type Order, parseSymbol, toDecimal } from '@bb/models'
import type { ExecutedFill, Executor, OrderIntent, OrderOutcome } from './executor.js'
import type { CreateOrderParams, OrderGateway } from './gateway.js'

/** Options of {@link LiveExecutor}. Both confirmations are required, and they are separate on purpose. */
export interface LiveExecutorOptions {
  /** The private order API (e.g. `@bb/rest`'s client). Must report credentials. */
  readonly gateway: OrderGateway
  /** Confirmation 1: real orders. Must be the literal `true`. */
  readonly live: true
  /**
   * The maximum quote (KRW) the executor may have deployed at once: buys that would push the
   * open cost above it are refused. For the seven rules: entry + every possible add.
   */
  readonly maxCapitalAtRisk: DecimalInput
  /**
   * Confirmation 2: must be exactly `liveConfirmationPhrase(maxCapitalAtRisk)`, e.g.
   * `"I accept real orders risking up to 1,000,000 KRW"`, so the person starting it names the
   * capital at risk.
   */
  readonly confirmation: string
  /** Quote currency of the capital limit. Default `KRW`. */
  readonly quote?: string
  /** How often an order is polled until done. Default 250 ms. */
  readonly pollIntervalMs?: number
  /** How long to wait for a market order to finish before cancelling it. Default 30,000 ms. */
  readonly orderTimeoutMs?: number
  /** Sleeps between polls (injectable for tests). */
  readonly sleep?: (ms: number) => Promise<void>
  /** Logger (silent by default); secrets are redacted. */
  readonly logger?: Logger
}

/**
 * The second confirmation a {@link LiveExecutor} needs: a sentence naming the maximum capital at
 * risk, grouped by thousands.
 *
 * @example
 * ```ts
 * import { liveConfirmationPhrase } from '@bb/rules'
 * liveConfirmationPhrase(1_000_000) // 'I accept real orders risking up to 1,000,000 KRW'
 * ```
 */
export function liveConfirmationPhrase(maxCapitalAtRisk: DecimalInput, quote = 'KRW'): string {
  const amount = new Decimal(maxCapitalAtRisk)
  const [whole = '0', fraction] = amount.toFixed().split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `I accept real orders risking up to ${grouped}${fraction ? `.${fraction}` : ''} ${quote.toUpperCase()}`
}

const FINAL_STATES = new Set(['done', 'cancel', 'prevented'])

/**
 * Places real market orders through an {@link OrderGateway} (Upbit semantics: buys by total with
 * `ord_type=price`, sells by volume with `ord_type=market`) and waits for each to finish.
 *
 * It refuses to start — the constructor throws `PermissionError` — unless the gateway is there and
 * reports credentials, `live` is `true`, AND `confirmation` repeats {@link liveConfirmationPhrase}
 * for `maxCapitalAtRisk`. While running, it refuses buys that would take the open cost above
 * `maxCapitalAtRisk`. {@link LiveExecutor.emergencyStop} refuses every new order except the
 * engine's emergency sells and cancels the orders still open.
 *
 * @example
 * ```ts
 * import { createEngine, LiveExecutor, liveConfirmationPhrase, sevenRules } from '@bb/rules'
 * const executor = new LiveExecutor({
 *   gateway, // e.g. @bb/rest's client with trade-permission keys
 *   live: true,
 *   maxCapitalAtRisk: 1_700_000,
 *   confirmation: liveConfirmationPhrase(1_700_000), // typed by the user, not generated, in an app
 * })
 * const engine = createEngine({ strategy: sevenRules(), executor })
 * // later: await engine.emergencyStop('operator')
 * ```
 */
export class LiveExecutor implements Executor {
  /** Always `live`. */
  readonly mode = 'live' as const
  /** The capital limit. */
  readonly maxCapitalAtRisk: Decimal
  private readonly gateway: OrderGateway
  private readonly quote: string
  private readonly pollIntervalMs: number
  private readonly orderTimeoutMs: number
  private readonly sleep: (ms: number) => Promise<void>
  private readonly logger: Logger
  private readonly positions = new Map<string, { volume: Decimal; cost: Decimal }>()
  private readonly open = new Set<string>()
  private deployed: Decimal = new Decimal(0)
  private halted = false

  /** @param options - gateway, the two confirmations and the capital limit (see {@link LiveExecutorOptions}). */
  constructor(options: LiveExecutorOptions) {
    const given = (options ?? {}) as Partial<LiveExecutorOptions>
    if (!given.gateway)
      throw new PermissionError({
        channel: 'rules',
        message:
          'Live trading needs an OrderGateway (the private REST client with credentials); none was given.',
      })
    if (!given.gateway.hasCredentials())
      throw new PermissionError({
        channel: 'rules',
        message: 'Live trading needs API credentials with trade permission; the gateway has none.',
      })
    if (given.live !== true)
      throw new PermissionError({
        channel: 'rules',
        message: 'Live trading is off: pass `live: true` (confirmation 1 of 2) to place real orders.',
      })
    const max = toDecimal(given.maxCapitalAtRisk)
    if (!max?.greaterThan(0))
      throw new InvalidRequestError({
        param: 'maxCapitalAtRisk',
        channel: 'rules',
        message:
          'Live trading needs `maxCapitalAtRisk`: the most quote currency the strategy may put at risk (> 0).',
      })
    const quote = (given.quote ?? 'KRW').toUpperCase()
    const phrase = liveConfirmationPhrase(max, quote)
    if (given.confirmation !== phrase)
      throw new PermissionError({
        channel: 'rules',
        message: `Live trading needs confirmation 2 of 2: \`confirmation\` must read exactly "${phrase}".`,
      })
    this.gateway = given.gateway
    this.maxCapitalAtRisk = max
    this.quote = quote
    this.pollIntervalMs = given.pollIntervalMs ?? 250
    this.orderTimeoutMs = given.orderTimeoutMs ?? 30_000
    this.sleep = given.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    this.logger = redactingLogger(given.logger ?? silentLogger)
    this.logger.warn({ maxCapitalAtRisk: max.toString(), quote }, 'live executor started: real orders')
  }

  /** Quote currently deployed in open positions (cost of what was bought and not sold). */
  get deployedCapital(): Decimal {
    return this.deployed
  }

  /** True after {@link LiveExecutor.emergencyStop}. */
  get stopped(): boolean {
    return this.halted
  }

  /** Places a real market order and waits until it is done. */
  async submit(intent: OrderIntent): Promise<OrderOutcome> {
    if (this.halted && !intent.emergency)
      return rejected(
        intent,
        new PermissionError({ channel: 'rules', message: 'The live executor was stopped (emergency stop).' }),
      )
    try {
      const params = await this.params(intent)
      if (params.side === 'buy') {
        const total = params.price ?? new Decimal(0)
        if (this.deployed.plus(total).greaterThan(this.maxCapitalAtRisk))
          return rejected(
            intent,
            new PermissionError({
              channel: 'rules',
              message: `The buy of ${total.toString()} ${this.quote} would raise the capital at risk to ${this.deployed.plus(total).toString()}, above the confirmed ${this.maxCapitalAtRisk.toString()} ${this.quote}.`,
            }),
          )
      }
      const created = await this.gateway.createOrder(params)
      this.open.add(created.id)
      this.logger.info(
        { symbol: intent.symbol, side: intent.side, order: created.id, rule: intent.ruleId },
        'live order placed',
      )
      const done = await this.waitDone(created)
      this.open.delete(created.id)
      const fill = fillOf(done, intent)
      if (!fill)
        return rejected(
          intent,
          new InvalidOrderError({
            channel: 'rules',
            message: `Order ${done.id} ended "${done.state}" without any fill.`,
          }),
        )
      this.account(fill)
      return { status: 'filled', intent, fill }
    } catch (error) {
      return rejected(intent, toBackboneError(error))
    }
  }

  /** Refuses every new order except emergency sells and cancels the orders still open. */
  async emergencyStop(): Promise<void> {
    this.halted = true
    await Promise.all(
      [...this.open].map((id) =>
        this.gateway.cancelOrder({ id }).then(
          () => this.open.delete(id),
          (error: unknown) => this.logger.error({ order: id, error }, 'cancel during emergency stop failed'),
        ),
      ),
    )
    this.logger.warn({}, 'live executor stopped')
  }

  private async params(intent: OrderIntent): Promise<CreateOrderParams> {
    if (intent.side === 'sell') {
      if (!intent.volume) throw new InvalidOrderError({ channel: 'rules', message: 'A sell needs a volume.' })
      return {
        symbol: intent.symbol,
        side: 'sell',
        type: 'market',
        volume: intent.volume,
        clientOrderId: intent.id,
      }
    }
    const amount = intent.amount
    if (!amount) throw new InvalidOrderError({ channel: 'rules', message: 'A buy needs an amount.' })
    let total: Decimal
    if (amount.kind === 'quote') total = amount.value
    else {
      const quote = parseSymbol(intent.symbol).quote
      const balances = await this.gateway.getBalances()
      const free = balances.find((b) => b.currency.toUpperCase() === quote)?.free ?? new Decimal(0)
      total = free.times(amount.value).dividedBy(100)
    }
    // Upbit takes KRW totals in whole won.
    total = total.toDecimalPlaces(0, Decimal.ROUND_FLOOR)
    return { symbol: intent.symbol, side: 'buy', type: 'price', price: total, clientOrderId: intent.id }
  }

  private async waitDone(order: Order): Promise<Order> {
    let current = order
    let waited = 0
    while (!FINAL_STATES.has(current.state)) {
      if (waited >= this.orderTimeoutMs) {
        await this.gateway.cancelOrder({ id: current.id }).catch(() => undefined)
        current = await this.gateway.getOrder({ id: current.id })
        if (FINAL_STATES.has(current.state) || current.executedVolume.greaterThan(0)) return current
        throw new TimeoutError({
          timeoutMs: this.orderTimeoutMs,
          channel: 'rules',
          message: `Order ${current.id} did not finish within ${this.orderTimeoutMs} ms and was cancelled.`,
        })
      }
      await this.sleep(this.pollIntervalMs)
      waited += this.pollIntervalMs
      current = await this.gateway.getOrder({ id: current.id })
    }
    return current
  }

  private account(fill: ExecutedFill): void {
    const position = this.positions.get(fill.symbol) ?? { volume: new Decimal(0), cost: new Decimal(0) }
    if (fill.side === 'buy') {
      const cost = fill.funds.plus(fill.fee)
      position.volume = position.volume.plus(fill.volume)
      position.cost = position.cost.plus(cost)
      this.deployed = this.deployed.plus(cost)
    } else if (position.volume.greaterThan(0)) {
      const share = Decimal.min(1, fill.volume.dividedBy(position.volume))
      const released = position.cost.times(share)
      position.volume = Decimal.max(0, position.volume.minus(fill.volume))
      position.cost = position.cost.minus(released)
      this.deployed = Decimal.max(0, this.deployed.minus(released))
    }
    this.positions.set(fill.symbol, position)
  }
}

function fillOf(order: Order, intent: OrderIntent): ExecutedFill | undefined {
  const volume = order.executedVolume
  if (!volume.greaterThan(0)) return undefined
  const fills = order.fills ?? []
  const funds =
    order.executedFunds ??
    (fills.length > 0
      ? fills.reduce((sum, f) => sum.plus(f.funds ?? f.price.times(f.size)), new Decimal(0))
      : volume.times(order.avgPrice ?? intent.price))
  return {
    orderId: order.id,
    clientOrderId: order.clientOrderId ?? intent.id,
    symbol: order.symbol,
    side: intent.side,
    price: funds.dividedBy(volume),
    volume,
    funds,
    fee: order.paidFee,
    timestamp: fills.at(-1)?.timestamp ?? intent.timestamp,
  }
}

function rejected(intent: OrderIntent, error: ReturnType<typeof toBackboneError>): OrderOutcome {
  return { status: 'rejected', intent, error }
}
