import type { BackboneError } from '@bb/errors'
import type { CandleInterval, Decimal, ExchangeId, OrderType, Side, TimeInForce } from '@bb/models'
import type { FieldMaps, ModelKind, RawShape, ShapeDeclaration } from './field-map.js'

/** An HTTP method an endpoint uses. */
export type HttpMethod = 'GET' | 'POST' | 'DELETE'

/** One query parameter: key and value, both text, in the order they are sent. */
export type QueryParam = readonly [key: string, value: string]

/** A JSON body value: text, number, boolean, or a list of text (sent as `key[]=v` in the hash). */
export type BodyValue = string | number | boolean | readonly string[]

/**
 * A REST request described as data: what `@bb/rest` sends. The adapter builds it; the client
 * adds the base URL, the signature headers and the transport.
 */
export interface RestRequest {
  /** HTTP method. */
  readonly method: HttpMethod
  /** Path under the REST base URL, e.g. `/v1/ticker`. */
  readonly path: string
  /** Query parameters in the order they must be sent (and hashed). */
  readonly query: readonly QueryParam[]
  /** JSON body, for POST (key order is the order hashed). */
  readonly body?: Readonly<Record<string, BodyValue>>
  /** The rate-limit group (a key of {@link RestApi.rateLimits}). */
  readonly group: string
  /**
   * The units of its group's budget this request costs (Binance: its documented request weight,
   * e.g. 250 for a depth of 5000 levels). `@bb/rest` waits until the whole cost fits the group's
   * windows. @default 1
   */
  readonly cost?: number
  /** True when the request must be signed with credentials. */
  readonly auth: boolean
  /** The model kind the response normalizes to, if any. */
  readonly kind?: ModelKind
  /** Context the unifier needs to normalize the response (e.g. the candle interval). */
  readonly context?: { readonly interval?: CandleInterval }
  /** The HTTP status of success (200, or 201 for order creation). */
  readonly successStatus: number
  /**
   * Turns the decoded response body into what the field maps read, when the body alone does not
   * carry it: rows without the market the request named (the package adds it), array rows (the
   * package names their columns), lists in another order than the contract's (newest first).
   * Pure; throws `DataValidationError` for a body of another shape. Absent: the body as is.
   */
  readonly prepare?: (body: unknown) => unknown
}

/** API credentials. Clients register both values with `registerSecret` so they never reach a log. */
export interface Credentials {
  /** The access (API) key. */
  readonly accessKey: string
  /** The secret key, as issued (as the exchange documents it: raw text or an encoding). */
  readonly secretKey: string
}

/** Options of a signer call: fix them in tests for a deterministic signature. */
export interface SignOptions {
  /** The nonce; default a fresh random UUID. */
  readonly nonce?: string
  /** The JWT algorithm, where the exchange accepts several (e.g. `HS512` or `HS256`). */
  readonly algorithm?: 'HS256' | 'HS512'
  /** The clock, ms UTC, for exchanges that sign a timestamp. */
  readonly now?: number
}

/** What a signer needs of a request. */
export interface SignableRequest {
  /** HTTP method. */
  readonly method: HttpMethod
  /** Query parameters in send order. */
  readonly query?: readonly QueryParam[]
  /** JSON body in key order. */
  readonly body?: Readonly<Record<string, BodyValue>>
}

/**
 * One window of a rate limit: at most `limit` units per `intervalMs`. A unit is one request unless
 * the group's requests declare a {@link RestRequest.cost} (Binance's request weight).
 */
export interface RateLimitWindow {
  /** Units (requests, or weight) allowed per window. */
  readonly limit: number
  /** Window length in ms. */
  readonly intervalMs: number
}

/** A rate-limit group: a shared budget for a set of endpoints. */
export interface RateLimitGroup {
  /** The group's name (the documented one). */
  readonly name: string
  /** All windows that apply (every one must have room). */
  readonly windows: readonly RateLimitWindow[]
  /** Who the budget belongs to: the IP, the account, or one connection. */
  readonly scope: 'ip' | 'account' | 'connection'
  /** Other names of the group seen on the wire (e.g. a plural of the documented name). */
  readonly aliases: readonly string[]
}

