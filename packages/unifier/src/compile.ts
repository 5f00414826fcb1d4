import { DataValidationError } from '@bb/errors'
import type {
  ExchangeAdapter,
  FieldMap,
  FieldRule,
  FieldSource,
  MarketSymbol,
  ModelKind,
} from '@bb/exchange-adapter'
import {
  BalanceSchema,
  CandleSchema,
  type Decimal,
  MarketSchema,
  OrderbookSnapshotSchema,
  OrderSchema,
  type Source,
  TickerSchema,
  TradeSchema,
} from '@bb/models'

/** How a decimal field is checked in `fast` mode: > 0, ≥ 0, or any sign. */
type Sign = 'positive' | 'nonNegative' | 'any'

// The sign rules of the model schemas (`PositiveDecimalSchema` …), checked cheaply in fast mode.
const POSITIVE: Readonly<Record<ModelKind, readonly string[]>> = {
  market: ['tickSize'],
  ticker: ['last', 'open', 'high', 'low', 'prevClose', 'high52w', 'low52w'],
  trade: ['price', 'size', 'prevClose'],
  orderbook: [],
  candle: ['open', 'high', 'low', 'close'],
  balance: [],
  order: [],
}
const SIGNED: Readonly<Record<ModelKind, readonly string[]>> = {
  market: [],
  ticker: ['changePrice', 'changeRate'],
  trade: [],
  orderbook: [],
  candle: [],
  balance: [],
  order: [],
}

/** The model schemas, to know which fields are optional. */
const SCHEMAS = {
  market: MarketSchema,
  ticker: TickerSchema,
  trade: TradeSchema,
  orderbook: OrderbookSnapshotSchema,
  candle: CandleSchema,
  balance: BalanceSchema,
  order: OrderSchema,
} as const

/** Fields with schema defaults, filled in fast mode exactly as zod fills them in strict mode. */
const DEFAULTS: Readonly<Record<ModelKind, Readonly<Record<string, string>>>> = {
  market: {},
  ticker: {},
  trade: {},
  orderbook: { level: 'H.zero' },
  candle: {},
  balance: {},
  order: {},
}

/** Per-call context a compiled normalizer receives. */
export interface CompiledContext {
  /** Where the payload came from. */
  readonly source: Source
  /** Local receive time, ms UTC. */
  readonly receivedAt: number
  /** The candle interval, when the payload does not carry it (REST day/week/... candles). */
  readonly interval?: string | undefined
}

/** A compiled normalizer: raw object (and its container, for `each` maps) → plain model object. */
export type CompiledNormalizer = (raw: unknown, context: CompiledContext, parent?: unknown) => unknown

function optionalKeys(kind: ModelKind): Set<string> {
  const schema = SCHEMAS[kind] as unknown as {
    unwrap(): { shape: Record<string, { isOptional(): boolean }> }
  }
  const shape = schema.unwrap().shape
  return new Set(Object.keys(shape).filter((key) => shape[key]!.isOptional()))
}

const q = (value: string): string => JSON.stringify(value)

/** Generated expression reading a source: `raw["a"] ?? raw["b"]`, `^key` reading the container. */
function readExpr(source: FieldSource): string {
  const keys = typeof source === 'string' ? [source] : source
  return keys
    .map((key) =>
      key.startsWith('^') ? `(parent == null ? undefined : parent[${q(key.slice(1))}])` : `raw[${q(key)}]`,
    )
    .join(' ?? ')
}

function pathOf(source: FieldSource): string {
  const key = typeof source === 'string' ? source : (source[0] ?? '')
  return key.startsWith('^') ? key.slice(1) : key
}

function signOf(kind: ModelKind, field: string): Sign {
  if (POSITIVE[kind].includes(field)) return 'positive'
  if (SIGNED[kind].includes(field)) return 'any'
  return 'nonNegative'
}

