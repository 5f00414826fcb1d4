import { InvalidRequestError } from '@bb/errors'

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
  const upper = typeof symbol === 'string' ? symbol.trim().toUpperCase() : ''
  const match = QUOTE_BASE.exec(upper)
  if (!match) {
    throw new InvalidRequestError({
      param: 'symbol',
      message: `Malformed symbol ${JSON.stringify(symbol)}: expected QUOTE-BASE, e.g. KRW-BTC.`,
    })
  }
  return { symbol: upper, quote: match[1]!, base: match[2]! }
}

/** Joins quote and base into a `QUOTE-BASE` market code. */
export function formatSymbol(parts: { quote: string; base: string }): string {
  return `${parts.quote.toUpperCase()}-${parts.base.toUpperCase()}`
}

/**
 * Compares two exact trade ids (decimal digit strings of any length) numerically: negative when
 * `a < b`, 0 when equal, positive when `a > b`. Non-numeric ids compare as text.
 */
export function compareIds(a: string, b: string): number {
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
