import { describeValue, InvalidRequestError } from '@bb/errors'
import { Decimal, type DecimalInput, formatPath, toDecimal } from '@bb/models'
import {
  type Condition,
  type ConditionNode,
  type Rule,
  type Strategy,
  type StrategyInput,
  StrategySchema,
  type Variable,
} from './schema.js'

/** The comparison group of a variable: only members of one group compare meaningfully. */
export type ComparisonGroup = 'price' | 'percentage' | 'count' | 'flag'

/** The comparison group of every variable kind. */
export function comparisonGroup(variable: Variable): ComparisonGroup {
  switch (variable.kind) {
    case 'PRICE':
    case 'SMA':
    case 'EMA':
    case 'AVG_PRICE':
    case 'TRAILING':
      return 'price'
    case 'RSI':
    case 'PROFIT_PCT':
    case 'PRICE_CHANGE_WINDOW':
      return 'percentage'
    case 'EXEC_COUNT':
      return 'count'
    case 'CONTEXT_FLAG':
      return 'flag'
  }
}

/** One problem found by {@link validateStrategy}. */
export interface RuleIssue {
  /** Path inside the strategy, e.g. `rules[3].when.all[1].right`. */
  readonly path: string
  /** The id of the rule concerned, when the issue is inside a rule. */
  readonly ruleId?: string
  /** What is wrong and how to fix it. */
  readonly message: string
}

/** The result of {@link validateStrategy}. */
export type StrategyValidation =
  | { readonly success: true; readonly strategy: Strategy; readonly warnings: readonly RuleIssue[] }
  | {
      readonly success: false
      readonly errors: readonly RuleIssue[]
      readonly warnings: readonly RuleIssue[]
    }

/** A human label for a variable, e.g. `RSI(14)` or `PRICE_CHANGE_WINDOW(60s, peak)`. */
export function variableLabel(variable: Variable): string {
  switch (variable.kind) {
    case 'PRICE':
    case 'AVG_PRICE':
      return variable.kind
    case 'RSI':
    case 'SMA':
      return `${variable.kind}(${variable.period}${variable.timeframe ? `, ${variable.timeframe}` : ''})`
    case 'EMA':
      return `EMA(${variable.period}${variable.smoothing !== 2 ? `, smoothing ${variable.smoothing}` : ''}${variable.timeframe ? `, ${variable.timeframe}` : ''})`
    case 'PROFIT_PCT':
      return `PROFIT_PCT(${variable.reference})`
    case 'PRICE_CHANGE_WINDOW':
      return `PRICE_CHANGE_WINDOW(${variable.windowSeconds}s, ${variable.reference})`
    case 'EXEC_COUNT':
      return `EXEC_COUNT(${variable.rule})`
    case 'CONTEXT_FLAG':
      return `FLAG(${variable.flag})`
    case 'TRAILING':
      return `TRAILING(${variable.activationPct}%, ${variable.trailPct}%)`
  }
}

/** A human label for a condition, e.g. `RSI(14) < 20`. */
export function conditionLabel(condition: Condition): string {
  const right = typeof condition.right === 'object' ? variableLabel(condition.right) : String(condition.right)
  return `${variableLabel(condition.left)} ${condition.op} ${right}`
}

