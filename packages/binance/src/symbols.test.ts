import type { Model, Ticker, Trade } from '@bb/models'
import { createUnifier } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { fixture } from './__fixtures__/index.js'
import { binance, binanceRestRows, createBinance } from './index.js'

const names = (model: Model) => ('symbol' in model ? [model.symbol, model.marketId] : [])

const WS_FIXTURES = [
  'ws-trade',
  'ws-aggtrade',
  'ws-ticker',
  'ws-miniticker',
  'ws-bookticker',
  'ws-depth-partial',
  'ws-depth-diff',
]

describe.each(['fast', 'strict'] as const)(
  'every model carries the unified symbol and the native id (%s)',
  (validate) => {
    const unifier = createUnifier(binance, { validate, clock: () => 1 })

    it('the same market from REST ticker/24hr, WS 24hrTicker and 24hrMiniTicker: equal names', () => {
      const rest = (
        unifier.normalizeAll('ticker', fixture('rest-ticker-24hr'), { source: 'rest' }) as Ticker[]
      )[0]!
      expect(names(rest)).toEqual(['BNB/BTC', 'BNBBTC'])
      for (const name of ['ws-ticker', 'ws-miniticker']) {
        const frame = unifier.normalizeFrame(fixture(name))
        if (frame.kind !== 'ticker') throw new Error(`${name}: expected a ticker frame`)
        expect(names(frame.value), name).toEqual(names(rest))
      }
    })

    it('every WS stream: symbol is BASE/QUOTE and maps back to marketId (partial depth: from the stream name)', () => {
      for (const name of WS_FIXTURES) {
        const frame = unifier.normalizeFrame(fixture(name))
        if (!('value' in frame) || frame.value === undefined)
          throw new Error(`${name}: expected a data frame`)
        const value = frame.value as Trade
        expect(value.symbol, name).toBe(`${value.base}/${value.quote}`)
        expect(value.marketId, name).toMatch(/^[A-Z0-9]+$/)
        expect(binance.symbols.normalize(value.symbol), name).toBe(value.marketId)
      }
    })

    it('REST rows stamped with the unified or the native request symbol: the same names', () => {
      const rows = JSON.parse(fixture('rest-trades'))
      const native = unifier.normalizeAll(
        'trade',
        JSON.stringify(binanceRestRows('trades', rows, 'LTCBTC')),
        {
          source: 'rest',
        },
      ) as Trade[]
      const unified = unifier.normalizeAll(
        'trade',
        JSON.stringify(binanceRestRows('trades', rows, 'LTC/BTC')),
        {
          source: 'rest',
        },
      ) as Trade[]
      expect(native.map(names)).toEqual(rows.map(() => ['LTC/BTC', 'LTCBTC']))
      expect(unified.map(names)).toEqual(native.map(names))
    })

    it('a longer quote wins the heuristic split: BNBFDUSD is BNB/FDUSD', () => {
      const frame = unifier.normalizeFrame(
        fixture('ws-trade')
          .replace('bnbbtc@trade', 'bnbfdusd@trade')
          .replace('"s":"BNBBTC"', '"s":"BNBFDUSD"'),
      )
      if (frame.kind !== 'trade') throw new Error('expected a trade frame')
      expect(names(frame.value)).toEqual(['BNB/FDUSD', 'BNBFDUSD'])
    })

    it('with exchangeInfo loaded, base and quote are its baseAsset and quoteAsset', () => {
      // A quote outside BINANCE_KNOWN_QUOTES: the heuristic cannot split it, the market list can.
      const loaded = createBinance({
        exchangeInfo: {
          symbols: [{ symbol: 'XYZABC', status: 'TRADING', baseAsset: 'XYZ', quoteAsset: 'ABC' }],
        },
      })
      expect(() => binance.symbols.split('XYZABC')).toThrow(/exchangeInfo/)
      const frame = createUnifier(loaded, { validate, clock: () => 1 }).normalizeFrame(
        fixture('ws-trade').replace('bnbbtc@trade', 'xyzabc@trade').replace('"s":"BNBBTC"', '"s":"XYZABC"'),
      )
      if (frame.kind !== 'trade') throw new Error('expected a trade frame')
      expect(names(frame.value)).toEqual(['XYZ/ABC', 'XYZABC'])
      expect(loaded.symbols.normalize('XYZ/ABC')).toBe('XYZABC')
    })
  },
)
