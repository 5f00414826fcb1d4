import { readFile } from 'node:fs/promises'
import { AbortedError, DataValidationError, InvalidRequestError, type Logger } from '@bb/errors'
import {
  type Candle,
  type CandleInterval,
  Decimal,
  type DecimalInput,
  intervalToMs,
  isFixedInterval,
  nextCandleOpenTime,
} from '@bb/models'
import { callback, decimalIn, describeValue, integerIn, invalid, oneOf, optionsBag } from './check.js'
import { csvCell, parseCandlesCsv } from './csv.js'
import { DryRunExecutor } from './dry-run.js'
import { createEngine } from './engine.js'
import type { CycleResult, Decision } from './engine-types.js'
import { type ExchangeRules, exchangeRulesOf } from './exchange.js'
import type { Strategy, StrategyInput } from './schema.js'

/** Where a backtest's candles come from. */
export type CandleSource =
  | Iterable<Candle>
  | AsyncIterable<Candle>
  | {
      /** CSV text (see {@link parseCandlesCsv}). */
      readonly csv: string
      /** The market, when the CSV has no `symbol` column. */
      readonly symbol?: string
      /** The interval, when the CSV has no `interval` column. */
      readonly interval?: CandleInterval
    }
  | {
      /** Path of a CSV file (see {@link parseCandlesCsv}). */
      readonly file: string
      /** The market, when the CSV has no `symbol` column. */
      readonly symbol?: string
      /** The interval, when the CSV has no `interval` column. */
      readonly interval?: CandleInterval
    }

/** Options of {@link backtest}. */
export interface BacktestOptions {
  /**
   * Historical candles, oldest first (an array is sorted for you): an array, any (async)
   * iterable — e.g. a paginated REST download — or CSV text or a CSV file.
   */
  readonly candles: CandleSource
  /** The strategy, e.g. `sevenRules()`. */
  readonly rules: Strategy | StrategyInput
  /** Starting balance, in the quote currency of the candles' markets. */
  readonly initialBalance: DecimalInput
  /**
   * The exchange whose rules the paper account follows (any `ExchangeAdapter`: tick grid, taker
   * fee, minimum order, volume decimals; its symbol rules read CSV symbols). The three options
   * below override single rules. Required: there is no default exchange.
   */
  readonly exchange: ExchangeRules
  /** Fee rate per fill. Default the exchange's taker fee. */
  readonly fee?: DecimalInput
  /** Tick size for a price. Default the exchange's tick grid. */
  readonly tickSize?: (price: Decimal) => Decimal
  /** Minimum order total. Default the exchange's minimum. */
  readonly minOrderTotal?: DecimalInput
  /** The first `warmUp` candles of each symbol only warm the indicators up (no trading). Default 0. */
  readonly warmUp?: number
  /** Called every 1,000 candles with the number processed. */
  readonly onProgress?: (candles: number) => void
  /** Aborts the run (rejects with `AbortedError`). */
  readonly signal?: AbortSignal
  /** Logger (silent by default). */
  readonly logger?: Logger
}

/** One fill of a backtest. */
export interface BacktestTrade {
  /** Fill time, ms UTC. */
  readonly time: number
  /** The market. */
  readonly symbol: string
  /** Buy or sell. */
  readonly side: 'buy' | 'sell'
  /** The rule that placed the order. */
  readonly ruleId: string
  /** The decision that placed it. */
  readonly decisionId: number
  /** Fill price. */
  readonly price: Decimal
  /** Base volume. */
  readonly volume: Decimal
  /** Quote amount before the fee. */
  readonly funds: Decimal
  /** Fee. */
  readonly fee: Decimal
}

/** An order the paper account refused during the backtest. */
export interface BacktestRejection {
  /** The decision. */
  readonly decisionId: number
  /** The market. */
  readonly symbol: string
  /** The rule. */
  readonly ruleId: string
  /** The error code, e.g. `insufficient_funds`. */
  readonly code: string
  /** The error message. */
  readonly message: string
}

/** A position still open when the data ended, valued at the last close. */
export interface OpenPosition {
  /** The market. */
  readonly symbol: string
  /** Base held. */
  readonly quantity: Decimal
  /** `quantity × last close`. */
  readonly value: Decimal
}

