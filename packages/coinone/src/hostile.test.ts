import { createUnifier } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { fixture } from './__fixtures__/index.js'
import { coinone, coinoneChartBody, createCoinone, parseCoinoneMarkets } from './index.js'

const unifier = createUnifier(coinone, { validate: 'strict' })
const dataError = expect.objectContaining({ name: 'DataValidationError' })

describe('hostile and broken input: a typed error, never a crash or a silent value', () => {
  it('a WS book frame with a string where levels belong, or a price that is not decimal', () => {
    const frame = JSON.parse(fixture('ws-orderbook'))
    frame.data.asks = 'nope'
    expect(() => unifier.normalizeFrame(JSON.stringify(frame))).toThrow(dataError)
    frame.data.asks = [{ price: '1e', qty: '1' }]
    expect(() => unifier.normalizeFrame(JSON.stringify(frame))).toThrow(dataError)
  })

  it('a WS frame without its data object, or without currencies', () => {
    expect(() => unifier.normalizeFrame('{"response_type":"DATA","channel":"TRADE","data":null}')).toThrow(
      dataError,
    )
    const frame = JSON.parse(fixture('ws-trade'))
    delete frame.data.target_currency
    expect(() => unifier.normalizeFrame(JSON.stringify(frame))).toThrow(dataError)
  })

  it('a trade whose is_seller_maker is text, and a CHART interval with no unified name', () => {
    expect(() =>
      unifier.normalizeFrame(
        fixture('ws-trade').replace('"is_seller_maker":true', '"is_seller_maker":"true"'),
      ),
    ).toThrow(dataError)
    expect(() =>
      unifier.normalizeFrame(fixture('ws-chart').replace('"interval":"15m"', '"interval":"2h"')),
    ).toThrow(dataError)
  })

  it('a duplicated book level is refused by the strict model, not merged', () => {
    const frame = JSON.parse(fixture('ws-orderbook'))
    frame.data.bids.push({ price: '58412000', qty: '1' })
    expect(() => unifier.normalizeFrame(JSON.stringify(frame))).toThrow(dataError)
  })

  it('unknown frames are ignored; a private frame without its fields is a typed error', () => {
    expect(unifier.normalizeFrame('{"response_type":"DATA","channel":"NOPE","data":{}}').kind).toBe('ignored')
    expect(() => unifier.normalizeFrame('{"response_type":"DATA","channel":"MYORDER","data":{}}')).toThrow(
      dataError,
    )
    expect(() => unifier.normalizeFrame('{"response_type":"DATA","channel":"MYASSET","data":{}}')).toThrow(
      dataError,
    )
    expect(unifier.normalizeFrame('{"hello":1}').kind).toBe('ignored')
    expect(coinone.ws.classify(null)).toEqual({ type: 'unknown' })
    expect(coinone.ws.classify([1])).toEqual({ type: 'unknown' })
  })

  it('mapError survives any body; settings and market lists are checked', () => {
    for (const body of [undefined, null, 42, '', '{', '{"error_code":{"x":1}}', new Uint8Array([0xff])])
      expect(coinone.rest.mapError({ status: 200, body }).name).toBe('InvalidRequestError')
    expect(coinone.rest.mapError({ status: 502, body: '' }).name).toBe('ExchangeUnavailableError')
    expect(() => createCoinone({ restUrl: 'ftp://x' })).toThrow(expect.objectContaining({ param: 'restUrl' }))
    expect(() => createCoinone({ markets: '{"markets":[{"target_currency":"BTC"}]}' })).toThrow(dataError)
    expect(() => parseCoinoneMarkets('not json')).toThrow(dataError)
    expect(() => createCoinone({ rangeUnits: { 'BTC/USDT': fixture('rest-range-units') } })).toThrow(
      expect.objectContaining({ name: 'UnknownSymbolError' }),
    )
    expect(() => coinoneChartBody('{"chart":1}', 'BTC/KRW')).toThrow(dataError)
    expect(() => coinoneChartBody(fixture('rest-chart'), 'BTC')).toThrow(dataError)
  })
})
