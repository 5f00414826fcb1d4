// The market events the engine reads: the sources of `Engine.run` as one stream of events, and
// the check of each event — a few `typeof`s per tick, so that bad data fails loudly and typed —
// which also gives the key of the event's market (see market-key.ts).
import { Decimal } from '@bb/models'
import { merge, type Observable } from 'rxjs'
import { map } from 'rxjs/operators'
import { describeValue, invalid, optionsBag } from './check.js'
import type { EngineSources, MarketEvent } from './engine-types.js'
import type { MarketKeys } from './market-key.js'

/** Checks the sources of `Engine.run`: Observables, at least one. @internal */
export function checkSources(sources: EngineSources): void {
  optionsBag(sources, 'sources', true)
  for (const name of ['candles', 'tickers', 'trades', 'events'] as const) {
    const source = sources[name]
    if (source !== undefined && typeof (source as { subscribe?: unknown } | null)?.subscribe !== 'function')
      throw invalid(
        `sources.${name}`,
        `"sources.${name}" must be an Observable (got ${describeValue(source)}).`,
      )
  }
  if (!sources.candles && !sources.tickers && !sources.trades && !sources.events)
    throw invalid('sources', '"sources" needs at least one of candles, tickers, trades or events.')
}

/** Every source of `Engine.run` as one stream of market events, in arrival order. @internal */
export function marketEvents(sources: EngineSources): Observable<MarketEvent> {
  const inputs: Observable<MarketEvent>[] = []
  if (sources.candles)
    inputs.push(sources.candles.pipe(map((candle): MarketEvent => ({ type: 'candle', candle }))))
  if (sources.tickers)
    inputs.push(sources.tickers.pipe(map((ticker): MarketEvent => ({ type: 'ticker', ticker }))))
  if (sources.trades)
    inputs.push(sources.trades.pipe(map((trade): MarketEvent => ({ type: 'trade', trade }))))
  if (sources.events) inputs.push(sources.events)
  return merge(...inputs)
}

const EVENT_TYPES = new Set(['trade', 'ticker', 'candle', 'price', 'disconnect'])

const isTime = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0
const isPrice = (value: unknown) =>
  typeof value === 'number'
    ? Number.isFinite(value) && value > 0
    : Decimal.isDecimal(value) && (value as Decimal).isFinite() && (value as Decimal).greaterThan(0)

/**
 * Checks one market event — a few `typeof`s per tick, so that bad data fails loudly and typed —
 * and returns the key of its market (see {@link MarketKeys}; `undefined` for a disconnect of
 * every symbol).
 * @internal
 */
export function checkEvent(event: MarketEvent, keys: MarketKeys): string | undefined {
  if (event === null || typeof event !== 'object' || !EVENT_TYPES.has(event.type))
    throw invalid(
      'event',
      `A market event must be an object of type trade, ticker, candle, price or disconnect (got ${describeValue(event === null || typeof event !== 'object' ? event : event.type)}).`,
    )
  const bad = (param: string, value: unknown) =>
    invalid(param, `Bad ${param} in a ${event.type} event (got ${describeValue(value)}).`)
  switch (event.type) {
    case 'trade':
    case 'ticker': {
      const model = (event.type === 'trade' ? event.trade : event.ticker) as
        | { symbol?: unknown; marketId?: unknown; price?: unknown; last?: unknown; timestamp?: unknown }
        | null
        | undefined
      if (model === null || typeof model !== 'object') throw bad(event.type, model)
      const key = keys.of(model.symbol, model.marketId, `${event.type}.symbol`)
      const price = event.type === 'trade' ? model.price : model.last
      if (!isPrice(price)) throw bad(`${event.type}.${event.type === 'trade' ? 'price' : 'last'}`, price)
      if (!isTime(model.timestamp)) throw bad(`${event.type}.timestamp`, model.timestamp)
      return key
    }
    case 'candle': {
      const candle = event.candle as
        | { symbol?: unknown; marketId?: unknown; close?: unknown; timestamp?: unknown }
        | null
        | undefined
      if (candle === null || typeof candle !== 'object') throw bad('candle', candle)
      const key = keys.of(candle.symbol, candle.marketId, 'candle.symbol')
      if (!isPrice(candle.close)) throw bad('candle.close', candle.close)
      if (!isTime(candle.timestamp)) throw bad('candle.timestamp', candle.timestamp)
      return key
    }
    case 'price': {
      const key = keys.of(event.symbol, undefined, 'symbol')
      if (!isPrice(event.price)) throw bad('price', event.price)
      if (!isTime(event.timestamp)) throw bad('timestamp', event.timestamp)
      return key
    }
    case 'disconnect':
      return event.symbol === undefined ? undefined : keys.of(event.symbol, undefined, 'symbol')
  }
}
