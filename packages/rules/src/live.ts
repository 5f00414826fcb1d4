import {
  type BackboneError,
  InvalidOrderError,
  InvalidRequestError,
  type Logger,
  PermissionError,
  redactingLogger,
  silentLogger,
  TimeoutError,
  toBackboneError,
} from '@bb/errors'
import { Decimal, type DecimalInput, type Order, toDecimal } from '@bb/models'
import { describeValue } from './check.js'
import { type ExchangeRules, exchangeRulesOf, splitMarket } from './exchange.js'
import type { ExecutedFill, Executor, OrderIntent, OrderOutcome } from './executor.js'
import type { CreateOrderParams, OrderGateway } from './gateway.js'

/** Options of {@link LiveExecutor}. Both confirmations are required, and they are separate on purpose. */
export interface LiveExecutorOptions {
  /** The private order API (e.g. `@bb/rest`'s client). Must report credentials. */
  readonly gateway: OrderGateway
  /** Confirmation 1: real orders. Must be the literal `true`. */
  readonly live: true
  /**
   * The maximum quote amount the executor may have deployed at once: buys that would push the
   * open cost above it are refused. For the seven rules: entry + every possible add. A finite
   * amount above 0 and at most {@link MAX_CAPITAL_AT_RISK}; frozen once the executor is created.
   */
  readonly maxCapitalAtRisk: DecimalInput
  /**
   * Confirmation 2: must be exactly `liveConfirmationPhrase(maxCapitalAtRisk)`, e.g.
   * `"I accept real orders risking up to 1,000,000 USDT"`, so the person starting it names the
   * capital at risk.
   */
  readonly confirmation: string
  /**
   * The exchange the gateway trades on (any `ExchangeAdapter`): its symbol rules split markets,
   * its `market.defaultQuote` is the default {@link LiveExecutorOptions.quote}, and buy totals are
   * cut to its quote precision. Required: there is no default exchange.
   */
  readonly exchange: ExchangeRules
  /** Quote currency of the capital limit. Default the exchange's `market.defaultQuote`. */
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
 * risk, grouped by thousands, in a quote currency (the executor's: its `quote` option, else the
 * exchange's `market.defaultQuote`).
 *
 * @example
 * ```ts
 * import { liveConfirmationPhrase } from '@bb/rules'
 * liveConfirmationPhrase(1_000_000, 'USDT') // 'I accept real orders risking up to 1,000,000 USDT'
 * ```
 */
export function liveConfirmationPhrase(maxCapitalAtRisk: DecimalInput, quote: string): string {
  const amount = capitalLimit(maxCapitalAtRisk)
  if (typeof quote !== 'string' || !/^[A-Za-z0-9]{2,10}$/.test(quote))
    throw new InvalidRequestError({
      param: 'quote',
      channel: 'rules',
      message: `"quote" must be a currency code such as USDT (got ${describeValue(quote)}).`,
    })
  const [whole = '0', fraction] = amount.toFixed().split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `I accept real orders risking up to ${grouped}${fraction ? `.${fraction}` : ''} ${quote.toUpperCase()}`
}

/**
 * The largest capital limit a {@link LiveExecutor} accepts: 10^15 (a quadrillion) quote units.
 * Anything above is a typo or an attack, not a budget (exchanges cap a single order far below it).
 */
export const MAX_CAPITAL_AT_RISK = '1000000000000000'

/** Parses and checks a capital limit: a finite decimal, > 0 and ≤ {@link MAX_CAPITAL_AT_RISK}. */
function capitalLimit(value: unknown): Decimal {
  const parsed = typeof value === 'bigint' ? undefined : toDecimal(value)
  if (!parsed?.isFinite() || !parsed.greaterThan(0) || parsed.greaterThan(MAX_CAPITAL_AT_RISK))
    throw new InvalidRequestError({
      param: 'maxCapitalAtRisk',
      channel: 'rules',
      message: `"maxCapitalAtRisk" must be a finite amount of quote currency above 0 and at most ${MAX_CAPITAL_AT_RISK} (got ${describeValue(value)}).`,
    })
  return frozen(parsed)
}

/** A Decimal nobody can change afterwards (its digits array included). */
function frozen(value: Decimal): Decimal {
  const digits = (value as unknown as { d?: unknown }).d
  if (Array.isArray(digits)) Object.freeze(digits)
  return Object.freeze(value)
}

/** A whole number of ms in `[min, max]`, or the default. */
function millis(value: unknown, param: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new InvalidRequestError({
      param,
      channel: 'rules',
      message: `"${param}" must be a whole number of ms from ${min} to ${max} (got ${describeValue(value)}).`,
    })
  return value
}

/** What the executor was started with: checked once, then frozen. */
interface LiveConfig {
  readonly gateway: OrderGateway
  readonly cap: Decimal
  readonly quote: string
  readonly exchange: ExchangeRules
  readonly pollIntervalMs: number
  readonly orderTimeoutMs: number
  readonly sleep: (ms: number) => Promise<void>
  readonly logger: Logger
}

const FINAL_STATES = new Set(['done', 'cancel', 'prevented'])

/**
 * Places real market orders through an {@link OrderGateway} (`type: 'market'`: a buy by its quote
 * total as `cost`, a sell by `volume`) and waits for each to finish.
 *
 * It refuses to start — the constructor throws `PermissionError` — unless the gateway is there and
 * reports credentials, `live` is `true`, AND `confirmation` repeats {@link liveConfirmationPhrase}
 * for `maxCapitalAtRisk` (a finite amount up to {@link MAX_CAPITAL_AT_RISK}, else
 * `InvalidRequestError`). The confirmed configuration is frozen. Every order is checked when it is
 * placed: it refuses buys that would take the open cost plus the buys in flight above
 * `maxCapitalAtRisk`, buys in another quote currency, non-finite amounts, and any order once the
 * gateway reports no credentials. {@link LiveExecutor.emergencyStop} refuses every new order
 * except the engine's emergency sells and cancels the orders still open.
 *
 * @example
 * ```ts
 * import type { ExchangeAdapter } from '@bb/exchange-adapter'
 * import { createEngine, LiveExecutor, liveConfirmationPhrase, type OrderGateway, sevenRules } from '@bb/rules'
 * declare const exchange: ExchangeAdapter // the adapter of your exchange package
 * declare const gateway: OrderGateway // e.g. @bb/rest's client with trade-permission keys
 * const executor = new LiveExecutor({
 *   exchange,
 *   gateway,
 *   live: true,
 *   maxCapitalAtRisk: 1_700_000,
 *   // typed by the user, not generated, in an app
 *   confirmation: liveConfirmationPhrase(1_700_000, exchange.market.defaultQuote),
 * })
 * const engine = createEngine({ strategy: sevenRules(), exchange, executor })
 * // later: await engine.emergencyStop('operator')
 * ```
 */
export class LiveExecutor implements Executor {
  /** Always `live`. */
  readonly mode = 'live' as const
  // Everything below is private to the class (not properties a caller can reassign), and the
  // instance is frozen at the end of the constructor: the confirmed limit cannot change.
  readonly #config: LiveConfig
  readonly #positions = new Map<string, { volume: Decimal; cost: Decimal }>()
  readonly #open = new Set<string>()
  /** Buys sent and not yet accounted for: they count against the limit until they settle. */
  #reserved: Decimal = new Decimal(0)
  #deployed: Decimal = new Decimal(0)
  #halted = false

  /** @param options - gateway, the two confirmations and the capital limit (see {@link LiveExecutorOptions}). */
  constructor(options: LiveExecutorOptions) {
    if (options === null || typeof options !== 'object')
      throw new PermissionError({
        channel: 'rules',
        message: `Live trading needs options with a gateway and both confirmations (got ${describeValue(options)}).`,
      })
    const given = options as Partial<LiveExecutorOptions>
    const gateway = given.gateway
    if (!gateway)
      throw new PermissionError({
        channel: 'rules',
        message:
          'Live trading needs an OrderGateway (the private REST client with credentials); none was given.',
      })
    for (const method of [
      'hasCredentials',
      'createOrder',
      'cancelOrder',
      'getOrder',
      'getBalances',
    ] as const) {
      if (typeof (gateway as unknown as Record<string, unknown>)[method] !== 'function')
        throw new InvalidRequestError({
          param: `gateway.${method}`,
          channel: 'rules',
          message: `The gateway has no ${method}() method: pass @bb/rest's client or another OrderGateway.`,
        })
    }
    if (!gateway.hasCredentials())
      throw new PermissionError({
        channel: 'rules',
        message: 'Live trading needs API credentials with trade permission; the gateway has none.',
      })
    if (given.live !== true)
      throw new PermissionError({
        channel: 'rules',
        message: 'Live trading is off: pass `live: true` (confirmation 1 of 2) to place real orders.',
      })
    if (given.maxCapitalAtRisk === undefined)
      throw new InvalidRequestError({
        param: 'maxCapitalAtRisk',
        channel: 'rules',
        message:
          'Live trading needs `maxCapitalAtRisk`: the most quote currency the strategy may put at risk (> 0).',
      })
    const cap = capitalLimit(given.maxCapitalAtRisk)
    const exchange = exchangeRulesOf(given.exchange, 'LiveExecutor')
    const phrase = liveConfirmationPhrase(cap, given.quote ?? exchange.market.defaultQuote)
    const quote = (given.quote ?? exchange.market.defaultQuote).toUpperCase()
    if (given.confirmation !== phrase)
      throw new PermissionError({
        channel: 'rules',
        message: `Live trading needs confirmation 2 of 2: \`confirmation\` must read exactly "${phrase}".`,
      })
    if (given.sleep !== undefined && typeof given.sleep !== 'function')
      throw new InvalidRequestError({
        param: 'sleep',
        channel: 'rules',
        message: '"sleep" must be a function.',
      })
    this.#config = Object.freeze({
      gateway,
      cap,
      quote,
      exchange,
      pollIntervalMs: millis(given.pollIntervalMs, 'pollIntervalMs', 250, 1, 3_600_000),
      orderTimeoutMs: millis(given.orderTimeoutMs, 'orderTimeoutMs', 30_000, 1, 86_400_000),
      sleep: given.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
      logger: redactingLogger(given.logger ?? silentLogger),
    })
    this.#config.logger.warn(
      { maxCapitalAtRisk: cap.toString(), quote },
      'live executor started: real orders',
    )
    Object.freeze(this)
  }

  /** The capital limit, as confirmed (read-only: the executor is frozen). */
  get maxCapitalAtRisk(): Decimal {
    return this.#config.cap
  }

  /** Quote currently deployed in open positions (cost of what was bought and not sold). */
  get deployedCapital(): Decimal {
    return this.#deployed
  }

  /** True after {@link LiveExecutor.emergencyStop}. */
  get stopped(): boolean {
    return this.#halted
  }

  /**
   * Places a real market order and waits until it is done. Every order is checked against the
   * confirmed limit when it is placed: the gateway must still have credentials, a buy must be a
   * finite positive total in the limit's quote currency, and the capital deployed plus every buy
   * still in flight plus this one must stay within `maxCapitalAtRisk`.
   */
  async submit(intent: OrderIntent): Promise<OrderOutcome> {
    let reserved: Decimal | undefined
    try {
      const refusal = this.#refusal(intent)
      if (refusal) return rejected(intent, refusal)
      const params = await this.#params(intent)
      if (params.side === 'buy') {
        const total = new Decimal(params.cost ?? 0)
        const over = this.#overLimit(total)
        if (over) return rejected(intent, over)
        reserved = total
        this.#reserved = this.#reserved.plus(total)
      }
      const { gateway, logger } = this.#config
      const created = await gateway.createOrder(params)
      this.#open.add(created.id)
      logger.info(
        { symbol: intent.symbol, side: intent.side, order: created.id, rule: intent.ruleId },
        'live order placed',
      )
      const done = await this.#waitDone(created)
      this.#open.delete(created.id)
      const fill = fillOf(done, intent)
      if (!fill)
        return rejected(
          intent,
          new InvalidOrderError({
            channel: 'rules',
            message: `Order ${done.id} ended "${done.state}" without any fill.`,
          }),
        )
      this.#account(fill)
      return { status: 'filled', intent, fill }
    } catch (error) {
      return rejected(intent, toBackboneError(error, { channel: 'rules' }))
    } finally {
      if (reserved) this.#reserved = this.#reserved.minus(reserved)
    }
  }

  /** Why the intent may not be placed at all, if it may not. */
  #refusal(intent: OrderIntent): BackboneError | undefined {
    if (intent === null || typeof intent !== 'object')
      return new InvalidOrderError({
        channel: 'rules',
        message: `An order intent must be an object (got ${describeValue(intent)}).`,
      })
    if (this.#halted && !intent.emergency)
      return new PermissionError({
        channel: 'rules',
        message: 'The live executor was stopped (emergency stop).',
      })
    if (!this.#config.gateway.hasCredentials())
      return new PermissionError({
        channel: 'rules',
        message: 'The gateway no longer reports credentials: no live order is placed.',
      })
    if (intent.side !== 'buy' && intent.side !== 'sell')
      return new InvalidOrderError({
        channel: 'rules',
        message: `"side" must be buy or sell (got ${describeValue(intent.side)}).`,
      })
    let quote: string
    try {
      quote = splitMarket(this.#config.exchange, intent.symbol).quote
    } catch {
      return new InvalidOrderError({
        channel: 'rules',
        message: `Malformed market code ${describeValue(intent.symbol)}.`,
      })
    }
    if (intent.side === 'buy' && quote !== this.#config.quote)
      return new PermissionError({
        channel: 'rules',
        message: `A buy on ${intent.symbol} spends ${quote}, but the confirmed limit is in ${this.#config.quote}.`,
      })
    return undefined
  }

  /** The refusal of a buy of `total` that would take the capital at risk above the limit. */
  #overLimit(total: Decimal): BackboneError | undefined {
    const { cap, quote } = this.#config
    if (!total.isFinite() || !total.greaterThan(0))
      return new InvalidOrderError({
        channel: 'rules',
        message: `A buy needs a finite total above 0 ${quote} (got ${total.toString()}).`,
      })
    const atRisk = this.#deployed.plus(this.#reserved).plus(total)
    if (atRisk.greaterThan(cap))
      return new PermissionError({
        channel: 'rules',
        message: `The buy of ${total.toString()} ${quote} would raise the capital at risk to ${atRisk.toString()}, above the confirmed ${cap.toString()} ${quote}.`,
      })
    return undefined
  }

  /** Refuses every new order except emergency sells and cancels the orders still open. */
  async emergencyStop(): Promise<void> {
    this.#halted = true
    const { gateway, logger } = this.#config
    await Promise.all(
      [...this.#open].map((id) =>
        gateway.cancelOrder({ id }).then(
          () => this.#open.delete(id),
          // The error as redacted JSON: a raw Error inside a log field would escape redaction.
          (error: unknown) =>
            logger.error(
              { order: id, error: toBackboneError(error, { channel: 'rules' }).toJSON() },
              'cancel during emergency stop failed',
            ),
        ),
      ),
    )
    logger.warn({}, 'live executor stopped')
  }

  async #params(intent: OrderIntent): Promise<CreateOrderParams> {
    if (intent.side === 'sell') {
      const volume = intent.volume === undefined ? undefined : toDecimal(intent.volume)
      if (!volume?.isFinite() || !volume.greaterThan(0))
        throw new InvalidOrderError({
          channel: 'rules',
          message: `A sell needs a finite volume above 0 (got ${describeValue(intent.volume)}).`,
        })
      return {
        symbol: intent.symbol,
        side: 'sell',
        type: 'market',
        volume,
        clientOrderId: intent.id,
      }
    }
    const amount = intent.amount
    if (!amount) throw new InvalidOrderError({ channel: 'rules', message: 'A buy needs an amount.' })
    let total: Decimal
    if (amount.kind === 'quote') {
      const value = toDecimal(amount.value)
      if (!value)
        throw new InvalidOrderError({
          channel: 'rules',
          message: `A buy total must be a decimal (got ${describeValue(amount.value)}).`,
        })
      total = value
    } else if (amount.kind === 'quote_percent') {
      if (typeof amount.value !== 'number' || !(amount.value > 0 && amount.value <= 100))
        throw new InvalidOrderError({
          channel: 'rules',
          message: `A buy share of the balance must be a percentage above 0 and at most 100 (got ${describeValue(amount.value)}).`,
        })
      const quote = splitMarket(this.#config.exchange, intent.symbol).quote
      const balances = await this.#config.gateway.getBalances()
      const free = balances.find((b) => b.currency.toUpperCase() === quote)?.free ?? new Decimal(0)
      total = free.times(amount.value).dividedBy(100)
    } else
      throw new InvalidOrderError({
        channel: 'rules',
        message: 'A buy amount is "quote" or "quote_percent".',
      })
    // Market-buy totals in whole quote units (the price tick of a total, as the dry run does).
    total = total.toDecimalPlaces(0, Decimal.ROUND_FLOOR)
    return { symbol: intent.symbol, side: 'buy', type: 'market', cost: total, clientOrderId: intent.id }
  }

  async #waitDone(order: Order): Promise<Order> {
    const { gateway, orderTimeoutMs, pollIntervalMs, sleep } = this.#config
    let current = order
    let waited = 0
    while (!FINAL_STATES.has(current.state)) {
      if (waited >= orderTimeoutMs) {
        await gateway.cancelOrder({ id: current.id }).catch(() => undefined)
        current = await gateway.getOrder({ id: current.id })
        if (FINAL_STATES.has(current.state) || current.executedVolume.greaterThan(0)) return current
        throw new TimeoutError({
          timeoutMs: orderTimeoutMs,
          channel: 'rules',
          message: `Order ${current.id} did not finish within ${orderTimeoutMs} ms and was cancelled.`,
        })
      }
      await sleep(pollIntervalMs)
      waited += pollIntervalMs
      current = await gateway.getOrder({ id: current.id })
    }
    return current
  }

  #account(fill: ExecutedFill): void {
    const position = this.#positions.get(fill.symbol) ?? { volume: new Decimal(0), cost: new Decimal(0) }
    if (fill.side === 'buy') {
      const cost = fill.funds.plus(fill.fee)
      position.volume = position.volume.plus(fill.volume)
      position.cost = position.cost.plus(cost)
      this.#deployed = this.#deployed.plus(cost)
    } else if (position.volume.greaterThan(0)) {
      const share = Decimal.min(1, fill.volume.dividedBy(position.volume))
      const released = position.cost.times(share)
      position.volume = Decimal.max(0, position.volume.minus(fill.volume))
      position.cost = position.cost.minus(released)
      this.#deployed = Decimal.max(0, this.#deployed.minus(released))
    }
    this.#positions.set(fill.symbol, position)
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