/** The result of {@link backtest}. */
export interface BacktestReport {
  /** The strategy's name. */
  readonly strategy: string
  /** Candles evaluated (warm-up excluded). */
  readonly candles: number
  /** Markets seen. */
  readonly symbols: readonly string[]
  /** Open time of the first candle evaluated. */
  readonly startTime: number | undefined
  /** End time of the last candle. */
  readonly endTime: number | undefined
  /** Starting quote balance. */
  readonly initialBalance: Decimal
  /** Quote balance at the end. */
  readonly finalBalance: Decimal
  /** Quote balance plus open positions at their last close. */
  readonly finalEquity: Decimal
  /** `finalEquity − initialBalance`. */
  readonly pnl: Decimal
  /** `pnl / initialBalance × 100`. */
  readonly pnlPct: number
  /** P&L of the closed cycles. */
  readonly realizedPnl: Decimal
  /** Fees paid. */
  readonly fees: Decimal
  /** Largest fall of equity from a previous peak (marked at every candle close), in quote. */
  readonly maxDrawdown: Decimal
  /** The same fall as a percent of that peak. */
  readonly maxDrawdownPct: number
  /** Share (0–1) of closed cycles with a positive P&L; `undefined` without closed cycles. */
  readonly winRate: number | undefined
  /** Every fill. */
  readonly trades: readonly BacktestTrade[]
  /** Every closed cycle. */
  readonly cycles: readonly CycleResult[]
  /** Every refused order. */
  readonly rejections: readonly BacktestRejection[]
  /** Decisions per rule id (meta actions included). */
  readonly firings: Readonly<Record<string, number>>
  /** The explanation log: every decision with its explanation. */
  readonly decisions: readonly Decision[]
  /** Positions still open at the end. */
  readonly openPositions: readonly OpenPosition[]
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Candle> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value
}

async function* candlesOf(source: CandleSource, exchange: ExchangeRules): AsyncGenerator<Candle> {
  if (source === null || typeof source !== 'object')
    throw invalid(
      'candles',
      `"candles" must be an array or (async) iterable of candles, { csv } or { file } (got ${describeValue(source)}).`,
    )
  if ('csv' in source || 'file' in source) {
    if ('csv' in source && typeof source.csv !== 'string')
      throw invalid('candles.csv', `"candles.csv" must be CSV text (got ${describeValue(source.csv)}).`)
    if ('file' in source && (typeof source.file !== 'string' || source.file === ''))
      throw invalid('candles.file', `"candles.file" must be a file path (got ${describeValue(source.file)}).`)
    let text: string
    try {
      text = 'csv' in source ? source.csv : await readFile(source.file, 'utf8')
    } catch (error) {
      throw new InvalidRequestError({
        param: 'candles.file',
        channel: 'rules',
        message: `Cannot read the candle file ${describeValue((source as { file: string }).file)} (${(error as { code?: string }).code ?? 'read error'}).`,
        cause: error,
      })
    }
    const options = {
      ...(source.symbol ? { symbol: source.symbol } : {}),
      ...(source.interval ? { interval: source.interval } : {}),
      exchange,
    }
    yield* parseCandlesCsv(text, options)
    return
  }
  if (Array.isArray(source)) {
    yield* [...(source as readonly Candle[])].sort((a, b) => a.timestamp - b.timestamp)
    return
  }
  if (isAsyncIterable(source)) {
    yield* source
    return
  }
  if (typeof (source as Iterable<Candle>)[Symbol.iterator] !== 'function')
    throw invalid(
      'candles',
      '"candles" must be an array or (async) iterable of candles, { csv } or { file }.',
    )
  yield* source as Iterable<Candle>
}

function candleLength(candle: Candle): number {
  return isFixedInterval(candle.interval)
    ? intervalToMs(candle.interval)
    : nextCandleOpenTime(candle.timestamp, candle.interval) - candle.timestamp
}

