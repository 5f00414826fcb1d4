import { BackboneError, InvalidOrderError, InvalidRequestError, PermissionError } from '@bb/errors'
import { Decimal } from '@bb/models'
import { of } from 'rxjs'
import { describe, expect, it } from 'vitest'
import {
  backtest,
  CandleAggregator,
  createEngine,
  DryRunExecutor,
  Ema,
  LiveExecutor,
  liveConfirmationPhrase,
  type OrderGateway,
  parseCandlesCsv,
  parseStrategy,
  RollingWindow,
  Rsi,
  reportToCsv,
  reportToJson,
  roleRank,
  roundToTick,
  Sma,
  sevenRules,
} from '../src/index.js'
import { EXCHANGE, fallingCandles, intent, SYMBOL, T0 } from './helpers.js'

// Every bad argument to the public API of @bb/rules fails with a typed @bb/errors error that
// names the parameter or the bad value — never a raw TypeError/RangeError, never silence.

type ErrorClass = typeof InvalidRequestError | typeof InvalidOrderError | typeof PermissionError
type Case = [name: string, call: () => unknown, expected: ErrorClass, names: string]

const any = <T>(value: unknown) => value as T
const engine = () => createEngine({ exchange: EXCHANGE, strategy: sevenRules() })
const gateway: OrderGateway = {
  hasCredentials: () => true,
  createOrder: async () => {
    throw new Error('not in this test')
  },
  testOrder: async () => {
    throw new Error('not in this test')
  },
  cancelOrder: async () => {
    throw new Error('not in this test')
  },
  getOrder: async () => {
    throw new Error('not in this test')
  },
  getBalances: async () => [],
}
const tickAt = { exchange: EXCHANGE, symbol: SYMBOL }
const live = (extra: object = {}) =>
  new LiveExecutor({
    exchange: EXCHANGE,
    gateway,
    live: true,
    maxCapitalAtRisk: 1_000_000,
    confirmation: liveConfirmationPhrase(1_000_000, 'KRW'),
    sleep: async () => {},
    ...extra,
  })
/** Runs an executor's submit and throws the error of a rejected outcome. */
const refused = async (outcome: Promise<{ status: string; error?: unknown }>) => {
  const result = await outcome
  if (result.status === 'rejected') throw result.error
  return result
}
const report = async () =>
  backtest({
    exchange: EXCHANGE,
    candles: fallingCandles(30),
    rules: sevenRules(),
    initialBalance: 10_000_000,
  })

