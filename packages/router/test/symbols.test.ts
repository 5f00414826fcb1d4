import { UnknownSymbolError } from '@bb/errors'
import type { Market } from '@bb/models'
import { firstValueFrom } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { MarketDirectory } from '../src/markets.js'
import { setup } from './helpers.js'
import { manualClock } from './manual-clock.js'

const market = (marketId: string, base: string, quote: string): Market => ({
  exchange: 'upbit',
  symbol: `${base}/${quote}`,
  marketId,
  base,
  quote,
  timestamp: 0,
  receivedAt: 0,
  source: 'rest',
})

describe('market directory: native ids and unified BASE/QUOTE symbols', () => {
  it('maps a unified symbol to the native id from the market list, any case; unknown ones are listed', async () => {
    const clock = manualClock()
    const directory = new MarketDirectory(
      async () => [market('KRW-BTC', 'BTC', 'KRW'), market('BTCUSDT', 'BTC', 'USDT')],
      clock,
    )
    expect(await directory.nativeOf('btc/krw')).toBe('KRW-BTC')
    expect(await directory.nativeOf('BTC/USDT')).toBe('BTCUSDT')
    expect(await directory.nativeOf('KRW-BTC')).toBe('KRW-BTC')
    expect(await directory.nativeOf('ETH/KRW')).toBeUndefined()
    expect(await directory.unknown(['BTC/KRW', 'KRW-BTC', 'ETH/KRW', 'KRW-ETH'])).toEqual([
      'ETH/KRW',
      'KRW-ETH',
    ])
  })
})

describe('the backbone accepts unified symbols next to native ids', () => {
  it('getTicker and ticker$ on BTC/KRW answer for KRW-BTC; an unlisted unified symbol is an UnknownSymbolError', async () => {
    const { backbone } = await setup({ tradeReconcileMs: 0 })
    const ticker = await backbone.getTicker('BTC/KRW')
    expect([ticker.symbol, ticker.marketId]).toEqual(['BTC/KRW', 'KRW-BTC'])
    expect([ticker.base, ticker.quote]).toEqual(['BTC', 'KRW'])
    const streamed = await firstValueFrom(backbone.ticker$('btc/krw'))
    expect([streamed.symbol, streamed.marketId]).toEqual(['BTC/KRW', 'KRW-BTC'])
    await expect(backbone.getTicker('NOPE/KRW')).rejects.toBeInstanceOf(UnknownSymbolError)
  }, 60_000)
})
