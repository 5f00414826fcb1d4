import { InvalidRequestError } from '@bb/errors'
import { describe, expect, it } from 'vitest'
import { upbit } from './index.js'

describe('Upbit symbols: native QUOTE-BASE codes and unified BASE/QUOTE symbols', () => {
  it('parses QUOTE-BASE codes (moved from @bb/models)', () => {
    expect(upbit.symbols.split('KRW-BTC')).toEqual({ symbol: 'KRW-BTC', quote: 'KRW', base: 'BTC' })
    expect(upbit.symbols.split('usdt-btc')).toEqual({ symbol: 'USDT-BTC', quote: 'USDT', base: 'BTC' })
    expect(upbit.symbols.join({ quote: 'btc', base: 'eth' })).toBe('BTC-ETH')
    for (const bad of ['KRWBTC', 'KRW-', '-BTC', 'KRW-BTC-X', 'KRW BTC', '', 'BTC/']) {
      expect(() => upbit.symbols.split(bad), bad).toThrow(InvalidRequestError)
    }
  })

  it('maps a unified symbol to the native code, everywhere a symbol is accepted', () => {
    expect(upbit.symbols.split('btc/krw')).toEqual({ symbol: 'KRW-BTC', quote: 'KRW', base: 'BTC' })
    expect(upbit.symbols.normalize('ETH/USDT')).toBe('USDT-ETH')
    const request = upbit.rest.endpoints.tickers({ symbols: ['BTC/KRW', 'KRW-ETH'] })
    expect(request.query).toEqual([['markets', 'KRW-BTC,KRW-ETH']])
    const { text } = upbit.ws.buildSubscription({ streams: [{ kind: 'trade', symbols: ['BTC/KRW'] }] })
    expect(text).toContain('"KRW-BTC"')
  })
})
