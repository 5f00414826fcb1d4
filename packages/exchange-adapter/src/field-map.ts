import type {
  Balance,
  Candle,
  Decimal,
  ExchangeId,
  Market,
  Model,
  Order,
  OrderbookSnapshot,
  Source,
  Ticker,
  Trade,
} from '@bb/models'

/** The kinds of model an adapter normalizes to (see `@bb/models`). */
export const MODEL_KINDS = ['market', 'ticker', 'trade', 'orderbook', 'candle', 'balance', 'order'] as const

/** One of {@link MODEL_KINDS}. */
export type ModelKind = (typeof MODEL_KINDS)[number]

/**
 * The name of a raw shape one model can arrive in: a REST response element or one of the
 * exchange's WebSocket formats. The contract fixes no names: each adapter declares its own in
 * {@link ShapeDeclaration} (e.g. one REST shape and one shape per wire format) and keys its
 * {@link FieldMaps} by them. List formats are unwrapped by the frame classifier first.
 */
export type RawShape = string

/** The raw shapes an adapter sends, declared by the adapter (see {@link RawShape}). */
export interface ShapeDeclaration {
  /** The shape of REST response elements. */
  readonly rest: RawShape
  /** The shapes WebSocket messages arrive in; the first is assumed when the classifier cannot tell. */
  readonly ws: readonly [RawShape, ...RawShape[]]
}

/**
 * Where a field is read from: a key of the raw object, or several keys tried in order (the first
 * present and non-null wins, e.g. `['code', 'market']` for an older and a newer frame format). A key starting with `^`
 * reads from the parent object when the map has {@link FieldMap.each}.
 */
export type FieldSource = string | readonly string[]

/** Options every rule that reads a field accepts. */
interface ReadRule {
  /** The raw key (or keys, first present wins). */
  readonly from: FieldSource
  /** When true a missing or `null` value leaves the model field out instead of failing. */
  readonly optional?: boolean
  /**
   * When true a `0` (or `"0"`) is read as "missing": the field is left out (for exchanges that send
   * `0` for an absent value). Implies `optional`.
   */
  readonly zeroIsMissing?: boolean
}

/** An exact decimal (price, size, amount): JSON number or decimal text, never through a lossy float. */
export interface DecimalRule extends ReadRule {
  /** Rule type. */
  readonly type: 'decimal'
}

/** An exact identifier: a string, a bigint, or a number only while it is a safe integer. */
export interface IdRule extends ReadRule {
  /** Rule type. */
  readonly type: 'id'
}

/** A millisecond UTC timestamp sent as an integer (or integer text). */
export interface TimestampRule extends ReadRule {
  /** Rule type. */
  readonly type: 'timestamp'
}

/** A date-time text such as `2025-06-24T13:56:53+09:00`, converted to ms UTC. */
export interface DateTimeRule extends ReadRule {
  /** Rule type. */
  readonly type: 'datetime'
  /** The offset to assume when the text carries none (e.g. `+00:00` for a UTC field). */
  readonly defaultOffset: string
}

/** A plain string. */
export interface StringRule extends ReadRule {
  /** Rule type. */
  readonly type: 'string'
}

/** A boolean. */
export interface BooleanRule extends ReadRule {
  /** Rule type. */
  readonly type: 'boolean'
}

/** A non-negative integer count. */
export interface IntegerRule extends ReadRule {
  /** Rule type. */
  readonly type: 'integer'
}

/** A string mapped through a table, e.g. `{ ASK: 'sell', BID: 'buy' }`; other values fail. */
export interface EnumRule extends ReadRule {
  /** Rule type. */
  readonly type: 'enum'
  /** Raw value → unified value. */
  readonly values: Readonly<Record<string, string>>
}

/**
 * The exchange's market code (its native id): the unifier fills `marketId` with it, and `symbol`
 * (unified `BASE/QUOTE`), `base` and `quote` from the adapter's `symbols.split`.
 */
export interface SymbolRule extends ReadRule {
  /** Rule type. */
  readonly type: 'symbol'
}

/** A fixed value. */
export interface ConstRule {
  /** Rule type. */
  readonly type: 'const'
  /** The value. */
  readonly value: string | number | boolean
}

/** One book level `{ price, size }` built from two raw keys (e.g. a ticker's best bid price and size). */
export interface LevelRule {
  /** Rule type. */
  readonly type: 'level'
  /** Key of the price. */
  readonly price: FieldSource
  /** Key of the size. */
  readonly size: FieldSource
  /** When true the level is left out if either key is missing or the price is 0. */
  readonly optional?: boolean
}

/**
 * A list of book levels read from an array of units (each unit may hold both sides). A unit whose
 * price is `0` is an error unless {@link LevelsRule.zeroPriceIsPadding} says the exchange pads
 * thin sides with zero-price units (see NORMALIZATION.md).
 */
export interface LevelsRule {
  /** Rule type. */
  readonly type: 'levels'
  /** Key of the array of units. */
  readonly from: FieldSource
  /** Key of the price inside one unit. */
  readonly price: string
  /** Key of the size inside one unit. */
  readonly size: string
  /**
   * When true a unit whose price is `0` is padding and is skipped, not an error. An exchange
   * option: set it only for an exchange that pads thin book sides with zero-price units.
   */
  readonly zeroPriceIsPadding?: boolean
}

