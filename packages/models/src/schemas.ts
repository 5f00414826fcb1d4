import { z } from 'zod'
import { Decimal, DecimalSchema, NonNegativeDecimalSchema, PositiveDecimalSchema } from './decimal.js'
import {
  CandleIntervalSchema,
  ExchangeIdSchema,
  OrderStateSchema,
  OrderTypeSchema,
  PriceChangeSchema,
  SideSchema,
  SourceSchema,
  StreamTypeSchema,
  TimeInForceSchema,
} from './enums.js'

/** Milliseconds since the Unix epoch, UTC. */
export const TimestampSchema = z.number().int().nonnegative()

/**
 * An exact identifier (a trade's sequence id, an order uuid). Numbers are accepted only while
 * they are safe integers; ids beyond 2^53 must arrive as text or bigint and stay exact.
 */
export const IdSchema = z.union([
  z.string().min(1),
  z.bigint().transform((id) => id.toString()),
  z
    .number()
    .int()
    .refine(Number.isSafeInteger, { message: 'id beyond 2^53 lost precision: send it as a string' })
    .transform((id) => String(id)),
])

/**
 * Schema of a unified symbol: `BASE/QUOTE` (ccxt's convention), e.g. `BTC/USDT`, upper case, one
 * `/`, no spaces.
 */
export const UnifiedSymbolSchema = z
  .string()
  .regex(
    /^[A-Z0-9._-]{1,20}\/[A-Z0-9._-]{1,20}$/,
    'symbol must be a unified BASE/QUOTE symbol, e.g. BTC/USDT',
  )

/** Schema of an exchange's native market id (`BTCUSDT`, `BTC-USD`): non-empty, no spaces. */
export const MarketIdSchema = z.string().min(1).regex(/^\S+$/, 'marketId must not contain spaces')

const marketFields = {
  /** The exchange. */
  exchange: ExchangeIdSchema,
  /**
   * The unified symbol `BASE/QUOTE` (ccxt's convention), the same for a market on every exchange:
   * `BTC/USDT`, `ETH/BTC`. The adapter defines it from its market list (see NORMALIZATION.md).
   */
  symbol: UnifiedSymbolSchema,
  /**
   * The exchange's native market id, as its API spells it: `BTCUSDT` on a `BASEQUOTE` exchange,
   * `BTC-USD` on a dashed one. Requests, subscriptions and caches key by it.
   */
  marketId: MarketIdSchema,
  /** The asset bought and sold, e.g. `BTC`. */
  base: z.string().min(1),
  /** The asset prices are quoted in, e.g. `USDT`. */
  quote: z.string().min(1),
  /** Exchange time of the value, ms since epoch UTC. */
  timestamp: TimestampSchema,
  /** Local time the value was received, ms since epoch UTC. */
  receivedAt: TimestampSchema,
  /** Where the value came from. */
  source: SourceSchema,
  /**
   * Exchange-specific fields no neutral field holds, as the adapter declares them (ccxt's
   * `info`): e.g. a display name in the exchange's language or its market flags. Each exchange
   * package documents (and types) what its adapter puts here.
   */
  info: z.record(z.string(), z.unknown()).readonly().optional(),
}

/** Schema of {@link Market}. */
export const MarketSchema = z
  .object({
    ...marketFields,
    /** English display name. */
    englishName: z.string().optional(),
    /** Price tick, when known (from the exchange's instruments endpoint). */
    tickSize: PositiveDecimalSchema.optional(),
  })
  .readonly()

/** Schema of {@link Ticker}. */
export const TickerSchema = z
  .object({
    ...marketFields,
    /** Snapshot or realtime, for streamed tickers. */
    streamType: StreamTypeSchema.optional(),
    /** Last trade price. */
    last: PositiveDecimalSchema,
    /** Opening price of the current exchange day (the exchange defines when its day starts). */
    open: PositiveDecimalSchema,
    /** Day high. */
    high: PositiveDecimalSchema,
    /** Day low. */
    low: PositiveDecimalSchema,
    /** Previous day's closing price. */
    prevClose: PositiveDecimalSchema,
    /** Direction of `last` against `prevClose`. */
    change: PriceChangeSchema,
    /** `last − prevClose`, signed. */
    changePrice: DecimalSchema,
    /** `(last − prevClose) / prevClose`, signed ratio (0.015 = 1.5 %). */
    changeRate: DecimalSchema,
    /** Base volume since the day opened. */
    volume: NonNegativeDecimalSchema,
    /** Quote turnover since the day opened. */
    quoteVolume: NonNegativeDecimalSchema,
    /** Base volume over the last 24 h. */
    volume24h: NonNegativeDecimalSchema,
    /** Quote turnover over the last 24 h. */
    quoteVolume24h: NonNegativeDecimalSchema,
    /** Size of the last trade. */
    lastTradeSize: NonNegativeDecimalSchema.optional(),
    /** Time of the last trade, ms UTC. */
    lastTradeAt: TimestampSchema.optional(),
    /** Highest price of the last 52 weeks. */
    high52w: PositiveDecimalSchema.optional(),
    /** Lowest price of the last 52 weeks. */
    low52w: PositiveDecimalSchema.optional(),
  })
  .readonly()

