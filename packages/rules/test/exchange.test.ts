import { fixtureExchange } from '@bb/adapter-testing'
import { DataValidationError, InvalidRequestError } from '@bb/errors'
import { type Candle, Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import {
  backtest,
  DryRunExecutor,
  type ExchangeRules,
  type OrderIntent,
  parseCandlesCsv,
  sevenRules,
} from '../src/index.js'

// The market rules come from the adapter: the fixture exchange of the conformance kit trades
// `BTCUSDT`-style markets with a 0.1 % fee, a 0.01 tick, a 5 USDT minimum and 5 volume decimals.
const intent = (extra: Partial<OrderIntent>): OrderIntent => ({
  id: 'o',
  decisionId: 1,
  ruleId: 'manual',
  symbol: 'BTCUSDT',
  side: 'buy',
  price: new Decimal('64000.123'),
  timestamp: 0,
  fill: 'at-price',
  ...extra,
})

describe('DryRunExecutor with an exchange adapter', () => {
  it('splits native ids, pays the adapter fee, rounds onto its grid and its volume decimals', async () => {
    const paper = new DryRunExecutor({ exchange: fixtureExchange })
    // The default paper balance is in the exchange's own quote currency.
    expect(paper.balance('USDT').toString()).toBe('10000000')
    const outcome = await paper.submit(intent({ amount: { kind: 'quote', value: new Decimal(1000) } }))
    expect(outcome.status).toBe('filled')
    if (outcome.status !== 'filled') return
    expect(outcome.fill.price.toString()).toBe('64000.13') // 0.01 grid, rounded up for a buy
    expect(outcome.fill.volume.toString()).toBe('0.01562') // 1000 / 64000.13, 5 decimals
    expect(outcome.fill.fee.toString()).toBe(outcome.fill.funds.times('0.001').toString())
    expect(paper.balance('BTC').toString()).toBe('0.01562')
  })

  it('a unified BASE/QUOTE symbol is the same market', async () => {
    const paper = new DryRunExecutor({ exchange: fixtureExchange, balances: { USDT: 100 } })
    const outcome = await paper.submit(
      intent({ symbol: 'BTC/USDT', amount: { kind: 'quote', value: new Decimal(50) } }),
    )
    expect(outcome.status).toBe('filled')
    expect(paper.balance('BTC').isZero()).toBe(false)
  })

  it("refuses orders under the adapter's minimum (5 USDT here, not 5,000)", async () => {
    const paper = new DryRunExecutor({ exchange: fixtureExchange })
    const outcome = await paper.submit(intent({ amount: { kind: 'quote', value: new Decimal(4) } }))
    expect(outcome.status).toBe('rejected')
    if (outcome.status === 'rejected')
      expect(outcome.error.message).toContain('below the minimum order of 5 USDT')
  })

  it('a value that is not an adapter is an InvalidRequestError naming "exchange"', () => {
    let error: unknown
    try {
      new DryRunExecutor({ exchange: { id: 'x' } as never })
    } catch (e) {
      error = e
    }
    expect(InvalidRequestError.isInstance(error)).toBe(true)
    expect((error as InvalidRequestError).param).toBe('exchange')
  })
})

describe('parseCandlesCsv with csv-parse, the exchange and the symbol format as options', () => {
  it('reads quoted newlines, a BOM and another delimiter; stamps the exchange and splits its ids', () => {
    const csv =
      '\uFEFFtimestamp;open;high;low;close;volume;symbol;note\n' +
      '1735689600000;100;110;95;105;12.5;ETHBTC;"two\nlines; and a ""quote"""\n' +
      '1735689660000;105;111;100;110;3;ETHBTC;plain\n'
    const candles = parseCandlesCsv(csv, { exchange: fixtureExchange, interval: '1m', delimiter: ';' })
    expect(
      candles.map((c) => [c.exchange, c.symbol, c.marketId, c.base, c.quote, c.close.toString()]),
    ).toEqual([
      ['fixture', 'ETH/BTC', 'ETHBTC', 'ETH', 'BTC', '105'],
      ['fixture', 'ETH/BTC', 'ETHBTC', 'ETH', 'BTC', '110'],
    ])
  })

  it('a bad row names the line it starts on, after a quoted newline', () => {
    const csv =
      'timestamp,open,high,low,close,volume,symbol,note\n1,1,1,1,1,1,BTCUSDT,"a\nb"\n2,x,1,1,1,1,BTCUSDT,c\n'
    let error: unknown
    try {
      parseCandlesCsv(csv, { exchange: fixtureExchange, interval: '1m' })
    } catch (e) {
      error = e
    }
    expect(DataValidationError.isInstance(error)).toBe(true)
    expect((error as DataValidationError).path).toMatch(/^line 4\./)
  })

  it("a symbol the exchange does not know is a DataValidationError naming the line and the exchange's form", () => {
    let error: unknown
    try {
      parseCandlesCsv('timestamp,open,high,low,close,volume\n1,1,1,1,1,1\n', {
        exchange: fixtureExchange,
        symbol: 'KRW-BTC',
        interval: '1m',
      })
    } catch (e) {
      error = e
    }
    expect(DataValidationError.isInstance(error)).toBe(true)
    expect((error as DataValidationError).path).toBe('line 2.symbol')
    expect((error as Error).message).toContain('BASEQUOTE')
  })
})

// A third symbol form, base first with a dash (`SOL-USDT`), and its own market rules: the engine's
// event check accepts dashed ids only, so the backtest runs on this one.
const dashed: ExchangeRules = {
  id: 'dashed',
  symbols: {
    format: 'BASE-QUOTE',
    normalize: (s) => s.toUpperCase(),
    split: (s) => {
      const [base = '', quote = ''] = s.toUpperCase().split('-')
      return { symbol: s.toUpperCase(), base, quote }
    },
    join: ({ base, quote }) => `${base}-${quote}`,
  },
  market: {
    tickSize: () => new Decimal('0.01'),
    fees: () => ({ maker: new Decimal('0.001'), taker: new Decimal('0.001') }),
    minOrderTotal: () => new Decimal(1),
    volumeDecimals: () => 4,
    orderTypes: ['limit', 'market'],
    defaultQuote: 'USDT',
  },
}

describe('backtest with an exchange adapter', () => {
  it("trades in the candles' quote currency with the adapter's fee", async () => {
    const candles: Candle[] = []
    let price = 100
    for (let i = 0; i < 300; i++) {
      const open = price
      price = i < 100 ? price * 0.995 : price * 1.004
      const t = Date.UTC(2025, 0, 1) + i * 60_000
      candles.push({
        exchange: 'dashed',
        symbol: 'SOL-USDT',
        marketId: 'SOL-USDT',
        base: 'SOL',
        quote: 'USDT',
        timestamp: t,
        receivedAt: t,
        source: 'rest',
        interval: '1m',
        open: new Decimal(open.toFixed(2)),
        close: new Decimal(price.toFixed(2)),
        high: new Decimal((Math.max(open, price) + 0.1).toFixed(2)),
        low: new Decimal((Math.min(open, price) - 0.1).toFixed(2)),
        volume: new Decimal(1),
        quoteVolume: new Decimal(price.toFixed(2)),
      })
    }
    const report = await backtest({ candles, rules: sevenRules(), initialBalance: 100_000, exchange: dashed })
    expect(report.trades.length).toBeGreaterThan(0)
    const funds = report.trades.reduce((sum, t) => sum.plus(t.funds), new Decimal(0))
    expect(report.fees.toString()).toBe(funds.times('0.001').toString())
  })
})