const CASES: Case[] = [
  // the engine
  ['createEngine()', () => any<() => unknown>(createEngine)(), InvalidRequestError, 'options'],
  ['createEngine(null)', () => createEngine(any(null)), InvalidRequestError, 'options'],
  [
    'createEngine without an exchange',
    () => createEngine(any({ strategy: sevenRules() })),
    InvalidRequestError,
    'exchange',
  ],
  [
    'createEngine exchange {}',
    () => createEngine({ exchange: any({}), strategy: sevenRules() }),
    InvalidRequestError,
    'exchange',
  ],
  [
    'createEngine strategy null',
    () => createEngine({ exchange: EXCHANGE, strategy: any(null) }),
    InvalidRequestError,
    'strategy',
  ],
  [
    'createEngine strategy text',
    () => createEngine({ exchange: EXCHANGE, strategy: any('seven') }),
    InvalidRequestError,
    'strategy',
  ],
  [
    'createEngine executor {}',
    () => createEngine({ exchange: EXCHANGE, strategy: sevenRules(), executor: any({}) }),
    InvalidRequestError,
    'executor',
  ],
  [
    'createEngine history null',
    () => createEngine({ exchange: EXCHANGE, strategy: sevenRules(), history: any(null) }),
    InvalidRequestError,
    'history',
  ],
  [
    'createEngine history text',
    () => createEngine({ exchange: EXCHANGE, strategy: sevenRules(), history: any('x') }),
    InvalidRequestError,
    'history',
  ],
  [
    'createEngine retryAfterRejectMs NaN',
    () => createEngine({ exchange: EXCHANGE, strategy: sevenRules(), retryAfterRejectMs: Number.NaN }),
    InvalidRequestError,
    'retryAfterRejectMs',
  ],
  [
    'createEngine candleCloseFills bad',
    () => createEngine({ exchange: EXCHANGE, strategy: sevenRules(), candleCloseFills: any('later') }),
    InvalidRequestError,
    'candleCloseFills',
  ],
  [
    'createEngine logger text',
    () => createEngine({ exchange: EXCHANGE, strategy: sevenRules(), logger: any('console') }),
    InvalidRequestError,
    'logger',
  ],
  ['process(null)', () => engine().process(any(null)), InvalidRequestError, 'event'],
  ['process unknown type', () => engine().process(any({ type: 'wat' })), InvalidRequestError, 'wat'],
  [
    'process price NaN',
    () => engine().process({ type: 'price', symbol: SYMBOL, price: Number.NaN, timestamp: T0 }),
    InvalidRequestError,
    'price',
  ],
  [
    'process price -1e20',
    () => engine().process({ type: 'price', symbol: SYMBOL, price: -1e20, timestamp: T0 }),
    InvalidRequestError,
    'price',
  ],
  [
    'process price Infinity',
    () =>
      engine().process({
        type: 'price',
        symbol: SYMBOL,
        price: new Decimal(Number.POSITIVE_INFINITY),
        timestamp: T0,
      }),
    InvalidRequestError,
    'price',
  ],
  [
    'process price BigInt',
    () => engine().process({ type: 'price', symbol: SYMBOL, price: any(5n), timestamp: T0 }),
    InvalidRequestError,
    'price',
  ],
  [
    'process symbol number',
    () => engine().process({ type: 'price', symbol: any(5), price: 1, timestamp: T0 }),
    InvalidRequestError,
    'symbol',
  ],
  [
    'process malformed symbol',
    () => engine().process({ type: 'price', symbol: 'BTCKRW', price: 1, timestamp: T0 }),
    InvalidRequestError,
    'BTCKRW',
  ],
  [
    'process timestamp text',
    () => engine().process({ type: 'price', symbol: SYMBOL, price: 1, timestamp: any('now') }),
    InvalidRequestError,
    'timestamp',
  ],
  [
    'process trade null',
    () => engine().process({ type: 'trade', trade: any(null) }),
    InvalidRequestError,
    'trade',
  ],
  [
    'process candle without close',
    () => engine().process({ type: 'candle', candle: any({ symbol: SYMBOL, timestamp: T0 }) }),
    InvalidRequestError,
    'candle.close',
  ],
  ['run(null)', () => engine().run(any(null)), InvalidRequestError, 'sources'],
  ['run({})', () => engine().run({}), InvalidRequestError, 'sources'],
  ['run trades an array', () => engine().run({ trades: any([]) }), InvalidRequestError, 'sources.trades'],
  // strategies and presets
  ['sevenRules(null)', () => sevenRules(any(null)), InvalidRequestError, 'params'],
  [
    'sevenRules rsiPeriod NaN',
    () => sevenRules(any({ rsiPeriod: Number.NaN })),
    InvalidRequestError,
    'rsiPeriod',
  ],
  [
    'sevenRules entryPercent 1e20',
    () => sevenRules(any({ entryPercent: 1e20 })),
    InvalidRequestError,
    'entryPercent',
  ],
  ['parseStrategy(null)', () => parseStrategy(null), InvalidRequestError, 'strategy'],
  [
    'parseStrategy no rules',
    () => parseStrategy({ name: 'x', timeframe: '1m', rules: [] }),
    InvalidRequestError,
    'rules',
  ],
  // the dry-run executor
  ['DryRunExecutor(null)', () => new DryRunExecutor(any(null)), InvalidRequestError, 'options'],
  ['DryRunExecutor()', () => new DryRunExecutor(any(undefined)), InvalidRequestError, 'options'],
  ['DryRunExecutor without an exchange', () => new DryRunExecutor(any({})), InvalidRequestError, 'exchange'],
  [
    'DryRunExecutor exchange text',
    () => new DryRunExecutor({ exchange: any('the first one') }),
    InvalidRequestError,
    'exchange',
  ],
  [
    'DryRunExecutor balance text',
    () => new DryRunExecutor({ exchange: EXCHANGE, balances: { KRW: 'lots' } }),
    InvalidRequestError,
    'balances.KRW',
  ],
  [
    'DryRunExecutor balance Infinity',
    () => new DryRunExecutor({ exchange: EXCHANGE, balances: { KRW: '1e999999999999999999' } }),
    InvalidRequestError,
    'balances.KRW',
  ],
  [
    'DryRunExecutor balance -1',
    () => new DryRunExecutor({ exchange: EXCHANGE, balances: { KRW: -1 } }),
    InvalidRequestError,
    'balances.KRW',
  ],
  [
    'DryRunExecutor balances null',
    () => new DryRunExecutor({ exchange: EXCHANGE, balances: any(null) }),
    InvalidRequestError,
    'balances',
  ],
  [
    'DryRunExecutor feeRate NaN',
    () => new DryRunExecutor({ exchange: EXCHANGE, feeRate: Number.NaN }),
    InvalidRequestError,
    'feeRate',
  ],
  [
    'DryRunExecutor feeRate 2',
    () => new DryRunExecutor({ exchange: EXCHANGE, feeRate: 2 }),
    InvalidRequestError,
    'feeRate',
  ],
  [
    'DryRunExecutor volumeDecimals -1',
    () => new DryRunExecutor({ exchange: EXCHANGE, volumeDecimals: -1 }),
    InvalidRequestError,
    'volumeDecimals',
  ],
  [
    'DryRunExecutor testOrders {}',
    () => new DryRunExecutor({ exchange: EXCHANGE, testOrders: any({}) }),
    InvalidRequestError,
    'testOrders',
  ],
  [
    'DryRunExecutor submit(null)',
    () => refused(new DryRunExecutor({ exchange: EXCHANGE }).submit(any(null))),
    InvalidOrderError,
    'null',
  ],
  [
    'DryRunExecutor submit side up',
    () => refused(new DryRunExecutor({ exchange: EXCHANGE }).submit(intent({ side: 'up' }))),
    InvalidOrderError,
    'up',
  ],
  // the live executor
  ['LiveExecutor(null)', () => new LiveExecutor(any(null)), PermissionError, 'null'],
  ['LiveExecutor without an exchange', () => live({ exchange: undefined }), InvalidRequestError, 'exchange'],
  [
    'LiveExecutor cap 1e999999999999999999',
    () => live({ maxCapitalAtRisk: '1e999999999999999999' }),
    InvalidRequestError,
    'maxCapitalAtRisk',
  ],
  [
    'LiveExecutor cap NaN',
    () => live({ maxCapitalAtRisk: Number.NaN }),
    InvalidRequestError,
    'maxCapitalAtRisk',
  ],
  [
    'LiveExecutor cap -1e20',
    () => live({ maxCapitalAtRisk: -1e20 }),
    InvalidRequestError,
    'maxCapitalAtRisk',
  ],
  ['LiveExecutor cap BigInt', () => live({ maxCapitalAtRisk: 10n }), InvalidRequestError, 'maxCapitalAtRisk'],
  [
    'LiveExecutor cap text',
    () => live({ maxCapitalAtRisk: 'a million' }),
    InvalidRequestError,
    'maxCapitalAtRisk',
  ],
  [
    'LiveExecutor gateway without methods',
    () => live({ gateway: { hasCredentials: () => true } }),
    InvalidRequestError,
    'gateway.createOrder',
  ],
  ['LiveExecutor pollIntervalMs 0', () => live({ pollIntervalMs: 0 }), InvalidRequestError, 'pollIntervalMs'],
  [
    'LiveExecutor orderTimeoutMs NaN',
    () => live({ orderTimeoutMs: Number.NaN }),
    InvalidRequestError,
    'orderTimeoutMs',
  ],
  ['LiveExecutor sleep text', () => live({ sleep: 'zzz' }), InvalidRequestError, 'sleep'],
  ['LiveExecutor quote 5', () => live({ quote: 5 }), InvalidRequestError, 'quote'],
  ['LiveExecutor submit(null)', () => refused(live().submit(any(null))), InvalidOrderError, 'null'],
  [
    'LiveExecutor submit malformed symbol',
    () => refused(live().submit(intent({ symbol: 'KRWBTC' }))),
    InvalidOrderError,
    'KRWBTC',
  ],
  [
    'LiveExecutor submit percent 500',
    () => refused(live().submit(intent({ amount: { kind: 'quote_percent', value: 500 } }))),
    InvalidOrderError,
    '500',
  ],
  [
    'LiveExecutor submit total NaN',
    () => refused(live().submit(intent({ amount: { kind: 'quote', value: new Decimal(Number.NaN) } }))),
    InvalidOrderError,
    'NaN',
  ],
  [
    'liveConfirmationPhrase(null)',
    () => liveConfirmationPhrase(any(null), 'KRW'),
    InvalidRequestError,
    'maxCapitalAtRisk',
  ],
  [
    'liveConfirmationPhrase Infinity',
    () => liveConfirmationPhrase('1e999999999999999999', 'KRW'),
    InvalidRequestError,
    'maxCapitalAtRisk',
  ],
  // backtests and reports
  ['backtest(null)', () => backtest(any(null)), InvalidRequestError, 'options'],
  [
    'backtest without an exchange',
    () => backtest(any({ candles: fallingCandles(5), rules: sevenRules(), initialBalance: 1e6 })),
    InvalidRequestError,
    'exchange',
  ],
  [
    'backtest candles null',
    () => backtest({ exchange: EXCHANGE, candles: any(null), rules: sevenRules(), initialBalance: 1e6 }),
    InvalidRequestError,
    'candles',
  ],
  [
    'backtest candles a number',
    () => backtest({ exchange: EXCHANGE, candles: any(5), rules: sevenRules(), initialBalance: 1e6 }),
    InvalidRequestError,
    'candles',
  ],
  [
    'backtest candles []',
    () => backtest({ exchange: EXCHANGE, candles: [], rules: sevenRules(), initialBalance: 1e6 }),
    InvalidRequestError,
    'candles',
  ],
  [
    'backtest candles garbage',
    () => backtest({ exchange: EXCHANGE, candles: any([5]), rules: sevenRules(), initialBalance: 1e6 }),
    InvalidRequestError,
    'candles',
  ],
  [
    'backtest file missing',
    () =>
      backtest({
        exchange: EXCHANGE,
        candles: { file: '/nope/krw-btc.csv', symbol: 'KRW-BTC', interval: '1m' },
        rules: sevenRules(),
        initialBalance: 1e6,
      }),
    InvalidRequestError,
    '/nope/krw-btc.csv',
  ],
  [
    'backtest csv a number',
    () =>
      backtest({ exchange: EXCHANGE, candles: { csv: any(5) }, rules: sevenRules(), initialBalance: 1e6 }),
    InvalidRequestError,
    'candles.csv',
  ],
  [
    'backtest initialBalance NaN',
    () =>
      backtest({
        exchange: EXCHANGE,
        candles: fallingCandles(5),
        rules: sevenRules(),
        initialBalance: Number.NaN,
      }),
    InvalidRequestError,
    'initialBalance',
  ],
  [
    'backtest initialBalance Infinity',
    () =>
      backtest({
        exchange: EXCHANGE,
        candles: fallingCandles(5),
        rules: sevenRules(),
        initialBalance: '1e999999999999999999',
      }),
    InvalidRequestError,
    'initialBalance',
  ],
  [
    'backtest initialBalance -1',
    () =>
      backtest({ exchange: EXCHANGE, candles: fallingCandles(5), rules: sevenRules(), initialBalance: -1 }),
    InvalidRequestError,
    'initialBalance',
  ],
  [
    'backtest initialBalance missing',
    () => backtest(any({ exchange: EXCHANGE, candles: fallingCandles(5), rules: sevenRules() })),
    InvalidRequestError,
    'initialBalance',
  ],
  [
    'backtest warmUp -1',
    () =>
      backtest({
        exchange: EXCHANGE,
        candles: fallingCandles(5),
        rules: sevenRules(),
        initialBalance: 1e6,
        warmUp: -1,
      }),
    InvalidRequestError,
    'warmUp',
  ],
  [
    'backtest fee 1e20',
    () =>
      backtest({
        exchange: EXCHANGE,
        candles: fallingCandles(5),
        rules: sevenRules(),
        initialBalance: 1e6,
        fee: 1e20,
      }),
    InvalidRequestError,
    'fee',
  ],
  [
    'backtest rules null',
    () => backtest({ exchange: EXCHANGE, candles: fallingCandles(5), rules: any(null), initialBalance: 1e6 }),
    InvalidRequestError,
    'strategy',
  ],
  [
    'parseCandlesCsv(null)',
    () => parseCandlesCsv(any(null), { exchange: EXCHANGE }),
    InvalidRequestError,
    'text',
  ],
  ['parseCandlesCsv empty', () => parseCandlesCsv('', { exchange: EXCHANGE }), InvalidRequestError, 'text'],
  [
    'parseCandlesCsv without an exchange',
    () => parseCandlesCsv('timestamp,open,high,low,close\n', any({ symbol: 'KRW-A' })),
    InvalidRequestError,
    'exchange',
  ],
  [
    'parseCandlesCsv options null',
    () => parseCandlesCsv('timestamp,open,high,low,close\n', any(null)),
    InvalidRequestError,
    'options',
  ],
  [
    'reportToCsv bad table',
    async () => reportToCsv(await report(), any('wat')),
    InvalidRequestError,
    'table',
  ],
  ['reportToCsv(null)', () => reportToCsv(any(null)), InvalidRequestError, 'report'],
  ['reportToJson(null)', () => reportToJson(any(null)), InvalidRequestError, 'report'],
  // indicators and helpers
  ['Sma(0)', () => new Sma(0), InvalidRequestError, 'period'],
  ['Sma(NaN)', () => new Sma(Number.NaN), InvalidRequestError, 'period'],
  ['Sma(1e20)', () => new Sma(1e20), InvalidRequestError, 'period'],
  ['Ema(-1)', () => new Ema(-1), InvalidRequestError, 'period'],
  ['Ema smoothing NaN', () => new Ema(5, Number.NaN), InvalidRequestError, 'smoothing'],
  ["Rsi('14')", () => new Rsi(any('14')), InvalidRequestError, 'period'],
  ['Rsi update NaN', () => new Rsi(14).update(Number.NaN), InvalidRequestError, 'close'],
  ['Sma update Infinity', () => new Sma(3).update(Number.POSITIVE_INFINITY), InvalidRequestError, 'value'],
  ['RollingWindow(NaN)', () => new RollingWindow(Number.NaN), InvalidRequestError, 'windowMs'],
  [
    'RollingWindow push NaN',
    () => new RollingWindow(1000).push(T0, Number.NaN),
    InvalidRequestError,
    'value',
  ],
  ["CandleAggregator('2m')", () => new CandleAggregator(any('2m')), InvalidRequestError, '2m'],
  ['CandleAggregator(60)', () => new CandleAggregator(any(60)), InvalidRequestError, 'interval'],
  ['roundToTick(NaN)', () => roundToTick(Number.NaN, 'up', tickAt), InvalidRequestError, 'price'],
  ["roundToTick('abc')", () => roundToTick('abc', 'up', tickAt), InvalidRequestError, 'price'],
  ['roundToTick(-1)', () => roundToTick(-1, 'up', tickAt), InvalidRequestError, 'price'],
  [
    'roundToTick rounding sideways',
    () => roundToTick(1000, any('sideways'), tickAt),
    InvalidRequestError,
    'rounding',
  ],
  [
    'roundToTick without a grid',
    () => roundToTick(1000, 'up', any(undefined)),
    InvalidRequestError,
    'tickSize',
  ],
  ['roundToTick grid {}', () => roundToTick(1000, 'up', any({})), InvalidRequestError, 'tickSize'],
  [
    'roundToTick grid of tick 0',
    () => roundToTick(1000, 'up', () => new Decimal(0)),
    InvalidRequestError,
    'tickSize',
  ],
  ['roleRank bad', () => roleRank(any('BOSS')), InvalidRequestError, 'BOSS'],
]

