import { CandleIntervalSchema } from '@bb/models'
import { z } from 'zod'

// ---------------------------------------------------------------------------------------------
// Variables
// ---------------------------------------------------------------------------------------------

const flagName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'a flag name: a letter, then letters, digits, _ . - (≤ 64)')
const ruleId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'a rule id: letters, digits, _ . - (≤ 64), not starting with a symbol',
  )

/** Schema of the `PRICE` variable: the latest traded price of the symbol. */
export const PriceVariableSchema = z.object({ kind: z.literal('PRICE') }).strict()

/** Schema of the `RSI` variable: Wilder RSI (0–100) over closed candles. */
export const RsiVariableSchema = z
  .object({
    kind: z.literal('RSI'),
    /** Look-back in candles, 2–240. */
    period: z.number().int().min(2).max(240).default(14),
    /** Candle interval; the strategy's `timeframe` when omitted. */
    timeframe: CandleIntervalSchema.optional(),
  })
  .strict()

/** Schema of the `SMA` variable: simple moving average of closes (price-comparable). */
export const SmaVariableSchema = z
  .object({
    kind: z.literal('SMA'),
    /** Look-back in candles, 1–240. */
    period: z.number().int().min(1).max(240).default(14),
    /** Candle interval; the strategy's `timeframe` when omitted. */
    timeframe: CandleIntervalSchema.optional(),
  })
  .strict()

/** Schema of the `EMA` variable: exponential moving average of closes (price-comparable). */
export const EmaVariableSchema = z
  .object({
    kind: z.literal('EMA'),
    /** Look-back in candles, 1–240. */
    period: z.number().int().min(1).max(240).default(12),
    /** Weight numerator, `alpha = smoothing / (period + 1)`, 0.1–10. */
    smoothing: z.number().min(0.1).max(10).default(2),
    /** Candle interval; the strategy's `timeframe` when omitted. */
    timeframe: CandleIntervalSchema.optional(),
  })
  .strict()

/** Schema of the `AVG_PRICE` variable: the position's fee-inclusive average buy price. */
export const AvgPriceVariableSchema = z.object({ kind: z.literal('AVG_PRICE') }).strict()

/**
 * Schema of the `PROFIT_PCT` variable: `(price / reference − 1) × 100`, where the reference is the
 * fee-inclusive average buy price (`average`) or the fill price of the cycle's last buy
 * (`last_fill`, the anchor of RULES.md §B.1).
 */
export const ProfitPctVariableSchema = z
  .object({
    kind: z.literal('PROFIT_PCT'),
    /** What profit is measured against. */
    reference: z.enum(['average', 'last_fill']).default('average'),
  })
  .strict()

/**
 * Schema of the `PRICE_CHANGE_WINDOW` variable: the percent change from the highest (`peak`) or
 * lowest (`trough`) traded price of the trailing window to now. No value while less than
 * `minCoverage` of the window is backed by data.
 */
export const PriceChangeWindowVariableSchema = z
  .object({
    kind: z.literal('PRICE_CHANGE_WINDOW'),
    /** Window length, 5–3600 s. */
    windowSeconds: z.number().int().min(5).max(3600).default(60),
    /** `peak`: change from the window's high (≤ 0); `trough`: change from its low (≥ 0). */
    reference: z.enum(['peak', 'trough']),
    /** Share of the window that must hold data before the variable has a value, 0–1. */
    minCoverage: z.number().min(0).max(1).default(0.5),
  })
  .strict()

/** Schema of the `EXEC_COUNT` variable: how many fills a rule of this strategy had in this cycle. */
export const ExecCountVariableSchema = z
  .object({
    kind: z.literal('EXEC_COUNT'),
    /** The id of the rule counted. */
    rule: ruleId,
  })
  .strict()

/** Schema of the `CONTEXT_FLAG` variable: a boolean flag of the strategy instance (false when unset). */
export const ContextFlagVariableSchema = z
  .object({
    kind: z.literal('CONTEXT_FLAG'),
    /** The flag's name. */
    flag: flagName,
  })
  .strict()

