import DecimalModule, { type Decimal as DecimalClass } from 'decimal.js'
import { z } from 'zod'

// decimal.js ships an ESM default export but CommonJS-style typings: under NodeNext the default
// import is typed as the module namespace, so name the class type explicitly.
const DecimalJs = DecimalModule as unknown as typeof DecimalClass

/**
 * The Decimal class every model uses: decimal.js with 40 significant digits for arithmetic and
 * plain (non-exponent) `toString()` for any price, size or balance an exchange can send, so
 * `0.00000001` prints as `0.00000001`, not `1e-8`. Construct from strings to stay exact.
 *
 * @example
 * ```ts
 * import { Decimal } from '@bb/models'
 * new Decimal('0.1').plus('0.2').toString() // '0.3'
 * new Decimal('1.16539E8').toString() // '116539000'
 * ```
 */
export const Decimal = DecimalJs.clone({ precision: 40, toExpNeg: -40, toExpPos: 40 })
/** A Decimal instance (see {@link Decimal}). */
export type Decimal = DecimalClass

/** What {@link toDecimal} and the model schemas accept as a decimal: text, a number, a bigint or a Decimal. */
export type DecimalInput = DecimalClass | string | number | bigint

// Plain decimal text, optionally signed, with an optional exponent (`1.16539E8`). Every
// quantifier is separated from the next by a required character it cannot match, so a failed
// match backtracks over nothing: linear in the length of the text (`\d+\.?\d*` was quadratic on
// a long run of digits followed by a letter).
const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * The decimal, or `undefined` when decimal.js could not represent the value: an exponent beyond
 * its range overflows to `Infinity` (`1e9000000000000001`) or underflows to zero
 * (`1e-9000000000000001`), neither of which is the number that was sent.
 */
function inRange(decimal: DecimalClass, text: string): Decimal | undefined {
  if (!decimal.isFinite()) return undefined
  if (decimal.isZero()) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 101 || c === 69) break
      if (c >= 49 && c <= 57) return undefined
    }
  }
  return decimal as Decimal
}

/**
 * Converts text, a number, a bigint or any decimal.js instance to a {@link Decimal}, or returns
 * `undefined` when the value is not a finite decimal number (NaN, Infinity, '', 'abc', null) or
 * lies beyond decimal.js's exponent range (`1e9000000000000001` and its reciprocal), so a
 * returned Decimal is always finite and exact. Strings are parsed as decimal text, never
 * through a float; the check is linear in the length of the text.
 */
export function toDecimal(value: unknown): Decimal | undefined {
  switch (typeof value) {
    case 'string':
      return DECIMAL_TEXT.test(value) ? inRange(new Decimal(value), value) : undefined
    case 'number':
      return Number.isFinite(value) ? new Decimal(value) : undefined
    case 'bigint':
      return new Decimal(value.toString())
    case 'object':
      // decimal.js clones share one prototype, so `instanceof` holds for every clone of this copy.
      if (value instanceof DecimalJs) {
        // Re-wrap instances of other clones so that arithmetic on the result uses this package's
        // precision.
        const decimal = (value as DecimalClass).constructor === Decimal ? value : new Decimal(value)
        return decimal.isFinite() ? decimal : undefined
      }
      // Another copy of decimal.js, or a look-alike (`{"toStringTag":"[object Decimal]"}` from
      // JSON passes `isDecimal`): read through its text, never through its fields.
      if (value !== null && DecimalJs.isDecimal(value)) {
        try {
          const text = (value as { toString(): unknown }).toString()
          return typeof text === 'string' ? toDecimal(text) : undefined
        } catch {
          return undefined
        }
      }
      return undefined
    default:
      return undefined
  }
}

/** A zod schema for a finite decimal: accepts {@link DecimalInput}, outputs a {@link Decimal}. */
export const DecimalSchema = z.unknown().transform((value, ctx): Decimal => {
  const decimal = toDecimal(value)
  if (decimal === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a finite decimal number (string or number)',
      input: value,
    })
    return z.NEVER
  }
  return decimal
})

/** A decimal that is zero or more. */
export const NonNegativeDecimalSchema = DecimalSchema.refine((d) => !d.isNegative() || d.isZero(), {
  message: 'expected a decimal >= 0',
})

/** A decimal that is more than zero. */
export const PositiveDecimalSchema = DecimalSchema.refine((d) => d.greaterThan(0), {
  message: 'expected a decimal > 0',
})
