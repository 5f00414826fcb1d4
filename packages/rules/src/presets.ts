import { InvalidRequestError } from '@bb/errors'
import { CandleIntervalSchema } from '@bb/models'
import { z } from 'zod'
import type { BuyAmount, RuleInput, Strategy } from './schema.js'
import { parseStrategy } from './validate.js'

/** The flag rule 7 (surge) sets to pause pyramiding for the rest of the cycle. */
export const PYRAMIDING_PAUSED_FLAG = 'pyramiding_paused'
/** The flag set when a pyramiding add is refused (funds, minimum): rule 3 then takes profit. */
export const PYRAMIDING_BLOCKED_FLAG = 'pyramiding_blocked'

/**
 * The rule ids of the {@link sevenRules} preset, in rule-number order (the hard stop is rule 8).
 */
export const SEVEN_RULE_IDS = {
  rsiEntry: 'rsi-entry',
  pyramid: 'pyramid',
  takeProfit: 'take-profit',
  trailingStop: 'trailing-stop',
  averageDown: 'average-down',
  crash: 'crash',
  surge: 'surge',
  hardStop: 'hard-stop',
} as const

/**
 * Schema of {@link SevenRulesParams}: every number of the seven-rule set, with the defaults of
 * RULES.md §A and the ranges the spec allows.
 */
export const SevenRulesParamsSchema = z
  .object({
    /** Strategy name. */
    name: z.string().min(1).default('seven-rules'),
    /** Base candle interval of the RSI. */
    timeframe: CandleIntervalSchema.default('1m'),
    /** Rule 1: RSI look-back, 2–240 candles. */
    rsiPeriod: z.number().int().min(2).max(240).default(14),
    /** Rule 1: oversold level, 5–50. */
    rsiThreshold: z.number().min(5).max(50).default(20),
    /** Rule 1: `level` fires while RSI < threshold (canonical); `crossover` when RSI rises back through it. */
    rsiMode: z.enum(['level', 'crossover']).default('level'),
    /** Rule 1: entry size, percent of the available quote, 1–100. */
    entryPercent: z.number().min(1).max(100).default(10),
    /** Rules 2 and 3: profit versus the reference that adds (or takes profit), 0.5–50 %. */
    pyramidTriggerPct: z.number().min(0.5).max(50).default(5),
    /** Rule 2: adds per cycle, 1–10. */
    pyramidMaxCount: z.number().int().min(1).max(10).default(3),
    /**
     * Rule 2: quote amount per add, > 0 (the exchange's minimum order applies when it is placed).
     * Left out: `pyramidMinOrderMultiple` × the market's minimum order total.
     */
    pyramidAmount: z.number().positive().finite().optional(),
    /** Rule 2, when `pyramidAmount` is left out: the add as a multiple of the market's minimum order total, ≥ 1. */
    pyramidMinOrderMultiple: z.number().min(1).finite().default(20),
    /** Rule 4: profit versus average that arms the trailing stop, 0–100 %. */
    trailingActivationPct: z.number().min(0).max(100).default(5),
    /** Rule 4: pullback from the high-water mark that fires it, 0.1–50 %. */
    trailingPct: z.number().min(0.1).max(50).default(3),
    /** Rule 5: change versus the reference that averages down, −50 to −0.5 %. */
    averageDownTriggerPct: z.number().min(-50).max(-0.5).default(-5),
    /** Rule 5: adds per cycle, 1–10. */
    averageDownMaxCount: z.number().int().min(1).max(10).default(2),
    /**
     * Rule 5: quote amount per add, > 0 (the exchange's minimum order applies when it is placed).
     * Left out: `averageDownMinOrderMultiple` × the market's minimum order total.
     */
    averageDownAmount: z.number().positive().finite().optional(),
    /** Rule 5, when `averageDownAmount` is left out: the add as a multiple of the market's minimum order total, ≥ 1. */
    averageDownMinOrderMultiple: z.number().min(1).finite().default(40),
    /** Rule 6: drop from the window's high that counts as a crash, −50 to −1 %. */
    crashDropPct: z.number().min(-50).max(-1).default(-5),
    /** Rule 6: crash window, 5–3600 s. */
    crashWindowSeconds: z.number().int().min(5).max(3600).default(60),
    /** Rule 7: rise from the window's low that counts as a surge, 1–50 %. */
    surgePct: z.number().min(1).max(50).default(5),
    /** Rule 7: surge window, 5–3600 s. */
    surgeWindowSeconds: z.number().int().min(5).max(3600).default(60),
    /** Rules 6 and 7: share of the window that must hold data, 0–1. */
    minCoverage: z.number().min(0).max(1).default(0.5),
    /** Rule 8 (risk guard): loss versus average that closes the position, −99 to −0.5 %, or `false` to switch it off. */
    hardStopPct: z.union([z.literal(false), z.number().min(-99).max(-0.5)]).default(-15),
    /** Re-entry cooldown after a crash exit, minutes. */
    crashCooldownMinutes: z.number().min(0).max(10_080).default(30),
    /** Re-entry cooldown after any other exit, minutes. */
    cooldownMinutes: z.number().min(0).max(10_080).default(5),
    /** What rules 2, 3 and 5 measure from: the last buy's fill (decided, §B.1) or the average (original). */
    reference: z.enum(['last_fill', 'average']).default('last_fill'),
  })
  .strict()

