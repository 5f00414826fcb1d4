import { type BackboneError, DataValidationError } from '@bb/errors'
import {
  type ExchangeAdapter,
  type FieldMap,
  type FrameClass,
  MODEL_KINDS,
  type ModelKind,
  type ModelOf,
  type RawShape,
} from '@bb/exchange-adapter'
import {
  type CandleInterval,
  isCandleInterval,
  parseBalance,
  parseCandle,
  parseMarket,
  parseOrder,
  parseOrderbook,
  parseTicker,
  parseTrade,
  SOURCES,
  type Source,
} from '@bb/models'
import { badArgument } from './check.js'
import { type CompiledContext, type CompiledNormalizer, compileFieldMap } from './compile.js'
import { parseExactJson } from './exact-json.js'
import { createHelpers } from './helpers.js'

/** Validation level: `strict` runs every model through its zod schema; `fast` relies on the compiled checks. */
export type ValidationMode = 'strict' | 'fast'

/** Options of {@link createUnifier}. */
export interface UnifierOptions {
  /** `fast` (default): compiled type, sign, id and order checks only; `strict`: plus the zod model schema. */
  readonly validate?: ValidationMode
  /** The clock for `receivedAt` when the caller gives none; default `Date.now`. */
  readonly clock?: () => number
}

/** Context of {@link Unifier.normalize}. */
export interface NormalizeContext {
  /** Where the payload came from. */
  readonly source: Source
  /** Local receive time, ms UTC; default the unifier's clock. */
  readonly receivedAt?: number
  /** The raw shape (one the adapter declares); default its REST shape for `source: 'rest'`, otherwise detected by the frame classifier. */
  readonly shape?: RawShape
  /** The candle interval, for REST candles that do not carry it (seconds, days, weeks, months, years). */
  readonly interval?: CandleInterval
}

/** Context of {@link Unifier.normalizeFrame}. */
export interface FrameContext {
  /** Local receive time, ms UTC; default the unifier's clock. */
  readonly receivedAt?: number
  /** Where the frame came from; default `ws`. */
  readonly source?: Source
}

/** A data frame: every value it holds, of one kind. */
export type DataFrameResult = {
  [K in ModelKind]: {
    /** The model kind. */
    readonly kind: K
    /** The first value (most frames hold exactly one). */
    readonly value: ModelOf<K>
    /** Every value of the frame: list formats may hold several messages, an account message several balances. */
    readonly values: readonly ModelOf<K>[]
    /** The exchange's channel, e.g. `trade`, `candle.1m`. */
    readonly channel: string
    /** The wire format the frame was in: one of the adapter's `ws.formats.all`. */
    readonly format: string
  }
}[ModelKind]

/** What {@link Unifier.normalizeFrame} returns. */
export type FrameResult =
  | DataFrameResult
  | {
      /** A heartbeat reply such as `{"status":"UP"}`. */
      readonly kind: 'status'
      /** The status text. */
      readonly status: string
    }
  | {
      /** An error the exchange sent on the socket (it usually closes the socket next). */
      readonly kind: 'error'
      /** The mapped error. */
      readonly error: BackboneError
    }
  | {
      /** A list-subscriptions reply. */
      readonly kind: 'subscriptions'
      /** The live subscriptions. */
      readonly subscriptions: readonly { readonly channel: string; readonly symbols: readonly string[] }[]
    }
  | {
      /** A message with nothing to normalize: unknown type, or a container with no elements. */
      readonly kind: 'ignored'
      /** Why. */
      readonly reason: string
    }

/** The normalizers compiled from one adapter. */
export interface Unifier {
  /** The adapter the normalizers were compiled from. */
  readonly adapter: ExchangeAdapter
  /** The validation mode. */
  readonly validate: ValidationMode
  /**
   * Normalizes one raw payload (an object, or its JSON text — text is parsed exactly) to a model.
   * Throws `DataValidationError` naming the bad field.
   */
  normalize<K extends ModelKind>(kind: K, raw: unknown, context: NormalizeContext): ModelOf<K>
  /**
   * Normalizes a payload holding several values: a REST list body (array or its JSON text) or a
   * container (an account message holding many balances). Returns every model, in order.
   */
  normalizeAll<K extends ModelKind>(kind: K, raw: unknown, context: NormalizeContext): ModelOf<K>[]
  /**
   * Normalizes one WebSocket frame (`Buffer`, `Uint8Array` or text), detecting the format
   * (with the adapter's frame classifier) by itself. Throws `DataValidationError` for a bad
   * data frame; an exchange error frame is returned as `{ kind: 'error' }`.
   */
  normalizeFrame(frame: Uint8Array | string, context?: FrameContext): FrameResult
  /** Parses JSON text without losing digits (see `parseExactJson`). */
  parseJson(text: string): unknown
}

