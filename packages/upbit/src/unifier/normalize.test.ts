import { DataValidationError } from '@bb/errors'
import type { Balance, Candle, Order, OrderbookSnapshot, Ticker, Trade } from '@bb/models'
import { createUnifier, type FrameResult } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { fixture } from '../__fixtures__/index.js'
import { upbit, upbitMarketInfo } from '../index.js'

const RECEIVED = 1_730_336_863_000
const modes = ['fast', 'strict'] as const

function data<K extends string>(result: FrameResult, kind: K) {
  if (result.kind !== kind) throw new Error(`expected a ${kind} frame, got ${result.kind}`)
  return result as Extract<FrameResult, { kind: K }> & { value: never; values: never[] }
}

describe.each(modes)('normalize (%s)', (validate) => {
  const unifier = createUnifier(upbit, { validate, clock: () => RECEIVED })

  describe('REST', () => {
    it('tickers: exponent prices, long decimals, 0 52-week low as missing, numbers as strings', () => {
      const [btc, eth] = unifier.normalizeAll('ticker', fixture('rest-ticker'), {
        source: 'rest',
      }) as Ticker[]
      expect([btc!.symbol, btc!.marketId]).toEqual(['BTC/KRW', 'KRW-BTC'])
      expect(btc!.base).toBe('BTC')
      expect(btc!.quote).toBe('KRW')
      expect(btc!.exchange).toBe('upbit')
      expect(btc!.source).toBe('rest')
      expect(btc!.receivedAt).toBe(RECEIVED)
      expect(btc!.timestamp).toBe(1730336862082)
      expect(btc!.last.toString()).toBe('100473000')
      expect(btc!.open.toString()).toBe('100571000')
      expect(btc!.high.toString()).toBe('101000000')
      expect(btc!.low.toString()).toBe('99800000')
      expect(btc!.prevClose.toString()).toBe('100571000')
      expect(btc!.change).toBe('fall')
      expect(btc!.changePrice.toString()).toBe('-98000')
      expect(btc!.changeRate.toString()).toBe('-0.0009744359')
      expect(btc!.quoteVolume.toString()).toBe('143938457120.54321987')
      expect(btc!.quoteVolume24h.toString()).toBe('302831244982.12938745')
      expect(btc!.volume.toString()).toBe('1432.51726613')
      expect(btc!.volume24h.toString()).toBe('3012.49012121')
      expect(btc!.lastTradeSize?.toString()).toBe('0.00014208')
      expect(btc!.lastTradeAt).toBe(1730336862047)
      expect(btc!.high52w?.toString()).toBe('105000000')
      expect(btc!.low52w).toBeUndefined()
      expect('low52w' in btc!).toBe(false)
      expect(btc!.streamType).toBeUndefined()
      expect([eth!.symbol, eth!.marketId]).toEqual(['ETH/BTC', 'BTC-ETH'])
      expect(eth!.last.toString()).toBe('0.03689')
      expect(eth!.change).toBe('rise')
      expect(eth!.lastTradeSize?.toString()).toBe('0.5')
      expect(eth!.quoteVolume.toString()).toBe('12.34567891')
    })

    it('trades: taker side, ids beyond 2^53 exact whether sent as number or string', () => {
      const [first, second] = unifier.normalizeAll('trade', fixture('rest-trades'), {
        source: 'rest',
      }) as Trade[]
      expect(first!.id).toBe('17303368620470000')
      expect(first!.price.toString()).toBe('100473000')
      expect(first!.size.toString()).toBe('0.00014208')
      expect(first!.side).toBe('buy')
      expect(first!.timestamp).toBe(1730336862047)
      expect(first!.prevClose?.toString()).toBe('100571000')
      expect(second!.id).toBe('1079953210371761700')
      expect(second!.side).toBe('sell')
      expect(second!.size.toString()).toBe('0.0007772')
      expect(second!.price.toString()).toBe('100465000')
    })

    it('orderbook: drops 0/0 padding, keeps zero-size levels with a price', () => {
      const [book] = unifier.normalizeAll('orderbook', fixture('rest-orderbook'), {
        source: 'rest',
      }) as OrderbookSnapshot[]
      expect([book!.symbol, book!.marketId]).toEqual(['BTC/KRW', 'KRW-BTC'])
      expect(book!.timestamp).toBe(1730336862100)
      expect(book!.bids.map((l) => [l.price.toString(), l.size.toString()])).toEqual([
        ['100465000', '0.01990656'],
        ['100464000', '0.38009344'],
      ])
      expect(book!.asks.map((l) => [l.price.toString(), l.size.toString()])).toEqual([
        ['100474000', '0.43139478'],
        ['100475000', '0.16860522'],
        ['100476000', '0'],
      ])
      expect(book!.level.toString()).toBe('0')
    })

    it.each([
      ['rest-candles-seconds', '1s', Date.UTC(2024, 9, 31, 1, 7, 42), '100473000', '0.00028478'],
      ['rest-candles-days', '1d', Date.UTC(2024, 9, 31), '100473000', '1432.51726613'],
      ['rest-candles-weeks', '1w', Date.UTC(2024, 9, 28), '100473000', '9123.4'],
      ['rest-candles-months', '1M', Date.UTC(2024, 9, 1), '100473000', '45000.1'],
      ['rest-candles-years', '1y', Date.UTC(2024, 0, 1), '100473000', '600000.5'],
    ] as const)(
      'candles %s: interval from the request, timestamp = open time (UTC)',
      (name, interval, open, close, volume) => {
        const [candle] = unifier.normalizeAll('candle', fixture(name), {
          source: 'rest',
          interval,
        }) as Candle[]
        expect(candle!.interval).toBe(interval)
        expect(candle!.timestamp).toBe(open)
        expect(candle!.close.toString()).toBe(close)
        expect(candle!.volume.toString()).toBe(volume)
        expect(candle!.lastTradeAt).toBe(name === 'rest-candles-seconds' ? 1730336862999 : 1730336862047)
      },
    )

    it('minute candles: interval from `unit` (60 → 1h); a contradicting request interval fails', () => {
      const [candle] = unifier.normalizeAll('candle', fixture('rest-candles-minutes'), {
        source: 'rest',
      }) as Candle[]
      expect(candle!.interval).toBe('1h')
      expect(candle!.timestamp).toBe(Date.UTC(2024, 9, 31, 1))
      expect(candle!.open.toString()).toBe('100500000')
      expect(candle!.high.toString()).toBe('100600000')
      expect(candle!.low.toString()).toBe('100400000')
      expect(candle!.quoteVolume.toString()).toBe('4231776234.82374201')
      expect(() =>
        unifier.normalizeAll('candle', fixture('rest-candles-minutes'), { source: 'rest', interval: '4h' }),
      ).toThrow(DataValidationError)
    })

    it('candles without unit need the interval in the context', () => {
      const error = (() => {
        try {
          unifier.normalizeAll('candle', fixture('rest-candles-days'), { source: 'rest' })
        } catch (e) {
          return e
        }
      })()
      expect(DataValidationError.isInstance(error)).toBe(true)
      expect((error as DataValidationError).path).toBe('[0].interval')
    })

    it('markets: warning and set caution flags; missing market_event → defaults', () => {
      const markets = unifier.normalizeAll('market', fixture('rest-markets'), { source: 'rest' })
      expect(markets.map((m) => [m.symbol, m.marketId])).toEqual([
        ['BTC/KRW', 'KRW-BTC'],
        ['XYZ/KRW', 'KRW-XYZ'],
        ['ETH/BTC', 'BTC-ETH'],
      ])
      // Upbit's own fields are in `info`, read (and typed) by @bb/upbit.
      const info = markets.map(upbitMarketInfo)
      expect(info[0]).toEqual({ warning: false, cautions: [], koreanName: '비트코인' })
      expect(info[1]!.warning).toBe(true)
      expect(info[1]!.cautions).toEqual(['PRICE_FLUCTUATIONS', 'GLOBAL_PRICE_DIFFERENCES'])
      expect(info[2]!.warning).toBe(false)
      expect(Object.keys(markets[0]!)).not.toContain('koreanName')
      expect(() => upbitMarketInfo({ ...markets[0]!, info: { warning: 'yes' } })).toThrow(/info\.warning/)
      expect(markets[2]!.englishName).toBe('Ethereum')
      expect(markets[2]!.timestamp).toBe(RECEIVED)
    })

    it('accounts: decimal strings to balances, timestamp = receivedAt', () => {
      const [krw, btc] = unifier.normalizeAll('balance', fixture('rest-accounts'), {
        source: 'rest',
      }) as Balance[]
      expect(krw!.currency).toBe('KRW')
      expect(krw!.free.toString()).toBe('1000000')
      expect(krw!.locked.toString()).toBe('0')
      expect(btc!.currency).toBe('BTC')
      expect(btc!.free.toString()).toBe('0.00005')
      expect(btc!.locked.toString()).toBe('0.0012')
      expect(btc!.avgBuyPrice?.toString()).toBe('140000000')
      expect(btc!.unitCurrency).toBe('KRW')
      expect(btc!.timestamp).toBe(RECEIVED)
    })

    it('order with fills: KST created_at to UTC ms, µs fill times', () => {
      const order = unifier.normalize('order', fixture('rest-order'), { source: 'rest' })
      expect(order.id).toBe('9ca023a5-851b-4fec-9f0a-48cd83c2eaae')
      expect(order.clientOrderId).toBe('my-order-1')
      expect(order.side).toBe('buy')
      expect(order.type).toBe('limit')
      expect(order.state).toBe('done')
      expect(order.price?.toString()).toBe('140000000')
      expect(order.volume?.toString()).toBe('0.0005')
      expect(order.executedVolume.toString()).toBe('0.0005')
      expect(order.executedFunds?.toString()).toBe('70000')
      expect(order.paidFee.toString()).toBe('35')
      expect(order.tradesCount).toBe(1)
      expect(order.timeInForce).toBe('post_only')
      expect(order.createdAt).toBe(Date.UTC(2025, 6, 2, 7, 44))
      expect(order.fills).toHaveLength(1)
      const fill = order.fills![0]!
      expect(fill.id).toBe('795dff29-bba6-49b2-baab-63473ab7931c')
      expect(fill.orderId).toBe(order.id)
      expect(fill.side).toBe('buy')
      expect(fill.price.toString()).toBe('140000000')
      expect(fill.size.toString()).toBe('0.0005')
      expect(fill.funds?.toString()).toBe('70000')
      expect(fill.timestamp).toBe(Date.UTC(2025, 6, 2, 7, 44, 0, 597))
    })

    it('open orders: a market buy (ord_type price) is a market order with a cost and no volume', () => {
      const [sell, buy] = unifier.normalizeAll('order', fixture('rest-orders-open'), {
        source: 'rest',
      }) as Order[]
      expect(sell!.side).toBe('sell')
      expect(sell!.remainingVolume?.toString()).toBe('0.001')
      expect(buy!.type).toBe('market')
      expect(buy!.volume).toBeUndefined()
      expect(buy!.price).toBeUndefined()
      expect(buy!.cost?.toString()).toBe('5000')
      expect(buy!.locked?.toString()).toBe('5002.5')
      expect(buy!.fills).toBeUndefined()
    })
  })

  describe('WebSocket frames', () => {
    it('ticker DEFAULT (Buffer)', () => {
      const frame = data(unifier.normalizeFrame(Buffer.from(fixture('ws-ticker-default'))), 'ticker')
      expect(frame.format).toBe('DEFAULT')
      expect(frame.channel).toBe('ticker')
      const t = frame.value as Ticker
      expect(t.source).toBe('ws')
      expect(t.streamType).toBe('snapshot')
      expect(t.last.toString()).toBe('100473000')
      expect(t.quoteVolume24h.toString()).toBe('302831244982.12938745')
      expect(t.low52w?.toString()).toBe('46000000')
      expect(t.timestamp).toBe(1730336862082)
    })

    it('ticker SIMPLE: 1.16539E8 exponent price, trailing zeros', () => {
      const t = data(unifier.normalizeFrame(fixture('ws-ticker-simple'), { receivedAt: 5 }), 'ticker')
        .value as Ticker
      expect(t.last.toString()).toBe('116539000')
      expect(t.lastTradeSize?.toString()).toBe('0.0007772')
      expect(t.change).toBe('rise')
      expect(t.changePrice.toString()).toBe('15968000')
      expect(t.streamType).toBe('realtime')
      expect(t.receivedAt).toBe(5)
    })

    it('trade DEFAULT: sequential id beyond 2^53, trade time wins, best levels', () => {
      const frame = data(unifier.normalizeFrame(fixture('ws-trade-default')), 'trade')
      const t = frame.value as Trade
      expect(t.id).toBe('17303368620470001')
      expect(t.price.toString()).toBe('100473000')
      expect(t.size.toString()).toBe('0.00014208')
      expect(t.side).toBe('buy')
      expect(t.timestamp).toBe(1730336862047)
      expect(t.streamType).toBe('realtime')
      expect(t.bestAsk?.price.toString()).toBe('100474000')
      expect(t.bestAsk?.size.toString()).toBe('0.43139478')
      expect(t.bestBid?.price.toString()).toBe('100465000')
      expect(t.bestBid?.size.toString()).toBe('0.01990656')
    })

    it('trade SIMPLE with numbers sent as strings', () => {
      const t = data(unifier.normalizeFrame(fixture('ws-trade-simple')), 'trade').value as Trade
      expect([t.symbol, t.marketId]).toEqual(['ETH/KRW', 'KRW-ETH'])
      expect(t.id).toBe('1079953210371761700')
      expect(t.price.toString()).toBe('3512000')
      expect(t.size.toString()).toBe('1.5')
      expect(t.side).toBe('sell')
      expect(t.timestamp).toBe(1730336862100)
      expect(t.streamType).toBe('snapshot')
      expect(t.bestBid?.size.toString()).toBe('0')
    })

    it('2018 SIMPLE trade frame with `mk` and no best_* fields', () => {
      const frame = data(unifier.normalizeFrame(fixture('ws-trade-simple-2018')), 'trade')
      expect(frame.format).toBe('SIMPLE')
      const t = frame.value as Trade
      expect([t.symbol, t.marketId]).toEqual(['BTC/KRW', 'KRW-BTC'])
      expect(t.id).toBe('1523531768829000')
      expect(t.price.toString()).toBe('7691000')
      expect(t.size.toString()).toBe('0.00996719')
      expect(t.side).toBe('buy')
      expect(t.timestamp).toBe(1523531763000)
      expect(t.bestBid).toBeUndefined()
    })

    it('2018 DEFAULT trade frame without type/code', () => {
      const t = data(unifier.normalizeFrame(fixture('ws-trade-default-2018')), 'trade').value as Trade
      expect([t.symbol, t.marketId]).toEqual(['BTC/KRW', 'KRW-BTC'])
      expect(t.side).toBe('sell')
      expect(t.id).toBe('1523531768829000')
      expect(t.streamType).toBeUndefined()
    })

    it('orderbook DEFAULT and SIMPLE', () => {
      const d = data(unifier.normalizeFrame(fixture('ws-orderbook-default')), 'orderbook')
        .value as OrderbookSnapshot
      expect(d.bids).toHaveLength(2)
      expect(d.asks).toHaveLength(3)
      expect(d.asks[2]!.price.toString()).toBe('100476000')
      expect(d.streamType).toBe('snapshot')
      const s = data(unifier.normalizeFrame(fixture('ws-orderbook-simple')), 'orderbook')
        .value as OrderbookSnapshot
      expect([s.symbol, s.marketId]).toEqual(['ETH/BTC', 'BTC-ETH'])
      expect(s.bids.map((l) => l.price.toString())).toEqual(['0.03689'])
      expect(s.asks.map((l) => l.price.toString())).toEqual(['0.0369', '0.03691'])
      expect(s.timestamp).toBe(1730336862200)
    })

    it('candle DEFAULT and SIMPLE (candle.240m → 4h)', () => {
      const d = data(unifier.normalizeFrame(fixture('ws-candle-default')), 'candle')
      expect(d.channel).toBe('candle.1m')
      const c = d.value as Candle
      expect(c.interval).toBe('1m')
      expect(c.timestamp).toBe(Date.UTC(2024, 9, 31, 1, 7))
      expect(c.close.toString()).toBe('100473000')
      expect(c.volume.toString()).toBe('0.51234')
      const s = data(unifier.normalizeFrame(fixture('ws-candle-simple')), 'candle').value as Candle
      expect(s.interval).toBe('4h')
      expect(s.timestamp).toBe(Date.UTC(2024, 9, 31))
      expect(s.quoteVolume.toString()).toBe('422300000.5')
    })

    it('myOrder DEFAULT `trade` event: the fill carries price/volume, the order does not', () => {
      const o = data(unifier.normalizeFrame(fixture('ws-myorder-default')), 'order').value as Order
      expect(o.id).toBe('ac2dc2a3-fce9-40a2-a4f6-5987c25c438f')
      expect(o.state).toBe('trade')
      expect(o.side).toBe('buy')
      expect(o.price).toBeUndefined()
      expect(o.avgPrice?.toString()).toBe('100473000')
      expect(o.remainingVolume?.toString()).toBe('0.0004')
      expect(o.createdAt).toBe(1730336800000)
      expect(o.timestamp).toBe(1730336862100)
      expect(o.timeInForce).toBeUndefined()
      expect(o.clientOrderId).toBe('bot-42')
      const fill = o.fills![0]!
      expect(fill.id).toBe('68315169-fba4-4175-ade3-aff14a616657')
      expect(fill.price.toString()).toBe('100473000')
      expect(fill.size.toString()).toBe('0.0001')
      expect(fill.fee?.toString()).toBe('5.02365')
      expect(fill.isMaker).toBe(true)
      expect(fill.timestamp).toBe(1730336862047)
    })

    it('myOrder SIMPLE `wait` event', () => {
      const o = data(unifier.normalizeFrame(fixture('ws-myorder-simple')), 'order').value as Order
      expect(o.state).toBe('wait')
      expect(o.price?.toString()).toBe('100473000')
      expect(o.volume?.toString()).toBe('0.0005')
      expect(o.locked?.toString()).toBe('50261.61825')
      expect(o.timeInForce).toBe('post_only')
      expect(o.fills).toBeUndefined()
    })

    it('myAsset DEFAULT: one balance per asset, digits beyond a double kept', () => {
      const frame = data(unifier.normalizeFrame(fixture('ws-myasset-default')), 'balance')
      const [krw, btc] = frame.values as Balance[]
      expect(frame.values).toHaveLength(2)
      expect(krw!.free.toString()).toBe('1386929.37231066771348207123')
      expect(krw!.locked.toString()).toBe('10329.670127489597585685')
      expect(krw!.timestamp).toBe(1730336862047)
      expect(btc!.currency).toBe('BTC')
      expect(btc!.locked.toString()).toBe('0.0012')
      const simple = data(unifier.normalizeFrame(fixture('ws-myasset-simple')), 'balance').value as Balance
      expect(simple.currency).toBe('ETH')
      expect(simple.free.toString()).toBe('2.5')
    })

    it('JSON_LIST and SIMPLE_LIST frames', () => {
      const list = data(unifier.normalizeFrame(fixture('ws-trade-json-list')), 'trade')
      expect(list.format).toBe('JSON_LIST')
      expect((list.values as Trade[]).map((t) => t.id)).toEqual(['17303368620470001', '17303368620600000'])
      const simple = data(unifier.normalizeFrame(fixture('ws-orderbook-simple-list')), 'orderbook')
      expect(simple.format).toBe('SIMPLE_LIST')
      expect((simple.value as OrderbookSnapshot).asks[0]!.size.toString()).toBe('0.5')
    })

    it('status, error and list-subscriptions frames', () => {
      expect(unifier.normalizeFrame(fixture('ws-status'))).toEqual({ kind: 'status', status: 'UP' })
      const error = unifier.normalizeFrame(fixture('ws-error'))
      expect(error.kind === 'error' && error.error.name).toBe('AuthenticationError')
      expect(error.kind === 'error' && error.error.exchangeCode).toBe('INVALID_AUTH')
      const reordered = unifier.normalizeFrame(fixture('ws-error-reordered'))
      expect(reordered.kind === 'error' && reordered.error.name).toBe('SubscriptionError')
      const subs = unifier.normalizeFrame(fixture('ws-list-subscriptions'))
      expect(subs).toEqual({
        kind: 'subscriptions',
        subscriptions: [
          { channel: 'trade', symbols: ['KRW-BTC', 'KRW-ETH'] },
          { channel: 'orderbook', symbols: ['KRW-BTC.15'] },
        ],
      })
      expect(unifier.normalizeFrame('{"type":"announcement"}')).toEqual({
        kind: 'ignored',
        reason: 'unknown message type',
      })
    })
  })

  describe('bad payloads throw DataValidationError naming the field', () => {
    const bad = (frame: string) => {
      try {
        unifier.normalizeFrame(frame)
      } catch (error) {
        if (DataValidationError.isInstance(error)) return error
        throw error
      }
      throw new Error('no error')
    }
    const trade = fixture('ws-trade-default')

    it.each([
      ['trade_price', trade.replace('"trade_price":100473000.0', '"trade_price":"abc"')],
      ['trade_price', trade.replace('"trade_price":100473000.0', '"trade_price":-1')],
      ['trade_price', trade.replace('"trade_price":100473000.0', '"trade_price":null')],
      ['trade_volume', trade.replace('"trade_volume":0.00014208', '"trade_volume":0')],
      ['ask_bid', trade.replace('"ask_bid":"BID"', '"ask_bid":"XX"')],
      ['sequential_id', trade.replace('"sequential_id":17303368620470001,', '')],
      [
        'trade_timestamp',
        trade
          .replace('"trade_timestamp":1730336862047', '"trade_timestamp":"yesterday"')
          .replace('"timestamp":1730336862082,', ''),
      ],
      ['code', trade.replace('"code":"KRW-BTC"', '"code":"BTCKRW"')],
    ])('%s', (path, frame) => {
      const error = bad(frame)
      expect(error.path).toBe(path)
    })

    it('not JSON, not an object, unsorted book, candle outside its range', () => {
      expect(bad('{"type":"trade",').path).toBe('')
      expect(unifier.normalizeFrame('[1]')).toEqual({ kind: 'ignored', reason: 'unknown message type' })
      expect(() => unifier.normalize('trade', 42, { source: 'ws', shape: 'ws' })).toThrow(/not an object/)
      const book = fixture('ws-orderbook-default').replace('"bid_price":100464000', '"bid_price":100466000')
      expect(bad(book).path).toBe('orderbook_units[1].bid_price')
      const candle = fixture('ws-candle-default').replace(
        '"trade_price":100473000',
        '"trade_price":100490000',
      )
      expect(bad(candle).path).toBe('close')
      const list = fixture('ws-trade-json-list').replace('"trade_volume":0.1', '"trade_volume":"x"')
      expect(bad(list).path).toBe('[1].trade_volume')
    })

    it('rejects a parsed number that already lost digits', () => {
      const raw = JSON.parse(fixture('ws-trade-default')) as Record<string, unknown>
      expect(() => unifier.normalize('trade', raw, { source: 'ws' })).toThrow(/beyond 2\^53/)
      const asset = {
        ...(JSON.parse(fixture('ws-myasset-simple')) as object),
        ast: [{ cu: 'KRW', b: 0.30000000000000004, l: 0 }],
      }
      expect(() => unifier.normalizeAll('balance', asset, { source: 'ws' })).toThrow(DataValidationError)
    })
  })
})

describe('strict vs fast', () => {
  it('strict output is frozen (zod readonly); fast output is a plain object with the same values', () => {
    const fast = createUnifier(upbit, { validate: 'fast' }).normalizeFrame(fixture('ws-trade-default'), {
      receivedAt: 1,
    })
    const strict = createUnifier(upbit, { validate: 'strict' }).normalizeFrame(fixture('ws-trade-default'), {
      receivedAt: 1,
    })
    expect(Object.isFrozen(strict.kind === 'trade' && strict.value)).toBe(true)
    expect(Object.isFrozen(fast.kind === 'trade' && fast.value)).toBe(false)
    expect(fast.kind === 'trade' && fast.value).toEqual(strict.kind === 'trade' && strict.value)
  })

  it('normalize() on a container with several values asks for normalizeAll', () => {
    const unifier = createUnifier(upbit)
    expect(() => unifier.normalize('balance', fixture('ws-myasset-default'), { source: 'ws' })).toThrow(
      /normalizeAll/,
    )
  })
})
