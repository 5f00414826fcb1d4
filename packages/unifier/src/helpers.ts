import { BackboneError, DataValidationError, describeValue } from '@bb/errors'
import type { CustomRuleHelpers, ExchangeAdapter, MarketSymbol } from '@bb/exchange-adapter'
import { CANDLE_INTERVALS, Decimal } from '@bb/models'
import { type CompiledContext, fail, type NormalizeHelpers } from './compile.js'
import { exactDecimal } from './fast-decimal.js'

const INTERVALS = new Set<string>(CANDLE_INTERVALS)
const SYMBOL_CACHE_LIMIT = 4096

// `yyyy-MM-ddTHH:mm:ss[.fraction][Z|±HH:mm]`; a malformed offset such as `+09:0` (§10.21) is padded.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{1,2})?)?$/

function offsetMinutes(offset: string): number {
  if (offset === 'Z') return 0
  const sign = offset.startsWith('-') ? -1 : 1
  const digits = offset.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = digits.length > 2 ? Number(digits.slice(2).padEnd(2, '0')) : 0
  return sign * (hours * 60 + minutes)
}

/** Parses a date-time text to ms UTC; `undefined` when it is not one. */
function parseDateTime(text: string, defaultOffset: string): number | undefined {
  const m = DATE_TIME.exec(text)
  if (m === null) return undefined
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'))
  const utc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms)
  const offset = m[8] ?? (defaultOffset === '+00:00' ? 'Z' : defaultOffset)
  const result = utc - offsetMinutes(offset) * 60_000
  return Number.isFinite(result) ? result : undefined
}

// '0' padding for the low eight digits of an id, by how many digits the low part lacks.
const PAD8 = ['', '0', '00', '000', '0000', '00000', '000000', '0000000']

/**
 * `String(n)` for a safe integer, faster for the ids of most feeds (2^31 … 2^53): V8 prints a
 * number beyond 2^31 through its general double-to-text path, two to three times the cost of
 * printing two small integers (the high digits and the low eight) and joining them. The result
 * is the same text (checked by a property test).
 */
export function safeIntegerText(n: number): string {
  if (n < 2_147_483_648) return String(n)
  // n / 1e8 is rounded, and may round up to the next integer when the low part is near 1e8.
  let high = Math.floor(n / 1e8)
  let low = n - high * 1e8
  if (low < 0) {
    high--
    low += 1e8
  }
  const text = String(low)
  return String(high) + PAD8[8 - text.length]! + text
}

/**
 * Creates the helper set compiled normalizers call. `strict` only changes what the unifier does
 * after a model is built (zod); the helpers check types, signs, ids and order in both modes.
 */