const PARSERS: Readonly<Record<ModelKind, (input: unknown) => unknown>> = {
  market: parseMarket,
  ticker: parseTicker,
  trade: parseTrade,
  orderbook: parseOrderbook,
  candle: parseCandle,
  balance: parseBalance,
  order: parseOrder,
}

interface Compiled {
  readonly run: CompiledNormalizer
  readonly each: string | undefined
}

const decoder = new TextDecoder('utf-8', { fatal: false })

function decode(frame: Uint8Array | string): string {
  if (typeof frame === 'string') return frame
  if (Buffer.isBuffer(frame)) return frame.toString('utf8')
  if (frame instanceof Uint8Array) return decoder.decode(frame)
  throw new DataValidationError({ path: '', expected: 'a Buffer or a string', received: typeof frame })
}

const KINDS = new Set<unknown>(MODEL_KINDS)
const SOURCE_SET = new Set<unknown>(SOURCES)

function checkKind(kind: unknown): void {
  if (!KINDS.has(kind)) badArgument('kind', `one of ${MODEL_KINDS.join(', ')}`, kind)
}

function checkReceivedAt(receivedAt: unknown): void {
  if (
    receivedAt !== undefined &&
    !(typeof receivedAt === 'number' && receivedAt >= 0 && Number.isFinite(receivedAt))
  )
    badArgument('receivedAt', 'a time in ms (a finite number >= 0)', receivedAt)
}

/** Checks a {@link NormalizeContext} given by the caller: `InvalidRequestError` naming the bad field. */
function checkContext(context: unknown, shapes: ReadonlySet<unknown>): void {
  if (context === null || typeof context !== 'object' || Array.isArray(context))
    badArgument('context', 'an object such as { source: "rest" }', context)
  const c = context as Record<string, unknown>
  if (!SOURCE_SET.has(c.source)) badArgument('source', `one of ${SOURCES.join(', ')}`, c.source)
  checkReceivedAt(c.receivedAt)
  if (c.shape !== undefined && !shapes.has(c.shape))
    badArgument('shape', `one of ${[...shapes].join(', ')}`, c.shape)
  if (c.interval !== undefined && !isCandleInterval(c.interval))
    badArgument('interval', 'a candle interval', c.interval)
}

function withPrefix(error: unknown, prefix: string): never {
  if (DataValidationError.isInstance(error) && prefix !== '') {
    const path = error.path === '' ? prefix : `${prefix}.${error.path}`
    throw new DataValidationError({
      path,
      ...(error.expected === undefined ? {} : { expected: error.expected }),
      message: error.shortMessage.replace(/"([^"]*)"/, `"${path}"`),
      details: { ...error.details },
      cause: error,
    })
  }
  throw error
}

/**
 * Compiles an adapter's field maps, once, into normalizers: one generated function per kind ×
 * raw shape (see README "How normalizers are compiled"). `fast` mode (default) checks types,
 * signs, exact ids, book order and candle ranges in the compiled code; `strict` also parses every
 * model with its `@bb/models` zod schema.
 *
 * @example
 * ```ts
 * import type { ExchangeAdapter } from '@bb/exchange-adapter'
 * import { createUnifier } from '@bb/unifier'
 * declare const adapter: ExchangeAdapter // from an exchange package
 * const unifier = createUnifier(adapter, { validate: 'strict' })
 * declare const frame: string // one WebSocket frame as received
 * const result = unifier.normalizeFrame(frame, { receivedAt: 1730336862100 })
 * if (result.kind === 'trade') result.value.id // exact, even beyond 2^53
 * ```
 */
