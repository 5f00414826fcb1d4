import { fixtureExchange } from '@bb/adapter-testing'
import { InvalidRequestError } from '@bb/errors'
import { Decimal } from '@bb/models'
import { lastValueFrom, of, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { checkEvent, checkSources, marketEvents } from '../src/events.js'
import type { EngineSources, MarketEvent } from '../src/index.js'
import { MarketKeys } from '../src/market-key.js'

const keys = new MarketKeys(fixtureExchange)
const param = (call: () => unknown): string | undefined => {
  try {
    call()
  } catch (error) {
    expect(InvalidRequestError.isInstance(error)).toBe(true)
    return (error as InvalidRequestError).param
  }
  return 'no error'
}

describe('checkEvent: typed errors for bad events, the market key for good ones', () => {
  it('returns the native id of the market, whatever form the event names it in', () => {
    expect(checkEvent({ type: 'price', symbol: 'BTC/USDT', price: 1, timestamp: 0 }, keys)).toBe('BTCUSDT')
    expect(checkEvent({ type: 'disconnect', symbol: 'ethbtc', timestamp: 0 }, keys)).toBe('ETHBTC')
    expect(checkEvent({ type: 'disconnect', timestamp: 0 }, keys)).toBeUndefined()
    const trade = { symbol: 'BTC/USDT', marketId: 'BTCUSDT', price: new Decimal(5), timestamp: 1 }
    expect(checkEvent({ type: 'trade', trade } as unknown as MarketEvent, keys)).toBe('BTCUSDT')
  })

  it('names the bad field', () => {
    const bad = (event: unknown) => param(() => checkEvent(event as MarketEvent, keys))
    expect(bad(null)).toBe('event')
    expect(bad({ type: 'quote' })).toBe('event')
    expect(bad({ type: 'price', symbol: 'KRW-BTC', price: 1, timestamp: 0 })).toBe('symbol')
    expect(bad({ type: 'price', symbol: 'BTCUSDT', price: -1, timestamp: 0 })).toBe('price')
    expect(bad({ type: 'price', symbol: 'BTCUSDT', price: 1, timestamp: Number.NaN })).toBe('timestamp')
    expect(bad({ type: 'trade', trade: { symbol: 'BTCUSDT', price: 'x', timestamp: 0 } })).toBe('trade.price')
    expect(bad({ type: 'ticker', ticker: { symbol: 42, last: new Decimal(1), timestamp: 0 } })).toBe(
      'ticker.symbol',
    )
    expect(bad({ type: 'candle', candle: { symbol: 'BTCUSDT', close: new Decimal(0), timestamp: 0 } })).toBe(
      'candle.close',
    )
  })
})

describe('the sources of Engine.run', () => {
  it('must be Observables, at least one', () => {
    expect(param(() => checkSources({}))).toBe('sources')
    expect(param(() => checkSources({ trades: [] } as unknown as EngineSources))).toBe('sources.trades')
    expect(param(() => checkSources(null as unknown as EngineSources))).toBe('sources')
  })

  it('become one stream of typed market events', async () => {
    const price: MarketEvent = { type: 'price', symbol: 'BTCUSDT', price: 1, timestamp: 0 }
    const events = await lastValueFrom(
      marketEvents({ trades: of('t'), tickers: of('k'), events: of(price) } as unknown as EngineSources).pipe(
        toArray(),
      ),
    )
    expect(events.map((e) => e.type).sort()).toEqual(['price', 'ticker', 'trade'])
  })
})
