import { adapterShape, checkAdapterShape, conformanceChecks, fixtureExchange } from '@bb/adapter-testing'
import { describe, expect, it } from 'vitest'
import { fixture } from './__fixtures__/index.js'
import { coinone, coinoneChartBody, createCoinone } from './index.js'

const loaded = createCoinone({
  markets: fixture('rest-markets'),
  rangeUnits: { 'BTC/KRW': fixture('rest-range-units') },
})

// The kit's `endpoints:` check builds `order({ id })` without a pair (Coinone needs one: id
// `BTC/KRW:<order_id>`); coinone.test.ts covers every builder instead.
const REPLACED = ['endpoints:']

describe('coinone has the contract shape of every adapter', () => {
  it("no member missing, and the same member list as the kit's fixture exchange", () => {
    expect(checkAdapterShape(coinone)).toEqual([])
    expect(adapterShape(coinone)).toEqual(adapterShape(fixtureExchange))
    expect(adapterShape(loaded)).toEqual(adapterShape(coinone))
  })
})

const ws = (
  name: string,
  raw: string,
  kind: 'trade' | 'orderbook' | 'ticker' | 'candle',
  expected: Record<string, unknown>[],
) => ({
  name,
  source: 'ws' as const,
  raw,
  kind,
  expected,
})

const bookLevels = {
  bids: [
    { price: '58412000', size: '0.0143' },
    { price: '58402000', size: '0.1' },
    { price: '58392000', size: '2.5' },
  ],
  asks: [
    { price: '58422000', size: '0.00009258' },
    { price: '58432000', size: '1.2' },
    { price: '58442000', size: '0.3' },
  ],
}

const wsTicker = {
  symbol: 'BTC/KRW',
  base: 'BTC',
  quote: 'KRW',
  last: '58580000',
  open: '58000000',
  high: '59000000',
  low: '57000000',
  prevClose: '58000000',
  change: 'rise',
  changePrice: '580000',
  changeRate: '0.01',
  volume: '71156.78279601',
  quoteVolume: '80021677.1681579',
  timestamp: 1790134177753,
  streamType: 'realtime',
}