/** Schema of {@link OrderbookLevel}. */
export const OrderbookLevelSchema = z
  .object({
    /** Price of the level. */
    price: PositiveDecimalSchema,
    /** Size resting at the level, in base units. */
    size: NonNegativeDecimalSchema,
  })
  .readonly()

/** Schema of {@link Trade}. */
export const TradeSchema = z
  .object({
    ...marketFields,
    /** Snapshot or realtime, for streamed trades. */
    streamType: StreamTypeSchema.optional(),
    /** The exchange's trade id, exact (digits beyond 2^53 kept). */
    id: IdSchema,
    /** Trade price. */
    price: PositiveDecimalSchema,
    /** Trade size in base units. */
    size: PositiveDecimalSchema,
    /** The taker's side: `buy` = a buyer lifted an ask. */
    side: SideSchema,
    /** Previous day's close, when the exchange sends it. */
    prevClose: PositiveDecimalSchema.optional(),
    /** Best bid right after the trade, when the exchange sends it. */
    bestBid: OrderbookLevelSchema.optional(),
    /** Best ask right after the trade, when the exchange sends it. */
    bestAsk: OrderbookLevelSchema.optional(),
  })
  .readonly()

const sortedLevels = (direction: 'asc' | 'desc') =>
  z
    .array(OrderbookLevelSchema)
    .readonly()
    .superRefine((levels, ctx) => {
      for (let i = 1; i < levels.length; i++) {
        const previous = levels[i - 1]!.price
        const current = levels[i]!.price
        const ordered = direction === 'asc' ? current.greaterThan(previous) : current.lessThan(previous)
        if (!ordered) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'price'],
            message: `levels must be sorted ${direction === 'asc' ? 'ascending' : 'descending'} by price without duplicates`,
            input: current.toString(),
          })
          return
        }
      }
    })

/** Schema of {@link OrderbookSnapshot}. */
export const OrderbookSnapshotSchema = z
  .object({
    ...marketFields,
    /** Snapshot or realtime, for streamed books. */
    streamType: StreamTypeSchema.optional(),
    /** Bids, best (highest) first. */
    bids: sortedLevels('desc'),
    /** Asks, best (lowest) first. */
    asks: sortedLevels('asc'),
    /** Price grouping applied (`0` = the native tick). */
    level: NonNegativeDecimalSchema.default(() => new Decimal(0)),
    /**
     * The exchange's update id of this book state (exact digits), for exchanges that sequence
     * their books (e.g. Binance `lastUpdateId` / `u`); absent where books are not sequenced.
     */
    sequence: IdSchema.optional(),
    /**
     * Only on a diff (a value of an adapter's diff-book stream, `capabilities.diffBook`): the first
     * update id the diff covers (Binance `U`). `bids`/`asks` then hold changed levels with absolute
     * sizes (`0` removes the level), not a book; a local book applies them (see `@bb/router`).
     */
    firstSequence: IdSchema.optional(),
  })
  .readonly()