/** A parsed rate-limit header. */
export interface RateLimitState {
  /** The group, normalized to the documented name (a key of `rateLimits` when known). */
  readonly group: string
  /** The group name exactly as the header said. */
  readonly wireGroup: string
  /** Units (requests, or weight) still allowed in the current window. */
  readonly remaining: number
  /**
   * Units the exchange counted in its current window, when the header reports use rather than
   * what is left (Binance's `X-MBX-USED-WEIGHT-1M`): the limiter takes it as the floor of the
   * window's use against its own configured limit.
   */
  readonly used?: number
  /** Length of the window `remaining` refers to, ms. */
  readonly intervalMs: number
}

/** An HTTP error response, as the transport got it. */
export interface ErrorResponse {
  /** HTTP status. */
  readonly status: number
  /** The body: text as received (JSON or not) or already parsed. */
  readonly body?: unknown
  /** Response headers (any case); values may be arrays. */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>
  /** The request, for context in the error (symbol, path). */
  readonly request?: Pick<RestRequest, 'method' | 'path' | 'query' | 'group'>
}

/** Parameters of {@link RestEndpoints.candles}. */
export interface CandlesParams {
  /** Market code. */
  readonly symbol: string
  /** Candle interval. */
  readonly interval: CandleInterval
  /** Number of candles (exchange maximum applies). */
  readonly count?: number
  /** Return candles strictly before this time: ms UTC or ISO-8601 text. */
  readonly to?: number | string
}

/** Parameters of {@link RestEndpoints.trades}. */
export interface TradesParams {
  /** Market code. */
  readonly symbol: string
  /** Number of trades. */
  readonly count?: number
  /** Pagination cursor: return trades older than this trade id. */
  readonly cursor?: string
  /** Time of day (UTC, `HH:mm:ss`) to read backwards from. */
  readonly to?: string
  /** Day offset, for exchanges that page trades by day. */
  readonly daysAgo?: number
}

/** Parameters of {@link RestEndpoints.orderbook}. */
export interface OrderbookParams {
  /** Market codes. */
  readonly symbols: readonly string[]
  /** Levels per side. */
  readonly depth?: number
  /** Price grouping unit, where the exchange groups book levels. */
  readonly level?: string | number
}

/** Parameters of an order lookup or cancel: the exchange id or the client id. */
export interface OrderRef {
  /** The exchange's order id. */
  readonly id?: string
  /** The caller's identifier. */
  readonly clientOrderId?: string
}

/**
 * Parameters of {@link RestEndpoints.createOrder}, in neutral terms: a `limit` order gives
 * `volume` and `price`; a `market` order gives `volume` (base quantity), or — for a buy, where the
 * exchange's {@link MarketRules.marketOrderSizes} allow it — `cost` (the quote amount to spend).
 * What else an exchange offers is named in `options`, declared by {@link MarketRules.orderOptions};
 * the adapter maps all of it onto its own wire fields.
 */
export interface CreateOrderParams {
  /** Market code (unified `BASE/QUOTE` or the native id). */
  readonly symbol: string
  /** Buy or sell. */
  readonly side: Side
  /** Order type: `limit` or `market`. */
  readonly type: OrderType
  /** Base quantity: decimal text or a Decimal (sent as plain decimal text). */
  readonly volume?: string | Decimal
  /** Limit price (limit orders only): decimal text or a Decimal. */
  readonly price?: string | Decimal
  /** Quote amount to spend (market buys only, instead of `volume`): decimal text or a Decimal. */
  readonly cost?: string | Decimal
  /** Time in force, where {@link MarketRules.timeInForces} lists it for the order type. */
  readonly timeInForce?: TimeInForce
  /**
   * Exchange-specific options, each one the adapter declares in {@link MarketRules.orderOptions}
   * (e.g. `{ best: true }`); an undeclared one is refused with an `InvalidRequestError` naming it.
   */
  readonly options?: Readonly<Record<string, string | number | boolean>>
  /** Self-match prevention mode. */
  readonly smpType?: 'cancel_maker' | 'cancel_taker' | 'reduce'
  /** The caller's unique identifier. */
  readonly clientOrderId?: string
}

