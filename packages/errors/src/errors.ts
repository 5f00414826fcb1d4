import { BackboneError, type BackboneErrorCode, type BackboneErrorOptions } from './base.js'
import { describeValue } from './describe.js'

const on = (exchange: string | undefined): string => (exchange ? ` on ${exchange}` : '')

/** The API key or token was rejected: missing, malformed, expired, bad signature, reused nonce. */
export class AuthenticationError extends BackboneError {
  static override readonly brand: string = 'AuthenticationError'
  static override readonly defaultCode: BackboneErrorCode = 'authentication'
  constructor(options: BackboneErrorOptions = {}) {
    super(
      `Authentication failed${on(options.exchange)}: check the access key, the secret key and the system clock.`,
      options,
    )
  }
}

/** The credentials are valid but lack a permission, the IP is not allowed, or live trading is off. */
export class PermissionError extends BackboneError {
  static override readonly brand: string = 'PermissionError'
  static override readonly defaultCode: BackboneErrorCode = 'permission'
  constructor(options: BackboneErrorOptions = {}) {
    super(`Permission denied${on(options.exchange)}: the API key lacks a permission for this call.`, options)
  }
}

/** Options of {@link RateLimitError}. */
export interface RateLimitErrorOptions extends BackboneErrorOptions {
  /** How long to wait before the next request of this group may be accepted. */
  retryAfterMs?: number
  /** True when the exchange has blocked the caller (Upbit: HTTP 418), not merely throttled it. */
  banned?: boolean
  /** The exchange's rate-limit group, e.g. `ticker` or `order`. */
  group?: string
}

/**
 * The exchange refused a request for exceeding its rate limit (HTTP 429, retryable after
 * `retryAfterMs`), or has blocked the caller for a while (`banned`, Upbit's HTTP 418; not
 * retryable until the block ends).
 */
export class RateLimitError extends BackboneError {
  static override readonly brand: string = 'RateLimitError'
  static override readonly defaultCode: BackboneErrorCode = 'rate_limit'
  static override readonly defaultRetryable: boolean = true
  /** Milliseconds until a retry may be accepted, when known. */
  readonly retryAfterMs: number | undefined
  /** True when the caller is blocked (HTTP 418) rather than throttled. */
  readonly banned: boolean
  /** The exchange's rate-limit group. */
  readonly group: string | undefined
  constructor(options: RateLimitErrorOptions = {}) {
    const group = options.group ? ` for group "${options.group}"` : ''
    const message = options.banned
      ? `Blocked by ${options.exchange ?? 'the exchange'}${group} after repeated rate-limit violations.`
      : `Rate limit exceeded${group}${on(options.exchange)}.`
    const meta = options.retryAfterMs !== undefined ? [`Retry after: ${options.retryAfterMs} ms`] : []
    super(message, { retryable: !options.banned, ...options }, meta)
    this.retryAfterMs = options.retryAfterMs
    this.banned = options.banned ?? false
    this.group = options.group
  }
}

/** Options of {@link InvalidRequestError}. */
export interface InvalidRequestErrorOptions extends BackboneErrorOptions {
  /** The parameter at fault, e.g. `interval` or `count`. */
  param?: string
}

/** A parameter is missing, of the wrong type or out of range (caught locally or by the exchange). */
export class InvalidRequestError extends BackboneError {
  static override readonly brand: string = 'InvalidRequestError'
  static override readonly defaultCode: BackboneErrorCode = 'invalid_request'
  /** The parameter at fault, when known. */
  readonly param: string | undefined
  constructor(options: InvalidRequestErrorOptions = {}) {
    super(
      options.param ? `Invalid value for parameter "${options.param}".` : 'Invalid request parameters.',
      options,
    )
    this.param = options.param
  }
}

/** Options of {@link UnknownSymbolError}. */
export interface UnknownSymbolErrorOptions extends BackboneErrorOptions {
  /** The symbol that is not listed, e.g. `KRW-NOPE`. */
  symbol: string
  /**
   * How the exchange's market codes look, appended to the message: the adapter's
   * `symbols.format` (e.g. `BASEQUOTE, upper case (BTCUSDT)`) or an example market id. Without
   * it the message points at the market list instead.
   */
  hint?: string
}