/** A fixed quote add when one is given, else a multiple of the market's minimum order total. */
function addAmount(fixed: number | undefined, multiple: number): BuyAmount {
  return fixed === undefined
    ? { kind: 'min_order_multiple', value: multiple }
    : { kind: 'quote', value: fixed }
}

/** Parameters of {@link sevenRules} (all optional). */
export type SevenRulesParams = z.input<typeof SevenRulesParamsSchema>

/**
 * The seven-rule strategy of RULES.md §A as a preset in the declarative rule format, with the
 * decisions of §B: adds and the planned exit measured from the last fill, a planned exit that also
 * fires when pyramiding is paused or refused, a latched trailing stop, rolling crash/surge windows
 * that wait for 50 % coverage, a hard stop (rule 8, −15 % versus average, on by default), and
 * re-entry cooldowns (30 min after a crash exit, 5 min otherwise). Out-of-range parameters throw
 * an `InvalidRequestError` naming the parameter.
 *
 * | # | id | role | priority |
 * |---|---|---|---|
 * | 1 | `rsi-entry` | ENTRY | 10 |
 * | 2 | `pyramid` | SCALE_IN | 10 |
 * | 3 | `take-profit` | EXIT | 9 |
 * | 4 | `trailing-stop` | EXIT | 9 |
 * | 5 | `average-down` | SCALE_IN | 10 |
 * | 6 | `crash` | RISK | 0 |
 * | 7 | `surge` | MANAGEMENT | 1 |
 * | 8 | `hard-stop` | RISK | 0 |
 *
 * @example
 * ```ts
 * import { sevenRules, validateStrategy } from '@bb/rules'
 * const strategy = sevenRules({ timeframe: '5m', hardStopPct: -12 })
 * strategy.rules.map((rule) => rule.id) // ['rsi-entry', 'pyramid', …, 'hard-stop']
 * validateStrategy(strategy).warnings // []
 * ```
 */
