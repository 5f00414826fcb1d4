import { DataValidationError } from '@bb/errors'

// A number token with 16 or more digit/dot characters right after `:`, `,` or `[`: it may hold
// more significant digits than a double keeps (trade ids beyond 2^53, private WS
// amounts such as 1386929.37231066771348207123, long `acc_trade_price` values). Shorter tokens
// have at most 15 significant digits, which a double round-trips exactly through `String(n)`.
const LONG = 16

// 0-9 or `.`
const isRunChar = (c: number): boolean => (c >= 48 && c <= 57) || c === 46

// Spans [start, end) of the long number tokens of the text being parsed, filled by
// `findLongNumbers`; reused across calls (parsing is synchronous).
const spans: number[] = []

/**
 * Finds every long number token (see {@link LONG}) and returns how many, their spans in `spans`.
 * A run of 16 or more digit/dot characters covers one index of every residue modulo 16, so the
 * text is probed only at every 16th character and a run is measured only where a probe lands in
 * one: about a sixteenth of the reads of a full scan (a regex pass cost a fifth of a trade
 * frame's normalization). The token must follow `:`, `,` or `[` (whitespace allowed), as a
 * number token does; a long run inside a string that follows a colon is found too, which the
 * callers detect (quoting it makes the JSON invalid and leads to the careful path).
 */
function findLongNumbers(text: string): number {
  const n = text.length
  let count = 0
  let probe = LONG - 1
  while (probe < n) {
    if (!isRunChar(text.charCodeAt(probe))) {
      probe += LONG
      continue
    }
    // A run of 16 or more that holds the probe also holds the character 8 before or 8 after it.
    if (!isRunChar(text.charCodeAt(probe - 8)) && !isRunChar(text.charCodeAt(probe + 8))) {
      probe += LONG
      continue
    }
    let start = probe
    while (start > 0 && isRunChar(text.charCodeAt(start - 1))) start--
    // A run of 16 or more also holds start + 15: most short numbers stop here.
    if (!isRunChar(text.charCodeAt(start + LONG - 1))) {
      probe += LONG
      continue
    }
    let end = probe + 1
    while (end < n && isRunChar(text.charCodeAt(end))) end++
    // The next probe is the first one past this run (same residue).
    while (probe < end) probe += LONG
    if (end - start < LONG) continue
    const first = text.charCodeAt(start)
    if (first < 48 || first > 57) continue
    let tokenStart = start
    if (start > 0 && text.charCodeAt(start - 1) === 45 /* - */) tokenStart--
    let j = tokenStart - 1
    let c = text.charCodeAt(j)
    while (c === 32 || c === 9 || c === 10 || c === 13) c = text.charCodeAt(--j)
    if (c !== 58 /* : */ && c !== 44 /* , */ && c !== 91 /* [ */) continue
    // An exponent: [eE][+-]?digits
    const runEnd = end
    c = text.charCodeAt(end)
    if (c === 101 || c === 69) {
      let k = end + 1
      c = text.charCodeAt(k)
      if (c === 43 || c === 45) c = text.charCodeAt(++k)
      if (c >= 48 && c <= 57) {
        k++
        for (c = text.charCodeAt(k); c >= 48 && c <= 57; c = text.charCodeAt(k)) k++
        end = k
        while (probe < end) probe += LONG
      }
    }
    if (!keptAsText(text, start, runEnd, end !== runEnd)) continue
    spans[2 * count] = tokenStart
    spans[2 * count + 1] = end
    count++
  }
  return count
}

/**
 * The one rule of which number tokens become text, applied by both paths so that a field's
 * result depends on its own token only: a mantissa (the digit/dot run `[start, runEnd)` after
 * the sign) of 16 or more characters, unless it is a plain decimal (a dot, so no id; no
 * exponent, so no overflow) of at most 15 significant digits, such as 100571000.00000000, which
 * a double holds exactly.
 */
function keptAsText(text: string, start: number, runEnd: number, exponent: boolean): boolean {
  if (runEnd - start < LONG) return false
  return exponent || plainDecimalDigits(text, start, runEnd) > 15
}

/**
 * Significant digits of the digit/dot run [start, end) when it holds a dot; `Infinity` for an
 * integer run (a long integer may be an id, and ids stay text whatever their digits).
 */
function plainDecimalDigits(text: string, start: number, end: number): number {
  let dot = -1
  let first = -1
  let last = -1
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 46) dot = i
    else if (c !== 48) {
      if (first === -1) first = i
      last = i
    }
  }
  if (dot === -1) return Number.POSITIVE_INFINITY
  if (first === -1) return 0
  return last - first + 1 - (first < dot && dot < last ? 1 : 0)
}

/** The text with the `count` long tokens in `spans` quoted. */
function quoteSpans(text: string, count: number): string {
  let out = ''
  let last = 0
  for (let i = 0; i < count; i++) {
    const start = spans[2 * i]!
    const end = spans[2 * i + 1]!
    out += `${text.slice(last, start)}"${text.slice(start, end)}"`
    last = end
  }
  return out + text.slice(last)
}

// The careful path: walks the text, skipping strings, and quotes the number tokens `keptAsText`
// selects — the same rule as the fast path. Used only when the fast pass produced invalid JSON
// (a long digit run after `:` inside a string).
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
      const mantissa = c === 45 ? start + 1 : start
      let runEnd = mantissa
      while (runEnd < i && isRunChar(text.charCodeAt(runEnd))) runEnd++
      const e = text.charCodeAt(runEnd)
      if (keptAsText(text, mantissa, runEnd, e === 101 || e === 69)) {
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
 * significant digits exactly). Which tokens become text depends on each token alone: a
 * mantissa of 16 or more digit/dot characters, unless it is a plain decimal (a dot, no exponent)
 * of at most 15 significant digits. Invalid JSON, and anything but a string, throws
 * `DataValidationError`. Linear in the length of the text.
 *
 * @example
 * ```ts
 * import { parseExactJson } from '@bb/unifier'
 * parseExactJson('{"sid":17877285547970001,"p":0.1}') // { sid: '17877285547970001', p: 0.1 }
 * ```
 */
export function parseExactJson(text: string): unknown {
  if (typeof text !== 'string') {
    throw new DataValidationError({
      path: '',
      expected: 'JSON text (a string)',
      received: typeof text === 'object' && text !== null ? Object.prototype.toString.call(text) : text,
      message: `parseExactJson reads JSON text, got ${typeof text}.`,
    })
  }
  const count = findLongNumbers(text)
  if (count === 0) {
    try {
      return JSON.parse(text)
    } catch (error) {
      throw invalidJson(text, error)
    }
  }
  try {
    return JSON.parse(quoteSpans(text, count))
  } catch {
    // A long digit run inside a string: quoted, it broke the JSON.
  }
  try {
    return JSON.parse(quoteLongNumbersCarefully(text))
  } catch (error) {
    throw invalidJson(text, error)
  }
}