/**
 * The exchange does not list this market. The message says how market codes look when the
 * caller passes a `hint` (the router and the REST client pass the adapter's symbol format).
 *
 * @example
 * ```ts
 * import { UnknownSymbolError } from '@bb/errors'
 * new UnknownSymbolError({ symbol: 'BTCXYZ', exchange: 'demo', hint: 'BASEQUOTE, upper case (BTCUSDT)' }).shortMessage
 * // 'Unknown symbol "BTCXYZ" on demo: market codes look like BASEQUOTE, upper case (BTCUSDT).'
 * ```
 */
export class UnknownSymbolError extends BackboneError {
  static override readonly brand: string = 'UnknownSymbolError'
  static override readonly defaultCode: BackboneErrorCode = 'unknown_symbol'
  /** The symbol that is not listed. */
  readonly symbol: string
  constructor(options: UnknownSymbolErrorOptions) {
    const hint = typeof options.hint === 'string' ? options.hint.trim().replace(/\.$/, '') : ''
    super(
      `Unknown symbol "${options.symbol}"${on(options.exchange)}: ${
        hint
          ? `market codes look like ${hint}.`
          : 'the exchange does not list it; see its market list for the known codes.'
      }`,
      options,
    )
    this.symbol = options.symbol
  }
}

/** Options of {@link InsufficientFundsError}. */
export interface InsufficientFundsErrorOptions extends BackboneErrorOptions {
  /** The currency that is short, when known. */
  currency?: string
}

/** The account's available balance does not cover the order. */
export class InsufficientFundsError extends BackboneError {
  static override readonly brand: string = 'InsufficientFundsError'
  static override readonly defaultCode: BackboneErrorCode = 'insufficient_funds'
  /** The currency that is short. */
  readonly currency: string | undefined
  constructor(options: InsufficientFundsErrorOptions = {}) {
    super(
      `Insufficient funds${options.currency ? ` in ${options.currency}` : ''}${on(options.exchange)}.`,
      options,
    )
    this.currency = options.currency
  }
}

/** The order breaks a rule of the market: minimum total, tick grid, time in force, post-only. */
export class InvalidOrderError extends BackboneError {
  static override readonly brand: string = 'InvalidOrderError'
  static override readonly defaultCode: BackboneErrorCode = 'invalid_order'
  constructor(options: BackboneErrorOptions = {}) {
    super(`The order was rejected${on(options.exchange)}.`, options)
  }
}

/** Options of {@link OrderNotFoundError}. */
export interface OrderNotFoundErrorOptions extends BackboneErrorOptions {
  /** The order id (uuid) or client identifier looked up. */
  orderId?: string
}

/** No order with this id exists (or it is not this account's). */
export class OrderNotFoundError extends BackboneError {
  static override readonly brand: string = 'OrderNotFoundError'
  static override readonly defaultCode: BackboneErrorCode = 'order_not_found'
  /** The order id looked up. */
  readonly orderId: string | undefined
  constructor(options: OrderNotFoundErrorOptions = {}) {
    super(`Order ${options.orderId ? `"${options.orderId}" ` : ''}not found${on(options.exchange)}.`, options)
    this.orderId = options.orderId
  }
}

/** The connection failed: DNS, refused, reset. Retryable. */
export class NetworkError extends BackboneError {
  static override readonly brand: string = 'NetworkError'
  static override readonly defaultCode: BackboneErrorCode = 'network'
  static override readonly defaultRetryable: boolean = true
  constructor(options: BackboneErrorOptions = {}) {
    super(`Network failure${options.exchange ? ` talking to ${options.exchange}` : ''}.`, options)
  }
}

/** Options of {@link TimeoutError}. */
export interface TimeoutErrorOptions extends BackboneErrorOptions {
  /** The timeout that expired. */
  timeoutMs?: number
}

/** A request or connection did not complete in time. Retryable. */
export class TimeoutError extends BackboneError {
  static override readonly brand: string = 'TimeoutError'
  static override readonly defaultCode: BackboneErrorCode = 'timeout'
  static override readonly defaultRetryable: boolean = true
  /** The timeout that expired, when known. */
  readonly timeoutMs: number | undefined
  constructor(options: TimeoutErrorOptions = {}) {
    super(
      `Timed out${options.timeoutMs !== undefined ? ` after ${options.timeoutMs} ms` : ''}${on(options.exchange)}.`,
      options,
    )
    this.timeoutMs = options.timeoutMs
  }
}