export function sevenRules(params: SevenRulesParams = {}): Strategy {
  const parsed = SevenRulesParamsSchema.safeParse(params)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const param = issue?.path.join('.') || 'params'
    throw new InvalidRequestError({
      param,
      channel: 'rules',
      message: `Invalid seven-rules parameter "${param}": ${issue?.message ?? 'invalid value'}.`,
    })
  }
  const p = parsed.data
  const ids = SEVEN_RULE_IDS
  const profit = { kind: 'PROFIT_PCT', reference: p.reference } as const
  const paused = { kind: 'CONTEXT_FLAG', flag: PYRAMIDING_PAUSED_FLAG } as const
  const blocked = { kind: 'CONTEXT_FLAG', flag: PYRAMIDING_BLOCKED_FLAG } as const
  const rules: RuleInput[] = [
    {
      id: ids.rsiEntry,
      name: 'RSI oversold entry',
      role: 'ENTRY',
      activation: 'READY',
      priority: 10,
      when: {
        left: { kind: 'RSI', period: p.rsiPeriod },
        op: p.rsiMode === 'level' ? '<' : 'crossover',
        right: p.rsiThreshold,
      },
      action: { type: 'buy', amount: { kind: 'quote_percent', value: p.entryPercent } },
    },
    {
      id: ids.pyramid,
      name: 'Add on profit (pyramiding)',
      role: 'SCALE_IN',
      activation: 'ACTIVE',
      priority: 10,
      when: {
        all: [
          { left: profit, op: '>=', right: p.pyramidTriggerPct },
          { left: { kind: 'EXEC_COUNT', rule: ids.pyramid }, op: '<', right: p.pyramidMaxCount },
          { left: paused, op: '==', right: false },
          { left: blocked, op: '==', right: false },
        ],
      },
      action: {
        type: 'buy',
        amount: addAmount(p.pyramidAmount, p.pyramidMinOrderMultiple),
        onRejectSetFlag: PYRAMIDING_BLOCKED_FLAG,
      },
    },
    {
      id: ids.takeProfit,
      name: 'Planned take-profit',
      role: 'EXIT',
      activation: 'ACTIVE',
      priority: 9,
      when: {
        all: [
          { left: profit, op: '>=', right: p.pyramidTriggerPct },
          {
            any: [
              { left: { kind: 'EXEC_COUNT', rule: ids.pyramid }, op: '>=', right: p.pyramidMaxCount },
              { left: paused, op: '==', right: true },
              { left: blocked, op: '==', right: true },
            ],
          },
        ],
      },
      action: { type: 'sell', positionPercent: 100 },
    },
    {
      id: ids.trailingStop,
      name: 'Trailing stop',
      role: 'EXIT',
      activation: 'ACTIVE',
      priority: 9,
      when: {
        left: { kind: 'PRICE' },
        op: '<=',
        right: { kind: 'TRAILING', activationPct: p.trailingActivationPct, trailPct: p.trailingPct },
      },
      action: { type: 'sell', positionPercent: 100 },
    },
    {
      id: ids.averageDown,
      name: 'Average down',
      role: 'SCALE_IN',
      activation: 'ACTIVE',
      priority: 10,
      when: {
        all: [
          { left: profit, op: '<=', right: p.averageDownTriggerPct },
          { left: { kind: 'EXEC_COUNT', rule: ids.averageDown }, op: '<', right: p.averageDownMaxCount },
        ],
      },
      action: { type: 'buy', amount: addAmount(p.averageDownAmount, p.averageDownMinOrderMultiple) },
    },
    {
      id: ids.crash,
      name: 'Crash detection',
      role: 'RISK',
      activation: 'ACTIVE',
      priority: 0,
      when: {
        left: {
          kind: 'PRICE_CHANGE_WINDOW',
          windowSeconds: p.crashWindowSeconds,
          reference: 'peak',
          minCoverage: p.minCoverage,
        },
        op: '<=',
        right: p.crashDropPct,
      },
      action: {
        type: 'sell',
        positionPercent: 100,
        cooldownSeconds: Math.round(p.crashCooldownMinutes * 60),
      },
    },
    {
      id: ids.surge,
      name: 'Surge detection',
      role: 'MANAGEMENT',
      activation: 'ACTIVE',
      priority: 1,
      when: {
        all: [
          {
            left: {
              kind: 'PRICE_CHANGE_WINDOW',
              windowSeconds: p.surgeWindowSeconds,
              reference: 'trough',
              minCoverage: p.minCoverage,
            },
            op: '>=',
            right: p.surgePct,
          },
          { left: paused, op: '==', right: false },
        ],
      },
      action: { type: 'set_flag', flag: PYRAMIDING_PAUSED_FLAG, value: true },
    },
  ]
  if (p.hardStopPct !== false)
    rules.push({
      id: ids.hardStop,
      name: 'Hard stop',
      role: 'RISK',
      activation: 'ACTIVE',
      priority: 0,
      when: { left: { kind: 'PROFIT_PCT', reference: 'average' }, op: '<=', right: p.hardStopPct },
      action: { type: 'sell', positionPercent: 100 },
    })
  return parseStrategy({
    name: p.name,
    timeframe: p.timeframe,
    defaultCooldownSeconds: Math.round(p.cooldownMinutes * 60),
    rules,
  })
}
