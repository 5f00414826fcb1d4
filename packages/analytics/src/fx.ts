import { InvalidRequestError } from '@bb/errors'
import { Decimal, type Ticker } from '@bb/models'
import type { Observable } from 'rxjs'
import type { InputRef } from './common.js'

/**
 * A named FX source: the ticker stream of an FX market chosen by the caller (e.g. a `USDT` market
 * quoted in the other currency). Its `last` converts between the ticker's `base` and `quote`
 * currencies, in either direction; the `name` and the ticker's inputs are stated in every value
 * that used it.
 */
export interface FxSource {
  /** A name for the source, stated in every value, e.g. `upbit USDT market`. */
  readonly name: string
  /** The ticker stream of the FX market. */
  readonly ticker$: Observable<Ticker>
}

/** The FX rate a value used: its source, the market it came from and the rate applied. */
export interface FxUsed {
  /** The {@link FxSource.name}. */
  readonly name: string
  /** The FX ticker's inputs (exchange, symbol, marketId, timestamp, source). */
  readonly input: InputRef
  /** Converts one unit of `from` into `rate` units of `to`. */
  readonly from: string
  /** The target currency. */
  readonly to: string
  /** The multiplier applied: `price in to = price in from × rate`. */
  readonly rate: Decimal
}

/**
 * The rate converting `from` into `to` through an FX ticker (`ticker.base → ticker.quote` is
 * `× last`, the reverse `÷ last`); `undefined` when the ticker does not join the two currencies.
 */
export function fxRate(ticker: Ticker, from: string, to: string): Decimal | undefined {
  if (ticker.base === from && ticker.quote === to) return ticker.last
  if (ticker.base === to && ticker.quote === from) return new Decimal(1).div(ticker.last)
  return undefined
}

export function checkFx(fx: FxSource | undefined): FxSource | undefined {
  if (fx === undefined) return undefined
  if (typeof fx !== 'object' || typeof fx.name !== 'string' || fx.name === '' || !fx.ticker$) {
    throw new InvalidRequestError({
      param: 'fx',
      message: 'fx must be { name: a non-empty string, ticker$: an Observable<Ticker> }.',
    })
  }
  return fx
}
