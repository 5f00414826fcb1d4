import { describeValue, InvalidRequestError } from '@bb/errors'

/** Throws the `InvalidRequestError` every argument check of this package uses, naming the value. */
export function badArgument(param: string, expected: string, value: unknown): never {
  throw new InvalidRequestError({
    param,
    message: `Invalid ${param} ${describeValue(value)}: expected ${expected}.`,
  })
}

/** `value` is a plain object (not null, not an array), or `badArgument`. */
export function checkObject(param: string, value: unknown, expected = 'an object'): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) badArgument(param, expected, value)
}

/** `value` is a function (or `undefined` when `optional`), or `badArgument`. */
export function checkFunction(param: string, value: unknown, optional: boolean): void {
  if (optional && value === undefined) return
  if (typeof value !== 'function') badArgument(param, 'a function', value)
}

/** `value` is a finite number ≥ `min` (an integer when `integer`), or `undefined`; else `badArgument`. */
export function checkNumber(param: string, value: unknown, min: number, integer: boolean): void {
  if (value === undefined) return
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    (integer && !Number.isInteger(value))
  )
    badArgument(param, `${integer ? 'an integer' : 'a finite number'} >= ${min}`, value)
}

/** `value` is a non-empty string, or `badArgument`. */
export function checkString(param: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') badArgument(param, 'a non-empty string', value)
}
