import { describeValue, InvalidRequestError } from '@bb/errors'

/** A market code split into its parts. */
export interface ParsedSymbol {
  /** The code as given, upper-cased: `KRW-BTC`. */
  readonly symbol: string
  /** The quote asset: `KRW`. */
  readonly quote: string
  /** The base asset: `BTC`. */
  readonly base: string
}

const QUOTE_BASE = /^([A-Z0-9]{2,10})-([A-Z0-9]{1,15})$/

/**
 * Splits a `QUOTE-BASE` market code (Upbit's form, e.g. `KRW-BTC`) into quote and base. Lower
 * case is accepted and upper-cased. Throws `InvalidRequestError` for anything else; an adapter
 * with another symbol form brings its own rules.
 *
 * @example
 * ```ts
 * import { parseSymbol } from '@bb/models'
 * parseSymbol('krw-btc') // { symbol: 'KRW-BTC', quote: 'KRW', base: 'BTC' }
 * ```
 */
export function parseSymbol(symbol: string): ParsedSymbol {
  // Longer text cannot match (at most 26 characters): refused before it is trimmed or copied.
  const upper = typeof symbol === 'string' && symbol.length <= 64 ? symbol.trim().toUpperCase() : ''
  const match = QUOTE_BASE.exec(upper)
  if (!match) {
    throw new InvalidRequestError({
      param: 'symbol',
      message: `Malformed symbol ${describeValue(symbol)}: expected QUOTE-BASE, e.g. KRW-BTC.`,
    })
  }
  return { symbol: upper, quote: match[1]!, base: match[2]! }
}

/**
 * Joins quote and base into a `QUOTE-BASE` market code. Throws `InvalidRequestError` when
 * `parts` is not an object with non-empty string `quote` and `base`.
 */
export function formatSymbol(parts: { quote: string; base: string }): string {
  const quote = (parts as { quote?: unknown } | null | undefined)?.quote
  const base = (parts as { base?: unknown } | null | undefined)?.base
  for (const [name, value] of [
    ['quote', quote],
    ['base', base],
  ] as const) {
    if (typeof value !== 'string' || value === '') {
      throw new InvalidRequestError({
        param: name,
        message: `formatSymbol needs a non-empty string ${name}, got ${describeValue(value)}.`,
      })
    }
  }
  return `${(quote as string).toUpperCase()}-${(base as string).toUpperCase()}`
}

/**
 * Compares two exact trade ids (decimal digit strings of any length) numerically: negative when
 * `a < b`, 0 when equal, positive when `a > b`. Non-numeric ids compare as text. Throws
 * `InvalidRequestError` when either is not a string.
 */
export function compareIds(a: string, b: string): number {
  if (typeof a !== 'string' || typeof b !== 'string') {
    const bad = typeof a !== 'string' ? a : b
    throw new InvalidRequestError({
      param: 'id',
      message: `compareIds compares id strings, got ${describeValue(bad)}.`,
    })
  }
  const x = significantStart(a)
  const y = significantStart(b)
  if (x >= 0 && y >= 0) {
    const lengths = a.length - x - (b.length - y)
    if (lengths !== 0) return lengths
    if (x === 0 && y === 0) return a < b ? -1 : a > b ? 1 : 0
    for (let i = 0; i < a.length - x; i++) {
      const d = a.charCodeAt(x + i) - b.charCodeAt(y + i)
      if (d !== 0) return d
    }
    return 0
  }
  return a < b ? -1 : a > b ? 1 : 0
}

// Index of the first significant digit of a digit string (its last digit when all are zeros);
// -1 when the text is empty or not all digits. No regex: this runs once per trade.
function significantStart(text: string): number {
  const n = text.length
  if (n === 0) return -1
  let start = -1
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return -1
    if (start === -1 && c !== 48) start = i
  }
  return start === -1 ? n - 1 : start
}
