import { describeValue, InvalidRequestError } from '@bb/errors'

/** A unified symbol split into its parts. */
export interface ParsedSymbol {
  /** The unified symbol, upper-cased: `BTC/USDT`. */
  readonly symbol: string
  /** The base asset (bought and sold): `BTC`. */
  readonly base: string
  /** The quote asset (prices are in it): `USDT`. */
  readonly quote: string
}

const UNIFIED = /^([A-Z0-9]{1,20})\/([A-Z0-9]{1,20})$/

/**
 * True when a text is a unified `BASE/QUOTE` symbol (ccxt's convention: `BTC/USDT`), the form
 * every exchange's markets are also known by, next to each exchange's native id.
 *
 * @example
 * ```ts
 * import { isUnifiedSymbol } from '@bb/models'
 * isUnifiedSymbol('btc/usdt') // true
 * isUnifiedSymbol('BTCUSDT') // false: a native id
 * ```
 */
export function isUnifiedSymbol(symbol: unknown): symbol is string {
  return typeof symbol === 'string' && symbol.length <= 64 && UNIFIED.test(symbol.trim().toUpperCase())
}

/**
 * Splits a unified `BASE/QUOTE` symbol (e.g. `BTC/USDT`) into base and quote. Lower case is
 * accepted and upper-cased. Throws `InvalidRequestError` for anything else; an exchange's native
 * ids are split by its adapter's symbol rules.
 *
 * @example
 * ```ts
 * import { parseSymbol } from '@bb/models'
 * parseSymbol('btc/usdt') // { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT' }
 * ```
 */
export function parseSymbol(symbol: string): ParsedSymbol {
  // Longer text cannot match: refused before it is trimmed or copied.
  const upper = typeof symbol === 'string' && symbol.length <= 64 ? symbol.trim().toUpperCase() : ''
  const match = UNIFIED.exec(upper)
  if (!match) {
    throw new InvalidRequestError({
      param: 'symbol',
      message: `Malformed symbol ${describeValue(symbol)}: expected a unified BASE/QUOTE symbol, e.g. BTC/USDT.`,
    })
  }
  return { symbol: upper, base: match[1]!, quote: match[2]! }
}

/**
 * Joins base and quote into a unified `BASE/QUOTE` symbol. Throws `InvalidRequestError` when
 * `parts` is not an object with non-empty string `base` and `quote`.
 *
 * @example
 * ```ts
 * import { formatSymbol } from '@bb/models'
 * formatSymbol({ base: 'eth', quote: 'btc' }) // 'ETH/BTC'
 * ```
 */
export function formatSymbol(parts: { base: string; quote: string }): string {
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
  return `${(base as string).toUpperCase()}/${(quote as string).toUpperCase()}`
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
  // The common case (two ids of one feed): equal lengths, neither starting with 0. Then both
  // paths below come to the plain text order — digit strings without leading zeros of one
  // length order as text, and anything else compares as text — so neither id is scanned.
  if (a.length === b.length) {
    const ca = a.charCodeAt(0)
    const cb = b.charCodeAt(0)
    if (ca >= 49 && ca <= 57 && cb >= 49 && cb <= 57) return a < b ? -1 : a > b ? 1 : 0
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
