import type { CandleInterval } from '@bb/models'
import { describeValue, invalid } from './check.js'
import type { RollingWindow } from './indicators.js'
import {
  type Condition,
  type ConditionNode,
  ROLES,
  type Role,
  type Rule,
  type Strategy,
  type Variable,
} from './schema.js'
import { conditionLabel, variableLabel } from './validate.js'

// Compiles a validated strategy into closures once, so that evaluating a tick does no parsing,
// no lookups by name and no allocation on the common path. Slots (indices into per-symbol
// arrays) are assigned to every distinct indicator, window, trailing stop and cross condition.

/** Relative tolerance of the comparisons: price ratios in floating point (105 / 100 − 1) × 100 = 5.000000000000004. */
const EPSILON = 1e-9

/** Per-symbol values a compiled rule reads. @internal */
export interface EvalContext {
  price: number
  time: number
  evalId: number
  /** Fee-inclusive average buy price, undefined without a position. */
  avgPrice: number | undefined
  /** Fill price of the cycle's last buy, undefined without a position. */
  anchor: number | undefined
  readonly indicatorValues: (number | undefined)[]
  readonly windows: RollingWindow[]
  readonly trailingArmed: boolean[]
  readonly trailingHwm: number[]
  readonly crossStamp: number[]
  readonly crossPrevLeft: number[]
  readonly crossPrevRight: number[]
  readonly crossBeforeLeft: number[]
  readonly crossBeforeRight: number[]
  readonly execCount: Map<string, number>
  readonly flags: Map<string, boolean>
}

/** An indicator every symbol keeps. @internal */
interface IndicatorSpec {
  readonly key: string
  readonly kind: 'RSI' | 'SMA' | 'EMA'
  readonly period: number
  readonly smoothing: number
  readonly timeframe: CandleInterval
}

/** A trailing stop every symbol keeps. @internal */
export interface TrailingSpec {
  readonly activationPct: number
  readonly trailPct: number
}

/** One evaluated comparison, as recorded in a decision's explanation. */
export interface ConditionTrace {
  /** The condition, e.g. `RSI(14) < 20`. */
  readonly condition: string
  /** The left value seen (`null`: not available yet — warm-up, coverage, not armed). */
  readonly left: number | boolean | null
  /** The right value seen. */
  readonly right: number | boolean | null
  /** Whether the comparison held. */
  readonly result: boolean
}

type Value = number | boolean | undefined
type Reader = (ctx: EvalContext) => Value
type Test = (ctx: EvalContext, trace?: Trace) => boolean

interface Trace {
  readonly conditions: ConditionTrace[]
  readonly values: Record<string, number | boolean | null>
}

/** A rule ready to evaluate. @internal */
export interface CompiledRule {
  readonly rule: Rule
  /** 1-based position in the strategy (the rule number). */
  readonly number: number
  readonly meta: boolean
  test(ctx: EvalContext): boolean
  trace(ctx: EvalContext): Trace
}

/** A compiled strategy. @internal */
export interface CompiledStrategy {
  readonly strategy: Strategy
  /** Rules in evaluation order: priority, then role rank, then rule number. */
  readonly rules: readonly CompiledRule[]
  readonly indicators: readonly IndicatorSpec[]
  readonly windowSeconds: readonly number[]
  readonly trailing: readonly TrailingSpec[]
  readonly crossSlots: number
  readonly timeframes: readonly CandleInterval[]
}

/** Tie-break rank of a role: RISK and EXIT first, then the buys, then MANAGEMENT (RULES.md §B.8). */
export function roleRank(role: Role): number {
  switch (role) {
    case 'RISK':
    case 'EXIT':
      return 0
    case 'SCALE_OUT':
      return 1
    case 'ENTRY':
    case 'SCALE_IN':
      return 2
    case 'MANAGEMENT':
      return 3
    default:
      throw invalid('role', `"role" must be one of ${ROLES.join(', ')} (got ${describeValue(role)}).`)
  }
}

const ge = (a: number, b: number): boolean => a >= b - EPSILON * Math.max(1, Math.abs(a), Math.abs(b))
const le = (a: number, b: number): boolean => a <= b + EPSILON * Math.max(1, Math.abs(a), Math.abs(b))
const eq = (a: number, b: number): boolean =>
  Math.abs(a - b) <= EPSILON * Math.max(1, Math.abs(a), Math.abs(b))

