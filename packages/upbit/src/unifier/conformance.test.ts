import { conformanceChecks, type RecordedPayload } from '@bb/adapter-testing'
import { createUnifier } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { fixture } from '../__fixtures__/index.js'
import { createUpbit, upbit } from '../index.js'

// Recorded Upbit payloads and the normalized values they must produce (decimals as text).
const payloads: RecordedPayload[] = [
  {
    name: 'REST trades',
    source: 'rest',
    kind: 'trade',
    raw: fixture('rest-trades'),
    expected: [
      {
        symbol: 'BTC/KRW',
        marketId: 'KRW-BTC',
        id: '17303368620470000',
        price: '100473000',
        size: '0.00014208',
        side: 'buy',
        timestamp: 1730336862047,
      },
      {
        id: '1079953210371761700',
        price: '100465000',
        size: '0.0007772',
        side: 'sell',
        timestamp: 1730336861999,
      },
    ],
  },
  {
    name: 'REST day candles',
    source: 'rest',
    kind: 'candle',
    interval: '1d',
    raw: fixture('rest-candles-days'),
    expected: [{ interval: '1d', timestamp: Date.UTC(2024, 9, 31), open: '100571000', close: '100473000' }],
  },
  {
    name: 'WS SIMPLE trade of 2018 (mk)',
    source: 'ws',
    kind: 'trade',
    raw: fixture('ws-trade-simple-2018'),
    expected: [
      {
        symbol: 'BTC/KRW',
        marketId: 'KRW-BTC',
        id: '1523531768829000',
        price: '7691000',
        side: 'buy',
        timestamp: 1523531763000,
      },
    ],
  },
  {
    name: 'WS SIMPLE ticker with an exponent price',
    source: 'ws',
    raw: fixture('ws-ticker-simple'),
    expected: [{ last: '116539000', lastTradeSize: '0.0007772', streamType: 'realtime' }],
  },
  {
    name: 'WS DEFAULT orderbook (0/0 padding dropped)',
    source: 'ws',
    raw: fixture('ws-orderbook-default'),
    expected: [
      {
        bids: [{ price: '100465000' }, { price: '100464000' }],
        asks: [{ price: '100474000' }, {}, { size: '0.1' }],
      },
    ],
  },
  {
    name: 'WS myAsset beyond double precision',
    source: 'ws',
    raw: fixture('ws-myasset-default'),
    expected: [
      { currency: 'KRW', free: '1386929.37231066771348207123' },
      { currency: 'BTC', locked: '0.0012' },
    ],
  },
  {
    name: 'WS JSON_LIST trades',
    source: 'ws',
    raw: fixture('ws-trade-json-list'),
    expected: [{ id: '17303368620470001' }, { id: '17303368620600000', side: 'sell' }],
  },
]

describe('upbit conformance with compiled normalizers', () => {
  const normalizer = createUnifier(upbit, { validate: 'strict' })
  for (const check of conformanceChecks({ adapter: upbit, normalizer, payloads, symbols: ['KRW-BTC'] })) {
    it(check.name, check.run)
  }
})

describe('the upbit adapters compile', () => {
  it.each([
    ['upbit', upbit],
    ['createUpbit()', createUpbit({ restUrl: 'http://127.0.0.1:1' })],
  ])('%s', (_id, adapter) => {
    expect(createUnifier(adapter, { validate: 'fast' }).adapter).toBe(adapter)
    expect(createUnifier(adapter, { validate: 'strict' }).validate).toBe('strict')
  })
})
