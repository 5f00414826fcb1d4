import { InvalidRequestError } from '@bb/errors'
import { describe, expect, it } from 'vitest'
import {
  parseStrategy,
  SEVEN_RULE_IDS,
  type StrategyInput,
  sevenRules,
  validateStrategy,
} from '../src/index.js'

const entry = {
  id: 'entry',
  name: 'entry',
  role: 'ENTRY',
  activation: 'READY',
  when: { left: { kind: 'RSI' }, op: '<', right: 30 },
  action: { type: 'buy', amount: { kind: 'quote', value: 10_000 } },
} as const
const exit = {
  id: 'exit',
  name: 'exit',
  role: 'EXIT',
  activation: 'ACTIVE',
  when: { left: { kind: 'PROFIT_PCT' }, op: '>=', right: 3 },
  action: { type: 'sell' },
} as const

describe('sevenRules preset', () => {
  it('is the seven rules plus the hard stop, written in the declarative format', () => {
    const strategy = sevenRules()
    expect(strategy.rules.map((r) => [r.id, r.role, r.activation, r.priority])).toEqual([
      ['rsi-entry', 'ENTRY', 'READY', 10],
      ['pyramid', 'SCALE_IN', 'ACTIVE', 10],
      ['take-profit', 'EXIT', 'ACTIVE', 9],
      ['trailing-stop', 'EXIT', 'ACTIVE', 9],
      ['average-down', 'SCALE_IN', 'ACTIVE', 10],
      ['crash', 'RISK', 'ACTIVE', 0],
      ['surge', 'MANAGEMENT', 'ACTIVE', 1],
      ['hard-stop', 'RISK', 'ACTIVE', 0],
    ])
    expect(Object.values(SEVEN_RULE_IDS)).toEqual(strategy.rules.map((r) => r.id))
    // It is plain data: a JSON round trip gives the same strategy back.
    expect(parseStrategy(JSON.parse(JSON.stringify(strategy)))).toEqual(strategy)
    expect(validateStrategy(strategy)).toMatchObject({ success: true, warnings: [] })
    expect(strategy.rules.find((r) => r.id === 'crash')?.action).toEqual({
      type: 'sell',
      positionPercent: 100,
      cooldownSeconds: 1800,
    })
    expect(strategy.defaultCooldownSeconds).toBe(300)
  })

  it('switches the hard stop off', () => {
    expect(sevenRules({ hardStopPct: false }).rules.map((r) => r.id)).not.toContain('hard-stop')
  })

  it('rejects out-of-range parameters, naming the parameter', () => {
    const error = (() => {
      try {
        sevenRules({ rsiThreshold: 70 })
      } catch (e) {
        return e
      }
    })()
    expect(InvalidRequestError.isInstance(error)).toBe(true)
    expect((error as InvalidRequestError).param).toBe('rsiThreshold')
    expect(() => sevenRules({ pyramidAmount: 0 })).toThrow(/pyramidAmount/)
    expect(() => sevenRules({ crashWindowSeconds: 2 })).toThrow(/crashWindowSeconds/)
    expect(() => sevenRules({ averageDownTriggerPct: 5 })).toThrow(/averageDownTriggerPct/)
  })

  it('warns when the trailing stop arms below its trail distance', () => {
    const result = validateStrategy(sevenRules({ trailingActivationPct: 2, trailingPct: 5 }))
    expect(result.success).toBe(true)
    expect(result.warnings).toHaveLength(1)
    expect(result.warnings[0]).toMatchObject({ ruleId: 'trailing-stop', path: 'rules[3].when.right' })
    expect(result.warnings[0]!.message).toContain('can exit at a loss of up to about 3.10 %')
  })
})