/** @internal */
export function compileStrategy(strategy: Strategy): CompiledStrategy {
  const indicators: IndicatorSpec[] = []
  const windowSeconds: number[] = []
  const trailing: TrailingSpec[] = []
  let crossSlots = 0

  const indicatorSlot = (spec: Omit<IndicatorSpec, 'key'>): number => {
    const key = `${spec.kind}|${spec.period}|${spec.smoothing}|${spec.timeframe}`
    const found = indicators.findIndex((i) => i.key === key)
    if (found >= 0) return found
    indicators.push({ ...spec, key })
    return indicators.length - 1
  }
  const windowSlot = (seconds: number): number => {
    const found = windowSeconds.indexOf(seconds)
    if (found >= 0) return found
    windowSeconds.push(seconds)
    return windowSeconds.length - 1
  }
  const trailingSlot = (spec: TrailingSpec): number => {
    const found = trailing.findIndex(
      (t) => t.activationPct === spec.activationPct && t.trailPct === spec.trailPct,
    )
    if (found >= 0) return found
    trailing.push(spec)
    return trailing.length - 1
  }

  const reader = (variable: Variable): Reader => {
    switch (variable.kind) {
      case 'PRICE':
        return (ctx) => ctx.price
      case 'AVG_PRICE':
        return (ctx) => ctx.avgPrice
      case 'RSI':
      case 'SMA':
      case 'EMA': {
        const slot = indicatorSlot({
          kind: variable.kind,
          period: variable.period,
          smoothing: variable.kind === 'EMA' ? variable.smoothing : 0,
          timeframe: variable.timeframe ?? strategy.timeframe,
        })
        return (ctx) => ctx.indicatorValues[slot]
      }
      case 'PROFIT_PCT':
        return variable.reference === 'average'
          ? (ctx) => (ctx.avgPrice === undefined ? undefined : (ctx.price / ctx.avgPrice - 1) * 100)
          : (ctx) => (ctx.anchor === undefined ? undefined : (ctx.price / ctx.anchor - 1) * 100)
      case 'PRICE_CHANGE_WINDOW': {
        const slot = windowSlot(variable.windowSeconds)
        const { minCoverage } = variable
        const peak = variable.reference === 'peak'
        return (ctx) => {
          const window = ctx.windows[slot]!
          if (window.coverage(ctx.time) < minCoverage) return undefined
          const reference = peak ? window.max : window.min
          return reference === undefined ? undefined : (ctx.price / reference - 1) * 100
        }
      }
      case 'EXEC_COUNT': {
        const id = variable.rule
        return (ctx) => ctx.execCount.get(id) ?? 0
      }
      case 'CONTEXT_FLAG': {
        const flag = variable.flag
        return (ctx) => ctx.flags.get(flag) ?? false
      }
      case 'TRAILING': {
        const slot = trailingSlot({ activationPct: variable.activationPct, trailPct: variable.trailPct })
        const factor = 1 - variable.trailPct / 100
        return (ctx) => (ctx.trailingArmed[slot] ? ctx.trailingHwm[slot]! * factor : undefined)
      }
    }
  }

  const condition = (node: Condition): Test => {
    const left = reader(node.left)
    const { right: r, op } = node
    const right: Reader = typeof r === 'object' ? reader(r) : () => r
    const label = conditionLabel(node)
    const leftLabel = variableLabel(node.left)
    const rightLabel = typeof r === 'object' ? variableLabel(r) : undefined
    let compare: (l: number | boolean, rv: number | boolean, ctx: EvalContext) => boolean
    switch (op) {
      case '>':
        compare = (l, rv) => (l as number) > (rv as number) && !eq(l as number, rv as number)
        break
      case '<':
        compare = (l, rv) => (l as number) < (rv as number) && !eq(l as number, rv as number)
        break
      case '>=':
        compare = (l, rv) => ge(l as number, rv as number)
        break
      case '<=':
        compare = (l, rv) => le(l as number, rv as number)
        break
      case '==':
        compare = (l, rv) => (typeof l === 'boolean' ? l === rv : eq(l, rv as number))
        break
      case '!=':
        compare = (l, rv) => (typeof l === 'boolean' ? l !== rv : !eq(l, rv as number))
        break
      case 'crossover':
      case 'crossunder': {
        const slot = crossSlots++
        const up = op === 'crossover'
        compare = (l, rv, ctx) => {
          const lv = l as number
          const rn = rv as number
          if (ctx.crossStamp[slot] !== ctx.evalId) {
            ctx.crossBeforeLeft[slot] = ctx.crossPrevLeft[slot]!
            ctx.crossBeforeRight[slot] = ctx.crossPrevRight[slot]!
            ctx.crossPrevLeft[slot] = lv
            ctx.crossPrevRight[slot] = rn
            ctx.crossStamp[slot] = ctx.evalId
          }
          const pl = ctx.crossBeforeLeft[slot]!
          const pr = ctx.crossBeforeRight[slot]!
          if (Number.isNaN(pl) || Number.isNaN(pr)) return false
          return up ? le(pl, pr) && lv > rn && !eq(lv, rn) : ge(pl, pr) && lv < rn && !eq(lv, rn)
        }
        break
      }
    }
    return (ctx, trace) => {
      const l = left(ctx)
      const rv = right(ctx)
      const result = l !== undefined && rv !== undefined && compare(l, rv, ctx)
      if (trace) {
        trace.conditions.push({ condition: label, left: l ?? null, right: rv ?? null, result })
        trace.values[leftLabel] = l ?? null
        if (rightLabel) trace.values[rightLabel] = rv ?? null
      }
      return result
    }
  }

  const node = (tree: ConditionNode): Test => {
    if ('all' in tree) {
      const children = tree.all.map(node)
      return (ctx, trace) => {
        if (trace) return children.map((child) => child(ctx, trace)).every(Boolean)
        for (const child of children) if (!child(ctx)) return false
        return true
      }
    }
    if ('any' in tree) {
      const children = tree.any.map(node)
      return (ctx, trace) => {
        if (trace) return children.map((child) => child(ctx, trace)).some(Boolean)
        for (const child of children) if (child(ctx)) return true
        return false
      }
    }
    return condition(tree)
  }

  const compiled: CompiledRule[] = strategy.rules.map((rule, index) => {
    const test = node(rule.when)
    return {
      rule,
      number: index + 1,
      meta: rule.action.type === 'set_flag',
      test: (ctx) => test(ctx),
      trace: (ctx) => {
        const trace: Trace = { conditions: [], values: {} }
        test(ctx, trace)
        return trace
      },
    }
  })
  // Disabled rules were compiled too (their slots exist) but are never evaluated.
  const rules = compiled
    .filter((c) => c.rule.enabled)
    .sort(
      (a, b) =>
        a.rule.priority - b.rule.priority ||
        roleRank(a.rule.role) - roleRank(b.rule.role) ||
        a.number - b.number,
    )
  const timeframes = [...new Set(indicators.map((i) => i.timeframe))]
  return { strategy, rules, indicators, windowSeconds, trailing, crossSlots, timeframes }
}
