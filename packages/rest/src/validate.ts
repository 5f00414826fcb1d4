import { InvalidRequestError } from '@bb/errors'
import type { Lane } from './limiter.js'

/**
 * Checks of what callers pass to the client, so that every bad argument rejects with an
 * `InvalidRequestError` naming the parameter and the value — never a raw `TypeError` from deep
 * inside, never silent acceptance.
 */

/** The latest time a JavaScript `Date` can hold, ms. */
const MAX_TIME_MS = 8.64e15

/** A short, safe rendering of a bad value for an error message (never a whole object). */
export function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n (a BigInt)`
  if (typeof value === 'string')
    return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null)
    return String(value)
  if (typeof value === 'symbol' || typeof value === 'function') return `a ${typeof value}`
  return Array.isArray(value) ? 'an array' : 'an object'
}

/**
 * Validation bound to one exchange name (for the errors) and, optionally, the adapter's
 * description of its market codes (`adapter.symbols.format`), quoted when a symbol is bad.
 */
export function validators(exchange: string, symbolFormat?: string) {
  const invalid = (param: string, message: string) =>
    new InvalidRequestError({ exchange, channel: 'rest', param, message })

  return {
    invalid,

    /** Options bags: `undefined` or a plain object (not `null`, not a string). */
    options<T extends object>(value: T | undefined | null, param = 'options'): T | undefined {
      if (value === undefined) return undefined
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw invalid(param, `"${param}" must be an object or left out (got ${describeValue(value)}).`)
      return value
    },

    /** A market code argument: a non-empty string (its format is the adapter's to check). */
    symbol(value: unknown, param = 'symbol'): string {
      if (typeof value !== 'string' || value.trim() === '')
        throw invalid(
          param,
          `"${param}" must be a market code${symbolFormat ? ` (${symbolFormat})` : ''} (got ${describeValue(value)}).`,
        )
      return value
    },

    /** A non-empty array of market codes. */
    symbols(value: unknown, param = 'symbols'): string[] {
      if (!Array.isArray(value))
        throw invalid(param, `"${param}" must be an array of market codes (got ${describeValue(value)}).`)
      if (value.length === 0) throw invalid(param, `"${param}" needs at least one market code (got []).`)
      return value.map((item, i) => this.symbol(item, `${param}[${i}]`))
    },

    /** An integer in `[min, max]`, or `undefined` when left out. */
    integer(value: unknown, param: string, min: number, max: number): number | undefined {
      if (value === undefined) return undefined
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
        throw invalid(
          param,
          `"${param}" must be an integer from ${min} to ${max.toLocaleString('en-US')} (got ${describeValue(value)}).`,
        )
      return value
    },

    /** A time in ms since the epoch (0 … the last `Date`), or `undefined` when left out. */
    time(value: unknown, param: string): number | undefined {
      if (value === undefined) return undefined
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIME_MS)
        throw invalid(
          param,
          `"${param}" must be a time in ms since 1970 (a finite number from 0 to 8.64e15; got ${describeValue(value)}).`,
        )
      return value
    },

    /** A string, or `undefined` when left out. */
    string(value: unknown, param: string): string | undefined {
      if (value === undefined) return undefined
      if (typeof value !== 'string')
        throw invalid(param, `"${param}" must be a string (got ${describeValue(value)}).`)
      return value
    },

    /** A boolean, or `undefined` when left out. */
    boolean(value: unknown, param: string): boolean | undefined {
      if (value === undefined) return undefined
      if (typeof value !== 'boolean')
        throw invalid(param, `"${param}" must be true or false (got ${describeValue(value)}).`)
      return value
    },

    /** One of the allowed strings, or `undefined` when left out. */
    oneOf<T extends string>(value: unknown, param: string, allowed: readonly T[]): T | undefined {
      if (value === undefined) return undefined
      if (!allowed.includes(value as T))
        throw invalid(
          param,
          `"${param}" must be ${allowed.map((a) => `'${a}'`).join(' or ')} (got ${describeValue(value)}).`,
        )
      return value as T
    },

    /** The priority lane of a call. */
    priority(value: unknown): Lane | undefined {
      return this.oneOf(value, 'priority', ['live', 'bulk'] as const)
    },

    /** An `AbortSignal`, or `undefined` when left out. */
    signal(value: unknown): AbortSignal | undefined {
      if (value === undefined) return undefined
      if (!(value instanceof AbortSignal))
        throw invalid('signal', `"signal" must be an AbortSignal (got ${describeValue(value)}).`)
      return value
    },

    /** A function, or `undefined` when left out. */
    callback<F>(value: F | undefined, param: string): F | undefined {
      if (value === undefined) return undefined
      if (typeof value !== 'function')
        throw invalid(param, `"${param}" must be a function (got ${describeValue(value)}).`)
      return value
    },

    /** An http(s) base URL. */
    url(value: unknown, param: string): URL {
      let url: URL | undefined
      if (typeof value === 'string') {
        try {
          url = new URL(value)
        } catch {
          url = undefined
        }
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
        throw invalid(param, `"${param}" must be an http:// or https:// URL (got ${describeValue(value)}).`)
      if (url.username !== '' || url.password !== '')
        throw invalid(param, `"${param}" must not carry a user name or password; pass credentials instead.`)
      return url
    },
  }
}