describe('coinone conformance: contract and the documented payloads', () => {
  const checks = conformanceChecks({
    adapter: coinone,
    symbols: ['BTC/KRW', 'btc', 'xrp/krw'],
    errors: [
      { response: { status: 200, body: fixture('error-unknown-pair') }, expected: 'UnknownSymbolError' },
      { response: { status: 200, body: fixture('error-blocked') }, expected: 'RateLimitError' },
      { response: { status: 200, body: fixture('error-price') }, expected: 'InvalidOrderError' },
      { response: { status: 200, body: fixture('error-parameter') }, expected: 'InvalidRequestError' },
      { response: { status: 200, body: fixture('error-legacy-order') }, expected: 'OrderNotFoundError' },
      { response: { status: 200, body: fixture('error-html') }, expected: 'InvalidRequestError' },
      { response: { status: 503, body: '' }, expected: 'ExchangeUnavailableError' },
    ],
    rateLimitHeaders: [
      { value: '1197', group: 'public', remaining: 1197 },
      { value: '0', group: 'public', remaining: 0 },
    ],
    payloads: [
      {
        name: 'REST markets (BTC live values, XRP)',
        source: 'rest',
        kind: 'market',
        raw: fixture('rest-markets'),
        expected: [
          { symbol: 'BTC/KRW', base: 'BTC', quote: 'KRW', tickSize: '10000', timestamp: 1790134177760 },
          { symbol: 'XRP/KRW', tickSize: '0.1' },
        ],
      },
      {
        name: 'REST ticker_new (lower-case currencies on the wire)',
        source: 'rest',
        kind: 'ticker',
        raw: fixture('rest-ticker'),
        expected: [
          {
            symbol: 'BTC/KRW',
            base: 'BTC',
            quote: 'KRW',
            last: '50543000',
            open: '50000000',
            prevClose: '50000000',
            change: 'rise',
            changePrice: '543000',
            changeRate: '0.01086',
            volume: '71156.78279601',
            quoteVolume: '80021677.1681579',
            timestamp: 1790134177753,
            streamType: 'snapshot',
          },
        ],
      },
      {
        name: 'REST ticker_new with additional_data (one row without the yesterday fields)',
        source: 'rest',
        kind: 'ticker',
        raw: fixture('rest-tickers-additional'),
        expected: [
          { symbol: 'BTC/KRW', prevClose: '50000000' },
          { symbol: 'BCH/KRW', prevClose: '700000', change: 'fall', changePrice: '-5000' },
        ],
      },
      {
        name: 'REST orderbook (asks best-first ascending)',
        source: 'rest',
        kind: 'orderbook',
        raw: fixture('rest-orderbook'),
        expected: [
          { symbol: 'BTC/KRW', ...bookLevels, level: '0', timestamp: 1790134177753, streamType: 'snapshot' },
        ],
      },
      {
        name: 'REST trades (16-digit string ids kept exact; is_seller_maker true → sell)',
        source: 'rest',
        kind: 'trade',
        raw: fixture('rest-trades'),
        expected: [
          {
            symbol: 'BTC/KRW',
            id: '1790134177753001',
            price: '58412000',
            size: '0.0143',
            side: 'sell',
            timestamp: 1790134177753,
          },
          { symbol: 'BTC/KRW', id: '1790134176100002', side: 'buy' },
        ],
      },
      {
        name: 'REST chart (newest first, the symbol added by coinoneChartBody)',
        source: 'rest',
        kind: 'candle',
        interval: '15m',
        raw: JSON.stringify(coinoneChartBody(fixture('rest-chart'), 'BTC/KRW')),
        expected: [
          {
            symbol: 'BTC/KRW',
            interval: '15m',
            open: '58400000',
            high: '58450000',
            low: '58390000',
            close: '58412000',
            volume: '1.5',
            quoteVolume: '87618000',
            timestamp: 1790134200000,
          },
          { timestamp: 1790133300000, volume: '2.25' },
        ],
      },
      {
        name: 'REST v2.1 balances (available + limit; currency upper-cased)',
        source: 'rest',
        kind: 'balance',
        raw: fixture('rest-balances'),
        expected: [
          { currency: 'BTC', free: '10.5', locked: '0.5', avgBuyPrice: '58000000', unitCurrency: 'KRW' },
          { currency: 'KRW', free: '1000000', locked: '0', avgBuyPrice: '0' },
        ],
      },
      ws('WS ORDERBOOK (asks arrive worst-first, leave best-first)', fixture('ws-orderbook'), 'orderbook', [
        { symbol: 'BTC/KRW', ...bookLevels, timestamp: 1790134177753, streamType: 'snapshot' },
      ]),
      ws('WS ORDERBOOK, SHORT format', fixture('ws-orderbook-short'), 'orderbook', [
        { symbol: 'BTC/KRW', ...bookLevels, timestamp: 1790134177753 },
      ]),
      ws('WS TICKER', fixture('ws-ticker'), 'ticker', [wsTicker]),
      ws('WS TICKER, SHORT format', fixture('ws-ticker-short'), 'ticker', [wsTicker]),
      ws('WS TRADE', fixture('ws-trade'), 'trade', [
        {
          symbol: 'BTC/KRW',
          id: '1790134177753001',
          price: '58412000',
          size: '0.0143',
          side: 'sell',
          streamType: 'realtime',
        },
      ]),
      ws('WS TRADE, SHORT format', fixture('ws-trade-short'), 'trade', [
        { symbol: 'BTC/KRW', id: '1790134177753002', price: '58422000', size: '0.00009258', side: 'buy' },
      ]),
      ws('WS CHART (timestamp = candle_timestamp)', fixture('ws-chart'), 'candle', [
        {
          symbol: 'BTC/KRW',
          interval: '15m',
          open: '58350000',
          high: '58450000',
          low: '58300000',
          close: '58412000',
          volume: '2.25',
          quoteVolume: '131400000',
          timestamp: 1790133300000,
          streamType: 'realtime',
        },
      ]),
      ws('WS CHART, SHORT format', fixture('ws-chart-short'), 'candle', [
        { symbol: 'BTC/KRW', interval: '1m', open: '58400000', close: '58412000', timestamp: 1790134160000 },
      ]),
    ],
  })
  for (const check of checks) {
    if (REPLACED.some((prefix) => check.name.startsWith(prefix))) continue
    it(check.name, check.run)
  }
  it('runs the kit checks it does not replace', () => {
    expect(checks.filter((c) => REPLACED.some((p) => c.name.startsWith(p)))).toHaveLength(1)
    expect(checks.length).toBeGreaterThan(20)
  })
})

describe('coinone conformance with the market list and the BTC ladder loaded', () => {
  const checks = conformanceChecks({ adapter: loaded, symbols: ['BTC/KRW', 'XRP/KRW'] })
  for (const check of checks) {
    if (REPLACED.some((prefix) => check.name.startsWith(prefix))) continue
    it(check.name, check.run)
  }
})