/** Parameters of {@link RestEndpoints.openOrders}. */
export interface OpenOrdersParams {
  /** Market code filter. */
  readonly symbol?: string
  /** States to list (`wait`, `watch`). */
  readonly states?: readonly ('wait' | 'watch')[]
  /** Page number, from 1. */
  readonly page?: number
  /** Page size. */
  readonly limit?: number
  /** Sort order by creation time. */
  readonly orderBy?: 'asc' | 'desc'
}

/** Parameters of {@link RestEndpoints.closedOrders}. */
export interface ClosedOrdersParams {
  /** Market code filter. */
  readonly symbol?: string
  /** States to list (`done`, `cancel`). */
  readonly states?: readonly ('done' | 'cancel')[]
  /** Window start, ms UTC. */
  readonly startTime?: number
  /** Window end, ms UTC. */
  readonly endTime?: number
  /** Page size. */
  readonly limit?: number
  /** Sort order. */
  readonly orderBy?: 'asc' | 'desc'
}

/**
 * Parameters of {@link RestEndpoints.myTrades}: the account's own fills in one market, oldest
 * first. `orderId` keeps the fills of one order; `fromId` starts at a fill id (inclusive);
 * `startTime`/`endTime` bound a window (ms UTC, inclusive) the exchange may cap (Binance: 24 h).
 */
export interface MyTradesParams {
  /** Market code (unified `BASE/QUOTE` or the native id). */
  readonly symbol: string
  /** Only the fills of this order: an id in the adapter's order-id form (`Order.id`). */
  readonly orderId?: string
  /** The first fill id to return (inclusive): page on with the last id seen + 1. */
  readonly fromId?: string
  /** Window start, ms UTC. */
  readonly startTime?: number
  /** Window end, ms UTC. */
  readonly endTime?: number
  /** Most fills in one answer (the exchange's maximum applies). */
  readonly limit?: number
}

/**
 * One of the account's fills as the `prepare` of a {@link RestEndpoints.myTrades} request hands
 * it to the client: the neutral fields of a `Fill` (see `@bb/models`), decimals as exact text.
 * The client adds `exchange`, `source`, `receivedAt` and the unified symbol, base and quote
 * (from `marketId` by the adapter's {@link SymbolRules.split}), then parses it as a `Fill`.
 */
export interface FillRow {
  /** The exchange's native market id (`BTCUSDT`). */
  readonly marketId: string
  /** The fill's (trade's) id, exact. */
  readonly id: string
  /** The order filled, in the adapter's order-id form, so `order({ id })` finds it. */
  readonly orderId: string
  /** The side of the account's order. */
  readonly side: Side
  /** Fill price, decimal text. */
  readonly price: string
  /** Fill size in base units, decimal text. */
  readonly size: string
  /** Quote amount of the fill as reported, decimal text. */
  readonly funds?: string
  /** Fee charged for the fill, decimal text, in {@link FillRow.feeCurrency}. */
  readonly fee?: string
  /** The currency of the fee (e.g. the base asset of a buy, or a fee token). */
  readonly feeCurrency?: string
  /** True when the account's order was the maker. */
  readonly isMaker?: boolean
  /** Time of the fill, ms UTC. */
  readonly timestamp: number
}

/**
 * The endpoint builders: pure functions from typed parameters to a {@link RestRequest}. They
 * validate locally (symbols, counts, intervals) and throw `InvalidRequestError` naming the
 * parameter, so a bad call never costs a request.
 */
