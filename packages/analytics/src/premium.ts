import { InvalidRequestError } from '@bb/errors'
import { Decimal, type Ticker } from '@bb/models'
import { systemClock } from '@bb/utils'
import { combineLatest, map, type Observable, of } from 'rxjs'
import {
  checkMaxAge,
  type InputRef,
  inputOf,
  type Refusal,
  refuse,
  type StalenessOptions,
  staleness,
} from './common.js'
import { checkFx, type FxSource, type FxUsed, fxRate } from './fx.js'

const ONE = new Decimal(1)
const HUNDRED = new Decimal(100)

/** A premium index value: `price_a / (price_b × fx) − 1`, with the inputs it came from. */
export interface Premium {
  /** Not a refusal. */
  readonly refused: false
  /** Market A's ticker (the numerator). */
  readonly a: InputRef
  /** Market B's ticker (the denominator). */
  readonly b: InputRef
  /** A's last price, in A's quote. */
  readonly priceA: Decimal
  /** B's last price converted into A's quote (`last_b × fx`). */
  readonly priceB: Decimal
  /** The FX rate applied to B, when the quotes differ; `undefined` otherwise. */
  readonly fx: FxUsed | undefined
  /** `priceA / priceB − 1`, a ratio (0.03 = 3 %). */
  readonly premium: Decimal
  /** `premium × 100`. */
  readonly premiumPct: Decimal
}

/** The premium of ticker `a` over ticker `b`, pure; stale inputs and a missing FX rate are refusals. */
export function premium(
  a: Ticker,
  b: Ticker,
  options: { fx?: { name: string; ticker: Ticker }; now: number; maxAgeMs: number },
): Premium | Refusal {
  const inputs = [inputOf(a), inputOf(b)]
  let fx: FxUsed | undefined
  let rate = ONE
  if (a.quote !== b.quote) {
    if (!options.fx) return refuse(`no FX source for ${b.quote} → ${a.quote}`, inputs, options.now)
    const fxInput = inputOf(options.fx.ticker)
    inputs.push(fxInput)
    const found = fxRate(options.fx.ticker, b.quote, a.quote)
    if (!found) {
      return refuse(
        `FX source ${options.fx.name} does not convert ${b.quote} → ${a.quote}`,
        inputs,
        options.now,
      )
    }
    rate = found
    fx = { name: options.fx.name, input: fxInput, from: b.quote, to: a.quote, rate }
  }
  const old = staleness(inputs, options.now, options.maxAgeMs)
  if (old) return old
  const priceB = b.last.times(rate)
  const value = a.last.div(priceB).minus(ONE)
  return {
    refused: false,
    a: inputs[0]!,
    b: inputs[1]!,
    priceA: a.last,
    priceB,
    fx,
    premium: value,
    premiumPct: value.times(HUNDRED),
  }
}

/** Options of {@link premium$}. */
export interface PremiumOptions extends StalenessOptions {
  /** Ticker stream of market A (e.g. a KRW market). */
  readonly a: Observable<Ticker>
  /** Ticker stream of market B (e.g. a USDT market). */
  readonly b: Observable<Ticker>
  /** The FX source converting B's quote into A's; needed when they differ. */
  readonly fx?: FxSource
}

/**
 * The premium index of market A over market B (the "kimchi premium" when A is a KRW market and B
 * a USDT one): `last_a / (last_b × fx) − 1` on every update of any input, or a {@link Refusal}.
 *
 * @example
 * ```ts
 * import { premium$ } from '@bb/analytics'
 * import { binance as binanceAdapter } from '@bb/binance'
 * import { createBackbone } from '@bb/router'
 *
 * const upbit = createBackbone()
 * const binance = createBackbone({ exchange: binanceAdapter })
 * premium$({
 *   a: upbit.ticker$('BTC/KRW'),
 *   b: binance.ticker$('BTC/USDT'),
 *   fx: { name: 'upbit USDT/KRW', ticker$: upbit.ticker$('USDT/KRW') },
 * })
 * ```
 */
export function premium$(options: PremiumOptions): Observable<Premium | Refusal> {
  if (!options?.a || !options.b) {
    throw new InvalidRequestError({ param: 'a', message: 'premium$ needs two ticker streams, a and b.' })
  }
  const maxAgeMs = checkMaxAge(options.maxAgeMs)
  const fx = checkFx(options.fx)
  const clock = options.clock ?? systemClock
  const fx$: Observable<Ticker | undefined> = fx ? fx.ticker$ : of(undefined)
  return combineLatest([options.a, options.b, fx$]).pipe(
    map(([a, b, ticker]) =>
      premium(a, b, {
        ...(fx && ticker ? { fx: { name: fx.name, ticker } } : {}),
        now: clock.now(),
        maxAgeMs,
      }),
    ),
  )
}
