import { createUnifier } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { fixture } from './__fixtures__/index.js'
import { coinone } from './index.js'

// What a REST client (`@bb/rest`) relies on: it reads one value a row and calls `mapError` only
// for non-2XX replies, so `prepare` splits list envelopes and throws HTTP-200 error envelopes.
const unifier = createUnifier(coinone)
const endpoints = coinone.rest.endpoints

describe('coinone REST prepare', () => {
  it('a trades reply becomes one envelope per row, each normalizing to one trade with its pair', () => {
    const request = endpoints.trades({ symbol: 'BTC/KRW', count: 10 })
    const rows = request.prepare?.(JSON.parse(fixture('rest-trades'))) as unknown[]
    expect(rows.length).toBeGreaterThan(1)
    const trades = rows.map((row) => unifier.normalize('trade', row, { source: 'rest' }))
    expect(trades.map((t) => t.symbol)).toEqual(rows.map(() => 'BTC/KRW'))
    expect(trades[0]!.id).toBe('1790134177753001')
  })

  it('chart rows get the pair the reply does not name; tickers and markets split by row', () => {
    const chart = endpoints.candles({ symbol: 'BTC/KRW', interval: '1m', count: 2 })
    const rows = chart.prepare?.(JSON.parse(fixture('rest-chart'))) as unknown[]
    const candles = rows.map((row) => unifier.normalize('candle', row, { source: 'rest', interval: '1m' }))
    expect(candles.every((c) => c.symbol === 'BTC/KRW')).toBe(true)
    const tickers = endpoints.tickers({ symbols: ['BTC/KRW', 'ETH/KRW'] })
    const body = JSON.parse(fixture('rest-tickers-additional')) as { tickers: unknown[] }
    expect((tickers.prepare!(body) as unknown[]).length).toBe(body.tickers.length)
    // The order book is one value: left as it is.
    const book = JSON.parse(fixture('rest-orderbook'))
    expect(endpoints.orderbook({ symbols: ['BTC/KRW'] }).prepare?.(book)).toBe(book)
  })

  it('error envelopes on HTTP 200 are thrown as their mapped errors, an HTML page as InvalidRequestError', () => {
    const request = endpoints.trades({ symbol: 'BTC/KRW' })
    expect(() => request.prepare?.(JSON.parse(fixture('error-unknown-pair')))).toThrow(
      expect.objectContaining({ name: 'UnknownSymbolError' }),
    )
    expect(() => request.prepare?.(fixture('error-html'))).toThrow(
      expect.objectContaining({ name: 'InvalidRequestError' }),
    )
    expect(() => request.prepare?.(JSON.parse(fixture('error-blocked')))).toThrow(
      expect.objectContaining({ name: 'RateLimitError' }),
    )
  })

  it('a Retry-After header sets the rate-limit wait; without one it is 60 s', () => {
    const body = fixture('error-blocked')
    const withHeader = coinone.rest.mapError({ status: 429, body, headers: { 'retry-after': '5' } })
    expect(withHeader).toMatchObject({ name: 'RateLimitError', retryAfterMs: 5000 })
    expect(coinone.rest.mapError({ status: 200, body })).toMatchObject({ retryAfterMs: 60_000 })
  })

  it('buildSubscriptionFrames: one frame per topic, UNSUBSCRIBE for drops', () => {
    const frames = coinone.ws.buildSubscriptionFrames?.(
      { streams: [{ kind: 'trade', symbols: ['BTC/KRW', 'ETH/KRW'] }] },
      'unsubscribe',
    )
    expect(frames?.map((f) => JSON.parse(f.text).request_type)).toEqual(['UNSUBSCRIBE', 'UNSUBSCRIBE'])
    expect(frames?.map((f) => JSON.parse(f.text).topic.target_currency)).toEqual(['BTC', 'ETH'])
  })
})
