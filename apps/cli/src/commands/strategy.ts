import { writeFileSync } from 'node:fs'
import { type Candle, parseCandleInterval } from '@bb/models'
import { createBackbone } from '@bb/router'
import {
  createEngine,
  DryRunExecutor,
  reportToCsv,
  reportToJson,
  backtest as runBacktest,
  sevenRules,
} from '@bb/rules'
import { merge } from 'rxjs'
import {
  type EndpointFlags,
  endpoints,
  formatDecimal,
  progressBar,
  runFor,
  table,
  UsageError,
} from '../common.js'

/** Flags of `bb strategy run`. */
export interface StrategyFlags extends EndpointFlags {
  symbols?: string | undefined
  duration?: string | undefined
  speed?: string | undefined
  balance?: string | undefined
}

/**
 * `bb strategy run`: the seven rules in dry-run on live backbone data (the embedded simulator by
 * default, sped up so one-minute candles close quickly, with a crash and a surge injected), printing
 * every decision with its explanation.
 */
export async function strategyRun(flags: StrategyFlags, out = process.stdout): Promise<number> {
  const symbols = (flags.symbols ?? 'KRW-BTC,KRW-ETH').split(',').map((s) => s.trim().toUpperCase())
  const durationS = Number(flags.duration ?? 60)
  const speed = Number(flags.speed ?? 60)
  const where = await endpoints(flags, { markets: 12, speed, tradesPerSecond: 1 })
  const backbone = createBackbone({ exchange: 'upbit', restUrl: where.restUrl, wsUrl: where.wsUrl })
  const strategy = sevenRules()
  const executor = new DryRunExecutor({ balances: { KRW: flags.balance ?? '10000000' } })
  try {
    const history: Candle[] = []
    for (const symbol of symbols)
      history.push(...(await backbone.getCandles(symbol, strategy.timeframe, { count: 200 })))
    const engine = createEngine({ strategy, executor, history })
    out.write(
      `Seven rules, dry-run, ${symbols.join(', ')} on ${where.label}${where.sim ? ` at ${speed}× speed` : ''}; warmed up on ${history.length} candles.\n`,
    )
    const firings: Record<string, number> = {}
    let failure: unknown
    const subscription = engine
      .run({
        candles: merge(...symbols.map((s) => backbone.candles$(s, strategy.timeframe, { history: 0 }))),
        trades: backbone.trades$(symbols),
      })
      .subscribe({
        next: (decision) => {
          firings[decision.rule.id] = (firings[decision.rule.id] ?? 0) + 1
          out.write(
            `${new Date(decision.timestamp).toISOString().slice(0, 19)}  ${decision.symbol.padEnd(9)} ${decision.rule.id.padEnd(14)} ${decision.kind.padEnd(5)} @ ${decision.price}\n    ${decision.explanation}\n`,
          )
        },
        error: (error: unknown) => {
          failure = error
          process.emit('SIGINT')
        },
      })
    const faults: ReturnType<typeof setTimeout>[] = []
    if (where.sim) {
      const sim = where.sim
      faults.push(
        setTimeout(
          () => sim.market.crash(symbols[0]!, { pct: 9, durationMs: 20 * 60_000 }),
          (durationS * 1000) / 4,
        ),
      )
      faults.push(
        setTimeout(
          () => sim.market.surge(symbols[0]!, { pct: 12, durationMs: 20 * 60_000 }),
          (durationS * 1000) / 2,
        ),
      )
    }
    await runFor(durationS)
    for (const timer of faults) clearTimeout(timer)
    subscription.unsubscribe()
    if (failure) throw failure
    out.write(
      `\nDecisions per rule: ${
        Object.entries(firings)
          .map(([id, n]) => `${id} ${n}`)
          .join(', ') || 'none'
      }\n` +
        `Paper balances: ${executor
          .getBalances()
          .map((b) => `${b.currency} ${formatDecimal(b.free)}`)
          .join(', ')}; fees ${formatDecimal(executor.totalFees)} KRW\n`,
    )
    return 0
  } finally {
    await backbone.close()
    await where.close()
  }
}

/** Flags of `bb backtest`. */
export interface BacktestFlags extends EndpointFlags {
  interval?: string | undefined
  count?: string | undefined
  balance?: string | undefined
  out?: string | undefined
}

/** `bb backtest KRW-BTC [--interval 1m] [--count 5000]`: downloads history with a progress bar, runs the seven rules, prints a summary. */
export async function backtest(
  symbol: string | undefined,
  flags: BacktestFlags,
  out = process.stdout,
  err = process.stderr,
) {
  if (!symbol) throw new UsageError('bb backtest needs a market, e.g. bb backtest KRW-BTC --count 5000')
  const interval = parseCandleInterval(flags.interval ?? '1m')
  const count = Number(flags.count ?? 5000)
  if (!(Number.isInteger(count) && count > 0)) throw new UsageError('--count must be a positive whole number')
  const where = await endpoints(flags, { markets: 12 })
  const backbone = createBackbone({ exchange: 'upbit', restUrl: where.restUrl, wsUrl: where.wsUrl })
  try {
    const candles = await backbone.getCandles(symbol, interval, {
      count,
      onProgress: ({ done, total }) => err.write(`\rdownloading ${progressBar(done, total)}`),
    })
    err.write('\n')
    const report = await runBacktest({
      candles,
      rules: sevenRules({ timeframe: interval }),
      initialBalance: flags.balance ?? '10000000',
      onProgress: (done) => err.write(`\rbacktesting ${progressBar(done, candles.length)}`),
    })
    err.write(`\rbacktesting ${progressBar(candles.length, candles.length)}\n`)
    out.write(
      `\n${table(
        [
          ['strategy', report.strategy],
          ['market', `${symbol} ${interval}, ${report.candles.toLocaleString('en-US')} candles`],
          [
            'period',
            `${new Date(report.startTime ?? 0).toISOString()} → ${new Date(report.endTime ?? 0).toISOString()}`,
          ],
          ['initial balance', `${formatDecimal(report.initialBalance)} KRW`],
          ['final equity', `${formatDecimal(report.finalEquity, 0)} KRW`],
          ['P&L', `${formatDecimal(report.pnl, 0)} KRW (${report.pnlPct.toFixed(2)} %)`],
          [
            'max drawdown',
            `${formatDecimal(report.maxDrawdown, 0)} KRW (${report.maxDrawdownPct.toFixed(2)} %)`,
          ],
          ['fees', `${formatDecimal(report.fees, 0)} KRW`],
          ['trades / cycles', `${report.trades.length} / ${report.cycles.length}`],
          ['win rate', report.winRate === undefined ? '-' : `${(report.winRate * 100).toFixed(1)} %`],
          [
            'firings',
            Object.entries(report.firings)
              .map(([id, n]) => `${id} ${n}`)
              .join(', ') || 'none',
          ],
        ],
        [],
      )}\n`,
    )
    if (flags.out) {
      writeFileSync(
        flags.out,
        flags.out.endsWith('.csv') ? reportToCsv(report, 'trades') : reportToJson(report),
      )
      out.write(`report written to ${flags.out}\n`)
    }
    return 0
  } finally {
    await backbone.close()
    await where.close()
  }
}
