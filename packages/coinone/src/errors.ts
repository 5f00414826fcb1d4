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

type Factory = (options: BackboneErrorOptions, response: ErrorResponse) => BackboneError

const invalidRequest: Factory = (o) => new InvalidRequestError(o)
const invalidOrder: Factory = (o) => new InvalidOrderError(o)
const auth: Factory = (o) => new AuthenticationError(o)
const permission: Factory = (o) => new PermissionError(o)
const unknownSymbol: Factory = (o, r) =>
  new UnknownSymbolError({ ...o, symbol: symbolOf(r), hint: 'BTC/KRW' })
const notFound: Factory = (o) => new OrderNotFoundError(o)

// `/public/v2/orderbook/KRW/NOPE` → `NOPE/KRW`.
function symbolOf(response: ErrorResponse): string {
  const path = response.request?.path ?? ''
  const m = /\/([A-Za-z0-9]{1,20})\/([A-Za-z0-9]{1,20})$/.exec(path)
  return m ? `${m[2]!.toUpperCase()}/${m[1]!.toUpperCase()}` : '(unknown)'
}

// The block length is undocumented (an older revision: one minute): a `Retry-After` header (seconds)
// wins when the server sends one, else 60 s.
function retryAfterOf(response: ErrorResponse): number {
  const headers = response?.headers ?? {}
  let value: unknown
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === 'retry-after') value = v
  const text = Array.isArray(value) ? value[0] : value
  const seconds = typeof text === 'string' && /^\d{1,6}$/.test(text.trim()) ? Number(text) : undefined
  return seconds === undefined ? 60_000 : Math.max(1, seconds) * 1000
}

function range(from: number, to: number, factory: Factory): [number, Factory][] {
  const out: [number, Factory][] = []
  for (let c = from; c <= to; c++) out.push([c, factory])
  return out
}

/** Coinone error codes (COINONE.md §8) → error class; codes, never message text. */
const BY_CODE: ReadonlyMap<number, Factory> = new Map<number, Factory>([
  // 4: rate limit exceeded (or a restricted user). Block length undocumented: one minute window.
  [4, (o, r) => new RateLimitError({ ...o, group: 'public', retryAfterMs: retryAfterOf(r) })],
  [8, auth],
  [10, permission],
  ...range(11, 12, auth),
  ...range(20, 29, auth),
  [40, permission],
  [50, permission],
  [51, invalidRequest],
  [52, permission],
  [53, auth],
  [101, invalidRequest],
  [103, (o) => new InsufficientFundsError(o)],
  [104, notFound],
  [105, invalidOrder],
  [107, invalidRequest],
  [108, unknownSymbol],
  [109, unknownSymbol],
  [111, invalidOrder],
  ...range(113, 115, invalidOrder),
  ...range(116, 118, invalidOrder),
  ...range(120, 123, auth),
  ...range(130, 133, auth),
  [151, auth],
  ...range(152, 160, invalidRequest),
  [157, (o) => new InsufficientFundsError(o)],
  ...range(161, 167, invalidOrder),
  [202, invalidRequest],
  ...range(300, 314, invalidOrder),
  [315, invalidRequest],
  ...range(316, 317, invalidRequest),
  [405, (o) => new ExchangeUnavailableError(o)],
  [777, auth],
  ...range(1201, 1202, invalidRequest),
  [1206, auth],
  ...range(3001, 3018, permission),
])

interface Envelope {
  readonly result: string | undefined
  readonly code: number | undefined
  readonly msg: string | undefined
}