/** What a call threw or rejected with (`undefined` when it succeeded). */
async function failureOf(call: () => unknown): Promise<unknown> {
  try {
    await call()
  } catch (error) {
    return error
  }
  return undefined
}

describe('bad input to @bb/rules fails with a typed error naming the bad value', () => {
  it.each(CASES)('%s', async (name, call, expected, names) => {
    const error = await failureOf(call)
    expect(error, `${name}: it must fail`).toBeDefined()
    expect(error instanceof TypeError || error instanceof RangeError, `${name}: ${String(error)}`).toBe(false)
    expect(BackboneError.isInstance(error), `${name}: ${String(error)}`).toBe(true)
    expect(expected.isInstance(error), `${name}: ${(error as Error).name}: ${(error as Error).message}`).toBe(
      true,
    )
    const { param } = error as { param?: string }
    expect(`${param ?? ''} ${(error as Error).message}`, name).toContain(names)
  })

  it('a stream with a bad event errors at once with the typed error', async () => {
    const error = await new Promise((resolve) =>
      engine()
        .run({ events: of({ type: 'price', symbol: SYMBOL, price: Number.NaN, timestamp: T0 } as const) })
        .subscribe({ error: resolve, complete: () => resolve(undefined) }),
    )
    expect(InvalidRequestError.isInstance(error) && error.param).toBe('price')
  })
})

