import { z } from 'zod'

/**
 * Schema of {@link ExchangeId}: an open set. Each exchange package declares its own id (lower
 * case letters, digits, `-` or `_`, starting with a letter, at most 32 characters).
 */
export const ExchangeIdSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,31}$/,
    'an exchange id is lower case letters, digits, - or _ (e.g. "myexchange")',
  )
/** An exchange's id, as its adapter declares it. */
export type ExchangeId = z.infer<typeof ExchangeIdSchema>

/** The two sides of a trade or order. A trade's side is the taker's side (see NORMALIZATION.md). */
export const SIDES = ['buy', 'sell'] as const
/** Schema of {@link Side}. */
export const SideSchema = z.enum(SIDES)
/** `buy` or `sell`. */
export type Side = z.infer<typeof SideSchema>

/** Every candle interval: seconds to years. `1M` is a calendar month, `1y` a calendar year. */
export const CANDLE_INTERVALS = [
  '1s',
  '1m',
  '3m',
  '5m',
  '10m',
  '15m',
  '30m',
  '1h',
  '4h',
  '1d',
  '1w',
  '1M',
  '1y',
] as const
/** Schema of {@link CandleInterval}. */
export const CandleIntervalSchema = z.enum(CANDLE_INTERVALS)
/** A candle interval, e.g. `1m`, `4h`, `1d`. */
export type CandleInterval = z.infer<typeof CandleIntervalSchema>

/** Where a value came from: a REST response, a WebSocket frame, the local cache, or the simulator. */
export const SOURCES = ['rest', 'ws', 'cache', 'sim'] as const
/** Schema of {@link Source}. */
export const SourceSchema = z.enum(SOURCES)
/** `rest`, `ws`, `cache` or `sim`. */
export type Source = z.infer<typeof SourceSchema>

/** Whether a streamed value is the initial snapshot or a realtime update. */
export const STREAM_TYPES = ['snapshot', 'realtime'] as const
/** Schema of {@link StreamType}. */
export const StreamTypeSchema = z.enum(STREAM_TYPES)
/** `snapshot` or `realtime`. */
export type StreamType = z.infer<typeof StreamTypeSchema>

/** Direction of the last price against the previous close. */
export const PRICE_CHANGES = ['rise', 'even', 'fall'] as const
/** Schema of {@link PriceChange}. */
export const PriceChangeSchema = z.enum(PRICE_CHANGES)
/** `rise`, `even` or `fall`. */
export type PriceChange = z.infer<typeof PriceChangeSchema>

/**
 * The neutral order types: `limit` (at a limit price) and `market` (against the book; a market
 * buy may give `cost`, the quote amount to spend, instead of a base `volume`). Anything else an
 * exchange offers (time in force, a best-price variant, …) is an option its adapter declares in
 * its market rules, never a type here.
 */
export const ORDER_TYPES = ['limit', 'market'] as const
/** Schema of {@link OrderType}. */
export const OrderTypeSchema = z.enum(ORDER_TYPES)
/** An order type: `limit` or `market`. */
export type OrderType = z.infer<typeof OrderTypeSchema>

/** Order states, including the stream-only `trade` (a fill happened) and `prevented` (self-match prevention). */
export const ORDER_STATES = ['wait', 'watch', 'trade', 'done', 'cancel', 'prevented'] as const
/** Schema of {@link OrderState}. */
export const OrderStateSchema = z.enum(ORDER_STATES)
/** An order state. */
export type OrderState = z.infer<typeof OrderStateSchema>

/** Time-in-force options. */
export const TIME_IN_FORCES = ['ioc', 'fok', 'post_only'] as const
/** Schema of {@link TimeInForce}. */
export const TimeInForceSchema = z.enum(TIME_IN_FORCES)
/** `ioc`, `fok` or `post_only`. */
export type TimeInForce = z.infer<typeof TimeInForceSchema>