describe('validateStrategy', () => {
  const withCondition = (when: unknown): StrategyInput =>
    ({ rules: [{ ...entry, when }, exit] }) as StrategyInput

  it('accepts a minimal strategy and applies defaults', () => {
    const result = validateStrategy({ rules: [entry, exit] })
    expect(result.success).toBe(true)
    if (result.success) {
      expect(result.strategy.timeframe).toBe('1m')
      expect(result.strategy.rules[0]!.when).toEqual({
        left: { kind: 'RSI', period: 14 },
        op: '<',
        right: 30,
      })
    }
  })

  it.each([
    [
      { left: { kind: 'RSI' }, op: '<', right: { kind: 'EXEC_COUNT', rule: 'exit' } },
      'incompatible comparison',
    ],
    [
      { left: { kind: 'CONTEXT_FLAG', flag: 'x' }, op: '==', right: 1 },
      'a flag compares only with true/false',
    ],
    [{ left: { kind: 'CONTEXT_FLAG', flag: 'x' }, op: '>', right: true }, 'a flag supports only == and !='],
    [{ left: { kind: 'PRICE' }, op: '>', right: true }, 'only flags compare with true/false'],
    [{ left: { kind: 'RSI' }, op: '<', right: 120 }, 'ranges over 0–100'],
    [{ left: { kind: 'EXEC_COUNT', rule: 'nope' }, op: '<', right: 2 }, 'does not have'],
    [{ left: { kind: 'EXEC_COUNT', rule: 'exit' }, op: 'crossover', right: 2 }, 'a count cannot cross'],
    [
      { left: { kind: 'PRICE_CHANGE_WINDOW', reference: 'peak' }, op: '<=', right: 5 },
      "measured from the window's high",
    ],
  ])('errors on %j', (when, message) => {
    const result = validateStrategy(withCondition(when))
    expect(result.success).toBe(false)
    if (!result.success) expect(result.errors.map((e) => e.message).join('\n')).toContain(message)
  })

  it('errors on parameters out of range, with the path', () => {
    const result = validateStrategy(withCondition({ left: { kind: 'RSI', period: 1 }, op: '<', right: 30 }))
    expect(result.success).toBe(false)
    if (!result.success) expect(result.errors[0]!.path).toBe('rules[0].when.left.period')
  })

  it('errors on actions that contradict the role, on duplicate ids and on tiny buys', () => {
    const result = validateStrategy(
      {
        rules: [
          { ...entry, action: { type: 'sell' } },
          { ...exit, id: 'entry' },
          { ...entry, id: 'small', action: { type: 'buy', amount: { kind: 'quote', value: 1_000 } } },
        ],
      },
      { minOrderTotal: 5000 },
    )
    expect(result.success).toBe(false)
    if (!result.success)
      expect(result.errors.map((e) => e.path)).toEqual([
        'rules[0].action',
        'rules[1].id',
        'rules[2].action.amount.value',
      ])
  })

  it("checks buys against the exchange's minimum order total only when the caller gives it", () => {
    const small = (value: number) => ({
      rules: [{ ...entry, action: { type: 'buy', amount: { kind: 'quote', value } } }, exit],
    })
    // No minimum given: a neutral strategy has no exchange, so nothing is assumed.
    expect(validateStrategy(small(1)).success).toBe(true)
    // 5 USDT on one exchange, 5,000 on another: the same strategy, judged by the market's rule.
    expect(validateStrategy(small(5), { minOrderTotal: '5' }).success).toBe(true)
    const under = validateStrategy(small(4.99), { minOrderTotal: '5' })
    expect(under.success).toBe(false)
    if (!under.success) {
      expect(under.errors[0]!.path).toBe('rules[0].action.amount.value')
      expect(under.errors[0]!.message).toContain('minimum order total of 5')
    }
    expect(validateStrategy(small(5000), { minOrderTotal: 5000 }).success).toBe(true)
    for (const bad of [-1, 'abc', Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => validateStrategy(small(5000), { minOrderTotal: bad })).toThrow(InvalidRequestError)
  })

  it('warns on price versus percentage, flags nobody sets, and a missing exit', () => {
    const result = validateStrategy({
      rules: [
        {
          ...entry,
          when: {
            all: [
              { left: { kind: 'SMA', period: 20 }, op: '>', right: { kind: 'RSI' } },
              { left: { kind: 'CONTEXT_FLAG', flag: 'ghost' }, op: '==', right: false },
            ],
          },
        },
      ],
    })
    expect(result.success).toBe(true)
    expect(result.warnings.map((w) => w.message)).toEqual([
      expect.stringContaining('compares a price with a percentage'),
      expect.stringContaining('No rule sets the flag "ghost"'),
      expect.stringContaining('No enabled EXIT or RISK rule'),
    ])
  })

  it('parseStrategy throws InvalidRequestError listing every error', () => {
    expect(() => parseStrategy({ rules: [] })).toThrow(InvalidRequestError)
    expect(() => parseStrategy(withCondition({ left: { kind: 'RSI' }, op: '<', right: -1 }))).toThrow(
      /rules\[0\]\.when\.right/,
    )
  })
})