export interface RestEndpoints {
  /** All listed markets. */
  markets(params?: { readonly details?: boolean }): RestRequest
  /** Tickers of the given markets. */
  tickers(params: { readonly symbols: readonly string[] }): RestRequest
  /** Tickers of every market quoted in the given currencies. */
  tickersByQuote(params: { readonly quotes: readonly string[] }): RestRequest
  /** Recent trades of one market, newest first. */
  trades(params: TradesParams): RestRequest
  /** Order-book snapshots. */
  orderbook(params: OrderbookParams): RestRequest
  /** Tick sizes and grouping levels. */
  orderbookInstruments(params: { readonly symbols: readonly string[] }): RestRequest
  /** Candles, newest first. */
  candles(params: CandlesParams): RestRequest
  /** Account balances (private). */
  balances(): RestRequest
  /** Order constraints and fees for one market (private). */
  orderChance(params: { readonly symbol: string }): RestRequest
  /** One order with its fills (private). */
  order(params: OrderRef): RestRequest
  /** Open orders (private). */
  openOrders(params?: OpenOrdersParams): RestRequest
  /** Closed orders (private). */
  closedOrders(params?: ClosedOrdersParams): RestRequest
  /** Places an order (private). */
  createOrder(params: CreateOrderParams): RestRequest
  /** Validates an order without placing it (private). */
  testOrder(params: CreateOrderParams): RestRequest
  /** Cancels one order (private). */
  cancelOrder(params: OrderRef): RestRequest
  /**
   * The account's own fills in one market, oldest first (private). Optional: an exchange without
   * such an endpoint leaves it out and declares `capabilities.private.myTrades: false`. The
   * request's `prepare` turns the answer into {@link FillRow}s.
   */
  myTrades?(params: MyTradesParams): RestRequest
}

/**
 * Where each field of an order-chance answer (fees, order types, minimum total of one market) is
 * in the raw response, as a dotted path (`market.bid.min_total`). A field map, not parsing code:
 * `@bb/rest`'s `getOrderChance` reads through it.
 */
export interface OrderChanceFields {
  /** The market code. */
  readonly symbol: string
  /** The fee rate of buys. */
  readonly bidFee: string
  /** The fee rate of sells. */
  readonly askFee: string
  /** The order types a buy may use (a list). */
  readonly bidTypes: string
  /** The order types a sell may use (a list). */
  readonly askTypes: string
  /** The minimum order total. */
  readonly minTotal: string
}

/** The REST side of an adapter. */
export interface RestApi {
  /** The REST base URL (scheme and host; request paths start with `/`). */
  readonly baseUrl: string
  /** The endpoint builders. */
  readonly endpoints: RestEndpoints
  /** The rate-limit groups, by documented name. */
  readonly rateLimits: Readonly<Record<string, RateLimitGroup>>
  /** Normalizes a group name seen on the wire to its documented name (unknown names pass through). */
  normalizeGroup(name: string): string
  /** The name of the response header carrying rate-limit state, lower case. */
  readonly rateLimitHeader: string
  /** Parses the rate-limit header value; `undefined` when absent or unreadable. */
  parseRateLimitHeader(value: string | null | undefined): RateLimitState | undefined
  /** Maps an HTTP error response to a `@bb/errors` instance. */
  mapError(response: ErrorResponse): BackboneError
  /** Where the fields of an order-chance answer are (see {@link OrderChanceFields}). */
  readonly orderChanceFields: OrderChanceFields
  /** Returns the headers that authenticate a request (e.g. an `Authorization` header). */
  sign(request: SignableRequest, credentials: Credentials, options?: SignOptions): Record<string, string>
  /**
   * For exchanges that authenticate a request by parameters in its query (a timestamp and a
   * signature, e.g. an HMAC of the query) rather than by headers alone: returns the query to send
   * in place of `request.query`. A client calls it for every `auth` request, once per attempt (a
   * retry gets a fresh timestamp), and still sends the headers of {@link RestApi.sign}.
   * Adapters that sign in headers leave it out.
   */
  signQuery?(request: SignableRequest, credentials: Credentials, options?: SignOptions): readonly QueryParam[]
  /** The query string as sent on the URL (values encoded, `[]` left as is), without `?`. */
  formatQuery(query: readonly QueryParam[]): string
  /** Full URL of a request: base URL + path + encoded query. */
  url(request: Pick<RestRequest, 'path' | 'query'>, baseUrl?: string): string
}

