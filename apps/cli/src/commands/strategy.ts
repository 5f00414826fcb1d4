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
import { upbit } from '@bb/upbit'
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
import { checkMarkets } from './market.js'

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
  const requested = (flags.symbols ?? 'KRW-BTC,KRW-ETH').split(',').map((s) => s.trim())
  const durationS = Number(flags.duration ?? 60)
  const speed = Number(flags.speed ?? 60)
  const where = await endpoints(flags, { markets: 12, speed, tradesPerSecond: 1 })
  const backbone = createBackbone({ exchange: 'upbit', restUrl: where.restUrl, wsUrl: where.wsUrl })
  const strategy = sevenRules()
  const exchange = backbone.adapter
  const executor = new DryRunExecutor({
    exchange,
    balances: { [exchange.market.defaultQuote]: flags.balance ?? '10000000' },
  })
  try {
    const symbols = await checkMarkets(backbone, requested)
    const history: Candle[] = []
    for (const symbol of symbols)
      history.push(...(await backbone.getCandles(symbol, strategy.timeframe, { count: 200 })))
    const engine = createEngine({ strategy, exchange, executor, history })
    out.write(
      `Seven rules, dry-run, ${symbols.join(', ')} on ${where.label}${where.sim ? ` at ${speed}× speed` : ''}; warmed up on ${history.length} candles.\n`,
    )
    const firings: Record<string, number> = {}
    let failure: unknown
    // Simulator only: make the crash and surge rules see what they look for. Both need a position
    // (they run in ACTIVE), so first a steady decline pulls the RSI under its entry threshold; once
    // the entry has filled, a sharp move follows: −8 % in 20 s on the first market (the crash rule
    // wants −5 % within 60 s), +8 % in 20 s on the second (the surge rule wants +5 % within 60 s).
    // Every injection is announced. Times are simulated time (the simulator runs at --speed).
    const sim = where.sim
    const plan = new Map<string, 'crash' | 'surge'>()
    if (sim) {
      plan.set(symbols[0]!, 'crash')
      plan.set(symbols[1] ?? symbols[0]!, symbols[1] ? 'surge' : 'crash')
    }
    const sharpDone = new Set<string>()
    const faults: ReturnType<typeof setTimeout>[] = []
    const announce = (line: string) => out.write(`>>> injected: ${line}\n`)
    const sharp = (symbol: string, why: string) => {
      const move = plan.get(symbol)
      if (!sim || !move || sharpDone.has(symbol)) return
      sharpDone.add(symbol)
      if (move === 'crash') sim.market.crash(symbol, { pct: 8, durationMs: 20_000 })
      else sim.market.surge(symbol, { pct: 8, durationMs: 20_000 })
      announce(`a ${move} on ${symbol}: ${move === 'crash' ? '−' : '+'}8 % within 20 s (simulated), ${why}`)
    }
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
          if (decision.rule.id === 'rsi-entry')
            // the plan is keyed by native ids; a decision names the unified symbol
            setTimeout(() => sharp(upbit.symbols.normalize(decision.symbol), 'after the entry'), 500)
        },
        error: (error: unknown) => {
          failure = error
          process.emit('SIGINT')
        },
      })
    if (sim) {
      for (const symbol of new Set(plan.keys())) {
        sim.market.crash(symbol, { pct: 12, durationMs: 12 * 60_000 })
        announce(`a steady decline on ${symbol}: −12 % over 12 min (simulated), to bring the RSI under 20`)
      }
      // Without an entry by 60 % of the run, the sharp moves come anyway (the rules then have no
      // position to act on, which the summary shows).
      faults.push(
        setTimeout(() => {
          for (const symbol of plan.keys()) sharp(symbol, 'without an entry (no position for the rule)')
        }, durationS * 600),
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
          .join(', ')}; fees ${formatDecimal(executor.totalFees)} ${exchange.market.defaultQuote}\n`,
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
  const where = await endpoints(flags, { markets: 12 })
  const backbone = createBackbone({ exchange: 'upbit', restUrl: where.restUrl, wsUrl: where.wsUrl })
  try {
    const [market] = await checkMarkets(backbone, [symbol])
    // Amounts are in the market's quote currency, as the adapter's symbol rules name it.
    const { quote } = backbone.adapter.symbols.split(market!)
    const candles = await backbone.getCandles(market!, interval, {
      count,
      onProgress: ({ done, total }) => err.write(`\rdownloading ${progressBar(done, total)}`),
    })
    err.write('\n')
    const report = await runBacktest({
      exchange: backbone.adapter,
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
          ['initial balance', `${formatDecimal(report.initialBalance)} ${quote}`],
          ['final equity', `${formatDecimal(report.finalEquity, 0)} ${quote}`],
          ['P&L', `${formatDecimal(report.pnl, 0)} ${quote} (${report.pnlPct.toFixed(2)} %)`],
          [
            'max drawdown',
            `${formatDecimal(report.maxDrawdown, 0)} ${quote} (${report.maxDrawdownPct.toFixed(2)} %)`,
          ],
          ['fees', `${formatDecimal(report.fees, 0)} ${quote}`],
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