/**
 * Schema of the `TRAILING` variable: a trailing stop price. It arms once profit versus the average
 * price reaches `activationPct` and stays armed (latched) for the rest of the cycle; from then on
 * its value is `highWaterMark × (1 − trailPct / 100)`, the high-water mark being the highest
 * price since arming. No value before it is armed. Compare `PRICE <= TRAILING` to stop out.
 */
export const TrailingVariableSchema = z
  .object({
    kind: z.literal('TRAILING'),
    /** Profit versus average (percent) that arms the stop, 0–100. */
    activationPct: z.number().min(0).max(100).default(5),
    /** Allowed pullback from the high-water mark (percent), 0.1–50. */
    trailPct: z.number().min(0.1).max(50).default(3),
  })
  .strict()

/** Schema of {@link Variable}: one of the variables a condition can read. */
export const VariableSchema = z.discriminatedUnion('kind', [
  PriceVariableSchema,
  RsiVariableSchema,
  SmaVariableSchema,
  EmaVariableSchema,
  AvgPriceVariableSchema,
  ProfitPctVariableSchema,
  PriceChangeWindowVariableSchema,
  ExecCountVariableSchema,
  ContextFlagVariableSchema,
  TrailingVariableSchema,
])

/** A variable a condition reads (after defaults are applied). */
export type Variable = z.output<typeof VariableSchema>
/** A variable as written by a user (defaults may be left out). */
export type VariableInput = z.input<typeof VariableSchema>
/** The kind of a {@link Variable}. */
export type VariableKind = Variable['kind']

/** The names of every variable kind. */
export const VARIABLE_KINDS: readonly VariableKind[] = [
  'PRICE',
  'RSI',
  'SMA',
  'EMA',
  'AVG_PRICE',
  'PROFIT_PCT',
  'PRICE_CHANGE_WINDOW',
  'EXEC_COUNT',
  'CONTEXT_FLAG',
  'TRAILING',
]

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

/**
 * The comparison operators. `crossover`: the left side was ≤ the right at the previous
 * evaluation and is > now; `crossunder`: was ≥ and is < now.
 */
export const OPERATORS = ['>', '<', '>=', '<=', '==', '!=', 'crossover', 'crossunder'] as const
/** Schema of {@link Operator}. */
export const OperatorSchema = z.enum(OPERATORS)
/** A comparison operator. */
export type Operator = z.infer<typeof OperatorSchema>

/** Schema of {@link Condition}: `left op right`, the right side a constant or another variable. */
export const ConditionSchema = z
  .object({
    /** The variable on the left. */
    left: VariableSchema,
    /** The operator. */
    op: OperatorSchema,
    /** A number, a boolean (for flags) or another variable. */
    right: z.union([z.number().finite(), z.boolean(), VariableSchema]),
  })
  .strict()

/** One comparison. */
export type Condition = z.output<typeof ConditionSchema>
/** One comparison as written by a user. */
export type ConditionInput = z.input<typeof ConditionSchema>

/** A condition tree: a comparison, or an AND (`all`) / OR (`any`) of condition trees. */
export type ConditionNode =
  | Condition
  | { readonly all: readonly ConditionNode[] }
  | { readonly any: readonly ConditionNode[] }
/** A condition tree as written by a user. */
export type ConditionNodeInput =
  | ConditionInput
  | { readonly all: readonly ConditionNodeInput[] }
  | { readonly any: readonly ConditionNodeInput[] }

/** Schema of {@link ConditionNode}. */
export const ConditionNodeSchema: z.ZodType<ConditionNode, ConditionNodeInput> = z.lazy(() =>
  z.union([
    ConditionSchema,
    z.object({ all: z.array(ConditionNodeSchema).min(1) }).strict(),
    z.object({ any: z.array(ConditionNodeSchema).min(1) }).strict(),
  ]),
)

// ---------------------------------------------------------------------------------------------
// Actions, rules, strategies
// ---------------------------------------------------------------------------------------------

/**
 * Schema of a buy amount: a fixed quote total (`quote`), a percent of the available quote
 * (`quote_percent`), or a multiple of the exchange's minimum order total in the market
 * (`min_order_multiple`: `market.minOrderTotal(symbol)` × value, so a preset sizes its adds on any
 * exchange without naming a currency).
 */