/**
 * Compiles one field map into a normalizer. The map is walked once, here: it becomes the source
 * of one straight-line function (`new Function`) that reads each raw key directly and builds the
 * model in one object literal, so every model of a kind has the same hidden class and no
 * per-message work depends on the map. Rules that are code (`custom`, enum tables) are passed in
 * as constants.
 */
export function compileFieldMap(
  adapter: ExchangeAdapter,
  kind: ModelKind,
  map: FieldMap,
  helpers: NormalizeHelpers,
): CompiledNormalizer {
  const optional = optionalKeys(kind)
  const constants: unknown[] = []
  const constant = (value: unknown): string => {
    constants.push(value)
    return `C[${constants.length - 1}]`
  }
  const lines: string[] = [
    `if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) H.notObject(raw)`,
  ]
  const required: string[] = []
  const optionals: string[] = []
  let hasSymbol = false
  let hasTimestamp = false
  let hasInterval = false
  const fields = map.fields as Readonly<Record<string, FieldRule | undefined>>
  for (const [field, rule] of Object.entries(fields)) {
    if (rule === undefined) continue
    const v = `f_${field}`
    const isOptional =
      optional.has(field) ||
      ('optional' in rule && rule.optional === true) ||
      ('zeroIsMissing' in rule && rule.zeroIsMissing === true)
    const opt = isOptional ? 'true' : 'false'
    let expr: string
    switch (rule.type) {
      case 'decimal':
        expr = `H.decimal(${readExpr(rule.from)}, ${q(pathOf(rule.from))}, ${q(signOf(kind, field))}, ${opt}, ${rule.zeroIsMissing === true})`
        break
      case 'id':
        expr = `H.id(${readExpr(rule.from)}, ${q(pathOf(rule.from))}, ${opt})`
        break
      case 'timestamp':
        expr = `H.timestamp(${readExpr(rule.from)}, ${q(pathOf(rule.from))}, ${opt})`
        break
      case 'datetime':
        expr = `H.datetime(${readExpr(rule.from)}, ${q(pathOf(rule.from))}, ${q(rule.defaultOffset)}, ${opt})`
        break
      case 'string':
        expr = `H.string(${readExpr(rule.from)}, ${q(pathOf(rule.from))}, ${opt})`
        break
      case 'boolean':
        expr = `H.boolean(${readExpr(rule.from)}, ${q(pathOf(rule.from))}, ${opt})`
        break
      case 'integer':
        expr = `H.integer(${readExpr(rule.from)}, ${q(pathOf(rule.from))}, ${opt})`
        break
      case 'enum': {
        const table: Record<string, string> = Object.create(null)
        Object.assign(table, rule.values)
        expr = `H.enumValue(${readExpr(rule.from)}, ${q(pathOf(rule.from))}, ${constant(table)}, ${opt})`
        break
      }
      case 'symbol':
        hasSymbol = true
        expr = `H.symbol(${readExpr(rule.from)}, ${q(pathOf(rule.from))})`
        break
      case 'const':
        expr = constant(rule.value)
        break
      case 'level':
        expr = `H.level(${readExpr(rule.price)}, ${readExpr(rule.size)}, ${q(pathOf(rule.price))}, ${q(pathOf(rule.size))}, ${opt})`
        break
      case 'levels':
        expr = `${constant(helpers.levelsReader(rule.price, rule.size, field === 'bids', rule.zeroPriceIsPadding === true))}(${readExpr(rule.from)}, ${q(pathOf(rule.from))})`
        break
      case 'custom':
        expr = `H.custom(${constant(rule.read)}, raw, ctx, ${q(field)}, parent)`
        // A custom `symbol` returns the market code (e.g. read from a nested object): it is split
        // by the adapter's symbol rules like a `symbol` rule's value.
        if (field === 'symbol') {
          hasSymbol = true
          expr = `H.symbol(${expr}, 'symbol')`
        }
        break
      default:
        throw new TypeError(
          `Unknown field rule ${JSON.stringify((rule as { type: unknown }).type)} for ${kind}.${field}`,
        )
    }
    if (field === 'symbol') {
      lines.push(`const s = ${expr}`)
      continue
    }
    if (field === 'timestamp') hasTimestamp = true
    if (field === 'interval') {
      hasInterval = true
      lines.push(`const ${v} = H.interval(${expr}, ctx.interval)`)
      required.push(field)
      continue
    }
    lines.push(`const ${v} = ${expr}`)
    if (isOptional && !(field in DEFAULTS[kind])) optionals.push(field)
    else if (field in DEFAULTS[kind]) {
      lines.push(`const d_${field} = ${v} === undefined ? ${DEFAULTS[kind][field]} : ${v}`)
      required.push(field)
    } else required.push(field)
  }
  if (kind === 'candle' && !hasInterval) {
    lines.push('const f_interval = H.interval(undefined, ctx.interval)')
    required.push('interval')
  }
  for (const [field, value] of Object.entries(DEFAULTS[kind])) {
    if (fields[field] === undefined) {
      lines.push(`const d_${field} = ${value}`)
      required.push(field)
    }
  }
  const props: string[] = [`exchange: ${q(adapter.id)}`]
  if (hasSymbol) props.push('symbol: s.symbol', 'marketId: s.marketId', 'base: s.base', 'quote: s.quote')
  props.push(
    `timestamp: ${hasTimestamp ? 'f_timestamp' : 'ctx.receivedAt'}`,
    'receivedAt: ctx.receivedAt',
    'source: ctx.source',
  )
  for (const field of required) {
    if (field === 'timestamp') continue
    props.push(`${field}: ${field in DEFAULTS[kind] ? `d_${field}` : `f_${field}`}`)
  }
  lines.push(`const o = { ${props.join(', ')} }`)
  for (const field of optionals) lines.push(`if (f_${field} !== undefined) o.${field} = f_${field}`)
  if (kind === 'candle') lines.push('H.checkCandle(o)')
  lines.push('return o')
  const body = `"use strict";\nreturn function normalize_${kind}(raw, ctx, parent) {\n  ${lines.join('\n  ')}\n}`
  const factory = new Function('H', 'C', body) as (h: NormalizeHelpers, c: unknown[]) => CompiledNormalizer
  return factory(helpers, constants)
}

