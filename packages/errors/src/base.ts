import { redactAndClip } from './redact.js'

const BRAND = Symbol.for('@bb/errors/brand')

/** Where a failure happened: the transport or layer that raised it. */
export type Channel = 'rest' | 'ws' | 'cache' | 'router' | 'rules' | 'local'

/**
 * The stable, exchange-independent code of every Backbone error. Branch on this (or on the
 * class), never on the message text.
 */
export type BackboneErrorCode =
  | 'unknown'
  | 'aborted'
  | 'authentication'
  | 'permission'
  | 'rate_limit'
  | 'invalid_request'
  | 'unknown_symbol'
  | 'insufficient_funds'
  | 'invalid_order'
  | 'order_not_found'
  | 'network'
  | 'timeout'
  | 'exchange_unavailable'
  | 'data_validation'
  | 'subscription'
  | 'connection_closed'

/** Options every Backbone error accepts. All are optional; secrets in any of them are redacted. */
export interface BackboneErrorOptions {
  /** Replaces the class's default one-sentence message. */
  message?: string
  /** The exchange the failure relates to, e.g. `upbit`. */
  exchange?: string
  /** The transport or layer that failed. */
  channel?: Channel
  /** The exchange's own error name, e.g. `insufficient_funds_bid` or `INVALID_AUTH`. */
  exchangeCode?: string
  /** The HTTP status, when the failure came from an HTTP response. */
  status?: number
  /** The underlying error. */
  cause?: unknown
  /** Structured context (request path, parameters…). Redacted before it is stored. */
  details?: Record<string, unknown>
  /** Overrides the class's default: may the same call succeed if tried again? */
  retryable?: boolean
}

/** The JSON form of a Backbone error ({@link BackboneError.toJSON}); it never holds a secret. */
export interface BackboneErrorJSON {
  /** The class name, e.g. `RateLimitError`. */
  name: string
  /** The stable code. */
  code: BackboneErrorCode
  /** The one-sentence message. */
  message: string
  /** Whether retrying may succeed. */
  retryable: boolean
  /** The exchange, when known. */
  exchange?: string
  /** The channel, when known. */
  channel?: Channel
  /** The exchange's own error name, when known. */
  exchangeCode?: string
  /** The HTTP status, when known. */
  status?: number
  /** Structured context, redacted. */
  details?: Record<string, unknown>
  /** The cause, as JSON. */
  cause?: BackboneErrorJSON | { name: string; message: string }
}

function brandsOf(ctor: unknown): string[] {
  const brands: string[] = []
  let current = ctor as { brand?: string } | null
  while (current && current !== Function.prototype) {
    if (Object.hasOwn(current, 'brand') && typeof current.brand === 'string') brands.push(current.brand)
    current = Object.getPrototypeOf(current)
  }
  return brands
}