export const BuyAmountSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('quote'),
      /** The total to spend, in the quote currency. */
      value: z.number().positive().finite(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('quote_percent'),
      /** Percent of the available quote balance, (0, 100]. */
      value: z.number().positive().max(100),
    })
    .strict(),
  z
    .object({
      kind: z.literal('min_order_multiple'),
      /** How many times the market's minimum order total to spend, ≥ 1 and finite. */
      value: z.number().min(1).finite(),
    })
    .strict(),
])
/** How much a buy spends. */
export type BuyAmount = z.output<typeof BuyAmountSchema>

/** Schema of {@link Action}: exactly one action per rule. */
export const ActionSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('buy'),
      /** How much to spend: a market buy by total (order type `price`). */
      amount: BuyAmountSchema,
      /** A flag set when the exchange (or the paper account) refuses this buy. */
      onRejectSetFlag: flagName.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('sell'),
      /** Percent of the position sold at market, (0, 100]; 100 closes the position. */
      positionPercent: z.number().positive().max(100).default(100),
      /** Re-entry cooldown after this exit closes the position; the strategy default when omitted. */
      cooldownSeconds: z
        .number()
        .int()
        .min(0)
        .max(7 * 24 * 3600)
        .optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('set_flag'),
      /** The flag written. Flags reset when the position closes. */
      flag: flagName,
      /** The value written. */
      value: z.boolean().default(true),
    })
    .strict(),
])
/** What a rule does when it fires: buy, sell, or (a meta action, no order) set a flag. */
export type Action = z.output<typeof ActionSchema>

/** Rule roles. RISK and EXIT sell, ENTRY and SCALE_IN buy, MANAGEMENT writes flags. */
export const ROLES = ['ENTRY', 'SCALE_IN', 'SCALE_OUT', 'EXIT', 'RISK', 'MANAGEMENT'] as const
/** Schema of {@link Role}. */
export const RoleSchema = z.enum(ROLES)
/** A rule's role. */
export type Role = z.infer<typeof RoleSchema>

/** Position states a rule can be active in. `ANY` means READY or ACTIVE. */
export const ACTIVATION_STATES = ['READY', 'ACTIVE', 'ANY'] as const
/** Schema of {@link ActivationState}. */
export const ActivationStateSchema = z.enum(ACTIVATION_STATES)
/** The position state in which a rule is evaluated. */
export type ActivationState = z.infer<typeof ActivationStateSchema>

/** Schema of {@link Rule}. */
export const RuleSchema = z
  .object({
    /** Unique id inside the strategy, referenced by `EXEC_COUNT`. */
    id: ruleId,
    /** Display name. */
    name: z.string().min(1).max(200),
    /** Optional longer description. */
    description: z.string().max(2000).optional(),
    /** What the rule is for. */
    role: RoleSchema,
    /** The position state in which it is evaluated. */
    activation: ActivationStateSchema,
    /** Lower wins; 0 is the highest. Ties: RISK/EXIT, then ENTRY/SCALE_IN, then MANAGEMENT, then order. */
    priority: z.number().int().min(0).max(1000).default(10),
    /** Disabled rules are kept but never evaluated. */
    enabled: z.boolean().default(true),
    /** The condition tree. */
    when: ConditionNodeSchema,
    /** The one action. */
    action: ActionSchema,
  })
  .strict()

/** One declarative rule. */
export type Rule = z.output<typeof RuleSchema>
/** One rule as written by a user (defaults may be left out). */
export type RuleInput = z.input<typeof RuleSchema>

/** Schema of {@link Strategy}. */
export const StrategySchema = z
  .object({
    /** Display name. */
    name: z.string().min(1).default('strategy'),
    /** Base candle interval: indicators without their own `timeframe` use it. */
    timeframe: CandleIntervalSchema.default('1m'),
    /** Re-entry cooldown (seconds) after an exit whose action sets none. */
    defaultCooldownSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .default(300),
    /** The rules, in rule-number order (the last tie-break). */
    rules: z.array(RuleSchema).min(1),
  })
  .strict()

/** A strategy: rules plus the settings they share. */
export type Strategy = z.output<typeof StrategySchema>
/** A strategy as written by a user. */
export type StrategyInput = z.input<typeof StrategySchema>