/** The exchange answered with a server error (5xx) or is under maintenance. Retryable. */
export class ExchangeUnavailableError extends BackboneError {
  static override readonly brand: string = 'ExchangeUnavailableError'
  static override readonly defaultCode: BackboneErrorCode = 'exchange_unavailable'
  static override readonly defaultRetryable: boolean = true
  constructor(options: BackboneErrorOptions = {}) {
    super(`${options.exchange ?? 'The exchange'} is unavailable (server error or maintenance).`, options)
  }
}

/** Options of {@link DataValidationError}. */
export interface DataValidationErrorOptions extends BackboneErrorOptions {
  /** The path of the bad field, e.g. `orderbook_units[3].ask_price` or `price`. */
  path: string
  /** What was expected there. */
  expected?: string
  /** What was found (shortened to 80 characters). */
  received?: unknown
}

/** A payload (from the exchange or the user) does not have the expected shape; `path` names the field. */
export class DataValidationError extends BackboneError {
  static override readonly brand: string = 'DataValidationError'
  static override readonly defaultCode: BackboneErrorCode = 'data_validation'
  /** The path of the bad field. */
  readonly path: string
  /** What was expected, when known. */
  readonly expected: string | undefined
  constructor(options: DataValidationErrorOptions) {
    const meta: string[] = []
    if (options.expected) meta.push(`Expected: ${options.expected}`)
    if ('received' in options) meta.push(`Received: ${describeValue(options.received)}`)
    super(`Invalid data at "${options.path || '(root)'}".`, options, meta)
    this.path = options.path
    this.expected = options.expected
  }
}

/** Options of {@link SubscriptionError}. */
export interface SubscriptionErrorOptions extends BackboneErrorOptions {
  /** The stream type, e.g. `ticker` or `myOrder`. */
  stream?: string
}

/** The exchange refused a stream subscription (Upbit: WRONG_FORMAT, NO_TICKET, INVALID_PARAM…). */
export class SubscriptionError extends BackboneError {
  static override readonly brand: string = 'SubscriptionError'
  static override readonly defaultCode: BackboneErrorCode = 'subscription'
  /** The stream type, when known. */
  readonly stream: string | undefined
  constructor(options: SubscriptionErrorOptions = {}) {
    super(
      `The subscription${options.stream ? ` to "${options.stream}"` : ''} was refused${on(options.exchange)}.`,
      options,
    )
    this.stream = options.stream
  }
}

/** Options of {@link ConnectionClosedError}. */
export interface ConnectionClosedErrorOptions extends BackboneErrorOptions {
  /** The WebSocket close code. */
  closeCode?: number
  /** The close reason. */
  reason?: string
}

/** A WebSocket connection closed while streams depended on it. Retryable (the client reconnects). */
export class ConnectionClosedError extends BackboneError {
  static override readonly brand: string = 'ConnectionClosedError'
  static override readonly defaultCode: BackboneErrorCode = 'connection_closed'
  static override readonly defaultRetryable: boolean = true
  /** The WebSocket close code, when known. */
  readonly closeCode: number | undefined
  /** The close reason, when known. */
  readonly reason: string | undefined
  constructor(options: ConnectionClosedErrorOptions = {}) {
    const code = options.closeCode !== undefined ? ` (code ${options.closeCode})` : ''
    super(
      `The connection closed${code}${on(options.exchange)}.`,
      options,
      options.reason ? [`Reason: ${options.reason}`] : [],
    )
    this.closeCode = options.closeCode
    this.reason = options.reason
  }
}

/** The caller aborted the operation through its `AbortSignal`. Never retried. */
export class AbortedError extends BackboneError {
  static override readonly brand: string = 'AbortedError'
  static override readonly defaultCode: BackboneErrorCode = 'aborted'
  constructor(options: BackboneErrorOptions = {}) {
    super('The operation was aborted.', options)
  }
}