describe('70 s of bad input on a manual clock', () => {
  it('sees no uncaught exception and no unhandled rejection', async () => {
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    process.on('unhandledRejection', onUncaught)
    try {
      // The engine's clock is the events' timestamps: 70 s of one price a second, a bad event
      // and a slice of the bad-call table between every two good ones.
      const subject = createEngine({
        exchange: EXCHANGE,
        strategy: sevenRules(),
        history: fallingCandles(15),
      })
      let typed = 0
      let calls = 0
      for (let second = 0; second < 70; second++) {
        const timestamp = T0 + second * 1000
        subject.process({ type: 'price', symbol: SYMBOL, price: 10_000 - second, timestamp })
        const bad = [
          () => subject.process({ type: 'price', symbol: SYMBOL, price: Number.NaN, timestamp }),
          ...CASES.filter((_, i) => i % 10 === second % 10).map(([, call]) => call),
        ]
        for (const error of await Promise.all(bad.map(failureOf))) {
          calls++
          if (BackboneError.isInstance(error)) typed++
        }
        await subject.idle()
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(calls).toBeGreaterThanOrEqual(70 + CASES.length * 7)
      expect(typed).toBe(calls)
      expect(subject.getState(SYMBOL)?.state).toBe('ACTIVE') // the good events still traded
      expect(uncaught).toEqual([])
    } finally {
      process.off('uncaughtException', onUncaught)
      process.off('unhandledRejection', onUncaught)
    }
  }, 60_000)
})
