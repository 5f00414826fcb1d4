import { Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import {
  createEngine,
  type Decision,
  DryRunExecutor,
  maxCapitalAtRisk,
  OPERATOR_DEFINITIONS,
  type StrategyInput,
  sevenRules,
  VARIABLE_DEFINITIONS,
  validateStrategy,
} from '../src/index.js'
import { EXCHANGE, fallingCandles, SYMBOL, scenario, T0 } from './helpers.js'

describe('engine.inspect(symbol): every rule evaluated without acting', () => {
  it('shows the RSI entry would fire in READY, and the ACTIVE rules blocked by the state', () => {
    const s = scenario(sevenRules(), { warmCandles: 15 })
    // Seen once without a position: the engine knows the symbol, the entry fires on this tick.
    // Inspect before any price: a fresh engine only knows the symbol from its warm-up candles.
    const before = s.engine.inspect(SYMBOL)!
    expect(before.state).toBe('READY')
    const entry = before.rules.find((r) => r.rule.id === 'rsi-entry')!
    // RSI(14) over candles falling by 10 each is 0: below 20, nothing blocks it.
    expect(entry.status).toBe('would-fire')
    expect(entry.conditions[0]).toMatchObject({ condition: 'RSI(14) < 20', left: 0, right: 20, result: true })
    const pyramid = before.rules.find((r) => r.rule.id === 'pyramid')!
    expect(pyramid.status).toBe('blocked')
    expect(pyramid.blockers).toEqual(['runs in ACTIVE; the position is READY'])
    expect(before.rules.map((r) => r.rule.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    // Inspecting acted on nothing: no decision, no order, still READY.
    expect(s.decisions).toEqual([])
    expect(s.paper.balance('KRW').toString()).toBe('10000000')
  })

  it('names the cooldown of a closed position and the order in flight', async () => {
    const s = scenario(sevenRules())
    await s.feed([[0, 10_000]]) // entry at 10,000
    await s.feed([[61, 8_400]]) // −16 % versus average: the hard stop closes the cycle
    const closed = s.engine.inspect(SYMBOL)!
    expect(closed.state).toBe('CLOSED')
    const entry = closed.rules.find((r) => r.rule.id === 'rsi-entry')!
    expect(entry.status).toBe('blocked')
    // 5 min cooldown after a non-crash exit at T0 + 61 s.
    expect(entry.blockers[0]).toBe(
      `cooldown until ${new Date(T0 + 61_000 + 300_000).toISOString().replace('.000Z', 'Z')} (position CLOSED)`,
    )
  })

  it('leaves crossover memory untouched (inspect between ticks does not change the next decision)', () => {
    const run = (inspectBetween: boolean) => {
      const engine = createEngine({
        exchange: EXCHANGE,
        strategy: sevenRules({ rsiMode: 'crossover', rsiPeriod: 2 }),
        history: fallingCandles(15),
      })
      const made: string[] = []
      engine.decisions$.subscribe((d) => made.push(d.rule.id))
      engine.process({ type: 'price', symbol: SYMBOL, price: 11_860, timestamp: T0 })
      if (inspectBetween) for (let i = 0; i < 3; i++) engine.inspect(SYMBOL)
      const close = new Decimal(11_960)
      engine.process({
        type: 'candle',
        closed: true,
        candle: {
          exchange: 'upbit',
          symbol: SYMBOL,
          marketId: SYMBOL,
          base: 'ABC',
          quote: 'KRW',
          timestamp: T0,
          receivedAt: T0,
          source: 'rest',
          interval: '1m',
          open: new Decimal(11_860),
          high: close,
          low: new Decimal(11_860),
          close,
          volume: new Decimal(1),
          quoteVolume: close,
        },
      })
      return made
    }
    expect(run(true)).toEqual(run(false))
    expect(run(true)).toEqual(['rsi-entry'])
  })

  it('answers undefined for an unseen symbol and a typed error for a bad one', () => {
    const engine = createEngine({ exchange: EXCHANGE, strategy: sevenRules() })
    expect(engine.inspect('KRW-NONE')).toBeUndefined()
    expect(() => engine.inspect(42 as unknown as string)).toThrow(/"symbol" must be a market code/)
  })
})

describe('one decision feed across symbols', () => {
  it('emits every decision of every symbol once, ids contiguous from 1 in emission order', async () => {
    const symbols = ['KRW-AAA', 'KRW-BBB', 'KRW-CCC']
    const engine = createEngine({
      exchange: EXCHANGE,
      strategy: sevenRules(),
      executor: new DryRunExecutor({ exchange: EXCHANGE, balances: { KRW: '100000000' } }),
      history: symbols.flatMap((symbol) => fallingCandles(15, symbol)),
    })
    const feed: Decision[] = []
    engine.decisions$.subscribe((d) => feed.push(d))
    // Entries on all three, then adds (+5 %), a surge flag (meta) and exits, interleaved.
    const path: [number, number][] = [
      [0, 10_000],
      [61, 10_500],
      [122, 11_100],
      [183, 9_000],
    ]
    for (const [seconds, price] of path)
      for (const symbol of symbols) {
        engine.process({ type: 'price', symbol, price, timestamp: T0 + seconds * 1000 })
        await engine.idle()
      }
    expect(feed.length).toBeGreaterThanOrEqual(9)
    expect(feed.map((d) => d.id)).toEqual(feed.map((_, i) => i + 1))
    expect(new Set(feed.map((d) => d.symbol))).toEqual(new Set(symbols))
  })
})

describe('maxCapitalAtRisk', () => {
  it('is the entry plus every possible add of the seven rules (10 % + 3 × 100,000 + 2 × 200,000)', () => {
    // The adds are 20 × and 40 × the market's minimum order total (here 5,000).
    const risk = maxCapitalAtRisk(sevenRules(), { quoteBalance: '10000000', minOrderTotal: '5000' })
    expect(risk.total.toString()).toBe('1700000')
    expect(risk.rules).toEqual([
      { ruleId: 'rsi-entry', perOrder: new Decimal(1_000_000), times: 1 },
      { ruleId: 'pyramid', perOrder: new Decimal(100_000), times: 3 },
      { ruleId: 'average-down', perOrder: new Decimal(200_000), times: 2 },
    ])
    expect(risk.cappedByBalance).toBe(false)
  })

  it('follows the parameters, multiplies by symbols and caps at the balance', () => {
    const strategy = sevenRules({ pyramidMaxCount: 5, averageDownAmount: 50_000 })
    // 1,000,000 + 5 × 100,000 + 2 × 50,000 = 1,600,000 per symbol.
    expect(
      maxCapitalAtRisk(strategy, {
        quoteBalance: '10000000',
        symbols: 2,
        minOrderTotal: 5000,
      }).total.toString(),
    ).toBe('3200000')
    const capped = maxCapitalAtRisk(strategy, { quoteBalance: '2000000', symbols: 3, minOrderTotal: 5000 })
    expect(capped.total.toString()).toBe('2000000')
    expect(capped.cappedByBalance).toBe(true)
  })

  it('sizes minimum-order multiples on the minimum given, and counts them unbounded without one', () => {
    const usdt = maxCapitalAtRisk(sevenRules(), { quoteBalance: '10000', minOrderTotal: '5' })
    // 1,000 + 3 × (20 × 5) + 2 × (40 × 5) = 1,700 on a market whose minimum is 5 USDT.
    expect(usdt.total.toString()).toBe('1700')
    const unsized = maxCapitalAtRisk(sevenRules(), { quoteBalance: '10000' })
    expect(unsized.unbounded).toEqual(['pyramid', 'average-down'])
    expect(() => maxCapitalAtRisk(sevenRules(), { minOrderTotal: -1 })).toThrow(/"minOrderTotal".*-1/)
  })

  it('reports a buy rule without an EXEC_COUNT bound as unbounded', () => {
    const strategy: StrategyInput = {
      rules: [
        {
          id: 'dip',
          name: 'Buy every dip',
          role: 'SCALE_IN',
          activation: 'ANY',
          when: { left: { kind: 'RSI' }, op: '<', right: 30 },
          action: { type: 'buy', amount: { kind: 'quote', value: 10_000 } },
        },
      ],
    }
    const risk = maxCapitalAtRisk(strategy)
    expect(risk.unbounded).toEqual(['dip'])
    expect(maxCapitalAtRisk(strategy, { quoteBalance: '50000' }).total.toString()).toBe('50000')
  })

  it('rejects bad options with a typed error naming the value', () => {
    expect(() => maxCapitalAtRisk(sevenRules(), { symbols: 0 })).toThrow(
      /"symbols" must be an integer.*got 0/,
    )
    expect(() => maxCapitalAtRisk(sevenRules(), { quoteBalance: 'lots' })).toThrow(/"quoteBalance".*"lots"/)
  })
})

describe('variable and operator definitions as data', () => {
  it('carry the ranges and defaults of the zod schemas', () => {
    const rsi = VARIABLE_DEFINITIONS.find((v) => v.kind === 'RSI')!
    expect(rsi.group).toBe('percentage')
    expect(rsi.parameters.find((p) => p.name === 'period')).toMatchObject({
      type: 'integer',
      min: 2,
      max: 240,
      default: 14,
    })
    const window = VARIABLE_DEFINITIONS.find((v) => v.kind === 'PRICE_CHANGE_WINDOW')!
    expect(window.parameters.find((p) => p.name === 'reference')).toMatchObject({
      type: 'enum',
      optional: false,
      options: ['peak', 'trough'],
    })
    expect(VARIABLE_DEFINITIONS.map((v) => v.kind)).toHaveLength(10)
  })

  it('offer for flags only the operators validateStrategy accepts', () => {
    const flagOps = OPERATOR_DEFINITIONS.filter((o) => o.groups.includes('flag')).map((o) => o.op)
    expect(flagOps).toEqual(['==', '!='])
    for (const { op } of OPERATOR_DEFINITIONS) {
      const result = validateStrategy({
        rules: [
          {
            id: 'r',
            name: 'r',
            role: 'MANAGEMENT',
            activation: 'ANY',
            when: { left: { kind: 'CONTEXT_FLAG', flag: 'f' }, op, right: true },
            action: { type: 'set_flag', flag: 'g' },
          },
        ],
      })
      expect(result.success).toBe(flagOps.includes(op))
    }
  })
})
