import { describeValue, InvalidRequestError } from '@bb/errors'
import {
  Decimal,
  type DecimalInput,
  type OrderbookLevel,
  type OrderbookSnapshot,
  type Ticker,
} from '@bb/models'
import { systemClock } from '@bb/utils'
import { combineLatest, map, type Observable, of } from 'rxjs'
import { topOfBook } from './book.js'
import {
  BPS,
  checkMaxAge,
  decimalOption,
  type InputRef,
  inputOf,
  type Refusal,
  refuse,
  type StalenessOptions,
  staleness,
} from './common.js'
import { checkFx, type FxSource, type FxUsed, fxRate } from './fx.js'

const ZERO = new Decimal(0)
const ONE = new Decimal(1)

/** Taker fees per exchange, as ratios (`0.0005` = 0.05 %), e.g. `adapter.market.fees(symbol).taker`. */
export type TakerFees = Readonly<Record<string, DecimalInput>>

/**
 * One arbitrage leg pair: sell into the bids of `sell`, buy from the asks of `buy`. Every quote
 * figure is in `quote`, the currency of the `sell` book; the `buy` book's prices are converted
 * through `fx` when its quote differs.
 */
export interface Arbitrage {
  /** Not a refusal. */
  readonly refused: false
  /** The book whose bids are sold into. */
  readonly sell: InputRef
  /** The book whose asks are bought from. */
  readonly buy: InputRef
  /** The currency of every quote figure (the `sell` book's quote). */
  readonly quote: string
  /** The FX rate applied to the `buy` book, when its quote differs; `undefined` otherwise. */
  readonly fx: FxUsed | undefined
  /** The taker fees applied (ratios). */
  readonly fees: { readonly sell: Decimal; readonly buy: Decimal }
  /**
   * Top of book net of fees: `(bid × (1 − fee_sell) − ask × fx × (1 + fee_buy)) / (ask × fx ×
   * (1 + fee_buy)) × 10,000`. Negative = no opportunity.
   */
  readonly netSpreadBps: Decimal
  /** The base size executable at a positive net spread, walking both books. */
  readonly size: Decimal
  /** What buying `size` costs, fees included, in `quote`. */
  readonly cost: Decimal
  /** What selling `size` yields, fees deducted, in `quote`. */
  readonly proceeds: Decimal
  /** `proceeds − cost`, in `quote` (0 when `size` is 0). */
  readonly profit: Decimal
  /** `profit / cost × 10,000`; 0 when `size` is 0. */
  readonly profitBps: Decimal
}

/**
 * The arbitrage of selling into `sell`'s bids and buying `buy`'s asks, pure. `rate` converts the
 * `buy` book's prices into the `sell` book's quote (1 for the same quote). The walk takes the
 * best remaining bid and ask while `bid × (1 − fee_sell) > ask × rate × (1 + fee_buy)`, each step
 * the smaller of the two remaining sizes.
 */
export function walkArbitrage(
  sell: OrderbookSnapshot,
  buy: OrderbookSnapshot,
  fees: { sell: Decimal; buy: Decimal },
  rate: Decimal,
): { size: Decimal; cost: Decimal; proceeds: Decimal } {
  const bids: OrderbookLevel[] = sell.bids.filter((l) => l.size.greaterThan(0))
  const asks: OrderbookLevel[] = buy.asks.filter((l) => l.size.greaterThan(0))
  const sellFactor = ONE.minus(fees.sell)
  const buyFactor = rate.times(ONE.plus(fees.buy))
  let i = 0
  let j = 0
  let bidLeft = bids[0]?.size ?? ZERO
  let askLeft = asks[0]?.size ?? ZERO
  let size = ZERO
  let cost = ZERO
  let proceeds = ZERO
  while (i < bids.length && j < asks.length) {
    const bidNet = bids[i]!.price.times(sellFactor)
    const askNet = asks[j]!.price.times(buyFactor)
    if (!bidNet.greaterThan(askNet)) break
    const take = Decimal.min(bidLeft, askLeft)
    size = size.plus(take)
    proceeds = proceeds.plus(take.times(bidNet))
    cost = cost.plus(take.times(askNet))
    bidLeft = bidLeft.minus(take)
    askLeft = askLeft.minus(take)
    if (bidLeft.isZero()) bidLeft = bids[++i]?.size ?? ZERO
    if (askLeft.isZero()) askLeft = asks[++j]?.size ?? ZERO
  }
  return { size, cost, proceeds }
}

/** Options of {@link spread$}. */
export interface SpreadOptions extends StalenessOptions {
  /** The order-book streams of one base asset, one per market (any exchanges, any quotes). */
  readonly books: readonly Observable<OrderbookSnapshot>[]
  /** The taker fee of every exchange the books come from (ratios). */
  readonly fees: TakerFees
  /** The FX source for books of different quotes; without it such pairs are refused. */
  readonly fx?: FxSource
}

/** One emission of {@link spread$}: every ordered pair of markets, an {@link Arbitrage} or a {@link Refusal}. */
export interface SpreadSnapshot {
  /** Clock time of the computation. */
  readonly at: number
  /** One entry per ordered pair (sell ≠ buy), in the order of `books`. */
  readonly pairs: readonly (Arbitrage | Refusal)[]
}

/**
 * The arbitrage of one pair of books, pure: stale, empty and crossed books, a missing FX rate and
 * the FX ticker's age are refusals.
 */
