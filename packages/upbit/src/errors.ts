import {
  AuthenticationError,
  BackboneError,
  type BackboneErrorOptions,
  ExchangeUnavailableError,
  InsufficientFundsError,
  InvalidOrderError,
  InvalidRequestError,
  OrderNotFoundError,
  PermissionError,
  RateLimitError,
  SubscriptionError,
  UnknownSymbolError,
} from '@bb/errors'
import type { ErrorResponse } from '@bb/exchange-adapter'
import { parseUpbitRemainingReq } from './rate-limits.js'

type Factory = (options: BackboneErrorOptions, response: ErrorResponse) => BackboneError

const invalidOrder: Factory = (o) => new InvalidOrderError(o)
const invalidRequest: Factory = (o) => new InvalidRequestError(o)
const auth: Factory = (o) => new AuthenticationError(o)
const permission: Factory = (o) => new PermissionError(o)

function symbolOf(response: ErrorResponse): string {
  const param = response.request?.query.find(([key]) => key === 'market' || key === 'markets')
  return param?.[1] ?? '(unknown)'
}

/**
 * Upbit's exchange error names (UPBIT.md §4.2) → error class. Both spellings of the names
 * that changed (§10.5, §10.6) are listed; lookup is case-insensitive.
 */
const BY_NAME: ReadonlyMap<string, Factory> = new Map<string, Factory>([
  ['create_ask_error', invalidOrder],
  ['create_bid_error', invalidOrder],
  ['insufficient_funds_ask', (o) => new InsufficientFundsError(o)],
  ['insufficient_funds_bid', (o) => new InsufficientFundsError(o)],
  ['under_min_total_ask', invalidOrder],
  ['under_min_total_bid', invalidOrder],
  ['over_krw_funds_ask', invalidOrder],
  ['over_krw_funds_bid', invalidOrder],
  ['invalid_price_ask', invalidOrder],
  ['invalid_price_bid', invalidOrder],
  ['invalid_time_in_force', invalidOrder],
  ['invalid_post_only', invalidOrder],
  ['duplicated_identifier', invalidOrder],
  ['invalid_parameter', invalidRequest],
  ['validation_error', invalidRequest],
  ['bad_request', invalidRequest],
  ['query_parameter_not_supported', invalidRequest],
  ['notfoundmarket', (o, r) => new UnknownSymbolError({ ...o, symbol: symbolOf(r) })],
  ['withdraw_address_not_registered', invalidRequest],
  ['withdraw_address_not_registerd', invalidRequest],
  ['invalid_query_payload', auth],
  ['jwt_verification', auth],
  ['expired_access_key', auth],
  // A reused nonce succeeds when signed again with a fresh one.
  ['nonce_used', (o) => new AuthenticationError({ retryable: true, ...o })],
  ['no_authorization_token', auth],
  ['invalid_access_key', auth],
  ['no_authorization_ip', permission],
  ['no_authorization_i_p', permission],
  ['out_of_scope', permission],
  ['open_api_withdraw_locked', permission],
  ['thirdparty_agreement_required', permission],
  // Maintenance of one market: not fixed by an immediate retry.
  ['market_offline', (o) => new ExchangeUnavailableError({ retryable: false, ...o })],
  ['order_not_found', (o, r) => orderNotFound(o, r)],
  ['pocket_not_found', invalidRequest],
  ['currency_not_found', invalidRequest],
])

function orderNotFound(options: BackboneErrorOptions, response: ErrorResponse): BackboneError {
  const ref = response.request?.query.find(([key]) => key === 'uuid' || key === 'identifier')
  return ref ? new OrderNotFoundError({ ...options, orderId: ref[1] }) : new OrderNotFoundError(options)
}

function header(response: ErrorResponse, name: string): string | undefined {
  if (!response.headers) return undefined
  for (const [key, value] of Object.entries(response.headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue
    return typeof value === 'string' ? value : value[0]
  }
  return undefined
}

const MAX_RETRY_AFTER_MS = 86_400_000

/** `Retry-After` as ms (seconds or an HTTP date), or `undefined`. */
function retryAfterMs(response: ErrorResponse): number | undefined {
  const value = header(response, 'retry-after')
  if (value === undefined) return undefined
  // At most a day: a hostile or broken header (`Retry-After: 1e400`-long digits) cannot make a
  // caller wait forever.
  if (/^\d+(\.\d+)?$/.test(value.trim()))
    return Math.min(Math.round(Number(value) * 1000), MAX_RETRY_AFTER_MS)
  const date = Date.parse(value)
  const now = Date.parse(header(response, 'date') ?? '')
  if (Number.isNaN(date)) return undefined
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - (Number.isNaN(now) ? date : now)))
}

interface UpbitErrorBody {
  readonly name: string | undefined
  readonly message: string | undefined
  readonly text: string | undefined
}

