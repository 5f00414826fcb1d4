import { DataValidationError } from '@bb/errors'

// A number token with 16 or more digit/dot characters right after `:`, `,` or `[`: it may hold
// more significant digits than a double keeps (Upbit `sequential_id` > 2^53, private WS
// amounts such as 1386929.37231066771348207123, long `acc_trade_price` values). Shorter tokens
// have at most 15 significant digits, which a double round-trips exactly through `String(n)`.
const LONG_NUMBER = /([:,[]\s*)(-?\d[\d.]{15,}(?:[eE][+-]?\d+)?)/g

function quoteLongNumbers(text: string): string | undefined {
  LONG_NUMBER.lastIndex = 0
  let match = LONG_NUMBER.exec(text)
  if (match === null) return undefined
  let out = ''
  let last = 0
  do {
    const start = match.index + match[1]!.length
    const token = match[2]!
    out += `${text.slice(last, start)}"${token}"`
    last = start + token.length
    match = LONG_NUMBER.exec(text)
  } while (match !== null)
  return out + text.slice(last)
}

// The careful path: walks the text, skipping strings, and quotes every long number token. Used
// only when the regex pass produced invalid JSON (a long digit run after `:` inside a string).
function quoteLongNumbersCarefully(text: string): string {
  let out = ''
  let last = 0
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 34 /* " */) {
      i++
      while (i < n) {
        const d = text.charCodeAt(i)
        if (d === 92 /* \ */) i += 2
        else if (d === 34) break
        else i++
      }
      i++
      continue
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i
      i++
      while (i < n) {
        const d = text.charCodeAt(i)
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) i++
        else break
      }
      let digits = 0
      for (let j = start; j < i; j++) {
        const d = text.charCodeAt(j)
        if (d === 101 || d === 69) break
        if (d >= 48 && d <= 57) digits++
      }
      if (digits >= 16) {
        out += `${text.slice(last, start)}"${text.slice(start, i)}"`
        last = i
      }
      continue
    }
    i++
  }
  return out + text.slice(last)
}

function invalidJson(text: string, cause: unknown): DataValidationError {
  return new DataValidationError({
    path: '',
    expected: 'JSON',
    received: text.length > 80 ? `${text.slice(0, 77)}...` : text,
    message: 'The payload is not valid JSON.',
    cause,
  })
}

/**
 * Parses JSON without losing digits: number tokens that may hold more significant digits than a
 * double (16 or more digits) are turned into strings before `JSON.parse`, so ids beyond 2^53 and
 * long decimals come out as exact text; shorter numbers stay numbers (a double keeps up to 15
 * significant digits exactly). Invalid JSON throws `DataValidationError`.
 *
 * @example
 * ```ts
 * import { parseExactJson } from '@bb/unifier'
 * parseExactJson('{"sid":17877285547970001,"p":0.1}') // { sid: '17877285547970001', p: 0.1 }
 * ```
 */
export function parseExactJson(text: string): unknown {
  const quoted = quoteLongNumbers(text)
  try {
    return JSON.parse(quoted ?? text)
  } catch (error) {
    if (quoted === undefined) throw invalidJson(text, error)
  }
  try {
    return JSON.parse(quoteLongNumbersCarefully(text))
  } catch (error) {
    throw invalidJson(text, error)
  }
}