/** `String(value)` that never throws (a null-prototype object, a throwing `toString`). */
export function safeString(value: unknown): string {
  try {
    return String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

function firstLine(value: unknown): string {
  const message = value instanceof Error ? (value as { message: unknown }).message : value
  const text = safeString(message)
  const newline = text.indexOf('\n')
  return newline === -1 ? text : text.slice(0, newline)
}

/**
 * The base of every error Backbone throws. It carries a stable `code`, the `exchange` and
 * `channel`, whether the call is `retryable`, the `cause`, and redacted `details`. The rendered
 * `message` is the one-sentence `shortMessage` followed by labelled context lines.
 *
 * Use the static `isInstance` of a class instead of `instanceof`: it holds across duplicate
 * installs of `@bb/errors` (a `Symbol.for` brand).
 *
 * @example
 * ```ts
 * import { BackboneError, RateLimitError } from '@bb/errors'
 * try {
 *   throw new RateLimitError({ exchange: 'upbit', group: 'ticker', retryAfterMs: 250 })
 * } catch (error) {
 *   if (RateLimitError.isInstance(error)) console.log(error.retryAfterMs) // 250
 *   if (BackboneError.isInstance(error)) console.log(error.code) // 'rate_limit'
 * }
 * ```
 */
export class BackboneError extends Error {
  /** The brand checked by `isInstance`; every subclass declares its own. */
  static readonly brand: string = 'BackboneError'
  /** The default code of this class. */
  static readonly defaultCode: BackboneErrorCode = 'unknown'
  /** Whether errors of this class are retryable unless told otherwise. */
  static readonly defaultRetryable: boolean = false

  declare readonly [BRAND]: readonly string[]
  /** The stable, exchange-independent code. */
  readonly code: BackboneErrorCode
  /** The one-sentence message, without the context lines. */
  readonly shortMessage: string
  /** The exchange the failure relates to. */
  readonly exchange: string | undefined
  /** The transport or layer that failed. */
  readonly channel: Channel | undefined
  /** The exchange's own error name. */
  readonly exchangeCode: string | undefined
  /** The HTTP status, when the failure came from an HTTP response. */
  readonly status: number | undefined
  /** Whether the same call may succeed if tried again. */
  readonly retryable: boolean
  /** Structured context, already redacted. */
  readonly details: Readonly<Record<string, unknown>>

  constructor(defaultMessage: string, options: BackboneErrorOptions = {}, metaMessages: string[] = []) {
    const ctor = new.target as unknown as typeof BackboneError
    // Every text is redacted, then cut to MAX_ERROR_TEXT_LENGTH (server-controlled text can be
    // megabytes long); both passes are linear in its length.
    const shortMessage = redactAndClip(safeString(options.message ?? defaultMessage))
    const details = redactAndClip(
      options.details !== null && typeof options.details === 'object' ? options.details : {},
    )
    const exchangeCode =
      options.exchangeCode === undefined ? undefined : redactAndClip(safeString(options.exchangeCode))
    const lines = [...metaMessages.map((line) => redactAndClip(line))]
    if (options.exchange) lines.push(`Exchange: ${redactAndClip(safeString(options.exchange))}`)
    if (options.channel) lines.push(`Channel: ${options.channel}`)
    if (options.status !== undefined) lines.push(`HTTP status: ${options.status}`)
    if (exchangeCode) lines.push(`Exchange code: ${exchangeCode}`)
    if (Object.keys(details).length > 0) lines.push(`Details: ${safeStringify(details)}`)
    if (options.cause !== undefined) lines.push(`Caused by: ${redactAndClip(firstLine(options.cause))}`)
    super(lines.length > 0 ? `${shortMessage}\n\n${lines.join('\n')}` : shortMessage, {
      cause: options.cause,
    })
    Object.defineProperty(this, BRAND, { value: Object.freeze(brandsOf(ctor)), enumerable: false })
    this.name = ctor.brand
    this.code = ctor.defaultCode
    this.shortMessage = shortMessage
    this.exchange = options.exchange
    this.channel = options.channel
    this.exchangeCode = exchangeCode
    this.status = options.status
    this.retryable = options.retryable ?? ctor.defaultRetryable
    this.details = Object.freeze(details)
  }

  /**
   * True when `value` is an instance of this class (or a subclass), even if it was created by
   * another copy of `@bb/errors`.
   */
  static isInstance<T extends abstract new (...args: never[]) => BackboneError>(
    this: T,
    value: unknown,
  ): value is InstanceType<T> {
    if (typeof value !== 'object' || value === null) return false
    const brands = (value as { [BRAND]?: unknown })[BRAND]
    return Array.isArray(brands) && brands.includes((this as unknown as { brand: string }).brand)
  }

  /**
   * Walks the `cause` chain and returns the first error for which `predicate` is true, or the
   * deepest cause when no predicate is given.
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    let current: unknown = this
    let deepest: unknown = this
    const seen = new Set<unknown>()
    while (current !== undefined && current !== null && !seen.has(current)) {
      if (predicate?.(current)) return current
      seen.add(current)
      deepest = current
      current = (current as { cause?: unknown }).cause
    }
    return predicate ? null : deepest
  }

  /** A plain, redacted JSON form of the error and its causes. */
  toJSON(): BackboneErrorJSON {
    const json: BackboneErrorJSON = {
      name: this.name,
      code: this.code,
      message: this.shortMessage,
      retryable: this.retryable,
    }
    if (this.exchange !== undefined) json.exchange = this.exchange
    if (this.channel !== undefined) json.channel = this.channel
    if (this.exchangeCode !== undefined) json.exchangeCode = this.exchangeCode
    if (this.status !== undefined) json.status = this.status
    if (Object.keys(this.details).length > 0) json.details = { ...this.details }
    const cause = this.cause
    if (BackboneError.isInstance(cause)) json.cause = cause.toJSON()
    else if (cause instanceof Error)
      json.cause = { name: safeString(cause.name), message: redactAndClip(safeString(cause.message)) }
    else if (cause !== undefined)
      json.cause = { name: typeof cause, message: redactAndClip(safeString(cause)) }
    return json
  }
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item))
  } catch {
    return safeString(value)
  }
}