export function arbitrage(
  sell: OrderbookSnapshot,
  buy: OrderbookSnapshot,
  options: { fees: TakerFees; fx?: { name: string; ticker: Ticker }; now: number; maxAgeMs: number },
): Arbitrage | Refusal {
  const inputs = [inputOf(sell), inputOf(buy)]
  const fees = { sell: feeOf(options.fees, sell.exchange), buy: feeOf(options.fees, buy.exchange) }
  let fx: FxUsed | undefined
  let rate = ONE
  if (sell.quote !== buy.quote) {
    if (!options.fx) return refuse(`no FX source for ${buy.quote} → ${sell.quote}`, inputs, options.now)
    const found = fxRate(options.fx.ticker, buy.quote, sell.quote)
    const fxInput = inputOf(options.fx.ticker)
    if (!found) {
      return refuse(
        `FX source ${options.fx.name} (${fxInput.exchange} ${fxInput.symbol}) does not convert ${buy.quote} → ${sell.quote}`,
        [...inputs, fxInput],
        options.now,
      )
    }
    inputs.push(fxInput)
    rate = found
    fx = { name: options.fx.name, input: fxInput, from: buy.quote, to: sell.quote, rate }
  }
  const old = staleness(inputs, options.now, options.maxAgeMs)
  if (old) return old
  for (const book of [sell, buy]) {
    const top = topOfBook(book)
    if ('reason' in top) return refuse(top.reason, inputs, options.now)
  }
  const bestBid = sell.bids.find((l) => l.size.greaterThan(0))!.price.times(ONE.minus(fees.sell))
  const bestAsk = buy.asks
    .find((l) => l.size.greaterThan(0))!
    .price.times(rate)
    .times(ONE.plus(fees.buy))
  const walked = walkArbitrage(sell, buy, fees, rate)
  const profit = walked.proceeds.minus(walked.cost)
  return {
    refused: false,
    sell: inputs[0]!,
    buy: inputs[1]!,
    quote: sell.quote,
    fx,
    fees,
    netSpreadBps: bestBid.minus(bestAsk).div(bestAsk).times(BPS),
    ...walked,
    profit,
    profitBps: walked.cost.isZero() ? ZERO : profit.div(walked.cost).times(BPS),
  }
}

function feeOf(fees: TakerFees, exchange: string): Decimal {
  if (!Object.hasOwn(fees, exchange)) {
    throw new InvalidRequestError({
      param: 'fees',
      exchange,
      message: `No taker fee given for exchange ${describeValue(exchange)}: pass fees[${describeValue(exchange)}].`,
    })
  }
  return decimalOption(`fees.${exchange}`, fees[exchange], { min: ZERO, max: ONE })
}

/**
 * Cross-exchange arbitrage of one base asset: on every update of any book (or of the FX ticker),
 * each ordered pair `(sell here, buy there)` as an {@link Arbitrage} net of taker fees, or a
 * {@link Refusal}. Emits once every stream has emitted once. Books of different quotes go through
 * `fx`, stated in every value. A book from an exchange with no fee in `fees` errors the stream with
 * an `InvalidRequestError`; bad options throw one at once.
 *
 * @example
 * ```ts
 * import { spread$ } from '@bb/analytics'
 * import { binance as binanceAdapter } from '@bb/binance'
 * import { createBackbone } from '@bb/router'
 *
 * const upbit = createBackbone()
 * const binance = createBackbone({ exchange: binanceAdapter })
 * spread$({
 *   books: [upbit.orderbook$('BTC/KRW'), binance.orderbook$('BTC/USDT')],
 *   fees: { upbit: '0.0005', binance: '0.001' },
 *   fx: { name: 'upbit USDT/KRW', ticker$: upbit.ticker$('USDT/KRW') },
 * }).subscribe(({ pairs }) => console.table(pairs))
 * ```
 */
export function spread$(options: SpreadOptions): Observable<SpreadSnapshot> {
  if (!options || !Array.isArray(options.books) || options.books.length < 2) {
    throw new InvalidRequestError({
      param: 'books',
      message: 'spread$ needs at least two order-book streams.',
    })
  }
  if (typeof options.fees !== 'object' || options.fees === null) {
    throw new InvalidRequestError({ param: 'fees', message: 'fees must map each exchange to its taker fee.' })
  }
  for (const [exchange, fee] of Object.entries(options.fees)) {
    decimalOption(`fees.${exchange}`, fee, { min: ZERO, max: ONE })
  }
  const maxAgeMs = checkMaxAge(options.maxAgeMs)
  const fx = checkFx(options.fx)
  const clock = options.clock ?? systemClock
  const fx$: Observable<Ticker | undefined> = fx ? fx.ticker$ : of(undefined)
  return combineLatest([combineLatest([...options.books]), fx$]).pipe(
    map(([books, ticker]) => {
      const now = clock.now()
      const pairs: (Arbitrage | Refusal)[] = []
      for (const [i, sell] of books.entries()) {
        for (const [j, buy] of books.entries()) {
          if (i === j) continue
          pairs.push(
            arbitrage(sell, buy, {
              fees: options.fees,
              ...(fx && ticker ? { fx: { name: fx.name, ticker } } : {}),
              now,
              maxAgeMs,
            }),
          )
        }
      }
      return { at: now, pairs }
    }),
  )
}