/**
 * Runs the very same engine over historical candles with a {@link DryRunExecutor} (same fee, tick
 * grid and minimum as paper trading). Each candle is replayed conservatively: its open, then its
 * **low**, then its high — so stops are checked against the low before targets against the high —
 * at a third and two thirds of the interval; then the candle closes (indicators update, closed-candle
 * rules such as the RSI entry are evaluated) and orders decided on the close fill at the next
 * candle's open. Orders decided intrabar fill at that intrabar price. Equity is marked at every
 * close for the drawdown. Candles of several symbols may be interleaved (oldest first).
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises'
 * import type { Candle } from '@bb/models'
 * import type { ExchangeAdapter } from '@bb/exchange-adapter'
 * import { backtest, reportToCsv, sevenRules } from '@bb/rules'
 * declare const exchange: ExchangeAdapter // the adapter of your exchange package
 * const report = await backtest({
 *   exchange,
 *   candles: { file: 'btc-usdt-1m.csv', symbol: 'BTC/USDT', interval: '1m' },
 *   rules: sevenRules(),
 *   initialBalance: 10_000_000,
 * })
 * console.log(report.pnl.toString(), report.maxDrawdownPct, report.firings)
 * console.log(reportToCsv(report, 'trades'))
 * ```
 */
export async function backtest(options: BacktestOptions): Promise<BacktestReport> {
  const opts = optionsBag(options, 'options', true)
  if (opts.initialBalance === undefined)
    throw invalid(
      'initialBalance',
      '"initialBalance" is required: the starting quote balance, e.g. 10000000.',
    )
  const initialBalance = decimalIn(opts.initialBalance, 'initialBalance', { above: 0 })!
  decimalIn(opts.fee, 'fee', { min: 0, below: 1 })
  decimalIn(opts.minOrderTotal, 'minOrderTotal', { min: 0 })
  callback(opts.tickSize, 'tickSize')
  callback(opts.onProgress, 'onProgress')
  integerIn(opts.warmUp, 'warmUp', 0, Number.MAX_SAFE_INTEGER)
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal))
    throw invalid('signal', `"signal" must be an AbortSignal (got ${describeValue(opts.signal)}).`)
  if (opts.rules === undefined) throw invalid('rules', '"rules" is required, e.g. sevenRules().')
  const exchange = exchangeRulesOf(opts.exchange, 'backtest')
  const iterator = candlesOf(opts.candles, exchange)[Symbol.asyncIterator]()
  let next = await iterator.next()
  if (next.done) throw invalid('candles', '"candles" is empty: a backtest needs at least one candle.')
  if (next.value === null || typeof next.value !== 'object' || typeof next.value.symbol !== 'string')
    throw invalid('candles', `"candles" must hold candles (got ${describeValue(next.value)} first).`)
  // The paper account holds the initial balance in the quote currency of the first market (every
  // candle names its base and quote: no symbol parsing, whatever the exchange's symbol form).
  const quote = next.value.quote
  const bases = new Map<string, string>()
  const paper = new DryRunExecutor({
    exchange,
    balances: { [quote]: initialBalance },
    ...(opts.fee !== undefined ? { feeRate: opts.fee } : {}),
    ...(opts.tickSize ? { tickSize: opts.tickSize } : {}),
    ...(opts.minOrderTotal !== undefined ? { minOrderTotal: opts.minOrderTotal } : {}),
  })
  const engine = createEngine({
    strategy: opts.rules,
    exchange,
    executor: paper,
    candlesFrom: 'candles',
    candleCloseFills: 'next-open',
    ...(opts.logger ? { logger: opts.logger } : {}),
  })
  const decisions: Decision[] = []
  const trades: BacktestTrade[] = []
  const cycles: CycleResult[] = []
  const rejections: BacktestRejection[] = []
  const firings: Record<string, number> = {}
  engine.decisions$.subscribe((decision) => {
    decisions.push(decision)
    firings[decision.rule.id] = (firings[decision.rule.id] ?? 0) + 1
  })
  engine.executions$.subscribe((event) => {
    if (event.type === 'fill')
      trades.push({
        time: event.fill.timestamp,
        symbol: event.fill.symbol,
        side: event.fill.side,
        ruleId: event.ruleId,
        decisionId: event.decisionId,
        price: event.fill.price,
        volume: event.fill.volume,
        funds: event.fill.funds,
        fee: event.fill.fee,
      })
    else if (event.type === 'cycle') cycles.push(event.cycle)
    else
      rejections.push({
        decisionId: event.decisionId,
        symbol: event.symbol,
        ruleId: event.ruleId,
        code: event.error.code,
        message: event.error.shortMessage,
      })
  })

  const warmUp = opts.warmUp ?? 0
  const seen = new Map<string, number>()
  const lastOpen = new Map<string, number>()
  const lastClose = new Map<string, Decimal>()
  let count = 0
  let startTime: number | undefined
  let endTime: number | undefined
  let peak = initialBalance
  let maxDrawdown = new Decimal(0)
  let maxDrawdownPct = 0

  for (; !next.done; next = await iterator.next()) {
    const candle = next.value
    if (opts.signal?.aborted) throw new AbortedError({ channel: 'rules', cause: opts.signal.reason })
    const previousOpen = lastOpen.get(candle.symbol)
    if (previousOpen !== undefined && candle.timestamp <= previousOpen)
      throw new DataValidationError({
        path: `${candle.symbol}@${candle.timestamp}`,
        message: `Candles of ${candle.symbol} must be oldest first without duplicates (${candle.timestamp} after ${previousOpen}).`,
      })
    lastOpen.set(candle.symbol, candle.timestamp)
    bases.set(candle.symbol, candle.base)
    if (candle.quote !== quote)
      throw new DataValidationError({
        path: candle.symbol,
        message: `All markets of a backtest must share one quote currency (${quote}); got ${candle.symbol}.`,
      })
    const n = (seen.get(candle.symbol) ?? 0) + 1
    seen.set(candle.symbol, n)
    if (n <= warmUp) {
      engine.warmUp([candle])
      lastClose.set(candle.symbol, candle.close)
      continue
    }
    const length = candleLength(candle)
    startTime ??= candle.timestamp
    const path: readonly [Decimal, number][] = [
      [candle.open, candle.timestamp],
      [candle.low, candle.timestamp + Math.floor(length / 3)],
      [candle.high, candle.timestamp + Math.floor((2 * length) / 3)],
    ]
    for (const [price, timestamp] of path) {
      engine.process({ type: 'price', symbol: candle.symbol, price, timestamp })
      await engine.idle()
    }
    // Orders decided on the close wait in the engine for this symbol's next price (the next open).
    engine.process({ type: 'candle', candle, closed: true })
    await engine.idle()
    lastClose.set(candle.symbol, candle.close)
    endTime = candle.timestamp + length
    count++
    if (count % 1000 === 0) opts.onProgress?.(count)
    const equity = equityOf(paper, quote, lastClose, bases)
    if (equity.greaterThan(peak)) peak = equity
    const drawdown = peak.minus(equity)
    if (drawdown.greaterThan(maxDrawdown)) {
      maxDrawdown = drawdown
      maxDrawdownPct = peak.isZero() ? 0 : drawdown.dividedBy(peak).times(100).toNumber()
    }
  }
  paper.cancelPending('The data ended before the next candle opened: the order was not filled.')
  await engine.idle()
  const finalBalance = paper.balance(quote)
  const openPositions: OpenPosition[] = []
  for (const [symbol, close] of lastClose) {
    const quantity = paper.balance(bases.get(symbol) ?? symbol)
    if (!quantity.isZero()) openPositions.push({ symbol, quantity, value: quantity.times(close) })
  }
  const finalEquity = openPositions.reduce((sum, p) => sum.plus(p.value), finalBalance)
  const pnl = finalEquity.minus(initialBalance)
  const realizedPnl = cycles.reduce((sum, c) => sum.plus(c.pnl), new Decimal(0))
  return {
    strategy: engine.strategy.name,
    candles: count,
    symbols: [...seen.keys()],
    startTime,
    endTime,
    initialBalance,
    finalBalance,
    finalEquity,
    pnl,
    pnlPct: initialBalance.isZero() ? 0 : pnl.dividedBy(initialBalance).times(100).toNumber(),
    realizedPnl,
    fees: paper.totalFees,
    maxDrawdown,
    maxDrawdownPct,
    winRate:
      cycles.length === 0 ? undefined : cycles.filter((c) => c.pnl.greaterThan(0)).length / cycles.length,
    trades,
    cycles,
    rejections,
    firings,
    decisions,
    openPositions,
  }
}

