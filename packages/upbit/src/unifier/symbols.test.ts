import type { Model, Order, Ticker } from '@bb/models'
import { createUnifier } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { fixture } from '../__fixtures__/index.js'
import { upbit } from '../index.js'

const names = (model: Model) => ('symbol' in model ? [model.symbol, model.marketId] : [])

describe.each(['fast', 'strict'] as const)(
  'every model carries the unified symbol and the native id (%s)',
  (validate) => {
    const unifier = createUnifier(upbit, { validate, clock: () => 1 })

    it('the same market from REST, WS DEFAULT and WS SIMPLE: equal symbol and marketId', () => {
      const rest = (
        unifier.normalizeAll('ticker', fixture('rest-ticker'), { source: 'rest' }) as Ticker[]
      )[0]!
      const ws = unifier.normalizeFrame(fixture('ws-ticker-default'))
      const simple = unifier.normalizeFrame(fixture('ws-ticker-simple'))
      if (ws.kind !== 'ticker' || simple.kind !== 'ticker') throw new Error('expected ticker frames')
      expect(names(rest)).toEqual(['BTC/KRW', 'KRW-BTC'])
      expect(names(ws.value)).toEqual(names(rest))
      expect(names(simple.value)).toEqual(names(rest))
      // The trade of each shape too (the 2018 frames name the market with another key).
      for (const name of ['ws-trade-default', 'ws-trade-default-2018', 'ws-trade-simple-2018']) {
        const frame = unifier.normalizeFrame(fixture(name))
        if (frame.kind !== 'trade') throw new Error(`${name}: expected a trade frame`)
        expect(frame.value.symbol, name).toBe(`${frame.value.base}/${frame.value.quote}`)
        expect(upbit.symbols.normalize(frame.value.symbol), name).toBe(frame.value.marketId)
      }
    })

    it('nested fills carry both too, from the REST order and the WS myOrder trade event', () => {
      const order = unifier.normalize('order', JSON.parse(fixture('rest-order')), { source: 'rest' }) as Order
      expect(names(order)).toEqual(['BTC/KRW', 'KRW-BTC'])
      expect(order.fills?.map(names)).toEqual([['BTC/KRW', 'KRW-BTC']])
      const myOrder = unifier.normalizeFrame(fixture('ws-myorder-simple'))
      if (myOrder.kind !== 'order') throw new Error('expected an order frame')
      expect(names(myOrder.value)).toEqual(['BTC/KRW', 'KRW-BTC'])
    })

    it('a BTC market and a USDT market: the quote comes second in the unified symbol', () => {
      const book = unifier.normalizeFrame(fixture('ws-orderbook-simple'))
      if (book.kind !== 'orderbook') throw new Error('expected an orderbook frame')
      expect(names(book.value)).toEqual(['ETH/BTC', 'BTC-ETH'])
      expect(upbit.symbols.normalize('ETH/BTC')).toBe('BTC-ETH')
    })
  },
)
