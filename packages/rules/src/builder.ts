import { Decimal, type DecimalInput, toDecimal } from '@bb/models'
import { z } from 'zod'
import { describeValue, invalid, optionsBag } from './check.js'
import {
  AvgPriceVariableSchema,
  type ConditionNode,
  ContextFlagVariableSchema,
  EmaVariableSchema,
  ExecCountVariableSchema,
  OPERATORS,
  type Operator,
  PriceChangeWindowVariableSchema,
  PriceVariableSchema,
  ProfitPctVariableSchema,
  RsiVariableSchema,
  SmaVariableSchema,
  type Strategy,
  type StrategyInput,
  TrailingVariableSchema,
  type VariableKind,
} from './schema.js'
import { type ComparisonGroup, comparisonGroup, parseStrategy } from './validate.js'

/** One parameter of a variable, described as data for a form widget. */
export interface VariableParameter {
  /** The field name, e.g. `period`. */
  readonly name: string
  /** The widget type: a whole number, any number, one of `options`, or free text matching `pattern`. */
  readonly type: 'integer' | 'number' | 'enum' | 'string'
  /** Whether the field may be left out (a default or the strategy's value applies). */
  readonly optional: boolean
  /** The default, when the schema has one. */
  readonly default?: number | string | boolean
  /** Lowest allowed value (numbers). */
  readonly min?: number
  /** Highest allowed value (numbers). */
  readonly max?: number
  /** The allowed values (enums). */
  readonly options?: readonly string[]
  /** The pattern a string must match. */
  readonly pattern?: string
}

/** A variable kind as data: what the trigger builder needs to offer it and generate its widgets. */
export interface VariableDefinition {
  /** The kind, e.g. `RSI`. */
  readonly kind: VariableKind
  /** Its comparison group: only variables and constants of a compatible group can be compared. */
  readonly group: ComparisonGroup
  /** One sentence for the builder's help text. */
  readonly description: string
  /** Its parameters, generated from the zod schema the engine validates with. */
  readonly parameters: readonly VariableParameter[]
}

/** An operator as data: the groups it applies to. */
export interface OperatorDefinition {
  /** The operator. */
  readonly op: Operator
  /** Human reading, e.g. `crosses above`. */
  readonly label: string
  /** The comparison groups whose left side accepts it. */
  readonly groups: readonly ComparisonGroup[]
}

const SCHEMAS: readonly [VariableKind, z.ZodObject, string][] = [
  ['PRICE', PriceVariableSchema, 'The latest traded price of the symbol.'],
  ['RSI', RsiVariableSchema, 'Wilder RSI (0–100) over closed candles.'],
  ['SMA', SmaVariableSchema, 'Simple moving average of closes.'],
  ['EMA', EmaVariableSchema, 'Exponential moving average of closes.'],
  ['AVG_PRICE', AvgPriceVariableSchema, "The position's fee-inclusive average buy price."],
  ['PROFIT_PCT', ProfitPctVariableSchema, 'Profit in percent versus the average price or the last fill.'],
  [
    'PRICE_CHANGE_WINDOW',
    PriceChangeWindowVariableSchema,
    "Percent change from the window's high (peak) or low (trough) to now.",
  ],
  ['EXEC_COUNT', ExecCountVariableSchema, 'How many fills a rule had in this cycle.'],
  ['CONTEXT_FLAG', ContextFlagVariableSchema, 'A flag of the strategy instance (false when unset).'],
  ['TRAILING', TrailingVariableSchema, 'A latched trailing stop price (no value before it is armed).'],
]

interface JsonProperty {
  type?: string
  enum?: string[]
  const?: string
  default?: number | string | boolean
  minimum?: number
  maximum?: number
  pattern?: string
}