function equityOf(
  paper: DryRunExecutor,
  quote: string,
  closes: ReadonlyMap<string, Decimal>,
  bases: ReadonlyMap<string, string>,
): Decimal {
  let equity = paper.balance(quote)
  for (const [symbol, close] of closes) {
    const held = paper.balance(bases.get(symbol) ?? symbol)
    if (!held.isZero()) equity = equity.plus(held.times(close))
  }
  return equity
}

/**
 * The report as JSON: Decimals as exact strings, times as ms.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises'
 * import type { ExchangeAdapter } from '@bb/exchange-adapter'
 * import type { Candle } from '@bb/models'
 * import { backtest, reportToJson, sevenRules } from '@bb/rules'
 * declare const exchange: ExchangeAdapter // the adapter of your exchange package
 * declare const candles: Candle[] // e.g. from backbone.getCandles(…) or parseCandlesCsv(…)
 * const report = await backtest({ exchange, candles, rules: sevenRules(), initialBalance: 10_000_000 })
 * await writeFile('report.json', reportToJson(report))
 * ```
 */
export function reportToJson(report: BacktestReport, space = 2): string {
  checkReport(report)
  integerIn(space, 'space', 0, 10)
  return JSON.stringify(
    report,
    (_key, value: unknown) => (Decimal.isDecimal(value) ? (value as Decimal).toString() : value),
    space,
  )
}