/** Schema of {@link Candle}. */
export const CandleSchema = z
  .object({
    ...marketFields,
    /** Snapshot or realtime, for streamed candles. */
    streamType: StreamTypeSchema.optional(),
    /** The candle's interval. */
    interval: CandleIntervalSchema,
    /** First trade price of the interval. */
    open: PositiveDecimalSchema,
    /** Highest trade price. */
    high: PositiveDecimalSchema,
    /** Lowest trade price. */
    low: PositiveDecimalSchema,
    /** Last trade price so far. */
    close: PositiveDecimalSchema,
    /** Base volume traded. */
    volume: NonNegativeDecimalSchema,
    /** Quote turnover. */
    quoteVolume: NonNegativeDecimalSchema,
    /** Time of the last trade inside the candle, when known. */
    lastTradeAt: TimestampSchema.optional(),
    /** True for a flat candle made up locally for an interval without trades (the exchange omits those). */
    filled: z.boolean().optional(),
  })
  .readonly()
  .superRefine((candle, ctx) => {
    if (candle.high.lessThan(candle.low)) {
      ctx.addIssue({
        code: 'custom',
        path: ['high'],
        message: 'high is below low',
        input: candle.high.toString(),
      })
    } else {
      for (const key of ['open', 'close'] as const) {
        if (candle[key].greaterThan(candle.high) || candle[key].lessThan(candle.low)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} is outside [low, high]`,
            input: candle[key].toString(),
          })
        }
      }
    }
  })

/** Schema of {@link Balance}. */
export const BalanceSchema = z
  .object({
    /** The exchange. */
    exchange: ExchangeIdSchema,
    /** The currency, e.g. `BTC` or `USDT`. */
    currency: z.string().min(1),
    /** Available to trade. */
    free: NonNegativeDecimalSchema,
    /** Held by open orders or withdrawals. */
    locked: NonNegativeDecimalSchema,
    /** Average buy price, when the exchange tracks it. */
    avgBuyPrice: NonNegativeDecimalSchema.optional(),
    /** Currency of `avgBuyPrice`, e.g. `USDT`. */
    unitCurrency: z.string().optional(),
    /** Exchange time of the value (or `receivedAt` when the exchange gives none). */
    timestamp: TimestampSchema,
    /** Local receive time. */
    receivedAt: TimestampSchema,
    /** Where the value came from. */
    source: SourceSchema,
  })
  .readonly()

/** Schema of {@link Fill}. */
export const FillSchema = z
  .object({
    ...marketFields,
    /** The fill's id, as the exchange gives it. */
    id: IdSchema,
    /** The order filled. */
    orderId: IdSchema,
    /** The order's side. */
    side: SideSchema,
    /** Fill price. */
    price: PositiveDecimalSchema,
    /** Fill size in base units. */
    size: PositiveDecimalSchema,
    /** Quote amount of the fill (`price × size`, as reported). */
    funds: NonNegativeDecimalSchema.optional(),
    /** Fee charged for the fill. */
    fee: NonNegativeDecimalSchema.optional(),
    /**
     * The currency the fee was charged in, when the exchange says and it may differ from the
     * quote (Binance: the base asset of a buy, or BNB). Absent: the exchange does not say.
     */
    feeCurrency: z.string().min(1).optional(),
    /** True when the order was the maker. */
    isMaker: z.boolean().optional(),
  })
  .readonly()

/** Schema of {@link Order}. */
export const OrderSchema = z
  .object({
    ...marketFields,
    /** Snapshot or realtime, for streamed order updates. */
    streamType: StreamTypeSchema.optional(),
    /** The exchange's order id. */
    id: IdSchema,
    /** The caller's identifier, when one was given. */
    clientOrderId: z.string().optional(),
    /** Buy or sell. */
    side: SideSchema,
    /** Order type. */
    type: OrderTypeSchema,
    /** State. */
    state: OrderStateSchema,
    /** Limit price (absent for market orders). */
    price: NonNegativeDecimalSchema.optional(),
    /** Ordered base size (absent for a market buy sized by `cost`). */
    volume: NonNegativeDecimalSchema.optional(),
    /** Quote amount a market buy was given to spend, when it was sized by cost. */
    cost: NonNegativeDecimalSchema.optional(),
    /** Size still open. */
    remainingVolume: NonNegativeDecimalSchema.optional(),
    /** Size filled so far. */
    executedVolume: NonNegativeDecimalSchema,
    /** Quote amount filled so far. */
    executedFunds: NonNegativeDecimalSchema.optional(),
    /** Average fill price, when known. */
    avgPrice: NonNegativeDecimalSchema.optional(),
    /** Fee reserved at creation. */
    reservedFee: NonNegativeDecimalSchema.optional(),
    /** Fee still reserved. */
    remainingFee: NonNegativeDecimalSchema.optional(),
    /** Fee paid so far. */
    paidFee: NonNegativeDecimalSchema,
    /** Funds or size held by the order. */
    locked: NonNegativeDecimalSchema.optional(),
    /** Number of fills. */
    tradesCount: z.number().int().nonnegative(),
    /** Time in force, when set. */
    timeInForce: TimeInForceSchema.optional(),
    /** Self-match prevention mode, when set. */
    smpType: z.string().optional(),
    /** Creation time, ms UTC. */
    createdAt: TimestampSchema,
    /** Fills, when the exchange returns them with the order. */
    fills: z.array(FillSchema).readonly().optional(),
  })
  .readonly()

/** A tradable pair as the exchange lists it. */
export type Market = z.output<typeof MarketSchema>
/** 24-hour and day statistics of a market. */
export type Ticker = z.output<typeof TickerSchema>
/** One price level of an order book. */
export type OrderbookLevel = z.output<typeof OrderbookLevelSchema>
/** One public trade. */
export type Trade = z.output<typeof TradeSchema>
/** A whole order book: bids descending, asks ascending. */
export type OrderbookSnapshot = z.output<typeof OrderbookSnapshotSchema>
/** One OHLCV candle; `timestamp` is the interval's open time. */
export type Candle = z.output<typeof CandleSchema>
/** One currency's balance. */
export type Balance = z.output<typeof BalanceSchema>
/** One fill of an order. */
export type Fill = z.output<typeof FillSchema>
/** An order and its state. */
export type Order = z.output<typeof OrderSchema>
/** Any normalized model. */
export type Model = Market | Ticker | Trade | OrderbookSnapshot | Candle | Balance | Order | Fill
