import { BackboneError, type BackboneErrorOptions, safeString } from './base.js'
import { AbortedError, NetworkError, TimeoutError } from './errors.js'

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
])
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])

function codeOf(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || TIMEOUT_CODES.has(code))) return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * True when trying the same call again may succeed: a Backbone error marked `retryable`
 * (network, timeout, 5xx, 429, closed connection), or a raw Node/undici network error.
 * Never true for aborts, bad input, auth failures or a ban (418).
 *
 * @example
 * ```ts
 * import { isRetryable, RateLimitError } from '@bb/errors'
 * isRetryable(new RateLimitError({ retryAfterMs: 100 })) // true
 * isRetryable(new RateLimitError({ banned: true })) // false
 * ```
 */
export function isRetryable(error: unknown): boolean {
  if (BackboneError.isInstance(error)) return error.retryable
  return codeOf(error) !== undefined
}

/**
 * Converts anything thrown into a {@link BackboneError}, without wrapping twice: Backbone errors
 * pass through unchanged, aborts become {@link AbortedError}, Node/undici socket failures become
 * {@link NetworkError} or {@link TimeoutError}, and anything else a generic `BackboneError`
 * whose `cause` is the original.
 *
 * @example
 * ```ts
 * import { toBackboneError } from '@bb/errors'
 * const error = toBackboneError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), { exchange: 'upbit', channel: 'rest' })
 * error.code // 'network'
 * ```
 */
export function toBackboneError(error: unknown, context: BackboneErrorOptions = {}): BackboneError {
  if (BackboneError.isInstance(error)) return error
  const options: BackboneErrorOptions = { ...context, cause: error }
  if (
    error instanceof Error &&
    (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR')
  ) {
    return new AbortedError(options)
  }
  const code = codeOf(error)
  if (code && TIMEOUT_CODES.has(code)) return new TimeoutError(options)
  if (code) return new NetworkError(options)
  const message = safeString(error instanceof Error ? (error as { message: unknown }).message : error)
  const newline = message.indexOf('\n')
  return new BackboneError(
    context.message ?? `Unexpected failure: ${newline === -1 ? message : message.slice(0, newline)}`,
    options,
  )
}