export function createHelpers(adapter: ExchangeAdapter): NormalizeHelpers {
  const symbols = new Map<string, MarketSymbol>()
  const zero = new Decimal(0)

  const decimal = (value: unknown, path: string, sign: string, optional: boolean, zeroIsMissing: boolean) => {
    if (value === undefined || value === null) {
      if (optional) return undefined
      return fail(path, 'a decimal', value, `Missing field "${path}": expected a decimal.`)
    }
    const d = exactDecimal(value)
    if (d === undefined) {
      const message =
        typeof value === 'number'
          ? Number.isFinite(value)
            ? `Invalid value at "${path}": ${value} has more digits than a double keeps; parse the raw text with parseExactJson.`
            : `Invalid value at "${path}": ${value} is not a finite number (a JSON number beyond the range of a double reads as Infinity).`
          : undefined
      return fail(path, 'a finite decimal (number or decimal text)', value, message)
    }
    const isZero = d.d[0] === 0
    if (isZero && zeroIsMissing) return undefined
    if (sign === 'positive' ? d.s < 0 || isZero : sign === 'nonNegative' && d.s < 0 && !isZero) {
      return fail(path, sign === 'positive' ? 'a decimal > 0' : 'a decimal >= 0', value)
    }
    return d
  }

  const id = (value: unknown, path: string, optional: boolean) => {
    if (typeof value === 'string') {
      if (value !== '') return value
    } else if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) return safeIntegerText(value)
      return fail(
        path,
        'an exact id',
        value,
        `Invalid id at "${path}": ${value} is beyond 2^53 and lost digits; parse the raw text with parseExactJson.`,
      )
    } else if (typeof value === 'bigint') return value.toString()
    else if ((value === undefined || value === null) && optional) return undefined
    return fail(path, 'an id (string or safe integer)', value)
  }

  const timestamp = (value: unknown, path: string, optional: boolean) => {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value) && value >= 0) return value
    } else if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value)
    else if ((value === undefined || value === null) && optional) return undefined
    return fail(path, 'a timestamp in ms (integer >= 0)', value)
  }

  const datetime = (value: unknown, path: string, defaultOffset: string, optional: boolean) => {
    if ((value === undefined || value === null) && optional) return undefined
    const ms = typeof value === 'string' ? parseDateTime(value, defaultOffset) : undefined
    return ms === undefined ? fail(path, 'an ISO-8601 date-time', value) : ms
  }

  const string = (value: unknown, path: string, optional: boolean) => {
    if (typeof value === 'string') return value
    if ((value === undefined || value === null) && optional) return undefined
    return fail(path, 'a string', value)
  }

  const boolean = (value: unknown, path: string, optional: boolean) => {
    if (typeof value === 'boolean') return value
    if ((value === undefined || value === null) && optional) return undefined
    return fail(path, 'a boolean', value)
  }

  const integer = (value: unknown, path: string, optional: boolean) => {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
    if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value)
    if ((value === undefined || value === null) && optional) return undefined
    return fail(path, 'an integer >= 0', value)
  }

  const enumValue = (
    value: unknown,
    path: string,
    table: Readonly<Record<string, string>>,
    optional: boolean,
  ) => {
    if ((value === undefined || value === null) && optional) return undefined
    const mapped = typeof value === 'string' || typeof value === 'number' ? table[String(value)] : undefined
    return mapped === undefined ? fail(path, `one of ${Object.keys(table).join(', ')}`, value) : mapped
  }

  const symbol = (value: unknown, path: string) => {
    if (typeof value !== 'string') return fail(path, 'a market code', value)
    let parts = symbols.get(value)
    if (parts === undefined) {
      try {
        // The native id keys requests and caches; the unified symbol is BASE/QUOTE as the
        // adapter's rules name the two assets (NORMALIZATION.md, "Symbols").
        const split = adapter.symbols.split(value)
        parts = {
          symbol: `${split.base}/${split.quote}`,
          marketId: split.symbol,
          base: split.base,
          quote: split.quote,
        }
      } catch {
        return fail(path, `a market code (${adapter.symbols.format})`, value)
      }
      if (symbols.size >= SYMBOL_CACHE_LIMIT) symbols.clear()
      symbols.set(value, parts)
    }
    return parts
  }

  const level = (price: unknown, size: unknown, pricePath: string, sizePath: string, optional: boolean) => {
    if (optional && (price === undefined || price === null || size === undefined || size === null))
      return undefined
    const p = decimal(price, pricePath, 'nonNegative', false, false)!
    if (p.d[0] === 0) return optional ? undefined : fail(pricePath, 'a decimal > 0', price)
    return { price: p, size: decimal(size, sizePath, 'nonNegative', false, false)! }
  }

  // A book level's price or size: decimal ≥ 0. The error path (and its field path text) is
  // built only on failure — building it for every level cost more than the level itself.
  const levelDecimal = (value: unknown, path: string, i: number, key: string): Decimal => {
    const d = exactDecimal(value)
    if (d !== undefined && (d.s > 0 || d.d[0] === 0)) return d
    return decimal(value, `${path}[${i}].${key}`, 'nonNegative', false, false)!
  }

  type LevelsReader = (units: unknown, path: string) => { price: Decimal; size: Decimal }[]
  // One loop per (price key, size key, side), generated once with the keys as literals: a loop
  // that reads `unit[priceKey]` with four different keys at one site pays a megamorphic lookup
  // for every field of every level.
  const readers = new Map<string, LevelsReader>()
  const compileLevels = (
    priceKey: string,
    sizeKey: string,
    descending: boolean,
    zeroIsPadding: boolean,
  ): LevelsReader => {
    const p = JSON.stringify(priceKey)
    const z = JSON.stringify(sizeKey)
    // The rule says whether a zero price pads a thin side ("no level", NORMALIZATION.md) or is bad data.
    const zeroCheck = zeroIsPadding
      ? 'if (price.d[0] === 0) continue'
      : `if (price.d[0] === 0) return fail(path + '[' + i + '].' + ${p}, 'a price > 0', rawPrice)`
    const body = `"use strict";
return function levels(units, path) {
  if (!Array.isArray(units)) return fail(path, 'an array of book units', units)
  const out = []
  let previous
  let previousRaw
  for (let i = 0; i < units.length; i++) {
    const unit = units[i]
    if (unit === null || typeof unit !== 'object') return fail(path + '[' + i + ']', 'a book unit object', unit)
    const rawPrice = unit[${p}]
    const price = levelDecimal(rawPrice, path, i, ${p})
    const size = levelDecimal(unit[${z}], path, i, ${z})
    ${zeroCheck}
    if (previous !== undefined) {
      // Two numbers that made exact Decimals (at most 15 digits) compare as doubles exactly.
      const order = typeof rawPrice === 'number' && typeof previousRaw === 'number' ? rawPrice - previousRaw : price.cmp(previous)
      if (${descending ? 'order >= 0' : 'order <= 0'}) {
        return fail(path + '[' + i + '].' + ${p}, ${JSON.stringify(`prices sorted ${descending ? 'descending' : 'ascending'} without duplicates`)}, rawPrice)
      }
    }
    previous = price
    previousRaw = rawPrice
    out.push({ price, size })
  }
  return out
}`
    return new Function('levelDecimal', 'fail', body)(levelDecimal, fail) as LevelsReader
  }

  // Called once per field map when it is compiled; the generated normalizer calls the reader.
  const levelsReader = (
    priceKey: string,
    sizeKey: string,
    descending: boolean,
    zeroIsPadding = false,
  ): LevelsReader => {
    const id = `${priceKey}\u0000${sizeKey}\u0000${descending}\u0000${zeroIsPadding}`
    let reader = readers.get(id)
    if (reader === undefined) {
      reader = compileLevels(priceKey, sizeKey, descending, zeroIsPadding)
      readers.set(id, reader)
    }
    return reader
  }

  const custom = (
    read: (raw: never, helpers: never, container: never) => unknown,
    raw: unknown,
    context: CompiledContext,
    field: string,
    container?: unknown,
  ) => {
    const customHelpers: CustomRuleHelpers = {
      decimal: (value, path) => decimal(value, path, 'any', false, false)!,
      id: (value, path) => id(value, path, false)!,
      timestamp: (value, path) => timestamp(value, path, false)!,
      datetime: (value, path, offset) => datetime(value, path, offset, false)!,
      symbol,
      exchange: adapter.id,
      source: context.source,
      receivedAt: context.receivedAt,
    }
    try {
      return read(raw as never, customHelpers as never, container as never)
    } catch (error) {
      if (BackboneError.isInstance(error)) throw error
      return fail(
        field,
        'a readable value',
        undefined,
        `Field "${field}" could not be read: ${error instanceof Error ? error.message : describeValue(error)}`,
      )
    }
  }

  const interval = (value: string | undefined, fallback: string | undefined) => {
    if (value !== undefined) {
      if (fallback !== undefined && fallback !== value) {
        return fail('interval', `interval ${fallback} (from the request)`, value)
      }
      return value
    }
    if (fallback !== undefined && INTERVALS.has(fallback)) return fallback
    return fail(
      'interval',
      'a candle interval',
      fallback,
      'The candle has no interval: pass { interval } in the normalize context.',
    )
  }

  const checkCandle = (candle: unknown) => {
    const c = candle as { open: Decimal; high: Decimal; low: Decimal; close: Decimal }
    if (c.high.lt(c.low)) fail('high', 'high >= low', c.high.toString())
    if (c.open.gt(c.high) || c.open.lt(c.low)) fail('open', 'open within [low, high]', c.open.toString())
    if (c.close.gt(c.high) || c.close.lt(c.low)) fail('close', 'close within [low, high]', c.close.toString())
  }

  const notObject = (raw: unknown): never => {
    throw new DataValidationError({
      path: '',
      expected: 'an object',
      received: raw,
      message: 'The payload is not an object.',
    })
  }

  return {
    zero,
    notObject,
    decimal,
    id,
    timestamp,
    datetime,
    string,
    boolean,
    integer,
    enumValue,
    symbol,
    level,
    levelsReader,
    custom,
    interval,
    checkCandle,
  } as NormalizeHelpers
}
