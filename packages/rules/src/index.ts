/**
 * The seven-rule strategy engine of Backbone: incremental indicators, a declarative (zod) rule
 * format with the seven rules as a preset, a per-symbol strategy engine over `Observable` market
 * data, a paper (dry-run, default) and a guarded live executor, and a backtester that runs the same
 * engine over historical candles.
 *
 * @packageDocumentation
 */

export {
  type BacktestOptions,
  type BacktestRejection,
  type BacktestReport,
  type BacktestTrade,
  backtest,
  type CandleSource,
  type OpenPosition,
  reportToCsv,
  reportToJson,
} from './backtest.js'
export {
  type CapitalAtRisk,
  type CapitalAtRiskOptions,
  type CapitalAtRiskRule,
  maxCapitalAtRisk,
  OPERATOR_DEFINITIONS,
  type OperatorDefinition,
  VARIABLE_DEFINITIONS,
  type VariableDefinition,
  type VariableParameter,
} from './builder.js'
export type { ConditionTrace } from './compile.js'
export { roleRank } from './compile.js'
export { type ParseCandlesCsvOptions, parseCandlesCsv } from './csv.js'
export { DryRunExecutor, type DryRunExecutorOptions, type PaperBalance } from './dry-run.js'
export { createEngine } from './engine.js'
export type {
  CycleResult,
  Decision,
  DecisionRule,
  DroppedCandidate,
  Engine,
  EngineOptions,
  EngineSources,
  ExecutionEvent,
  MarketEvent,
  PositionState,
  RuleInspection,
  SymbolInspection,
  SymbolSnapshot,
} from './engine-types.js'
export type { ExchangeRules } from './exchange.js'
export type { ExecutedFill, Executor, OrderAmount, OrderIntent, OrderOutcome } from './executor.js'
export type { CreateOrderParams, GatewayCallOptions, OrderGateway, OrderRef } from './gateway.js'
export { CandleAggregator, Ema, RollingWindow, Rsi, Sma } from './indicators.js'
export {
  LiveExecutor,
  type LiveExecutorOptions,
  liveConfirmationPhrase,
  MAX_CAPITAL_AT_RISK,
} from './live.js'
export {
  PYRAMIDING_BLOCKED_FLAG,
  PYRAMIDING_PAUSED_FLAG,
  SEVEN_RULE_IDS,
  type SevenRulesParams,
  SevenRulesParamsSchema,
  sevenRules,
} from './presets.js'
export {
  ACTIVATION_STATES,
  type Action,
  ActionSchema,
  type ActivationState,
  ActivationStateSchema,
  AvgPriceVariableSchema,
  type BuyAmount,
  BuyAmountSchema,
  type Condition,
  type ConditionInput,
  type ConditionNode,
  type ConditionNodeInput,
  ConditionNodeSchema,
  ConditionSchema,
  ContextFlagVariableSchema,
  EmaVariableSchema,
  ExecCountVariableSchema,
  OPERATORS,
  type Operator,
  OperatorSchema,
  PriceChangeWindowVariableSchema,
  PriceVariableSchema,
  ProfitPctVariableSchema,
  ROLES,
  type Role,
  RoleSchema,
  RsiVariableSchema,
  type Rule,
  type RuleInput,
  RuleSchema,
  SmaVariableSchema,
  type Strategy,
  type StrategyInput,
  StrategySchema,
  TrailingVariableSchema,
  VARIABLE_KINDS,
  type Variable,
  type VariableInput,
  type VariableKind,
  VariableSchema,
} from './schema.js'
export { roundToTick, type TickRounding, type TickSource } from './ticks.js'
export {
  type ComparisonGroup,
  comparisonGroup,
  conditionLabel,
  parseStrategy,
  type RuleIssue,
  type StrategyValidation,
  type ValidateOptions,
  validateStrategy,
  variableLabel,
} from './validate.js'
