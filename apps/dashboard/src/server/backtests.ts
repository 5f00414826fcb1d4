import { type Candle, Decimal } from '@bb/models'
import type { BacktestReport } from '@bb/rules'

/** One point of a stored run's curves: equity, buy-and-hold, drawdown. */
export interface CurvePoint {
  /** Candle open time, ms UTC. */
  readonly time: number
  /** Cash plus the position at this candle's close, quote. */
  readonly equity: string
  /** The initial balance held in the market from the first close. */
  readonly buyAndHold: string
  /** Fall of equity from its previous peak, percent (≤ 0). */
  readonly drawdownPct: number
}

/** Per-rule statistics of a run. */
export interface RuleStats {
  /** The rule id. */
  readonly ruleId: string
  /** Decisions it made. */
  readonly fires: number
  /** Fills of its orders. */
  readonly fills: number
  /** Cycles it closed. */
  readonly exits: number
  /** P&L of the cycles it closed, quote. */
  readonly exitPnl: string
  /** Orders of it that were refused. */
  readonly refused: number
}

/**
 * The equity curve of a backtest marked at every candle close (fills applied at their time), with
 * buy-and-hold and the drawdown, sampled to at most `points` points. Exact decimals throughout.
 */
export function curves(report: BacktestReport, candles: readonly Candle[], points = 400): CurvePoint[] {
  const sorted = [...candles].sort((a, b) => a.timestamp - b.timestamp)
  const trades = [...report.trades].sort((a, b) => a.time - b.time)
  const first = sorted[0]?.close
  let cash = report.initialBalance
  let quantity = new Decimal(0)
  let t = 0
  let peak = report.initialBalance
  const all: CurvePoint[] = []
  for (const candle of sorted) {
    const end = candle.timestamp + 60_000
    while (t < trades.length && trades[t]!.time < end) {
      const trade = trades[t++]!
      if (trade.side === 'buy') {
        cash = cash.minus(trade.funds).minus(trade.fee)
        quantity = quantity.plus(trade.volume)
      } else {
        cash = cash.plus(trade.funds).minus(trade.fee)
        quantity = quantity.minus(trade.volume)
      }
    }
    const equity = cash.plus(quantity.times(candle.close))
    if (equity.greaterThan(peak)) peak = equity
    all.push({
      time: candle.timestamp,
      equity: equity.toFixed(0),
      buyAndHold: first
        ? report.initialBalance.times(candle.close).dividedBy(first).toFixed(0)
        : equity.toFixed(0),
      drawdownPct: peak.isZero() ? 0 : equity.dividedBy(peak).minus(1).times(100).toNumber(),
    })
  }
  if (all.length <= points) return all
  const step = all.length / points
  return Array.from({ length: points }, (_, i) => all[Math.min(all.length - 1, Math.round(i * step))]!)
}

/** Fires, fills, exits, exit P&L and refusals per rule. */
export function ruleStats(report: BacktestReport): RuleStats[] {
  const ids = new Set([...Object.keys(report.firings), ...report.trades.map((t) => t.ruleId)])
  return [...ids].map((ruleId) => {
    const closed = report.cycles.filter((c) => c.exitRuleId === ruleId)
    return {
      ruleId,
      fires: report.firings[ruleId] ?? 0,
      fills: report.trades.filter((t) => t.ruleId === ruleId).length,
      exits: closed.length,
      exitPnl: closed.reduce((sum, c) => sum.plus(c.pnl), new Decimal(0)).toString(),
      refused: report.rejections.filter((r) => r.ruleId === ruleId).length,
    }
  })
}