/** A WebSocket connection family: public market data or the private account streams. */
export type WsEndpoint = 'public' | 'private'

/** A stream a client wants on a connection. */
export interface StreamRequest {
  /** The data kind: ticker, trade, orderbook, candle (public) or order, balance (private). */
  readonly kind: 'ticker' | 'trade' | 'orderbook' | 'candle' | 'order' | 'balance'
  /** Market codes (required for public kinds; optional for `order`; forbidden for `balance`). */
  readonly symbols?: readonly string[]
  /** Orderbook levels per side. */
  readonly depth?: number
  /** Orderbook price grouping, where the exchange groups book levels. */
  readonly level?: number
  /**
   * Orderbook only: the sequenced diff stream the adapter declares in
   * {@link Capabilities.diffBook} instead of whole books (`depth` is then not used).
   */
  readonly diff?: boolean
  /** Candle interval. */
  readonly interval?: CandleInterval
  /** `both` (default): snapshot then realtime; `snapshot`: one snapshot only; `realtime`: no snapshot. */
  readonly mode?: 'both' | 'snapshot' | 'realtime'
}

/** Options of {@link WsApi.buildSubscription}. */
export interface SubscriptionOptions {
  /** Every stream the connection must carry: the exchange replaces the previous set. */
  readonly streams: readonly StreamRequest[]
  /** A ticket / request id; default a random UUID. */
  readonly ticket?: string
  /** Wire format, one of the adapter's {@link WsApi.formats}; default the adapter's default. */
  readonly format?: string
}

/** A subscription message ready to send on one connection. */
export interface SubscriptionMessage {
  /** Which connection the message belongs on. */
  readonly endpoint: WsEndpoint
  /** The text frame to send. */
  readonly text: string
  /** The same message as data. */
  readonly payload: unknown
}

/** What a WebSocket message is, as the classifier sees it. */
export type FrameClass =
  | {
      /** A market-data or account message. */
      readonly type: 'data'
      /** The model kind it normalizes to. */
      readonly kind: ModelKind
      /** The raw shape to pick the field map (one of the adapter's declared WS shapes). */
      readonly shape: RawShape
      /** The wire format the message is in (one of {@link WsApi.formats}). */
      readonly format: string
      /** The exchange's channel name, e.g. `trade`, `candle.1m`, `myOrder`. */
      readonly channel: string
      /** The market code, when the message has one. */
      readonly symbol?: string
    }
  | {
      /** A heartbeat / health message. */
      readonly type: 'status'
      /** The status text. */
      readonly status: string
    }
  | {
      /** An error the server sent (the server may close the socket next). */
      readonly type: 'error'
      /** The exchange's error name, e.g. `INVALID_AUTH`. */
      readonly name: string
      /** The message text. */
      readonly message: string
    }
  | {
      /** The reply to a list-subscriptions request. */
      readonly type: 'subscriptions'
      /** The subscriptions as the server reported them. */
      readonly subscriptions: readonly { readonly channel: string; readonly symbols: readonly string[] }[]
    }
  | {
      /** Anything else; the caller may log and drop it. */
      readonly type: 'unknown'
    }

