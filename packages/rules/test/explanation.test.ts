import { Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { compileStrategy } from '../src/compile.js'
import {
  blockersOf,
  buildDecision,
  describeAction,
  emergencyDecision,
  formatNumber,
  inspectMarket,
} from '../src/explanation.js'
import { type OrderIntent, sevenRules } from '../src/index.js'
import { emergencyIntent } from '../src/orders.js'
import { SymbolRuntime } from '../src/state.js'

const compiled = compileStrategy(sevenRules())
const rule = (id: string) => compiled.rules.find((c) => c.rule.id === id)!
const order: OrderIntent = {
  id: 'bb-7',
  decisionId: 7,
  ruleId: 'rsi-entry',
  symbol: 'BTCUSDT',
  side: 'buy',
  amount: { kind: 'quote_percent', value: 10 },
  price: new Decimal(64_000),
  timestamp: 1000,
  fill: 'at-price',
}

describe('formatNumber and describeAction', () => {
  it('prints integers as they are, others to 4 decimals, n/a when missing', () => {
    expect([formatNumber(20), formatNumber(19.123456), formatNumber(null), formatNumber(true)]).toEqual([
      '20',
      '19.1235',
      'n/a',
      'true',
    ])
  })

  it('names the quote of a buy, the share of a sell, the flag of a meta action', () => {
    expect(describeAction({ type: 'buy', amount: { kind: 'quote', value: 100 } }, 'USDT')).toBe(
      'buy 100 USDT',
    )
    expect(describeAction({ type: 'buy', amount: { kind: 'quote_percent', value: 10 } }, 'EUR')).toBe(
      'buy 10 % of the available EUR',
    )
    expect(describeAction({ type: 'sell', positionPercent: 100 }, 'USDT')).toBe('sell the whole position')
    expect(describeAction({ type: 'sell', positionPercent: 50 }, 'USDT')).toBe('sell 50 % of the position')
    expect(describeAction({ type: 'set_flag', flag: 'PAUSED', value: true }, 'USDT')).toBe(
      'set PAUSED = true',
    )
  })
})

describe('buildDecision: the decision and its one-sentence explanation', () => {
  const trace = {
    conditions: [{ condition: 'RSI(14) < 20', left: 12.34567, right: 20, result: true }],
    values: { 'RSI(14)': 12.34567 },
  }

  it('says which rule did what and why, with both sides of each comparison that held', () => {
    const decision = buildDecision({
      id: 7,
      symbol: 'BTCUSDT',
      quote: 'USDT',
      timestamp: 1000,
      price: 64_000.5,
      compiled: rule('rsi-entry'),
      trace,
      dropped: [],
      order,
      state: 'READY',
    })
    expect(decision.explanation).toBe(
      'BTCUSDT @ 64000.5: rule 1 "rsi-entry" (ENTRY, priority 10) → buy 10 % of the available USDT, because RSI(14) < 20 (12.3457 vs 20).',
    )
    expect(decision.kind).toBe('order')
    expect(decision.order).toBe(order)
    expect(decision.values).toEqual({ PRICE: 64_000.5, 'RSI(14)': 12.34567 })
    expect(decision.rule).toEqual({
      id: 'rsi-entry',
      name: 'RSI oversold entry',
      role: 'ENTRY',
      priority: 10,
      number: 1,
    })
  })

  it('lists the dropped candidates; without an order it is a meta decision', () => {
    const decision = buildDecision({
      id: 8,
      symbol: 'BTCUSDT',
      quote: 'USDT',
      timestamp: 1000,
      price: 1,
      compiled: rule('crash'),
      trace: { conditions: [], values: {} },
      dropped: [{ ruleId: 'take-profit', priority: 2, reason: 'outranked by "crash" (priority 0 < 2)' }],
      order: undefined,
      state: 'ACTIVE',
    })
    expect(decision.kind).toBe('meta')
    expect('order' in decision).toBe(false)
    expect(decision.explanation).toMatch(
      /because its condition held\. Dropped: "take-profit" \(outranked by "crash" \(priority 0 < 2\)\)\.$/,
    )
  })

  it('an emergency stop is rule 0, a whole sell at market, with its reason', () => {
    const sell = emergencyIntent(9, 'BTCUSDT', new Decimal('0.5'), new Decimal(63_000), 2000)
    const decision = emergencyDecision(sell, 'ACTIVE', 63_000, 'operator')
    expect(decision.rule.number).toBe(0)
    expect(decision.id).toBe(9)
    expect(decision.explanation).toBe('Emergency stop (operator): sell the whole BTCUSDT position at market.')
  })
})

describe('inspection: every rule now, and what blocks it', () => {
  it('names the wrong state, an order in flight and the halt, and leaves the cross-over memory alone', () => {
    const runtime = new SymbolRuntime('BTCUSDT', compiled)
    runtime.price = 100
    runtime.time = 1000
    expect(blockersOf(rule('take-profit'), runtime, false)).toEqual(['runs in ACTIVE; the position is READY'])
    runtime.inFlight = order
    expect(blockersOf(rule('rsi-entry'), runtime, true)).toEqual([
      'the engine is halted (emergency stop)',
      'order bb-7 (buy) is in flight',
    ])
    const inspection = inspectMarket(runtime, compiled, false)
    expect(inspection.rules.map((r) => r.rule.number)).toEqual(compiled.strategy.rules.map((_, i) => i + 1))
    expect(inspection.rules.find((r) => r.rule.id === 'rsi-entry')?.status).toBe('blocked')
  })

  it('evaluates a cross-over without moving its memory', () => {
    const crossing = compileStrategy(sevenRules({ rsiMode: 'crossover' }))
    const runtime = new SymbolRuntime('BTCUSDT', crossing)
    runtime.price = 100
    runtime.indicatorValues.fill(15)
    expect(runtime.crossStamp.length).toBeGreaterThan(0)
    const memory = JSON.stringify([runtime.crossStamp, runtime.crossPrevLeft, runtime.crossBeforeLeft])
    const entry = inspectMarket(runtime, crossing, false).rules.find((r) => r.rule.id === 'rsi-entry')
    expect(entry?.conditions[0]?.left).toBe(15)
    expect(JSON.stringify([runtime.crossStamp, runtime.crossPrevLeft, runtime.crossBeforeLeft])).toBe(memory)
  })

  it('a CLOSED position waits out its cooldown', () => {
    const runtime = new SymbolRuntime('BTCUSDT', compiled)
    runtime.state = 'CLOSED'
    runtime.cooldownUntil = Date.UTC(2025, 0, 1, 0, 5)
    expect(blockersOf(rule('rsi-entry'), runtime, false)).toEqual([
      'cooldown until 2025-01-01T00:05:00Z (position CLOSED)',
    ])
  })
})
