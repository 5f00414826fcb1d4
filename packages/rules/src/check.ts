import { InvalidRequestError } from '@bb/errors'
import { Decimal, toDecimal } from '@bb/models'

// Checks of what callers pass to the public API of @bb/rules: every bad argument throws an
// `InvalidRequestError` naming the parameter and the value, never a raw TypeError or
// RangeError from deep inside, and nothing bad is accepted silently.

/** A short, safe rendering of a bad value for an error message (never a whole object). */
export function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n (a BigInt)`
  if (typeof value === 'string')
    return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null)
    return String(value)
  if (typeof value === 'symbol' || typeof value === 'function') return `a ${typeof value}`
  if (Decimal.isDecimal(value)) return `${(value as Decimal).toString()} (a Decimal)`
  return Array.isArray(value) ? 'an array' : 'an object'
}

/** The error of a bad argument. */
export function invalid(param: string, message: string): InvalidRequestError {
  return new InvalidRequestError({ param, channel: 'rules', message })
}

/** An options bag: a plain object, or `undefined` when optional. */
export function optionsBag<T extends object>(value: T | null | undefined, param: string, required: true): T
export function optionsBag<T extends object>(
  value: T | null | undefined,
  param: string,
  required?: false,
): T | undefined
export function optionsBag<T extends object>(
  value: T | null | undefined,
  param: string,
  required = false,
): T | undefined {
  if (value === undefined && !required) return undefined
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid(
      param,
      `"${param}" must be an object${required ? '' : ' or left out'} (got ${describeValue(value)}).`,
    )
  return value
}

/** An integer in `[min, max]`, or `undefined` when left out. */
export function integerIn(value: unknown, param: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(param, `"${param}" must be an integer from ${min} to ${max} (got ${describeValue(value)}).`)
  return value
}

/** A finite number (`> 0` when `positive`), or `undefined` when left out. */
export function finiteNumber(value: unknown, param: string, positive = false): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || (positive && !(value > 0)))
    throw invalid(
      param,
      `"${param}" must be a finite number${positive ? ' above 0' : ''} (got ${describeValue(value)}).`,
    )
  return value
}

/** A finite decimal amount within `[min, max)` (`max` exclusive when given), or `undefined` when left out. */
export function decimalIn(
  value: unknown,
  param: string,
  range: { min?: number; above?: number; below?: number } = {},
): Decimal | undefined {
  if (value === undefined) return undefined
  const parsed = typeof value === 'bigint' ? undefined : toDecimal(value)
  const ok =
    parsed?.isFinite() &&
    (range.min === undefined || parsed.greaterThanOrEqualTo(range.min)) &&
    (range.above === undefined || parsed.greaterThan(range.above)) &&
    (range.below === undefined || parsed.lessThan(range.below))
  if (!ok) {
    const bounds = [
      range.min !== undefined ? `≥ ${range.min}` : '',
      range.above !== undefined ? `> ${range.above}` : '',
      range.below !== undefined ? `< ${range.below}` : '',
    ].filter(Boolean)
    throw invalid(
      param,
      `"${param}" must be a finite decimal${bounds.length ? ` ${bounds.join(' and ')}` : ''} (got ${describeValue(value)}).`,
    )
  }
  return parsed as Decimal
}

/** A function, or `undefined` when left out. */
export function callback<F>(value: F | undefined, param: string): F | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function')
    throw invalid(param, `"${param}" must be a function (got ${describeValue(value)}).`)
  return value
}

/** One of the allowed strings, or `undefined` when left out. */
export function oneOf<T extends string>(value: unknown, param: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined
  if (!allowed.includes(value as T))
    throw invalid(
      param,
      `"${param}" must be ${allowed.map((a) => `'${a}'`).join(' or ')} (got ${describeValue(value)}).`,
    )
  return value as T
}