function checkConstant(left: Variable, value: number, op: string): string | undefined {
  switch (left.kind) {
    case 'RSI':
      if (value < 0 || value > 100)
        return `${variableLabel(left)} ranges over 0–100; ${value} is out of range.`
      return undefined
    case 'PRICE':
    case 'SMA':
    case 'EMA':
    case 'AVG_PRICE':
    case 'TRAILING':
      if (value <= 0)
        return `${variableLabel(left)} is a price (> 0); comparing it with ${value} is always ${op.includes('>') ? 'true' : 'false'}.`
      return undefined
    case 'PROFIT_PCT':
      if (value < -100) return `${variableLabel(left)} cannot fall below −100 %; ${value} is out of range.`
      return undefined
    case 'PRICE_CHANGE_WINDOW':
      if (left.reference === 'peak' && value > 0)
        return `${variableLabel(left)} is measured from the window's high and is never positive; ${value} is out of range.`
      if (left.reference === 'trough' && value < 0)
        return `${variableLabel(left)} is measured from the window's low and is never negative; ${value} is out of range.`
      if (value < -100) return `${variableLabel(left)} cannot fall below −100 %; ${value} is out of range.`
      return undefined
    case 'EXEC_COUNT':
      if (value < 0 || !Number.isInteger(value))
        return `${variableLabel(left)} is a whole number ≥ 0; compare it with one (got ${value}).`
      return undefined
    case 'CONTEXT_FLAG':
      return undefined
  }
}

/** Options of {@link validateStrategy}. */
export interface ValidateOptions {
  /**
   * The smallest order total the exchange accepts in the market the strategy trades, in its quote
   * currency (`adapter.market.minOrderTotal(symbol)`): a buy of a fixed quote amount below it is an
   * error pinned to that amount. Omitted, no minimum is checked here — the executor still refuses
   * such an order when it is placed.
   */
  readonly minOrderTotal?: DecimalInput
}

/** The minimum as a Decimal; a value that is not a finite number ≥ 0 is a typed error. */
function readMinOrderTotal(value: DecimalInput | undefined): Decimal | undefined {
  if (value === undefined) return undefined
  const min = toDecimal(value)
  if (!min || min.isNegative())
    throw new InvalidRequestError({
      param: 'minOrderTotal',
      message: `"minOrderTotal" must be a finite number ≥ 0 in the quote currency (got ${describeValue(value)}).`,
      channel: 'rules',
    })
  return min
}

/**
 * Validates a strategy: the zod schema (shapes and parameter ranges) and then the checks that
 * need the whole strategy — incompatible comparisons, references to unknown rules, actions that
 * contradict the role, constants out of a variable's range — as errors; and questionable but
 * legal settings — a trailing stop that arms below its trail distance (it can exit at a loss),
 * price compared with a percentage, flags nobody sets, no entry or no exit rule — as warnings.
 *
 * @example
 * ```ts
 * import { sevenRules, validateStrategy } from '@bb/rules'
 * const result = validateStrategy(sevenRules({ trailingActivationPct: 2, trailingPct: 5 }))
 * result.success // true
 * result.warnings[0]?.message // 'TRAILING(2%, 5%) arms at 2 % profit but trails 5 %: …'
 * ```
 */
export function validateStrategy(
  input: StrategyInput | unknown,
  options: ValidateOptions = {},
): StrategyValidation {
  const minOrderTotal = readMinOrderTotal(options.minOrderTotal)
  const parsed = StrategySchema.safeParse(input)
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({
      path: formatPath(issue.path),
      message: issue.message,
    }))
    return { success: false, errors, warnings: [] }
  }
  const strategy = parsed.data
  const errors: RuleIssue[] = []
  const warnings: RuleIssue[] = []
  const ids = new Set<string>()
  const setFlags = new Set<string>()
  for (const rule of strategy.rules) {
    if (rule.action.type === 'set_flag') setFlags.add(rule.action.flag)
    if (rule.action.type === 'buy' && rule.action.onRejectSetFlag) setFlags.add(rule.action.onRejectSetFlag)
  }
  strategy.rules.forEach((rule, index) => {
    const at = `rules[${index}]`
    const issue = (list: RuleIssue[], path: string, message: string): void => {
      list.push({ path, ruleId: rule.id, message })
    }
    if (ids.has(rule.id)) issue(errors, `${at}.id`, `Duplicate rule id "${rule.id}": ids must be unique.`)
    ids.add(rule.id)
    checkRoleAndAction(rule, at, (path, message) => issue(errors, path, message))
    if (
      minOrderTotal !== undefined &&
      rule.action.type === 'buy' &&
      rule.action.amount.kind === 'quote' &&
      new Decimal(rule.action.amount.value).lessThan(minOrderTotal)
    )
      issue(
        errors,
        `${at}.action.amount.value`,
        `A buy of ${rule.action.amount.value} is below the exchange's minimum order total of ${minOrderTotal.toString()}.`,
      )
    walkConditions(rule.when, `${at}.when`, (condition, path) => {
      checkCondition(strategy, condition, path, {
        error: (p, m) => issue(errors, p, m),
        warn: (p, m) => issue(warnings, p, m),
        setFlags,
      })
    })
  })
  if (!strategy.rules.some((rule) => rule.enabled && rule.role === 'ENTRY'))
    warnings.push({ path: 'rules', message: 'No enabled ENTRY rule: the strategy never opens a position.' })
  if (!strategy.rules.some((rule) => rule.enabled && (rule.role === 'EXIT' || rule.role === 'RISK')))
    warnings.push({ path: 'rules', message: 'No enabled EXIT or RISK rule: positions are never closed.' })
  return errors.length > 0 ? { success: false, errors, warnings } : { success: true, strategy, warnings }
}