/** The helpers generated normalizers call; one instance per unifier. */
export interface NormalizeHelpers {
  readonly zero: Decimal
  notObject(raw: unknown): never
  decimal(
    value: unknown,
    path: string,
    sign: Sign,
    optional: boolean,
    zeroIsMissing: boolean,
  ): Decimal | undefined
  id(value: unknown, path: string, optional: boolean): string | undefined
  timestamp(value: unknown, path: string, optional: boolean): number | undefined
  datetime(value: unknown, path: string, defaultOffset: string, optional: boolean): number | undefined
  string(value: unknown, path: string, optional: boolean): string | undefined
  boolean(value: unknown, path: string, optional: boolean): boolean | undefined
  integer(value: unknown, path: string, optional: boolean): number | undefined
  enumValue(
    value: unknown,
    path: string,
    table: Readonly<Record<string, string>>,
    optional: boolean,
  ): string | undefined
  symbol(value: unknown, path: string): MarketSymbol
  level(price: unknown, size: unknown, pricePath: string, sizePath: string, optional: boolean): unknown
  /** The book-side reader for one (price key, size key, side), generated once and shared. */
  levelsReader(
    priceKey: string,
    sizeKey: string,
    descending: boolean,
    zeroIsPadding?: boolean,
  ): (units: unknown, path: string) => unknown
  custom(
    read: (raw: never, helpers: never, container: never) => unknown,
    raw: unknown,
    context: CompiledContext,
    field: string,
    container?: unknown,
  ): unknown
  interval(value: string | undefined, fallback: string | undefined): string
  checkCandle(candle: unknown): void
}

/** Throws the `DataValidationError` every reader uses. */
export function fail(path: string, expected: string, received: unknown, message?: string): never {
  throw new DataValidationError({
    path,
    expected,
    received,
    message: message ?? `Invalid value at "${path}": expected ${expected}.`,
  })
}
