import { Decimal, toDecimal } from '@bb/models'

// decimal.js instances are plain objects { constructor, s, e, d } over one shared prototype:
// `d` holds base-1e7 words, the first word with (e mod 7) + 1 digits, trailing zeros trimmed.
const PROTOTYPE = Object.getPrototypeOf(new Decimal(1)) as object
const LOG_BASE = 7

interface DecimalFields {
  constructor: typeof Decimal
  s: number
  e: number
  d: number[]
}

// False once the start-up self-check (`runDecimalSelfCheck`) found the installed decimal.js
// laying out its instances differently from what `make` builds: every value then goes through
// `new Decimal(text)`.
let fastPath = true

function make(sign: number, exponent: number, digits: number[]): Decimal {
  const x = Object.create(PROTOTYPE) as DecimalFields
  // Same property order as the decimal.js constructor, so instances share a hidden class.
  x.constructor = Decimal
  x.s = sign
  x.e = exponent
  x.d = digits
  return x as unknown as Decimal
}

/**
 * Builds a `Decimal` from plain decimal text (`-?digits[.digits]`) about five times faster
 * than `new Decimal(text)`, with the identical internal representation (checked by a property
 * test). Returns `undefined` for any other text (exponents, signs, blanks), which callers hand to
 * `new Decimal`.
 */
export function decimalFromPlainText(text: string): Decimal | undefined {
  const fast = buildFromPlainText(text)
  return fast === undefined || fastPath ? fast : new Decimal(text)
}

function buildFromPlainText(text: string): Decimal | undefined {
  const length = text.length
  let i = 0
  let sign = 1
  if (text.charCodeAt(0) === 45) {
    sign = -1
    i = 1
  }
  if (i === length) return undefined
  let dot = -1
  let first = -1
  let last = -1
  for (let j = i; j < length; j++) {
    const c = text.charCodeAt(j)
    if (c === 46) {
      if (dot !== -1 || j === i || j === length - 1) return undefined
      dot = j
    } else if (c < 48 || c > 57) {
      return undefined
    } else if (c !== 48) {
      if (first === -1) first = j
      last = j
    }
  }
  if (first === -1) return make(sign, 0, [0])
  if (dot === -1) dot = length
  const exponent = first < dot ? dot - first - 1 : dot - first
  const digits: number[] = []
  let width = (exponent + 1) % LOG_BASE
  if (width <= 0) width += LOG_BASE
  let word = 0
  let count = 0
  for (let j = first; j <= last; j++) {
    const c = text.charCodeAt(j)
    if (c === 46) continue
    word = word * 10 + (c - 48)
    if (++count === width) {
      digits.push(word)
      word = 0
      count = 0
      width = LOG_BASE
    }
  }
  if (count > 0) {
    for (; count < width; count++) word *= 10
    digits.push(word)
  }
  return make(sign, exponent, digits)
}

// 10^k for k = 0 … 22, every one exact as a double.
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k)
const MAX_DIGITS15 = 1e15

/**
 * A `Decimal` from a finite number with at most 15 significant digits, without `String(n)`
 * (turning a double into its shortest text is the most expensive step of normalizing a number
 * the engine has not cached, which is most numbers of a live feed).
 *
 * The number is scaled to 15 digits: `m = round(v × 10^k)` with `10^14 ≤ m < 10^15`. If a
 * decimal of at most 15 significant digits reads back as `v`, it is `m × 10^-k` (its own
 * scaled value is an integer within 0.2 of `v × 10^k`, so `round` finds it, and two such
 * decimals cannot read back as the same double) and then `m / 10^k === v` — division is
 * correctly rounded and `m`, `10^k` are exact. Trailing zeros of `m` dropped, that is exactly
 * the text `String(v)` prints (checked by a property test). `undefined` when no such decimal
 * exists (the caller falls back to the text and refuses it) or `v` is out of the fast range.
 */
function decimalFromNumber(value: number): Decimal | undefined {
  const sign = value < 0 ? -1 : 1
  const a = value < 0 ? -value : value
  let m = a
  let exponent: number
  // digits of m (before trailing zeros are dropped)
  let count: number
  if (!Number.isInteger(a)) {
    // a is not an integer, so a < 2^52 and k ≥ 0
    let k = 14 - Math.floor(Math.log10(a))
    if (k > 22) return undefined
    m = Math.round(a * POW10[k]!)
    if (m >= MAX_DIGITS15) {
      if (k === 0) return undefined
      k--
      m = Math.round(a * POW10[k]!)
    }
    if (m / POW10[k]! !== a) return undefined
    count = m >= 1e14 ? 15 : digitCount(m)
    exponent = count - 1 - k
  } else {
    if (a >= MAX_DIGITS15) return undefined
    if (a === 0) return make(1, 0, [0])
    count = digitCount(a)
    exponent = count - 1
  }
  // Base-1e7 words straight from m: the first of (exponent mod 7) + 1 digits, the last padded
  // with zeros, trailing zero words dropped — decimal.js's layout. floor(m / 10^j) is exact for
  // m < 2^53, so is m - floor(m / 10^j) × 10^j.
  let width = (exponent + 1) % LOG_BASE
  if (width <= 0) width += LOG_BASE
  if (count <= width) return make(sign, exponent, [m * POW10[width - count]!])
  let rest = count - width
  let divisor = POW10[rest]!
  let high = Math.floor(m / divisor)
  let low = m - high * divisor
  const digits = [high]
  while (rest > LOG_BASE && low !== 0) {
    rest -= LOG_BASE
    divisor = POW10[rest]!
    high = Math.floor(low / divisor)
    digits.push(high)
    low -= high * divisor
  }
  if (low !== 0) digits.push(low * POW10[LOG_BASE - rest]!)
  else while (digits[digits.length - 1] === 0) digits.pop()
  return make(sign, exponent, digits)
}