/**
 * Validates a strategy and returns it with its defaults applied, or throws an
 * `InvalidRequestError` whose message lists every error (with its path).
 *
 * @example
 * ```ts
 * import { parseStrategy } from '@bb/rules'
 * const strategy = parseStrategy({
 *   timeframe: '5m',
 *   rules: [
 *     { id: 'entry', name: 'Buy the dip', role: 'ENTRY', activation: 'READY',
 *       when: { left: { kind: 'RSI' }, op: '<', right: 25 },
 *       action: { type: 'buy', amount: { kind: 'quote', value: 50_000 } } },
 *     { id: 'exit', name: 'Take profit', role: 'EXIT', activation: 'ACTIVE',
 *       when: { left: { kind: 'PROFIT_PCT' }, op: '>=', right: 3 },
 *       action: { type: 'sell' } },
 *   ],
 * })
 * ```
 */
export function parseStrategy(input: StrategyInput | unknown): Strategy {
  const result = validateStrategy(input)
  if (result.success) return result.strategy
  const first = result.errors[0]
  throw new InvalidRequestError({
    param: first?.path || 'strategy',
    message: `Invalid strategy: ${result.errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`,
    channel: 'rules',
  })
}

function walkConditions(
  node: ConditionNode,
  path: string,
  visit: (condition: Condition, path: string) => void,
): void {
  if ('all' in node) {
    for (const [i, child] of node.all.entries()) walkConditions(child, `${path}.all[${i}]`, visit)
  } else if ('any' in node) {
    for (const [i, child] of node.any.entries()) walkConditions(child, `${path}.any[${i}]`, visit)
  } else visit(node, path)
}

function checkRoleAndAction(rule: Rule, at: string, error: (path: string, message: string) => void): void {
  const { role, action, activation } = rule
  if (role === 'ENTRY' && activation === 'ACTIVE')
    error(
      `${at}.activation`,
      'An ENTRY rule opens a position: it must be active in READY (or ANY), not ACTIVE.',
    )
  if (
    (role === 'SCALE_IN' || role === 'SCALE_OUT' || role === 'EXIT' || role === 'RISK') &&
    activation === 'READY'
  )
    error(
      `${at}.activation`,
      `A ${role} rule manages a position: it must be active in ACTIVE (or ANY), not READY.`,
    )
  if (action.type === 'buy' && role !== 'ENTRY' && role !== 'SCALE_IN')
    error(`${at}.action`, `A ${role} rule cannot buy: use the ENTRY or SCALE_IN role for buys.`)
  if (action.type === 'sell' && role !== 'EXIT' && role !== 'RISK' && role !== 'SCALE_OUT')
    error(`${at}.action`, `A ${role} rule cannot sell: use EXIT, RISK or SCALE_OUT for sells.`)
  if (action.type === 'set_flag' && role !== 'MANAGEMENT')
    error(`${at}.action`, `Only MANAGEMENT rules write flags (meta actions); this rule's role is ${role}.`)
  if (action.type === 'sell' && action.positionPercent < 100 && role !== 'SCALE_OUT')
    error(
      `${at}.action.positionPercent`,
      `A partial sell (${action.positionPercent} %) belongs to a SCALE_OUT rule.`,
    )
}