function parametersOf(schema: z.ZodObject): VariableParameter[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonProperty>
    required?: string[]
  }
  const required = new Set(json.required ?? [])
  return Object.entries(json.properties ?? {})
    .filter(([name]) => name !== 'kind')
    .map(([name, p]) => {
      const type: VariableParameter['type'] = p.enum
        ? 'enum'
        : p.type === 'integer'
          ? 'integer'
          : p.type === 'number'
            ? 'number'
            : 'string'
      return {
        name,
        type,
        optional: !required.has(name),
        ...(p.default !== undefined ? { default: p.default } : {}),
        ...(p.minimum !== undefined ? { min: p.minimum } : {}),
        ...(p.maximum !== undefined ? { max: p.maximum } : {}),
        ...(p.enum ? { options: p.enum } : {}),
        ...(p.pattern ? { pattern: p.pattern } : {}),
      }
    })
}

/**
 * Every variable kind as data — comparison group, description and parameters (type, range,
 * default) read from the same zod schemas the engine validates with — so a trigger builder
 * generates its widgets from the source of truth.
 *
 * @example
 * ```ts
 * import { VARIABLE_DEFINITIONS } from '@bb/rules'
 * const rsi = VARIABLE_DEFINITIONS.find((v) => v.kind === 'RSI')
 * rsi?.parameters[0] // { name: 'period', type: 'integer', min: 2, max: 240, default: 14, … }
 * ```
 */
export const VARIABLE_DEFINITIONS: readonly VariableDefinition[] = SCHEMAS.map(
  ([kind, schema, description]) => ({
    kind,
    group: comparisonGroup({ kind } as Parameters<typeof comparisonGroup>[0]),
    description,
    parameters: parametersOf(schema),
  }),
)

const OPERATOR_LABELS: Record<Operator, string> = {
  '>': 'is above',
  '<': 'is below',
  '>=': 'is at least',
  '<=': 'is at most',
  '==': 'equals',
  '!=': 'differs from',
  crossover: 'crosses above',
  crossunder: 'crosses below',
}

/**
 * Every operator as data with the comparison groups it applies to: flags take only `==` and
 * `!=` (the same rule {@link validateStrategy} enforces); the other groups take every operator.
 */
export const OPERATOR_DEFINITIONS: readonly OperatorDefinition[] = OPERATORS.map((op) => ({
  op,
  label: OPERATOR_LABELS[op],
  groups:
    op === '==' || op === '!='
      ? (['price', 'percentage', 'count', 'flag'] as const)
      : (['price', 'percentage', 'count'] as const),
}))

/** One buy rule's share of {@link CapitalAtRisk}. */
export interface CapitalAtRiskRule {
  /** The rule id. */
  readonly ruleId: string
  /** Quote spent by one fill of the rule. */
  readonly perOrder: Decimal
  /** How many times it can fill in one cycle (`undefined`: no bound in its conditions). */
  readonly times: number | undefined
}

/** What {@link maxCapitalAtRisk} returns. */
export interface CapitalAtRisk {
  /**
   * The most quote one cycle can spend over all symbols: the entry plus every possible add, per
   * symbol, capped at the quote balance when one is given.
   */
  readonly total: Decimal
  /** Per buy rule. */
  readonly rules: readonly CapitalAtRiskRule[]
  /** Buy rules without an `EXEC_COUNT` bound: with no balance to cap them, the total is unbounded. */
  readonly unbounded: readonly string[]
  /** True when the balance (not the rules) set the total. */
  readonly cappedByBalance: boolean
}

/** Options of {@link maxCapitalAtRisk}. */
export interface CapitalAtRiskOptions {
  /** The available quote balance (in the quote currency): sizes `quote_percent` buys and caps the total. */
  readonly quoteBalance?: DecimalInput
  /** How many symbols run the strategy at once. @default 1 */
  readonly symbols?: number
  /**
   * The market's minimum order total (in the quote currency; the exchange's
   * `market.minOrderTotal(symbol)`): sizes `min_order_multiple` buys. Without it they count as
   * unbounded.
   */
  readonly minOrderTotal?: DecimalInput
}

