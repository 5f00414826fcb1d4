// The @bb/rules README example "Backtest the seven rules" (packages/rules/README.md).
import { type Candle, Decimal } from '@bb/models'
import { backtest, reportToCsv, sevenRules } from '@bb/rules'
import { upbit } from '@bb/upbit'

// 2,000 one-minute candles of a seeded random walk with a sell-off and a rally.
let seed = 1
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
  return seed / 2 ** 31
}
let price = 50_000
const candles: Candle[] = []
for (let i = 0; i < 2_000; i++) {
  const drift = i > 600 && i < 650 ? -0.004 : i > 1_200 && i < 1_280 ? 0.004 : 0
  const open = price
  price = Math.max(1_000, Math.round((price * (1 + drift + (random() - 0.5) * 0.01)) / 10) * 10)
  const time = Date.UTC(2025, 0, 1) + i * 60_000
  candles.push({
    exchange: 'upbit',
    symbol: 'ABC/KRW',
    marketId: 'KRW-ABC',
    base: 'ABC',
    quote: 'KRW',
    timestamp: time,
    receivedAt: time,
    source: 'rest',
    interval: '1m',
    open: new Decimal(open),
    close: new Decimal(price),
    high: new Decimal(Math.max(open, price) + 20),
    low: new Decimal(Math.min(open, price) - 20),
    volume: new Decimal(1),
    quoteVolume: new Decimal(price),
  })
}

// The exchange is required: its market rules (fee, tick grid, minimum order) drive the paper fills.
const report = await backtest({ exchange: upbit, candles, rules: sevenRules(), initialBalance: 10_000_000 })
console.log({
  pnl: report.pnl.toString(),
  pnlPct: report.pnlPct.toFixed(2),
  maxDrawdownPct: report.maxDrawdownPct.toFixed(2),
  winRate: report.winRate,
  fees: report.fees.toString(),
  trades: report.trades.length,
  firings: report.firings,
})
for (const decision of report.decisions.slice(0, 5)) console.log(decision.explanation)
console.log(reportToCsv(report, 'cycles'))