/** Helpers a {@link CustomRule} may use; they read exactly like the declarative rules. */
export interface CustomRuleHelpers {
  /** Reads an exact decimal (as {@link DecimalRule}); throws `DataValidationError` naming `path`. */
  decimal(value: unknown, path: string): Decimal
  /** Reads an exact id (as {@link IdRule}). */
  id(value: unknown, path: string): string
  /** Reads a ms timestamp (as {@link TimestampRule}). */
  timestamp(value: unknown, path: string): number
  /** Reads a date-time text (as {@link DateTimeRule}) to ms UTC. */
  datetime(value: unknown, path: string, defaultOffset: string): number
  /**
   * Reads a market code with the adapter's symbol rules: the unified `symbol` (`BASE/QUOTE`), the
   * native `marketId`, `base` and `quote` — spread it into a nested model (e.g. a fill).
   */
  symbol(value: unknown, path: string): MarketSymbol
  /** The adapter's exchange id (for nested models such as fills). */
  readonly exchange: ExchangeId
  /** Where the message came from. */
  readonly source: Source
  /** When the message was received, ms UTC. */
  readonly receivedAt: number
}

/**
 * An escape hatch for a field no declarative rule describes (e.g. order fills that exist only in
 * some states). `read` runs once per message; returning `undefined` leaves the field out.
 */
export interface CustomRule {
  /** Rule type. */
  readonly type: 'custom'
  /** The raw keys `read` looks at (documentation and conformance only). */
  readonly reads: readonly string[]
  /**
   * Reads the value; throw a `DataValidationError` for bad input. For a map with `each`, `raw` is
   * one element and `container` the object that holds the array (what `^key` sources read), e.g.
   * the frame's `data` when a frame carries `data.assets: [...]` and its time once in `data`.
   */
  readonly read: (
    raw: Readonly<Record<string, unknown>>,
    helpers: CustomRuleHelpers,
    container?: Readonly<Record<string, unknown>>,
  ) => unknown
}

/** Any field rule. */
export type FieldRule =
  | DecimalRule
  | IdRule
  | TimestampRule
  | DateTimeRule
  | StringRule
  | BooleanRule
  | IntegerRule
  | EnumRule
  | SymbolRule
  | ConstRule
  | LevelRule
  | LevelsRule
  | CustomRule

/** The model fields an adapter maps (the unifier fills `exchange`, `source` and `receivedAt`). */
export type MappedFields<K extends ModelKind> = Exclude<
  keyof ModelOf<K>,
  'exchange' | 'source' | 'receivedAt' | 'base' | 'quote' | 'marketId'
>

/** The four symbol fields of a model, from one market code (see {@link CustomRuleHelpers.symbol}). */
export interface MarketSymbol {
  /** The unified symbol, `BASE/QUOTE`: `BTC/USDT`. */
  readonly symbol: string
  /** The exchange's native id: `BTCUSDT`. */
  readonly marketId: string
  /** The base asset: `BTC`. */
  readonly base: string
  /** The quote asset: `USDT`. */
  readonly quote: string
}

/** The model type of a kind. */
export type ModelOf<K extends ModelKind> = {
  market: Market
  ticker: Ticker
  trade: Trade
  orderbook: OrderbookSnapshot
  candle: Candle
  balance: Balance
  order: Order
}[K]

/**
 * How to build one model from one raw shape: a rule per model field. Data, not code, so the
 * unifier can compile it once into a straight-line normalizer and the conformance kit can check
 * it against the model schema.
 *
 * @example
 * ```ts
 * import type { FieldMap } from '@bb/exchange-adapter'
 * const trade: FieldMap<'trade'> = {
 *   fields: {
 *     symbol: { type: 'symbol', from: 'market' },
 *     id: { type: 'id', from: 'sequential_id' },
 *     price: { type: 'decimal', from: 'trade_price' },
 *     size: { type: 'decimal', from: 'trade_volume' },
 *     side: { type: 'enum', from: 'ask_bid', values: { ASK: 'sell', BID: 'buy' } },
 *     timestamp: { type: 'timestamp', from: 'timestamp' },
 *   },
 * }
 * ```
 */
export interface FieldMap<K extends ModelKind = ModelKind> {
  /** One rule per model field. */
  readonly fields: { readonly [F in MappedFields<K>]?: FieldRule }
  /**
   * When set, the raw object is a container: one model is built per element of this array
   * (e.g. an account message holding many balances); keys starting with `^` read from the container.
   * A dotted path (`event.B`) reaches an array inside a wrapper; the container is then the object
   * that holds the array (`event`). A path to an object instead of an array builds one model
   * from that object (a wrapped event `{"subscriptionId":0,"event":{…}}` with `each: 'event'`).
   */
  readonly each?: string
}

/** The field maps of one kind, per raw shape (a name from the adapter's {@link ShapeDeclaration}). */
export type ShapeMaps<K extends ModelKind> = { readonly [shape: RawShape]: FieldMap<K> | undefined }

/** All field maps of an adapter: per kind, per raw shape. */
export type FieldMaps = { readonly [K in ModelKind]?: ShapeMaps<K> }

/** Any normalized model (re-exported for adapter authors). */
export type AnyModel = Model