export function createUnifier(adapter: ExchangeAdapter, options: UnifierOptions = {}): Unifier {
  if (adapter === null || typeof adapter !== 'object' || typeof adapter.fieldMaps !== 'object' || !adapter.ws)
    badArgument('adapter', 'an ExchangeAdapter (an exchange package exports one)', adapter)
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    badArgument('options', 'an object', options)
  if (options.validate !== undefined && options.validate !== 'fast' && options.validate !== 'strict')
    badArgument('validate', '"fast" or "strict"', options.validate)
  if (options.clock !== undefined && typeof options.clock !== 'function')
    badArgument('clock', 'a function returning ms', options.clock)
  const validate = options.validate ?? 'fast'
  const clock = options.clock ?? Date.now
  const declared = adapter.shapes
  if (
    declared === null ||
    typeof declared !== 'object' ||
    typeof declared.rest !== 'string' ||
    !Array.isArray(declared.ws) ||
    declared.ws.length === 0
  )
    badArgument('adapter', 'an ExchangeAdapter declaring its raw shapes ({ rest, ws })', adapter)
  const shapeList: readonly RawShape[] = [declared.rest, ...declared.ws]
  const shapeSet: ReadonlySet<unknown> = new Set<unknown>(shapeList)
  const listFormats = adapter.ws.formats?.lists ?? {}
  const helpers = createHelpers(adapter)
  // kind → shape → compiled normalizer, built once.
  const compiled: Record<string, Partial<Record<RawShape, Compiled>>> = Object.create(null)
  for (const kind of MODEL_KINDS) {
    const shapes = adapter.fieldMaps[kind] as Readonly<Partial<Record<RawShape, FieldMap>>> | undefined
    const byShape: Partial<Record<RawShape, Compiled>> = {}
    compiled[kind] = byShape
    if (!shapes) continue
    for (const shape of shapeList) {
      const map = shapes[shape]
      if (map) byShape[shape] = { run: compileFieldMap(adapter, kind, map, helpers), each: map.each }
    }
  }
  const strict = validate === 'strict'

  function get(kind: ModelKind, shape: RawShape): Compiled {
    const entry = compiled[kind]?.[shape]
    if (entry === undefined) {
      throw new DataValidationError({
        path: '',
        expected: `a raw shape ${adapter.name} sends ${kind} in`,
        received: shape,
        message: `${adapter.name} has no field map for ${kind} in the ${shape} shape.`,
      })
    }
    return entry
  }

  function finish(kind: ModelKind, value: unknown): unknown {
    return strict ? PARSERS[kind](value) : value
  }

  function runOne(
    kind: ModelKind,
    entry: Compiled,
    raw: unknown,
    ctx: CompiledContext,
    out: unknown[],
    prefix: string,
  ) {
    if (entry.each === undefined) {
      try {
        out.push(finish(kind, entry.run(raw, ctx)))
      } catch (error) {
        withPrefix(error, prefix)
      }
      return
    }
    // `each` may be a dotted path (`event.B`): the container is the object holding the array.
    let container: unknown = raw
    const path = entry.each.split('.')
    for (let i = 0; i < path.length - 1; i++)
      container =
        container !== null && typeof container === 'object'
          ? (container as Record<string, unknown>)[path[i] as string]
          : undefined
    const last = path[path.length - 1] as string
    const items =
      container !== null && typeof container === 'object'
        ? (container as Record<string, unknown>)[last]
        : undefined
    // A path to one object (a wrapped event): one model from it, the wrapper as its container.
    if (items !== null && typeof items === 'object' && !Array.isArray(items)) {
      try {
        out.push(finish(kind, entry.run(items, ctx, container)))
      } catch (error) {
        withPrefix(error, `${prefix === '' ? '' : `${prefix}.`}${entry.each}`)
      }
      return
    }
    if (!Array.isArray(items)) {
      throw new DataValidationError({
        path: `${prefix === '' ? '' : `${prefix}.`}${entry.each}`,
        expected: 'an array',
        received: items,
      })
    }
    for (let i = 0; i < items.length; i++) {
      try {
        out.push(finish(kind, entry.run(items[i], ctx, container)))
      } catch (error) {
        withPrefix(error, `${prefix === '' ? '' : `${prefix}.`}${entry.each}[${i}]`)
      }
    }
  }

  function shapeOf(raw: unknown, context: NormalizeContext): RawShape {
    if (context.shape !== undefined) return context.shape
    if (context.source === 'rest') return declared.rest
    const cls = adapter.ws.classify(raw)
    return cls.type === 'data' ? cls.shape : declared.ws[0]
  }

  function contextOf(context: NormalizeContext): CompiledContext {
    return { source: context.source, receivedAt: context.receivedAt ?? clock(), interval: context.interval }
  }

  function normalizeAll<K extends ModelKind>(kind: K, raw: unknown, context: NormalizeContext): ModelOf<K>[] {
    checkKind(kind)
    checkContext(context, shapeSet)
    const value = typeof raw === 'string' ? parseExactJson(raw) : raw
    const ctx = contextOf(context)
    const out: unknown[] = []
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++)
        runOne(kind, get(kind, shapeOf(value[i], context)), value[i], ctx, out, `[${i}]`)
    } else runOne(kind, get(kind, shapeOf(value, context)), value, ctx, out, '')
    return out as ModelOf<K>[]
  }

  function normalize<K extends ModelKind>(kind: K, raw: unknown, context: NormalizeContext): ModelOf<K> {
    checkKind(kind)
    checkContext(context, shapeSet)
    const value = typeof raw === 'string' ? parseExactJson(raw) : raw
    const entry = get(kind, shapeOf(value, context))
    const out: unknown[] = []
    runOne(kind, entry, value, contextOf(context), out, '')
    if (out.length !== 1) {
      throw new DataValidationError({
        path: entry.each ?? '',
        expected: 'exactly one value',
        received: out.length,
        message: `The payload holds ${out.length} ${kind} values: use normalizeAll.`,
      })
    }
    return out[0] as ModelOf<K>
  }

  function normalizeFrame(frame: Uint8Array | string, context: FrameContext = {}): FrameResult {
    if (context === null || typeof context !== 'object' || Array.isArray(context))
      badArgument('context', 'an object', context)
    checkReceivedAt(context.receivedAt)
    if (context.source !== undefined && !SOURCE_SET.has(context.source))
      badArgument('source', `one of ${SOURCES.join(', ')}`, context.source)
    const parsed = parseExactJson(decode(frame))
    const list = adapter.ws.isListFrame(parsed)
    if (!list) {
      // The common case, one message per frame: no intermediate arrays.
      const cls = adapter.ws.classify(parsed)
      if (cls.type === 'data') {
        const entry = get(cls.kind, cls.shape)
        if (entry.each === undefined) {
          const value = finish(
            cls.kind,
            entry.run(parsed, {
              source: context.source ?? 'ws',
              receivedAt: context.receivedAt ?? clock(),
              interval: undefined,
            }),
          )
          return {
            kind: cls.kind,
            value,
            values: [value],
            channel: cls.channel,
            format: cls.format,
          } as DataFrameResult
        }
      }
    }
    const messages = list ? (parsed as readonly unknown[]) : [parsed]
    const ctx: CompiledContext = {
      source: context.source ?? 'ws',
      receivedAt: context.receivedAt ?? clock(),
      interval: undefined,
    }
    let first: Extract<FrameClass, { type: 'data' }> | undefined
    const values: unknown[] = []
    for (let i = 0; i < messages.length; i++) {
      const cls = adapter.ws.classify(messages[i])
      if (cls.type !== 'data') {
        if (list && messages.length > 1) {
          throw new DataValidationError({ path: `[${i}]`, expected: 'a data message', received: cls.type })
        }
        switch (cls.type) {
          case 'status':
            return { kind: 'status', status: cls.status }
          case 'error':
            return { kind: 'error', error: adapter.ws.mapError(cls) }
          case 'subscriptions':
            return { kind: 'subscriptions', subscriptions: cls.subscriptions }
          default:
            return { kind: 'ignored', reason: 'unknown message type' }
        }
      }
      if (first === undefined) first = cls
      else if (cls.kind !== first.kind) {
        throw new DataValidationError({
          path: `[${i}]`,
          expected: `a ${first.kind} message like the rest of the frame`,
          received: cls.kind,
        })
      }
      runOne(cls.kind, get(cls.kind, cls.shape), messages[i], ctx, values, list ? `[${i}]` : '')
    }
    if (first === undefined || values.length === 0)
      return { kind: 'ignored', reason: 'no values in the frame' }
    const format = list ? (listFormats[first.format] ?? first.format) : first.format
    return { kind: first.kind, value: values[0], values, channel: first.channel, format } as DataFrameResult
  }

  return { adapter, validate, normalize, normalizeAll, normalizeFrame, parseJson: parseExactJson }
}
