// The decision record and its one-sentence explanation (RULES.md §B.10) — pure functions of what
// the engine saw on the tick — and the inspection of every rule of a market (the "why not").
import type { CompiledRule, CompiledStrategy, ConditionTrace } from './compile.js'
import type {
  Decision,
  DecisionRule,
  DroppedCandidate,
  PositionState,
  RuleInspection,
  SymbolInspection,
} from './engine-types.js'
import type { OrderIntent } from './executor.js'
import type { Action } from './schema.js'
import type { SymbolRuntime } from './state.js'

/** A value of an explanation: integers as they are, others to 4 decimals, `n/a` when missing. @internal */
export function formatNumber(value: number | boolean | null): string {
  if (value === null) return 'n/a'
  if (typeof value === 'boolean') return String(value)
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)))
}

/** What an action does, in words, e.g. `buy 100000 USDT`, `sell 50 % of the position`. @internal */
export function describeAction(action: Action, quote: string): string {
  if (action.type === 'buy')
    return action.amount.kind === 'quote'
      ? `buy ${action.amount.value} ${quote}`
      : action.amount.kind === 'min_order_multiple'
        ? `buy ${action.amount.value} × the minimum order total in ${quote}`
        : `buy ${action.amount.value} % of the available ${quote}`
  if (action.type === 'sell')
    return action.positionPercent >= 100
      ? 'sell the whole position'
      : `sell ${action.positionPercent} % of the position`
  return `set ${action.flag} = ${action.value}`
}

/** What {@link buildDecision} needs to know about the tick. @internal */
export interface DecisionInput {
  readonly id: number
  /** The market's key. */
  readonly symbol: string
  /** Its quote currency (named in buy explanations). */
  readonly quote: string
  readonly timestamp: number
  readonly price: number
  readonly compiled: CompiledRule
  readonly trace: {
    readonly conditions: readonly ConditionTrace[]
    readonly values: Readonly<Record<string, number | boolean | null>>
  }
  readonly dropped: readonly DroppedCandidate[]
  readonly order: OrderIntent | undefined
  readonly state: PositionState
}

/**
 * A decision with its explanation: `<market> @ <price>: rule <n> "<id>" (<role>, priority <p>) →
 * <action>, because <each comparison that held, with both sides>.` plus the dropped candidates
 * and why. An `order` decision carries its order; without one it is a `meta` decision (a flag).
 * @internal
 */
export function buildDecision(input: DecisionInput): Decision {
  const { compiled, trace, dropped, order } = input
  const { rule } = compiled
  const met = trace.conditions
    .filter((c) => c.result)
    .map((c) => `${c.condition} (${formatNumber(c.left)} vs ${formatNumber(c.right)})`)
  let explanation = `${input.symbol} @ ${formatNumber(input.price)}: rule ${compiled.number} "${rule.id}" (${rule.role}, priority ${rule.priority}) → ${describeAction(rule.action, input.quote)}, because ${met.join(' and ') || 'its condition held'}.`
  if (dropped.length > 0)
    explanation += ` Dropped: ${dropped.map((d) => `"${d.ruleId}" (${d.reason})`).join(', ')}.`
  return {
    id: input.id,
    symbol: input.symbol,
    timestamp: input.timestamp,
    kind: order ? 'order' : 'meta',
    rule: { id: rule.id, name: rule.name, role: rule.role, priority: rule.priority, number: compiled.number },
    action: rule.action,
    state: input.state,
    price: input.price,
    values: { PRICE: input.price, ...trace.values },
    conditions: trace.conditions,
    dropped,
    explanation,
    ...(order ? { order } : {}),
  }
}

/** The decision of an emergency stop's sell of one market (rule number 0, `emergency-stop`). @internal */
export function emergencyDecision(
  order: OrderIntent,
  state: PositionState,
  price: number,
  reason: string,
): Decision {
  return {
    id: order.decisionId,
    symbol: order.symbol,
    timestamp: order.timestamp,
    kind: 'order',
    rule: { id: 'emergency-stop', name: 'Emergency stop', role: 'RISK', priority: 0, number: 0 },
    action: { type: 'sell', positionPercent: 100 },
    state,
    price,
    values: { PRICE: price },
    conditions: [],
    dropped: [],
    order,
    explanation: `Emergency stop (${reason}): sell the whole ${order.symbol} position at market.`,
  }
}

const isoTime = (at: number) => new Date(at).toISOString().replace('.000Z', 'Z')

/**
 * What keeps a rule from firing besides its condition, in words: the halt, the cooldown, the
 * wrong position state, a flag already written, an order in flight, a wait after a refusal,
 * nothing to sell.
 * @internal
 */
export function blockersOf(compiled: CompiledRule, runtime: SymbolRuntime, halted: boolean): string[] {
  const { rule } = compiled
  const state = runtime.state
  const blockers: string[] = []
  if (halted) blockers.push('the engine is halted (emergency stop)')
  if (state === 'CLOSED') blockers.push(`cooldown until ${isoTime(runtime.cooldownUntil)} (position CLOSED)`)
  else if (rule.activation !== 'ANY' && rule.activation !== state)
    blockers.push(`runs in ${rule.activation}; the position is ${state}`)
  if (compiled.meta) {
    const action = rule.action as Extract<Action, { type: 'set_flag' }>
    if ((runtime.flags.get(action.flag) ?? false) === action.value)
      blockers.push(`flag ${action.flag} is already ${action.value}`)
    return blockers
  }
  if (runtime.inFlight) blockers.push(`order ${runtime.inFlight.id} (${runtime.inFlight.side}) is in flight`)
  const blocked = runtime.blockedUntil.get(rule.id)
  if (blocked !== undefined && runtime.time < blocked)
    blockers.push(`waiting until ${isoTime(blocked)} after a refused order`)
  if (rule.action.type === 'sell' && runtime.quantity.isZero() && state === 'ACTIVE')
    blockers.push('nothing to sell')
  return blockers
}

/**
 * Every rule of a market evaluated on its current values without acting (see
 * `Engine.inspect`): the cross-over memory is put back, nothing else is written.
 * @internal
 */
export function inspectMarket(
  runtime: SymbolRuntime,
  compiled: CompiledStrategy,
  halted: boolean,
): SymbolInspection {
  const evaluated = new Map(compiled.rules.map((c) => [c.rule.id, c]))
  const rules = runtime.withCrossMemoryKept(() =>
    compiled.strategy.rules.map((rule, index): RuleInspection => {
      const ruleInfo: DecisionRule = {
        id: rule.id,
        name: rule.name,
        role: rule.role,
        priority: rule.priority,
        number: index + 1,
      }
      const one = evaluated.get(rule.id)
      if (!one)
        return {
          rule: ruleInfo,
          enabled: false,
          status: 'disabled',
          conditionMet: false,
          conditions: [],
          values: {},
          blockers: ['switched off in the strategy'],
        }
      const trace = one.trace(runtime)
      const conditionMet = trace.conditions.length > 0 ? one.test(runtime) : false
      const blockers = blockersOf(one, runtime, halted)
      return {
        rule: ruleInfo,
        enabled: true,
        status: blockers.length > 0 ? 'blocked' : conditionMet ? 'would-fire' : 'waiting',
        conditionMet,
        conditions: trace.conditions,
        values: { PRICE: Number.isNaN(runtime.price) ? null : runtime.price, ...trace.values },
        blockers,
      }
    }),
  )
  return {
    symbol: runtime.symbol,
    state: runtime.state,
    price: Number.isNaN(runtime.price) ? undefined : runtime.price,
    timestamp: runtime.time,
    rules,
  }
}