/** The bound an `EXEC_COUNT(rule) < n` (or `<= n`) condition on `ruleId` puts on its fills. */
function execBound(node: ConditionNode, ruleId: string): number | undefined {
  if ('all' in node) {
    const bounds = node.all.map((child) => execBound(child, ruleId)).filter((b) => b !== undefined)
    return bounds.length > 0 ? Math.min(...bounds) : undefined
  }
  if ('any' in node) {
    const bounds = node.any.map((child) => execBound(child, ruleId))
    return bounds.some((b) => b === undefined) ? undefined : Math.max(...(bounds as number[]))
  }
  if (node.left.kind !== 'EXEC_COUNT' || node.left.rule !== ruleId || typeof node.right !== 'number')
    return undefined
  if (node.op === '<') return Math.max(0, Math.ceil(node.right))
  if (node.op === '<=') return Math.max(0, Math.floor(node.right) + 1)
  if (node.op === '==') return Math.max(0, Math.floor(node.right) + 1)
  return undefined
}

/**
 * The maximum capital at risk of a strategy (the arming dialog's amount, and the figure the live
 * executor's own guard is given): per symbol, every buy rule's order size times the number of fills
 * its `EXEC_COUNT` condition allows in one cycle (entries once per cycle); `quote_percent` buys are
 * sized on `quoteBalance`, `min_order_multiple` buys on `minOrderTotal`. Summed over `symbols`,
 * capped at the balance when one is given.
 *
 * @example
 * ```ts
 * import { maxCapitalAtRisk, sevenRules } from '@bb/rules'
 * // A minimum order total of 5000: the preset's adds are 20 × and 40 × it.
 * const risk = maxCapitalAtRisk(sevenRules(), { quoteBalance: '10000000', minOrderTotal: '5000' })
 * risk.total.toString() // '1700000': 10 % entry + 3 × 100,000 + 2 × 200,000
 * ```
 */
export function maxCapitalAtRisk(
  strategy: Strategy | StrategyInput,
  options: CapitalAtRiskOptions = {},
): CapitalAtRisk {
  const parsed = parseStrategy(strategy)
  const opts = optionsBag(options, 'options') ?? {}
  const symbols = opts.symbols ?? 1
  if (!Number.isInteger(symbols) || symbols < 1 || symbols > 10_000)
    throw invalid('symbols', `"symbols" must be an integer from 1 to 10000 (got ${describeValue(symbols)}).`)
  let balance: Decimal | undefined
  if (opts.quoteBalance !== undefined) {
    const value = toDecimal(opts.quoteBalance)
    if (!value?.isFinite() || value.isNegative())
      throw invalid(
        'quoteBalance',
        `"quoteBalance" must be a finite amount ≥ 0 (got ${describeValue(opts.quoteBalance)}).`,
      )
    balance = value
  }
  let minOrderTotal: Decimal | undefined
  if (opts.minOrderTotal !== undefined) {
    const value = toDecimal(opts.minOrderTotal)
    if (!value?.isFinite() || value.isNegative())
      throw invalid(
        'minOrderTotal',
        `"minOrderTotal" must be a finite amount ≥ 0 (got ${describeValue(opts.minOrderTotal)}).`,
      )
    minOrderTotal = value
  }
  const rules: CapitalAtRiskRule[] = []
  const unbounded: string[] = []
  let perSymbol = new Decimal(0)
  for (const rule of parsed.rules) {
    if (!rule.enabled || rule.action.type !== 'buy') continue
    const { amount } = rule.action
    const perOrder =
      amount.kind === 'quote'
        ? new Decimal(amount.value)
        : amount.kind === 'min_order_multiple'
          ? minOrderTotal?.times(amount.value)
          : balance
            ? balance.times(amount.value).dividedBy(100)
            : undefined
    // An entry runs in READY: once per cycle. Others are bounded by their EXEC_COUNT condition.
    const times = rule.role === 'ENTRY' && rule.activation === 'READY' ? 1 : execBound(rule.when, rule.id)
    if (perOrder === undefined || times === undefined) unbounded.push(rule.id)
    rules.push({ ruleId: rule.id, perOrder: perOrder ?? new Decimal(0), times })
    if (perOrder !== undefined && times !== undefined) perSymbol = perSymbol.plus(perOrder.times(times))
  }
  const uncapped = perSymbol.times(symbols)
  const cappedByBalance = balance !== undefined && (unbounded.length > 0 || uncapped.greaterThan(balance))
  return {
    total: cappedByBalance && balance ? balance : uncapped,
    rules,
    unbounded,
    cappedByBalance,
  }
}