/** How to keep a connection alive and notice when it is dead. */
export interface HeartbeatPolicy {
  /** A text frame to send as an application ping, or `undefined` for protocol pings only. */
  readonly pingText?: string
  /**
   * The application ping of the private connection family, when it is a different server with
   * its own requests (Binance's WS API answers `ping`, not the market streams' control messages).
   * Left out: `pingText` serves both.
   */
  readonly privatePingText?: string
  /** Send the ping this often, ms (well inside the idle timeout). */
  readonly pingIntervalMs: number
  /** The server closes a connection idle this long, ms. */
  readonly idleTimeoutMs: number
  /** After the first ping the server sends a status message this often, ms. */
  readonly statusIntervalMs?: number
  /** Consider the connection dead when nothing arrived for this long, ms. */
  readonly deadAfterMs: number
  /** Whether RFC 6455 protocol pings are answered. */
  readonly protocolPings: boolean
}

/** The WebSocket rate limits a client must meter itself (no header tells it). */
export interface WsLimits {
  /** Connection attempts. */
  readonly connect: readonly RateLimitWindow[]
  /** Request messages sent on one connection. */
  readonly messages: readonly RateLimitWindow[]
}

/** The WebSocket side of an adapter. */
export interface WsApi {
  /** URLs of the connection families. */
  readonly urls: Readonly<Record<WsEndpoint, string>>
  /** Which connection family carries a stream kind. */
  endpointFor(kind: StreamRequest['kind']): WsEndpoint
  /**
   * The wire formats, the default, and for formats that a list frame carries, the name of the
   * list format (message format → list format).
   */
  readonly formats: {
    readonly all: readonly string[]
    readonly default: string
    readonly lists?: Readonly<Record<string, string>>
  }
  /** Builds the one message that sets the whole subscription set of a connection. */
  buildSubscription(options: SubscriptionOptions): SubscriptionMessage
  /**
   * For an exchange whose subscriptions **add**, one topic a frame (Coinone): the frames that
   * subscribe (or, with `'unsubscribe'`, drop) these streams. When present, a client sends frames
   * only for the topics a socket does not carry yet, and unsubscribe frames for the ones it drops,
   * instead of one {@link buildSubscription} message with the whole set.
   */
  buildSubscriptionFrames?(
    options: SubscriptionOptions,
    action?: 'subscribe' | 'unsubscribe',
  ): readonly SubscriptionMessage[]
  /** Builds a list-subscriptions request, when the exchange has one. */
  buildListSubscriptions?(options?: { readonly ticket?: string; readonly format?: string }): string
  /** Classifies one parsed message (an element of a list frame, or the whole frame). */
  classify(message: unknown): FrameClass
  /** Whether a parsed frame is a list-format frame holding several messages. */
  isListFrame(frame: unknown): frame is readonly unknown[]
  /** Maps a WS error message to a `@bb/errors` instance. */
  mapError(error: { readonly name: string; readonly message?: string }): BackboneError
  /** Headers that authenticate a private connection's upgrade request. */
  sign(credentials: Credentials, options?: SignOptions): Record<string, string>
  /**
   * For an exchange that authenticates a private connection by a signed request **after** it
   * opens (Binance's WS API `userDataStream.subscribe.signature`) rather than by upgrade headers:
   * the text frame to send first on every open of a private connection. A client calls it once
   * per (re)connect, so each frame carries a fresh timestamp. An error reply to it classifies as
   * an `error` frame that {@link WsApi.mapError} maps to `AuthenticationError` (retried with a new
   * frame on the next connect, up to the client's auth-failure limit).
   *
   * Where one authenticated connection carries every account stream, {@link buildSubscription}
   * answers a private stream set with an empty `text`: nothing more to send.
   */
  authenticate?(credentials: Credentials, options?: SignOptions): string
  /**
   * Maps a close code the server uses to refuse a connection (bad credentials, too many
   * connections: Coinone's 4280 and 4290) to an error. `AuthenticationError` / `PermissionError`
   * count as an authentication failure (a client reconnects up to its limit, then fails the
   * streams with it); any other error is reported in the connection status and the client
   * reconnects with backoff. `undefined`: an ordinary close.
   */
  mapClose?(close: { readonly code: number; readonly reason: string }): BackboneError | undefined
  /** Keep-alive policy. */
  readonly heartbeat: HeartbeatPolicy
  /** Client-side limits. */
  readonly limits: WsLimits
}

