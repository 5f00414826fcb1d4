import {
  AuthenticationError,
  BackboneError,
  type BackboneErrorOptions,
  ConnectionClosedError,
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
const unavailable: Factory = (o) => new ExchangeUnavailableError(o)

function queryParam(response: ErrorResponse, key: string): string | undefined {
  return response.request?.query.find(([k]) => k === key)?.[1]
}

/** Binance REST error codes (BINANCE.md §8) → error class; by code (-2010 alone also reads the message). */
const BY_CODE: ReadonlyMap<number, Factory> = new Map<number, Factory>([
  [-1000, unavailable],
  [-1001, unavailable],
  [-1006, unavailable],
  // Send status unknown, execution status unknown: not a failure, not safe to repeat blindly.
  [-1007, (o) => new ExchangeUnavailableError({ ...o, retryable: false })],
  [-1008, unavailable],
  [-1002, auth],
  [-1013, invalidOrder],
  // The request was outside recvWindow: a fresh timestamp fixes it.
  [-1021, (o) => new AuthenticationError({ ...o, retryable: true })],
  [-1022, auth],
  [-1100, invalidRequest],
  [-1101, invalidRequest],
  [-1102, invalidRequest],
  [-1103, invalidRequest],
  [-1104, invalidRequest],
  [-1105, invalidRequest],
  [-1111, invalidOrder],
  [-1120, invalidRequest],
  [
    -1121,
    (o, r) =>
      new UnknownSymbolError({
        ...o,
        symbol: queryParam(r, 'symbol') ?? queryParam(r, 'symbols') ?? '(unknown)',
        hint: 'BTCUSDT',
      }),
  ],
  [-1122, invalidRequest],
  [-1125, auth],
  [-1127, invalidRequest],
  [-1128, invalidRequest],
  [-1130, invalidRequest],
  [-1135, invalidRequest],
  [-1139, invalidRequest],
  [-1151, invalidRequest],
  [-1194, invalidRequest],
  [-1220, invalidRequest],
  // NEW_ORDER_REJECTED covers several matching-engine refusals told apart only by the message
  // (BINANCE.md §8): the documented "insufficient balance" one is InsufficientFundsError.
  [
    -2010,
    (o, r) =>
      /insufficient balance/i.test(readBody(r.body).msg ?? '')
        ? new InsufficientFundsError(o)
        : new InvalidOrderError(o),
  ],
  [
    -2011,
    (o, r) => {
      const id = queryParam(r, 'orderId') ?? queryParam(r, 'origClientOrderId')
      return new OrderNotFoundError(id === undefined ? o : { ...o, orderId: id })
    },
  ],
  [
    -2013,
    (o, r) => {
      const id = queryParam(r, 'orderId') ?? queryParam(r, 'origClientOrderId')
      return new OrderNotFoundError(id === undefined ? o : { ...o, orderId: id })
    },
  ],
  [-2014, auth],
  [-2015, auth],
  [-2026, invalidRequest],
  [-2043, invalidRequest],
])

function header(response: ErrorResponse, name: string): string | undefined {
  if (!response.headers) return undefined
  for (const [key, value] of Object.entries(response.headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue
    return typeof value === 'string' ? value : value[0]
  }
  return undefined
}

// Bans scale from 2 minutes to 3 days (BINANCE.md §7.2): a longer header is broken or hostile.
const MAX_RETRY_AFTER_MS = 3 * 86_400_000

/** `Retry-After` (seconds) as ms, capped at three days; `undefined` when absent or unreadable. */
function retryAfterMs(response: ErrorResponse): number | undefined {
  const value = header(response, 'retry-after')?.trim()
  if (value === undefined || !/^\d{1,12}(\.\d+)?$/.test(value)) return undefined
  return Math.min(Math.round(Number(value) * 1000), MAX_RETRY_AFTER_MS)
}

function readBody(body: unknown): { code: number | undefined; msg: string | undefined } {
  let value = body
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8')
    try {
      value = JSON.parse(text)
    } catch {
      return { code: undefined, msg: text.trim().slice(0, 4096) || undefined }
    }
  }
  if (value === null || typeof value !== 'object') return { code: undefined, msg: undefined }
  const v = value as { code?: unknown; msg?: unknown }
  const code =
    typeof v.code === 'number' && Number.isInteger(v.code)
      ? v.code
      : typeof v.code === 'string' && /^-?\d{1,6}$/.test(v.code)
        ? Number(v.code)
        : undefined
  return { code, msg: typeof v.msg === 'string' ? v.msg.slice(0, 4096) : undefined }
}

/**
 * Maps a Binance REST error (`{"code":-1121,"msg":"Invalid symbol."}`) to a `@bb/errors`
 * instance: HTTP 429 → `RateLimitError` (`Retry-After` seconds, group `weight`, or `orders` for
 * `-1015`); 418 → `RateLimitError { banned: true }` (not retryable); then by `code` (`-1121` →
 * `UnknownSymbolError`, `-2013` → `OrderNotFoundError`, `-2015` → `AuthenticationError`, …);
 * then by status (5XX → `ExchangeUnavailableError`: execution status unknown). The message is
 * kept in `details.exchangeMessage` and matched on for one code only: `-2010` (order rejected)
 * is `InsufficientFundsError` when it says "insufficient balance", else `InvalidOrderError`.
 *
 * @example
 * ```ts
 * import { binance } from '@bb/binance'
 * binance.rest.mapError({ status: 400, body: '{"code":-1121,"msg":"Invalid symbol."}' }).name // 'UnknownSymbolError'
 * ```
 */
export function mapBinanceRestError(response: ErrorResponse): BackboneError {
  const { code, msg } = readBody(response.body)
  const status = response.status
  const details: Record<string, unknown> = {}
  if (msg !== undefined) details.exchangeMessage = msg
  if (response.request) details.request = `${response.request.method} ${response.request.path}`
  const options: BackboneErrorOptions = { exchange: 'binance', channel: 'rest', status, details }
  if (code !== undefined) options.exchangeCode = String(code)

  if (status === 429 || status === 418) {
    const wait = retryAfterMs(response)
    return new RateLimitError({
      ...options,
      banned: status === 418,
      group: code === -1015 ? 'orders' : 'weight',
      // 429 without Retry-After: the weight window is one minute.
      ...(wait !== undefined ? { retryAfterMs: wait } : status === 429 ? { retryAfterMs: 60_000 } : {}),
    })
  }
  if (code !== undefined) {
    const factory = BY_CODE.get(code)
    if (factory) return factory(options, response)
  }
  if (status >= 500) return new ExchangeUnavailableError(options)
  if (status === 401) return new AuthenticationError(options)
  // 403: a WAF rule was violated.
  if (status === 403) return new PermissionError(options)
  if (status >= 400) return new InvalidRequestError(options)
  return new BackboneError(`Unexpected HTTP status ${status} from binance.`, options)
}

/**
 * Maps a WebSocket control error (`{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":2}`,
 * classified with the code as `name`) to `SubscriptionError`: codes 0–3 are unknown property,
 * bad value type, invalid request and invalid JSON — each a client bug, none fixed by a retry.
 */
export function mapBinanceWsError(error: {
  readonly name: string
  readonly message?: string
}): BackboneError {
  const raw = (error as { name?: unknown; message?: unknown } | null | undefined) ?? {}
  const exchangeCode = typeof raw.name === 'string' && raw.name.length <= 64 ? raw.name : 'UNKNOWN'
  // The WS API answers with the REST codes (`{"status":401,"error":{"code":-2015,"msg":…}}`).
  if (/^-\d{1,6}$/.test(exchangeCode)) {
    const code = Number(exchangeCode)
    const msg = typeof raw.message === 'string' ? raw.message.slice(0, 4096) : undefined
    const options: BackboneErrorOptions = {
      exchange: 'binance',
      channel: 'ws',
      exchangeCode,
      details: msg === undefined ? {} : { exchangeMessage: msg },
    }
    if (code === -1003 || code === -1015)
      return new RateLimitError({ ...options, group: code === -1015 ? 'orders' : 'weight' })
    const factory = BY_CODE.get(code)
    if (factory) return factory(options, { status: 400, body: { code, msg } })
    return new InvalidRequestError(options)
  }
  if (exchangeCode === 'eventStreamTerminated')
    return new ConnectionClosedError({
      exchange: 'binance',
      channel: 'ws',
      reason: typeof raw.message === 'string' ? raw.message : 'user data stream terminated',
      retryable: true,
    })
  return new SubscriptionError({
    exchange: 'binance',
    channel: 'ws',
    exchangeCode,
    details: typeof raw.message === 'string' ? { exchangeMessage: raw.message.slice(0, 4096) } : {},
  })
}