function readBody(body: unknown): UpbitErrorBody {
  let value = body
  let text: string | undefined
  if (typeof body === 'string' || body instanceof Uint8Array) {
    text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8')
    try {
      value = JSON.parse(text)
    } catch {
      // Upbit's 429 body is plain text (`Too many API requests.`): keep it as the message.
      return { name: undefined, message: text.trim() || undefined, text }
    }
  }
  const error =
    value !== null && typeof value === 'object'
      ? (value as { error?: { name?: unknown; message?: unknown } }).error
      : undefined
  if (error && typeof error === 'object') {
    // Only text and numbers are names: an object or array (`String` would print `[object Object]`
    // or throw) is no name.
    const name =
      typeof error.name === 'string' || typeof error.name === 'number' ? String(error.name) : undefined
    const message = typeof error.message === 'string' ? error.message : undefined
    return { name, message, text }
  }
  return { name: undefined, message: undefined, text }
}

/**
 * Maps an Upbit REST error response to a `@bb/errors` instance: 429 (plain-text body) →
 * `RateLimitError` with the group from `Remaining-Req`; 418 → `RateLimitError` with `banned`;
 * then by `error.name` (both spellings of renamed codes), then by status. The Upbit message is
 * kept in `details.exchangeMessage`, never matched on (§10.23).
 *
 * @example
 * ```ts
 * import { upbit } from '@bb/upbit'
 * const error = upbit.rest.mapError({ status: 429, body: 'Too many API requests.', headers: { 'Remaining-Req': 'group=ticker; min=600; sec=0' } })
 * error.name // 'RateLimitError'
 * ```
 */
export function mapUpbitRestError(response: ErrorResponse): BackboneError {
  const { name, message } = readBody(response.body)
  const status = response.status
  const details: Record<string, unknown> = {}
  if (message !== undefined) details.exchangeMessage = message
  if (response.request) details.request = `${response.request.method} ${response.request.path}`
  const options: BackboneErrorOptions = { exchange: 'upbit', channel: 'rest', status, details }
  if (name !== undefined) options.exchangeCode = name

  if (status === 429 || status === 418) {
    const rate = parseUpbitRemainingReq(header(response, 'remaining-req'))
    const group = rate?.group ?? response.request?.group
    const wait = retryAfterMs(response)
    return new RateLimitError({
      ...options,
      banned: status === 418,
      ...(group === undefined ? {} : { group }),
      // 429: the window is one second; 418: the block length is undocumented unless Retry-After says.
      ...(wait !== undefined ? { retryAfterMs: wait } : status === 429 ? { retryAfterMs: 1000 } : {}),
    })
  }
  if (name !== undefined) {
    const factory = BY_NAME.get(name.toLowerCase())
    if (factory) return factory(options, response)
    // Quotation API: `name` is the HTTP status as a number; `Code not found` means an unknown market.
    if (status === 404 && /^\d+$/.test(name) && message !== undefined && /code not found/i.test(message)) {
      return new UnknownSymbolError({ ...options, symbol: symbolOf(response) })
    }
  }
  if (status >= 500) return new ExchangeUnavailableError(options)
  if (status === 401) return new AuthenticationError(options)
  if (status === 403) return new PermissionError(options)
  if (status >= 400) return new InvalidRequestError(options)
  return new BackboneError(`Unexpected HTTP status ${status} from upbit.`, options)
}

/**
 * Maps an Upbit WebSocket error message (`{"error":{"name":"INVALID_AUTH",…}}`) to a
 * `@bb/errors` instance: auth → `AuthenticationError`, format/param errors → `SubscriptionError`,
 * `Too Many Requests` → `RateLimitError`, `I'm a teapot` → banned `RateLimitError`.
 */
export function mapUpbitWsError(error: { readonly name: string; readonly message?: string }): BackboneError {
  const raw = (error as { name?: unknown; message?: unknown } | null | undefined) ?? {}
  const exchangeCode = typeof raw.name === 'string' ? raw.name : 'UNKNOWN'
  const options: BackboneErrorOptions = {
    exchange: 'upbit',
    channel: 'ws',
    exchangeCode,
    details: typeof raw.message === 'string' ? { exchangeMessage: raw.message } : {},
  }
  // Names are short (`INVALID_AUTH`); a longer text is no known name and is not normalized.
  const name = (exchangeCode.length > 64 ? '' : exchangeCode)
    .trim()
    .toUpperCase()
    .replace(/[\s']+/g, '_')
  switch (name) {
    case 'INVALID_AUTH':
      return new AuthenticationError(options)
    case 'WRONG_FORMAT':
    case 'NO_TICKET':
    case 'NO_TYPE':
    case 'NO_CODES':
    case 'INVALID_PARAM':
      return new SubscriptionError(options)
    case 'TOO_MANY_REQUESTS':
      return new RateLimitError({ ...options, group: 'websocket-message', retryAfterMs: 1000 })
    case 'I_M_A_TEAPOT':
      return new RateLimitError({ ...options, banned: true })
    default:
      return new SubscriptionError(options)
  }
}