function readBody(body: unknown): Envelope | undefined {
  let value = body
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8')
    try {
      value = JSON.parse(text)
    } catch {
      return undefined
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const v = value as Record<string, unknown>
  // V2/V2.1: `error_code` / `error_msg`; the legacy V1/V2 envelope: `errorCode` / `errorMsg`.
  const rawCode = v.error_code ?? v.errorCode
  const rawMsg = v.error_msg ?? v.errorMsg
  const code =
    typeof rawCode === 'string' && /^\d{1,9}$/.test(rawCode)
      ? Number(rawCode)
      : typeof rawCode === 'number' && Number.isInteger(rawCode)
        ? rawCode
        : undefined
  return {
    result: typeof v.result === 'string' ? v.result : undefined,
    code,
    msg: typeof rawMsg === 'string' ? rawMsg.slice(0, 4096) : undefined,
  }
}

/**
 * Maps a Coinone REST error to a `@bb/errors` instance. Coinone sends business errors as
 * **HTTP 200** with `{"result":"error","error_code":"108","error_msg":"Unknown CryptoCurrency"}`
 * (the code is a string): the body decides, by code (COINONE.md §8) — `4` → `RateLimitError`,
 * `108`/`109` → `UnknownSymbolError`, `104` → `OrderNotFoundError`, `103` →
 * `InsufficientFundsError`, `12`/`120`–`133` → `AuthenticationError`, `40` → `PermissionError`,
 * `300`–`314` → `InvalidOrderError`, …; then by status (5XX → `ExchangeUnavailableError`). An
 * HTML body (the docs page an unknown path returns, with 200) is an `InvalidRequestError`.
 * The message is kept in `details.exchangeMessage`, never matched on.
 *
 * @example
 * ```ts
 * import { coinone } from '@bb/coinone'
 * coinone.rest.mapError({ status: 200, body: '{"result":"error","error_code":"108","error_msg":"Unknown CryptoCurrency"}' }).name // 'UnknownSymbolError'
 * ```
 */
export function mapCoinoneRestError(response: ErrorResponse): BackboneError {
  const status = typeof response?.status === 'number' ? response.status : 0
  const envelope = readBody(response?.body)
  const details: Record<string, unknown> = {}
  if (envelope?.msg !== undefined) details.exchangeMessage = envelope.msg
  if (response?.request) details.request = `${response.request.method} ${response.request.path}`
  const options: BackboneErrorOptions = { exchange: 'coinone', channel: 'rest', status, details }
  if (envelope?.code !== undefined) options.exchangeCode = String(envelope.code)
  if (envelope?.code !== undefined && envelope.code !== 0) {
    const factory = BY_CODE.get(envelope.code)
    if (factory) return factory(options, response)
  }
  if (status === 429)
    return new RateLimitError({ ...options, group: 'public', retryAfterMs: retryAfterOf(response) })
  if (status >= 500) return new ExchangeUnavailableError(options)
  if (status === 401) return new AuthenticationError(options)
  if (status === 403) return new PermissionError(options)
  if (status >= 400 || envelope === undefined || envelope.result !== 'success')
    return new InvalidRequestError({
      ...options,
      message:
        envelope === undefined
          ? 'Coinone answered with a body that is not its JSON envelope (an unknown path returns an HTML page).'
          : `Coinone error ${envelope.code ?? '(no code)'}.`,
    })
  return new BackboneError(`Unexpected HTTP status ${status} from coinone.`, options)
}

/**
 * The error inside a 2XX body, or `undefined` for a success body: what a client checks before
 * normalizing, since Coinone's errors arrive with HTTP 200 and `@bb/rest` calls `mapError` for
 * non-2XX statuses only (COINONE.md §2, "contract gap").
 *
 * @example
 * ```ts
 * import { coinoneBodyError } from '@bb/coinone'
 * coinoneBodyError('{"result":"success","error_code":"0"}') // undefined
 * coinoneBodyError('{"result":"error","error_code":"4","error_msg":"Blocked user access"}')?.name // 'RateLimitError'
 * ```
 */
export function coinoneBodyError(
  body: unknown,
  request?: ErrorResponse['request'],
): BackboneError | undefined {
  const envelope = readBody(body)
  if (
    envelope !== undefined &&
    envelope.result === 'success' &&
    (envelope.code === undefined || envelope.code === 0)
  )
    return undefined
  return mapCoinoneRestError({ status: 200, body, ...(request === undefined ? {} : { request }) })
}

/**
 * Maps a WebSocket `ERROR` frame (classified with `error_code` as `name`) to `SubscriptionError`:
 * `160010` invalid request, `160011` invalid type (a bad `request_type`, `channel` or `format`),
 * `160012` invalid topic (an unknown pair, sent after the `SUBSCRIBED` ack). The socket stays open.
 */
export function mapCoinoneWsError(error: {
  readonly name: string
  readonly message?: string
}): BackboneError {
  const raw = (error as { name?: unknown; message?: unknown } | null | undefined) ?? {}
  const exchangeCode = typeof raw.name === 'string' && raw.name.length <= 64 ? raw.name : 'UNKNOWN'
  return new SubscriptionError({
    exchange: 'coinone',
    channel: 'ws',
    exchangeCode,
    details: typeof raw.message === 'string' ? { exchangeMessage: raw.message.slice(0, 4096) } : {},
  })
}

/**
 * Coinone's refusing close codes (COINONE.md §6, §8): **4280** — the private connection's
 * authentication failed → `AuthenticationError`; **4290** — more than 20 connections per IP
 * (public) or per account (private) → `RateLimitError` (group `connections`). Any other code is an
 * ordinary close (`undefined`: the client reconnects).
 *
 * @example
 * ```ts
 * import { mapCoinoneClose } from '@bb/coinone'
 * mapCoinoneClose({ code: 4280, reason: '' })?.name // 'AuthenticationError'
 * ```
 */
export function mapCoinoneClose(close: {
  readonly code: number
  readonly reason: string
}): BackboneError | undefined {
  const details = close.reason === '' ? {} : { exchangeMessage: close.reason.slice(0, 1024) }
  if (close.code === 4280)
    return new AuthenticationError({
      exchange: 'coinone',
      channel: 'ws',
      exchangeCode: '4280',
      message:
        'Coinone closed the private WebSocket with 4280: the authentication headers were refused (check accessKey / secretKey).',
      details,
    })
  if (close.code === 4290)
    return new RateLimitError({
      exchange: 'coinone',
      channel: 'ws',
      exchangeCode: '4290',
      group: 'connections',
      details,
    })
  return undefined
}
