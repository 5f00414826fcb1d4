import { describeValue, InvalidRequestError } from '@bb/errors'

/** An Upbit market code split into its parts. */
export interface UpbitSymbol {
  /** The code, upper-cased: `KRW-BTC`. */
  readonly symbol: string
  /** The quote asset: `KRW`. */
  readonly quote: string
  /** The base asset: `BTC`. */
  readonly base: string
}

const QUOTE_BASE = /^([A-Z0-9]{2,10})-([A-Z0-9]{1,15})$/

const UNIFIED = /^([A-Z0-9]{1,15})\/([A-Z0-9]{2,10})$/

/**
 * Splits an Upbit market code into quote and base: the native `QUOTE-BASE` code (e.g. `KRW-BTC`)
 * or the unified `BASE/QUOTE` symbol (`BTC/KRW`), which maps to the native code. Lower case is
 * accepted and upper-cased. Throws `InvalidRequestError` (param `symbol`) for anything else.
 */
export function parseUpbitSymbol(symbol: string): UpbitSymbol {
  // Longer text cannot match (at most 26 characters): refused before it is trimmed or copied.
  const upper = typeof symbol === 'string' && symbol.length <= 64 ? symbol.trim().toUpperCase() : ''
  const unified = UNIFIED.exec(upper)
  if (unified) return { symbol: `${unified[2]!}-${unified[1]!}`, quote: unified[2]!, base: unified[1]! }
  const match = QUOTE_BASE.exec(upper)
  if (!match) {
    throw new InvalidRequestError({
      param: 'symbol',
      exchange: 'upbit',
      message: `Malformed symbol ${describeValue(symbol)}: expected QUOTE-BASE (KRW-BTC) or BASE/QUOTE (BTC/KRW).`,
    })
  }
  return { symbol: upper, quote: match[1]!, base: match[2]! }
}

/** Joins quote and base into an Upbit `QUOTE-BASE` code; `InvalidRequestError` without both. */
export function formatUpbitSymbol(parts: { readonly quote: string; readonly base: string }): string {
  const quote = (parts as { quote?: unknown } | null | undefined)?.quote
  const base = (parts as { base?: unknown } | null | undefined)?.base
  for (const [name, value] of [
    ['quote', quote],
    ['base', base],
  ] as const) {
    if (typeof value !== 'string' || value === '') {
      throw new InvalidRequestError({
        param: name,
        exchange: 'upbit',
        message: `An Upbit market code needs a non-empty string ${name}, got ${describeValue(value)}.`,
      })
    }
  }
  return `${(quote as string).toUpperCase()}-${(base as string).toUpperCase()}`
}
