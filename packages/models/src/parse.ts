import { DataValidationError } from '@bb/errors'
import type { z } from 'zod'
import {
  type Balance,
  BalanceSchema,
  type Candle,
  CandleSchema,
  type Fill,
  FillSchema,
  type Market,
  MarketSchema,
  type Order,
  type OrderbookSnapshot,
  OrderbookSnapshotSchema,
  OrderSchema,
  type Ticker,
  TickerSchema,
  type Trade,
  TradeSchema,
} from './schemas.js'

/** The result of a `safeParseX` function: the model, or the error `parseX` would have thrown. */
export type SafeParseResult<T> = { success: true; data: T } | { success: false; error: DataValidationError }

/** Formats a zod issue path as `orderbook_units[3].ask_price`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}

/** Converts the first issue of a zod error into a {@link DataValidationError} naming the field. */
export function toDataValidationError(error: z.ZodError, model?: string): DataValidationError {
  const issue = error.issues[0]
  const path = issue ? formatPath(issue.path) : ''
  const options: ConstructorParameters<typeof DataValidationError>[0] = {
    path,
    message: `Invalid ${model ?? 'data'} at "${path || '(root)'}": ${issue?.message ?? 'invalid input'}.`,
    details: error.issues.length > 1 ? { otherIssues: error.issues.length - 1 } : {},
  }
  if (issue && 'input' in issue) options.received = issue.input
  return new DataValidationError(options)
}

function parser<T>(schema: z.ZodType<T>, model: string) {
  const safeParse = (input: unknown): SafeParseResult<T> => {
    let result: ReturnType<typeof schema.safeParse>
    try {
      result = schema.safeParse(input, { reportInput: true })
    } catch (error) {
      // A throwing getter or Proxy, a stack overflow on deep input: still a typed error.
      if (DataValidationError.isInstance(error)) return { success: false, error }
      return {
        success: false,
        error: new DataValidationError({
          path: '',
          expected: model,
          message: `Invalid ${model}: the input could not be read.`,
          cause: error,
        }),
      }
    }
    return result.success
      ? { success: true, data: result.data }
      : { success: false, error: toDataValidationError(result.error, model) }
  }
  const parse = (input: unknown): T => {
    const result = safeParse(input)
    if (!result.success) throw result.error
    return result.data
  }
  return [parse, safeParse] as const
}

const [parseMarketFn, safeParseMarketFn] = parser<Market>(MarketSchema, 'Market')
const [parseTickerFn, safeParseTickerFn] = parser<Ticker>(TickerSchema, 'Ticker')
const [parseTradeFn, safeParseTradeFn] = parser<Trade>(TradeSchema, 'Trade')
const [parseOrderbookFn, safeParseOrderbookFn] = parser<OrderbookSnapshot>(
  OrderbookSnapshotSchema,
  'OrderbookSnapshot',
)
const [parseCandleFn, safeParseCandleFn] = parser<Candle>(CandleSchema, 'Candle')
const [parseBalanceFn, safeParseBalanceFn] = parser<Balance>(BalanceSchema, 'Balance')
const [parseOrderFn, safeParseOrderFn] = parser<Order>(OrderSchema, 'Order')
const [parseFillFn, safeParseFillFn] = parser<Fill>(FillSchema, 'Fill')

/** Parses a {@link Market}; throws `DataValidationError` naming the bad field. */
export const parseMarket: (input: unknown) => Market = parseMarketFn
/** Parses a {@link Market} without throwing. */
export const safeParseMarket: (input: unknown) => SafeParseResult<Market> = safeParseMarketFn
/**
 * Parses a {@link Ticker} from plain data (numbers or decimal strings; a JSON round trip of a
 * Ticker parses back to an equal Ticker); throws `DataValidationError` naming the bad field.
 */
export const parseTicker: (input: unknown) => Ticker = parseTickerFn
/** Parses a {@link Ticker} without throwing. */
export const safeParseTicker: (input: unknown) => SafeParseResult<Ticker> = safeParseTickerFn
/** Parses a {@link Trade}; ids beyond 2^53 must be strings or bigints. Throws `DataValidationError`. */
export const parseTrade: (input: unknown) => Trade = parseTradeFn
/** Parses a {@link Trade} without throwing. */
export const safeParseTrade: (input: unknown) => SafeParseResult<Trade> = safeParseTradeFn
/** Parses an {@link OrderbookSnapshot}, checking that bids descend and asks ascend. Throws `DataValidationError`. */
export const parseOrderbook: (input: unknown) => OrderbookSnapshot = parseOrderbookFn
/** Parses an {@link OrderbookSnapshot} without throwing. */
export const safeParseOrderbook: (input: unknown) => SafeParseResult<OrderbookSnapshot> = safeParseOrderbookFn
/** Parses a {@link Candle}, checking `low ≤ open, close ≤ high`. Throws `DataValidationError`. */
export const parseCandle: (input: unknown) => Candle = parseCandleFn
/** Parses a {@link Candle} without throwing. */
export const safeParseCandle: (input: unknown) => SafeParseResult<Candle> = safeParseCandleFn
/** Parses a {@link Balance}; throws `DataValidationError`. */
export const parseBalance: (input: unknown) => Balance = parseBalanceFn
/** Parses a {@link Balance} without throwing. */
export const safeParseBalance: (input: unknown) => SafeParseResult<Balance> = safeParseBalanceFn
/** Parses an {@link Order}; throws `DataValidationError`. */
export const parseOrder: (input: unknown) => Order = parseOrderFn
/** Parses an {@link Order} without throwing. */
export const safeParseOrder: (input: unknown) => SafeParseResult<Order> = safeParseOrderFn
/** Parses a {@link Fill}; throws `DataValidationError`. */
export const parseFill: (input: unknown) => Fill = parseFillFn
/** Parses a {@link Fill} without throwing. */
export const safeParseFill: (input: unknown) => SafeParseResult<Fill> = safeParseFillFn