/** Decimal digits of a positive integer below 10^15. */
function digitCount(m: number): number {
  if (m < 1e7) {
    let count = 1
    while (m >= POW10[count]!) count++
    return count
  }
  let count = 8
  while (count < 16 && m >= POW10[count]!) count++
  return count
}

/**
 * Converts a raw JSON value to an exact `Decimal`: numbers (at most 15 significant
 * digits, which `String(n)` reproduces exactly), decimal text including exponent forms
 * (`1.16539E8`), and bigints. Returns `undefined` for anything that is not a finite decimal, and
 * for numbers whose shortest form has more than 15 significant digits (a double that may already
 * have lost digits: parse the raw text with `parseExactJson` instead).
 */
export function exactDecimal(value: unknown): Decimal | undefined {
  if (typeof value === 'number') {
    if (!fastPath) return Number.isFinite(value) ? decimalFromShortestText(String(value)) : undefined
    if (value >= 0 && value < 1e7 && Number.isInteger(value)) {
      let exponent = 0
      for (let n = value; n >= 10; n /= 10) exponent++
      // `|| 0`: -0 is 0, as `new Decimal(String(-0))` has it
      return make(1, exponent, [value || 0])
    }
    if (!Number.isFinite(value)) return undefined
    const fromNumber = decimalFromNumber(value)
    if (fromNumber !== undefined) return fromNumber
    const text = String(value)
    const fast = decimalFromPlainText(text)
    // Text of 15 characters or fewer cannot hold more than 15 significant digits.
    if (fast !== undefined) return text.length <= 15 || countDigits(fast.d) <= 15 ? fast : undefined
    return decimalFromShortestText(text)
  }
  if (typeof value === 'string')
    return decimalFromPlainText(value) ?? toDecimal(value.trim() === value ? value : '')
  return toDecimal(value)
}

/** The Decimal of a number's shortest text, or `undefined` beyond 15 significant digits. */
function decimalFromShortestText(text: string): Decimal | undefined {
  return significantDigits(text) > 15 ? undefined : new Decimal(text)
}

// Significant digits held in decimal.js words (first word without its leading zeros, trailing
// zeros of the last word not counted).
function countDigits(words: readonly number[]): number {
  const n = words.length
  let first = words[0]!
  let count = 0
  while (first >= 1) {
    first /= 10
    count++
  }
  if (n === 1) return count - trailingZeros(words[0]!)
  return count + (n - 1) * LOG_BASE - trailingZeros(words[n - 1]!)
}

function trailingZeros(word: number): number {
  let zeros = 0
  while (word !== 0 && word % 10 === 0) {
    word /= 10
    zeros++
  }
  return zeros
}

function significantDigits(text: string): number {
  let count = 0
  let leading = true
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 101 || c === 69) break
    if (c < 48 || c > 57) continue
    if (leading && c === 48) continue
    leading = false
    count++
  }
  return count
}

/**
 * Values the self-check builds both ways: integers (one word, several words, beyond 2^53 as
 * text), fractions, negatives, zero and minus zero, tiny and large magnitudes, and each of the
 * fast paths (small integers, numbers of up to 15 digits, plain decimal text).
 */
const SELF_CHECK_VALUES: readonly (number | string)[] = [
  0,
  -0,
  7,
  10,
  1234567,
  12345678,
  100473000,
  -98000,
  0.1,
  0.00014208,
  -0.0009744359,
  1e-7,
  1.5e-10,
  123456789012345,
  99999999999999.9,
  4.2e21,
  '0',
  '-0',
  '0.00000001',
  '-0.5',
  '100571000.00000000',
  '143938457120.54321987',
  '1386929.37231066771348207123',
  '17877285547970000123',
  `0.${'0'.repeat(30)}1`,
  `9${'0'.repeat(40)}`,
]

/** What a decimal.js instance holds: its own keys in order, prototype, and the fields read. */
function layoutOf(value: Decimal): string {
  const fields = value as unknown as DecimalFields
  return JSON.stringify([
    Object.keys(value),
    Object.getPrototypeOf(value) === PROTOTYPE,
    fields.constructor === Decimal,
    fields.s,
    fields.e,
    fields.d,
    value.toString(),
    value.plus(1).toString(),
    value.times(3).toString(),
  ])
}

/**
 * Compares the fast path (which builds decimal.js's private fields itself) with the reference
 * constructor on a few values, and switches the fast path off when any of them differs — a
 * decimal.js release that changed its internal layout then costs speed, never a wrong price.
 * Runs once when the module loads; returns whether the fast path is in use. `reference`
 * replaces `new Decimal(text)` (tests simulate a changed layout with it).
 *
 * @example
 * ```ts
 * import { runDecimalSelfCheck } from '@bb/unifier'
 * runDecimalSelfCheck() // true with the pinned decimal.js
 * ```
 */
export function runDecimalSelfCheck(
  reference: (text: string) => Decimal = (text) => new Decimal(text),
): boolean {
  fastPath = true
  let ok = true
  try {
    for (const value of SELF_CHECK_VALUES) {
      const fast = exactDecimal(value)
      const expected = reference(String(value))
      if (fast === undefined || layoutOf(fast) !== layoutOf(expected)) {
        ok = false
        break
      }
    }
  } catch {
    ok = false
  }
  fastPath = ok
  return ok
}

/** True while the fast Decimal path is in use (the last {@link runDecimalSelfCheck} passed). */
export function isFastDecimalEnabled(): boolean {
  return fastPath
}

runDecimalSelfCheck()
