import { DataValidationError } from '@bb/errors'
import { type Candle, Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import {
  backtest,
  parseCandlesCsv,
  reportToCsv,
  reportToJson,
  type StrategyInput,
  sevenRules,
} from '../src/index.js'
import { EXCHANGE } from './helpers.js'

const T0 = Date.UTC(2025, 0, 1)
const M = 60_000
function candle(i: number, o: number, h: number, l: number, c: number, symbol = 'KRW-ABC'): Candle {
  return {
    exchange: 'upbit',
    symbol,
    marketId: symbol,
    base: symbol.split('-')[1]!,
    quote: 'KRW',
    timestamp: T0 + i * M,
    receivedAt: T0 + i * M,
    source: 'rest',
    interval: '1m',
    open: new Decimal(o),
    high: new Decimal(h),
    low: new Decimal(l),
    close: new Decimal(c),
    volume: new Decimal(1),
    quoteVolume: new Decimal(c),
  }
}

const bracket: StrategyInput = {
  name: 'bracket',
  rules: [
    {
      id: 'entry',
      name: 'entry',
      role: 'ENTRY',
      activation: 'READY',
      when: { left: { kind: 'PRICE' }, op: '>=', right: 1 },
      action: { type: 'buy', amount: { kind: 'quote', value: 1_000_000 } },
    },
    {
      id: 'target',
      name: 'target',
      role: 'EXIT',
      activation: 'ACTIVE',
      priority: 9,
      when: { left: { kind: 'PRICE' }, op: '>=', right: 11_000 },
      action: { type: 'sell' },
    },
    {
      id: 'stop',
      name: 'stop',
      role: 'RISK',
      activation: 'ACTIVE',
      priority: 0,
      when: { left: { kind: 'PRICE' }, op: '<=', right: 9_000 },
      action: { type: 'sell' },
    },
  ],
}

describe('backtest', () => {
  it('checks stops against the low before targets against the high (conservative intrabar order)', async () => {
    // Candle 2 touches both the 9,000 stop (low 8,900) and the 11,000 target (high 11,500).
    const report = await backtest({
      exchange: EXCHANGE,
      candles: [candle(1, 10_000, 11_500, 8_900, 10_000), candle(0, 10_000, 10_000, 10_000, 10_000)],
      rules: bracket,
      initialBalance: 10_000_000,
    })
    expect(report.trades.map((t) => [t.ruleId, t.side, t.price.toString(), t.time])).toEqual([
      ['entry', 'buy', '10000', T0],
      ['stop', 'sell', '8900', T0 + M + 20_000],
    ])
    // Buy 100 @ 10,000: 1,000,000 + 500 fee. Sell 100 @ 8,900: 890,000 − 445 fee.
    expect(report.finalBalance.toString()).toBe('9889055')
    expect(report.pnl.toString()).toBe('-110945')
    expect(report.realizedPnl.toString()).toBe('-110945')
    expect(report.fees.toString()).toBe('945')
    expect(report.winRate).toBe(0)
    expect(report.maxDrawdown.toString()).toBe('110945')
    expect(report.maxDrawdownPct).toBeCloseTo(1.10945, 10)
    expect(report.firings).toEqual({ entry: 1, stop: 1 })
    expect(report.cycles).toHaveLength(1)
    expect(report.decisions.at(-1)?.explanation).toContain('"stop"')
  })

  it('fills a decision made on a candle close at the next candle open', async () => {
    // RSI(2) exists after the third close: 12,000 → 11,900 → 11,800 gives RSI 0 < 20 on that close.
    const report = await backtest({
      exchange: EXCHANGE,
      candles: [
        candle(0, 12_000, 12_000, 12_000, 12_000),
        candle(1, 11_900, 11_900, 11_900, 11_900),
        candle(2, 11_800, 11_800, 11_800, 11_800),
        candle(3, 11_750, 11_760, 11_740, 11_750),
      ],
      rules: sevenRules({ rsiPeriod: 2 }),
      initialBalance: 1_000_000,
    })
    const entry = report.decisions[0]!
    expect([entry.rule.id, entry.timestamp, entry.order?.fill]).toEqual([
      'rsi-entry',
      T0 + 3 * M,
      'next-price',
    ])
    expect(report.trades.map((t) => [t.ruleId, t.price.toString(), t.time])).toEqual([
      ['rsi-entry', '11750', T0 + 3 * M],
    ])
    // 10 % of 1,000,000 = 100,000 / 11,750 = 8.51063829 (8 decimals, down); still open at the end.
    expect(report.openPositions.map((p) => [p.symbol, p.quantity.toString()])).toEqual([
      ['KRW-ABC', '8.51063829'],
    ])
    expect(report.finalEquity.toString()).toBe(
      report.finalBalance.plus(new Decimal('8.51063829').times(11_750)).toString(),
    )
  })

  it('reads CSV text, exports JSON and CSV', async () => {
    const csv = [
      'timestamp,open,high,low,close,volume',
      `${T0},10000,10000,10000,10000,1`,
      `${new Date(T0 + M).toISOString()},10000,11500,10000,11200,2`,
    ].join('\n')
    const report = await backtest({
      exchange: EXCHANGE,
      candles: { csv, symbol: 'KRW-ABC', interval: '1m' },
      rules: bracket,
      initialBalance: '10000000',
    })
    expect(report.trades.map((t) => [t.ruleId, t.price.toString()])).toEqual([
      ['entry', '10000'],
      ['target', '11500'],
    ])
    const json = JSON.parse(reportToJson(report))
    // 115 × 100 = 1,150,000 − 575 fee; bought for 1,000,500.
    expect(json.pnl).toBe('148925')
    expect(json.trades[1].price).toBe('11500')
    const trades = reportToCsv(report, 'trades').trim().split('\n')
    expect(trades[0]).toBe('time,symbol,side,rule,decision,price,volume,funds,fee')
    // Reports name the market by the engine's canonical key, the exchange's native id.
    expect(trades[2]).toBe(
      `${new Date(T0 + M + 40_000).toISOString()},KRW-ABC,sell,target,2,11500,100,1150000,575`,
    )
    expect(reportToCsv(report, 'firings')).toBe('rule,firings\nentry,1\ntarget,1\n')
    expect(reportToCsv(report, 'decisions').split('\n')[1]).toContain('"KRW-ABC @ 10000: rule 1 ""entry""')
  })

  it('accepts async iterables and refuses candles out of order', async () => {
    async function* gen() {
      yield candle(0, 10_000, 10_000, 10_000, 10_000)
      yield candle(1, 10_000, 10_000, 10_000, 10_000)
    }
    const report = await backtest({
      exchange: EXCHANGE,
      candles: gen(),
      rules: bracket,
      initialBalance: 10_000_000,
    })
    expect(report.candles).toBe(2)
    async function* backwards() {
      yield candle(1, 10_000, 10_000, 10_000, 10_000)
      yield candle(0, 10_000, 10_000, 10_000, 10_000)
    }
    await expect(
      backtest({ exchange: EXCHANGE, candles: backwards(), rules: bracket, initialBalance: 1 }),
    ).rejects.toThrow(DataValidationError)
  })

  it('reports CSV errors with the line', () => {
    expect(() =>
      parseCandlesCsv('timestamp,open,high,low,close\n1,10,9,8,10\n', {
        exchange: EXCHANGE,
        symbol: 'KRW-A',
        interval: '1m',
      }),
    ).toThrow(/line 2/)
  })

  it('the seven rules over a generated series: the report reconciles with its own trades', async () => {
    // A deterministic random walk with a crash and a rally, 3,000 one-minute candles.
    let seed = 42
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    let price = 50_000
    const candles: Candle[] = []
    for (let i = 0; i < 3_000; i++) {
      const drift = i > 1_000 && i < 1_050 ? -0.004 : i > 2_000 && i < 2_080 ? 0.004 : 0
      const open = price
      price = Math.max(1_000, Math.round(price * (1 + drift + (random() - 0.5) * 0.01)))
      const high = Math.max(open, price) + Math.round(random() * 50)
      const low = Math.min(open, price) - Math.round(random() * 50)
      candles.push(candle(i, open, high, low, price))
    }
    const report = await backtest({
      exchange: EXCHANGE,
      candles,
      rules: sevenRules(),
      initialBalance: 10_000_000,
    })
    expect(report.trades.length).toBeGreaterThan(0)
    const spent = report.trades
      .filter((t) => t.side === 'buy')
      .reduce((s, t) => s.plus(t.funds).plus(t.fee), new Decimal(0))
    const received = report.trades
      .filter((t) => t.side === 'sell')
      .reduce((s, t) => s.plus(t.funds).minus(t.fee), new Decimal(0))
    expect(report.finalBalance.toString()).toBe(
      new Decimal(10_000_000).minus(spent).plus(received).toString(),
    )
    expect(report.fees.toString()).toBe(
      report.trades.reduce((s, t) => s.plus(t.fee), new Decimal(0)).toString(),
    )
    expect(report.pnl.toString()).toBe(report.finalEquity.minus(10_000_000).toString())
    expect(Object.values(report.firings).reduce((a, b) => a + b, 0)).toBe(report.decisions.length)
    expect(report.maxDrawdownPct).toBeGreaterThanOrEqual(0)
    for (const t of report.trades) expect(t.price.modulo(10).isZero()).toBe(true) // 10-KRW ticks
  })
})