/**
 * Market-code rules: the mapping between the exchange's native market ids (`BTCUSDT`, `BTC-USD`)
 * and unified `BASE/QUOTE` symbols (`BTC/USDT`, `BTC/USD`). Every model carries both: `marketId`
 * is the native id, `symbol` is `` `${base}/${quote}` `` with `base` and `quote` as
 * {@link SymbolRules.split} names them (an exchange whose currency codes differ from the common
 * ones renames them there).
 */
export interface SymbolRules {
  /** A human description of the native form, e.g. `BASEQUOTE, upper case (BTCUSDT)`. */
  readonly format: string
  /**
   * Validates a native id or a unified `BASE/QUOTE` symbol and returns the native id (case
   * normalized); throws `InvalidRequestError` (param `symbol`).
   */
  normalize(symbol: string): string
  /**
   * Splits a native id (or a unified symbol) into the native id (`symbol`), base and quote;
   * throws `InvalidRequestError`.
   */
  split(symbol: string): { readonly symbol: string; readonly base: string; readonly quote: string }
  /** Joins base and quote into the exchange's code. */
  join(parts: { readonly base: string; readonly quote: string }): string
}

/** What one channel offers for a data kind. */
export interface ChannelCapability {
  /** Whether the channel serves the kind at all. */
  readonly supported: boolean
  /** Most symbols in one request / subscription message, when there is a limit. */
  readonly maxSymbols?: number
  /** Most items per request (trades, candles). */
  readonly maxCount?: number
  /** True when credentials are required. */
  readonly private?: boolean
}

/**
 * How an exchange's sequenced order book is kept locally (a neutral description; the sequence
 * rules themselves are the common ones below, the local book lives in `@bb/router`):
 * - **stream**: a {@link StreamRequest} `{ kind: 'orderbook', symbols, diff: true }` subscribes the
 *   diff stream; every value it normalizes to is an `OrderbookSnapshot` with `firstSequence` and
 *   `sequence` (the first and last update id it covers) and `bids`/`asks` holding the changed
 *   levels with absolute sizes (`0` removes a level);
 * - **snapshot**: `rest.endpoints.orderbook({ symbols: [symbol], depth: snapshotDepth })` answers a
 *   book with `sequence` (its last update id);
 * - **rules**: diffs with `sequence <= snapshot.sequence` are dropped; the first applied diff must
 *   have `firstSequence <= snapshot.sequence + 1 <= sequence`; each later diff's `firstSequence` must
 *   be the previous `sequence + 1` — anything else is a gap and the book is rebuilt from a new snapshot.
 */
export interface DiffBookCapability {
  /** Levels per side of the sequenced REST snapshot (the exchange's depth values apply). */
  readonly snapshotDepth: number
}

/** What an exchange offers, so routers can decide without trying. */
export interface Capabilities {
  /** Per data kind and channel. */
  readonly channels: Readonly<
    Record<ModelKind, { readonly rest: ChannelCapability; readonly ws: ChannelCapability }>
  >
  /** Candle intervals per channel. */
  readonly candleIntervals: {
    readonly rest: readonly CandleInterval[]
    readonly ws: readonly CandleInterval[]
  }
  /** Order-book depths a subscription / request can ask for. */
  readonly orderbookDepths: { readonly rest: readonly number[]; readonly ws: readonly number[] }
  /** Whether consecutive trade ids differ by exactly one (gap detection by arithmetic). */
  readonly contiguousTradeIds: boolean
  /**
   * Present when the exchange keeps order books as a snapshot plus sequenced diffs, so a client
   * must maintain a local book (see {@link DiffBookCapability}). Absent: WebSocket books are whole
   * books (every value replaces the last).
   */
  readonly diffBook?: DiffBookCapability
  /** Private features. */
  readonly private: {
    readonly balances: boolean
    readonly orders: boolean
    readonly testOrder: boolean
    readonly orderStream: boolean
    readonly balanceStream: boolean
    /** Whether `rest.endpoints.myTrades` lists the account's own fills (see {@link MyTradesParams}). */
    readonly myTrades: boolean
  }
}