/**
 * One table of the report as CSV: `trades` (every fill), `cycles` (every closed position),
 * `decisions` (the explanation log) or `firings` (decisions per rule).
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises'
 * import type { ExchangeAdapter } from '@bb/exchange-adapter'
 * import type { Candle } from '@bb/models'
 * import { backtest, reportToCsv, sevenRules } from '@bb/rules'
 * declare const exchange: ExchangeAdapter // the adapter of your exchange package
 * declare const candles: Candle[] // e.g. from backbone.getCandles(…) or parseCandlesCsv(…)
 * const report = await backtest({ exchange, candles, rules: sevenRules(), initialBalance: 10_000_000 })
 * await writeFile('trades.csv', reportToCsv(report, 'trades'))
 * ```
 */
export function reportToCsv(
  report: BacktestReport,
  table: 'trades' | 'cycles' | 'decisions' | 'firings' = 'trades',
): string {
  checkReport(report)
  oneOf(table, 'table', ['trades', 'cycles', 'decisions', 'firings'] as const)
  const rows: unknown[][] = []
  switch (table) {
    case 'trades':
      rows.push(['time', 'symbol', 'side', 'rule', 'decision', 'price', 'volume', 'funds', 'fee'])
      for (const t of report.trades)
        rows.push([
          new Date(t.time).toISOString(),
          t.symbol,
          t.side,
          t.ruleId,
          t.decisionId,
          t.price,
          t.volume,
          t.funds,
          t.fee,
        ])
      break
    case 'cycles':
      rows.push([
        'symbol',
        'cycle',
        'opened',
        'closed',
        'exit_rule',
        'buys',
        'invested',
        'proceeds',
        'pnl',
        'pnl_pct',
        'fees',
      ])
      for (const c of report.cycles)
        rows.push([
          c.symbol,
          c.cycle,
          new Date(c.openedAt).toISOString(),
          new Date(c.closedAt).toISOString(),
          c.exitRuleId,
          c.buys,
          c.invested,
          c.proceeds,
          c.pnl,
          c.pnlPct.toFixed(4),
          c.fees,
        ])
      break
    case 'decisions':
      rows.push(['id', 'time', 'symbol', 'rule', 'kind', 'price', 'explanation'])
      for (const d of report.decisions)
        rows.push([
          d.id,
          new Date(d.timestamp).toISOString(),
          d.symbol,
          d.rule.id,
          d.kind,
          d.price,
          d.explanation,
        ])
      break
    case 'firings':
      rows.push(['rule', 'firings'])
      for (const [rule, n] of Object.entries(report.firings)) rows.push([rule, n])
      break
  }
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\n')}\n`
}

function checkReport(report: BacktestReport): void {
  const value = report as Partial<BacktestReport> | null | undefined
  if (
    value === null ||
    typeof value !== 'object' ||
    !Array.isArray(value.trades) ||
    !Array.isArray(value.decisions)
  )
    throw invalid('report', `"report" must be what backtest() returned (got ${describeValue(report)}).`)
}