interface CheckContext {
  error(path: string, message: string): void
  warn(path: string, message: string): void
  setFlags: ReadonlySet<string>
}

function checkVariable(strategy: Strategy, variable: Variable, path: string, ctx: CheckContext): void {
  if (variable.kind === 'EXEC_COUNT' && !strategy.rules.some((rule) => rule.id === variable.rule))
    ctx.error(
      `${path}.rule`,
      `EXEC_COUNT refers to rule "${variable.rule}", which this strategy does not have.`,
    )
  if (variable.kind === 'CONTEXT_FLAG' && !ctx.setFlags.has(variable.flag))
    ctx.warn(`${path}.flag`, `No rule sets the flag "${variable.flag}": it is always false.`)
  if (variable.kind === 'TRAILING' && variable.activationPct < variable.trailPct)
    ctx.warn(
      path,
      `${variableLabel(variable)} arms at ${variable.activationPct} % profit but trails ${variable.trailPct} %: ` +
        `it can exit at a loss of up to about ${(100 - (1 + variable.activationPct / 100) * (100 - variable.trailPct)).toFixed(2)} %. ` +
        'Make the activation at least the trail distance.',
    )
}

function checkCondition(strategy: Strategy, condition: Condition, path: string, ctx: CheckContext): void {
  const { left, op, right } = condition
  checkVariable(strategy, left, `${path}.left`, ctx)
  const leftGroup = comparisonGroup(left)
  const label = conditionLabel(condition)
  if (leftGroup === 'flag') {
    if (typeof right !== 'boolean' && !(typeof right === 'object' && comparisonGroup(right) === 'flag'))
      ctx.error(`${path}.right`, `"${label}": a flag compares only with true/false or another flag.`)
    if (op !== '==' && op !== '!=') ctx.error(`${path}.op`, `"${label}": a flag supports only == and !=.`)
    if (typeof right === 'object') checkVariable(strategy, right, `${path}.right`, ctx)
    return
  }
  if (typeof right === 'boolean') {
    ctx.error(
      `${path}.right`,
      `"${label}": ${variableLabel(left)} is a number; only flags compare with true/false.`,
    )
    return
  }
  if (leftGroup === 'count' && (op === 'crossover' || op === 'crossunder'))
    ctx.error(`${path}.op`, `"${label}": a count cannot cross; use >= or ==.`)
  if (typeof right === 'number') {
    const problem = checkConstant(left, right, op)
    if (problem) ctx.error(`${path}.right`, `"${label}": ${problem}`)
    if ((op === '==' || op === '!=') && leftGroup !== 'count')
      ctx.warn(`${path}.op`, `"${label}": exact equality on a ${leftGroup} rarely holds; prefer >= or <=.`)
    return
  }
  checkVariable(strategy, right, `${path}.right`, ctx)
  const rightGroup = comparisonGroup(right)
  if (rightGroup === leftGroup) return
  if (
    (leftGroup === 'price' && rightGroup === 'percentage') ||
    (leftGroup === 'percentage' && rightGroup === 'price')
  ) {
    ctx.warn(
      path,
      `"${label}" compares a price with a percentage: the values have different units and need normalising.`,
    )
    return
  }
  ctx.error(
    path,
    `"${label}" is an incompatible comparison: ${variableLabel(left)} is a ${leftGroup}, ${variableLabel(right)} is a ${rightGroup}.`,
  )
}