/** Maker and taker fee rates, as fractions of a fill's quote amount (`0.0005` is 0.05 %). */
export interface FeeRates {
  /** Rate of an order that rests on the book. */
  readonly maker: Decimal
  /** Rate of an order that takes liquidity. */
  readonly taker: Decimal
}

/**
 * The trading rules of an exchange's markets, known without a request: what a paper executor,
 * a backtest or a pre-trade check needs to behave like the exchange. The exchange's own
 * per-market endpoints (instruments, order chance) are authoritative when they differ.
 */
export interface MarketRules {
  /** The price tick of a market at a price (the grid a limit price must sit on). */
  tickSize(symbol: string, price: Decimal): Decimal
  /** The default fee rates of a market. */
  fees(symbol: string): FeeRates
  /** The smallest order total, in the quote currency, the exchange accepts in a market. */
  minOrderTotal(symbol: string): Decimal
  /** Decimal places of base volumes in a market. */
  volumeDecimals(symbol: string): number
  /** The neutral order types the exchange accepts (`limit`, `market`). */
  readonly orderTypes: readonly OrderType[]
  /**
   * How a market order of each side may be sized: `volume` (base quantity) and/or `cost` (quote
   * amount to spend). Left out: not declared, the adapter's endpoint builder decides.
   */
  readonly marketOrderSizes?: {
    readonly buy: readonly ('volume' | 'cost')[]
    readonly sell: readonly ('volume' | 'cost')[]
  }
  /**
   * The time-in-force values accepted per order type (a type left out takes none). Left out
   * altogether: not declared, the adapter's endpoint builder decides.
   */
  readonly timeInForces?: Readonly<Partial<Record<OrderType, readonly TimeInForce[]>>>
  /**
   * The exchange-specific order options (`CreateOrderParams.options` keys), each with a one-line
   * description of what it does. Left out: the exchange takes none.
   */
  readonly orderOptions?: Readonly<Record<string, string>>
  /** The quote currency of the exchange's main market, e.g. for a paper account's default balance. */
  readonly defaultQuote: string
}

/**
 * The contract one exchange implements: identity, capabilities, REST, WebSocket, symbol rules and
 * field maps — data and pure functions only, no I/O. `@bb/rest`, `@bb/ws` and `@bb/unifier`
 * work with any object of this shape.
 *
 * Exchange packages (one per exchange) export one; {@link createAdapterRegistry} finds them by id.
 *
 * @example
 * ```ts
 * import type { ExchangeAdapter } from '@bb/exchange-adapter'
 * function tickerUrl(adapter: ExchangeAdapter, symbol: string): string {
 *   return adapter.rest.url(adapter.rest.endpoints.tickers({ symbols: [adapter.symbols.normalize(symbol)] }))
 * }
 * ```
 */
export interface ExchangeAdapter {
  /** The exchange's id. */
  readonly id: ExchangeId
  /** Display name. */
  readonly name: string
  /** What the exchange offers. */
  readonly capabilities: Capabilities
  /** Market-code rules. */
  readonly symbols: SymbolRules
  /** Trading rules: tick sizes, fees, minimum order, order types. */
  readonly market: MarketRules
  /** The raw shapes the exchange sends, the keys of {@link ExchangeAdapter.fieldMaps}. */
  readonly shapes: ShapeDeclaration
  /** REST API. */
  readonly rest: RestApi
  /** WebSocket API. */
  readonly ws: WsApi
  /** Field maps of every model from every raw shape. */
  readonly fieldMaps: FieldMaps
}
