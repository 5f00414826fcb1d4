import { randomUUID } from 'node:crypto'
import { InvalidRequestError } from '@bb/errors'
import type {
  FrameClass,
  HeartbeatPolicy,
  ModelKind,
  StreamRequest,
  SubscriptionMessage,
  SubscriptionOptions,
  WsEndpoint,
  WsLimits,
} from '@bb/exchange-adapter'
import { UPBIT_WS_CANDLE_INTERVALS, upbitCandleType } from './intervals.js'
import { parseUpbitSymbol } from './symbol.js'

/** Upbit's WebSocket wire formats; `DEFAULT` when none is sent (§10.11). */
export const UPBIT_WS_FORMATS = ['DEFAULT', 'SIMPLE', 'JSON_LIST', 'SIMPLE_LIST'] as const

/** Orderbook depths a subscription can request with a `.N` code suffix (default 30). */
export const UPBIT_WS_DEPTHS = [1, 5, 15, 30] as const

/**
 * Upbit's keep-alive: send the text `PING` (the server then answers `{"status":"UP"}` about every
 * 10 s) well inside the idle timeout, which is 120 s in the docs but ~60 s on the wire (§10.1).
 */
export const UPBIT_HEARTBEAT: HeartbeatPolicy = {
  pingText: 'PING',
  pingIntervalMs: 25_000,
  idleTimeoutMs: 60_000,
  statusIntervalMs: 10_000,
  deadAfterMs: 45_000,
  protocolPings: true,
}

/** Client-side WS limits: 5 connects/s; 5 messages/s and 100/min per connection (§2.1). */
export const UPBIT_WS_LIMITS: WsLimits = {
  connect: [{ limit: 5, intervalMs: 1000 }],
  messages: [
    { limit: 5, intervalMs: 1000 },
    { limit: 100, intervalMs: 60_000 },
  ],
}

const PRIVATE_KINDS = new Set<StreamRequest['kind']>(['order', 'balance'])

/** The connection family of a stream kind: `order` and `balance` are private. */
export function upbitEndpointFor(kind: StreamRequest['kind']): WsEndpoint {
  return PRIVATE_KINDS.has(kind) ? 'private' : 'public'
}

const invalid = (param: string, message: string) =>
  new InvalidRequestError({ param, exchange: 'upbit', channel: 'ws', message })

function typeOf(stream: StreamRequest): string {
  switch (stream.kind) {
    case 'ticker':
    case 'trade':
    case 'orderbook':
      return stream.kind
    case 'candle':
      if (stream.interval === undefined) throw invalid('interval', 'A candle stream needs an interval.')
      return upbitCandleType(stream.interval)
    case 'order':
      return 'myOrder'
    case 'balance':
      return 'myAsset'
    default:
      throw invalid('kind', `Unknown stream kind ${JSON.stringify((stream as { kind: unknown }).kind)}.`)
  }
}

function code(symbol: string, stream: StreamRequest): string {
  let upper: string
  try {
    // WS codes must be upper case: lower case is silently ignored by the server.
    upper = parseUpbitSymbol(symbol).symbol
  } catch {
    throw invalid(
      'symbols',
      `Malformed market code ${JSON.stringify(symbol)}: expected QUOTE-BASE, e.g. KRW-BTC.`,
    )
  }
  if (stream.kind !== 'orderbook' || stream.depth === undefined || stream.depth === 30) return upper
  if (!(UPBIT_WS_DEPTHS as readonly number[]).includes(stream.depth)) {
    // Unsupported depths silently become 30 on the wire: refuse them here instead.
    throw invalid(
      'depth',
      `Orderbook depth must be one of ${UPBIT_WS_DEPTHS.join(', ')} (got ${stream.depth}).`,
    )
  }
  return `${upper}.${stream.depth}`
}

interface TypeObject {
  type: string
  codes?: string[]
  level?: number
  is_only_snapshot?: boolean
  is_only_realtime?: boolean
}

/**
 * Builds the one request frame that sets the **whole** subscription set of a connection: Upbit
 * replaces the previous set on every request, so a client always sends every live stream.
 * Streams of the same type and options are merged into one type object (codes de-duplicated, the
 * last depth of a code wins); orderbook depths become `.N` code suffixes; candle intervals become
 * `candle.<unit>` types. Public and private streams cannot share a connection.
 *
 * @example
 * ```ts
 * import { upbit } from '@bb/upbit'
 * const { text, endpoint } = upbit.ws.buildSubscription({
 *   ticket: 't1',
 *   format: 'SIMPLE',
 *   streams: [
 *     { kind: 'trade', symbols: ['KRW-BTC', 'KRW-ETH'] },
 *     { kind: 'orderbook', symbols: ['KRW-BTC'], depth: 15 },
 *   ],
 * })
 * // endpoint 'public'; text:
 * // [{"ticket":"t1"},{"type":"trade","codes":["KRW-BTC","KRW-ETH"]},{"type":"orderbook","codes":["KRW-BTC.15"]},{"format":"SIMPLE"}]
 * ```
 */
export function buildUpbitSubscription(options: SubscriptionOptions): SubscriptionMessage {
  const { streams } = options
  if (!Array.isArray(streams) || streams.length === 0) {
    throw invalid(
      'streams',
      'A subscription set needs at least one stream (to drop every stream, close the connection).',
    )
  }
  const format = options.format ?? 'DEFAULT'
  if (!(UPBIT_WS_FORMATS as readonly string[]).includes(format)) {
    throw invalid('format', `Unknown format ${JSON.stringify(format)}: use ${UPBIT_WS_FORMATS.join(', ')}.`)
  }
  const endpoint = upbitEndpointFor(streams[0]!.kind)
  const groups = new Map<string, { object: TypeObject; codes: Map<string, string> | undefined }>()
  for (const stream of streams) {
    if (upbitEndpointFor(stream.kind) !== endpoint) {
      throw invalid('streams', 'Public and private streams need separate connections (see ws.endpointFor).')
    }
    const type = typeOf(stream)
    const object: TypeObject = { type }
    if (stream.level !== undefined) {
      if (stream.kind !== 'orderbook') throw invalid('level', '"level" applies to orderbook streams only.')
      if (!Number.isFinite(stream.level) || stream.level < 0)
        throw invalid('level', '"level" must be a number >= 0.')
      object.level = stream.level
    }
    const mode = stream.mode ?? 'both'
    if (mode !== 'both') {
      if (PRIVATE_KINDS.has(stream.kind)) throw invalid('mode', `${type} streams are realtime only.`)
      if (mode === 'snapshot') object.is_only_snapshot = true
      else if (mode === 'realtime') object.is_only_realtime = true
      else throw invalid('mode', '"mode" must be both, snapshot or realtime.')
    }
    const key = JSON.stringify(object)
    let group = groups.get(key)
    if (stream.kind === 'balance') {
      if (stream.symbols !== undefined && stream.symbols.length > 0) {
        throw invalid('symbols', 'myAsset takes no market codes (Upbit answers WRONG_FORMAT).')
      }
      if (!group) groups.set(key, { object, codes: undefined })
      continue
    }
    const symbols = stream.symbols ?? []
    if (symbols.length === 0 && stream.kind !== 'order')
      throw invalid('symbols', `A ${type} stream needs market codes.`)
    if (!group) {
      group = { object, codes: new Map() }
      groups.set(key, group)
    }
    for (const symbol of symbols) {
      const wire = code(symbol, stream)
      const base = wire.split('.', 1)[0]!
      group.codes!.set(base, wire)
    }
  }
  const ticket = options.ticket ?? randomUUID()
  const payload: unknown[] = [{ ticket }]
  for (const { object, codes } of groups.values()) {
    const entry: TypeObject = { type: object.type }
    if (codes !== undefined && (codes.size > 0 || object.type !== 'myOrder'))
      entry.codes = [...codes.values()]
    if (object.level !== undefined) entry.level = object.level
    if (object.is_only_snapshot) entry.is_only_snapshot = true
    if (object.is_only_realtime) entry.is_only_realtime = true
    payload.push(entry)
  }
  payload.push({ format })
  return { endpoint, text: JSON.stringify(payload), payload }
}

/** Builds Upbit's `LIST_SUBSCRIPTIONS` request (it counts against the message limit). */
export function buildUpbitListSubscriptions(
  options: { readonly ticket?: string; readonly format?: string } = {},
): string {
  const payload: unknown[] = [{ ticket: options.ticket ?? randomUUID() }, { method: 'LIST_SUBSCRIPTIONS' }]
  // The format object changes the format of the whole connection: send it only to keep the current one.
  if (options.format !== undefined) payload.push({ format: options.format })
  return JSON.stringify(payload)
}

const CHANNEL_KINDS: Readonly<Record<string, ModelKind>> = {
  ticker: 'ticker',
  trade: 'trade',
  orderbook: 'orderbook',
  myOrder: 'order',
  myAsset: 'balance',
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/**
 * A server value as text: strings as they are, numbers and booleans printed; objects, arrays,
 * null and undefined (which `String` would turn into `[object Object]`, or throw on) give
 * `undefined`.
 */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  return undefined
}

/** Infers the kind of a frame without `type` (2018-era frames used `market`/`mk` only, §7.4). */
function inferLegacy(m: Record<string, unknown>): FrameClass {
  const simple = 'mk' in m || 'tp' in m || 'obu' in m || 'cdttmu' in m
  const shape = simple ? 'wsSimple' : 'ws'
  const format = simple ? 'SIMPLE' : 'DEFAULT'
  const symbol = str(m.mk) ?? str(m.market) ?? str(m.cd) ?? str(m.code)
  const kind: ModelKind | undefined =
    'sequential_id' in m || 'sid' in m
      ? 'trade'
      : 'orderbook_units' in m || 'obu' in m
        ? 'orderbook'
        : 'acc_trade_price_24h' in m || 'atp24h' in m
          ? 'ticker'
          : undefined
  if (kind === undefined) return { type: 'unknown' }
  return symbol === undefined
    ? { type: 'data', kind, shape, format, channel: kind }
    : { type: 'data', kind, shape, format, channel: kind, symbol }
}

/**
 * Classifies one parsed Upbit WS message: data (kind, DEFAULT or SIMPLE shape, channel, code),
 * `{"status":"UP"}`, an error object, a `LIST_SUBSCRIPTIONS` reply, or unknown. List frames
 * (`JSON_LIST`, `SIMPLE_LIST`) are arrays: classify each element (see {@link upbitIsListFrame}).
 *
 * @example
 * ```ts
 * import { upbit } from '@bb/upbit'
 * upbit.ws.classify({ ty: 'trade', cd: 'KRW-BTC', tp: 1, tv: 1, ab: 'BID', sid: '1', ttms: 1, st: 'REALTIME' })
 * // { type: 'data', kind: 'trade', shape: 'wsSimple', format: 'SIMPLE', channel: 'trade', symbol: 'KRW-BTC' }
 * ```
 */
export function classifyUpbitMessage(message: unknown): FrameClass {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return { type: 'unknown' }
  const m = message as Record<string, unknown>
  const ty = m.ty
  const type = ty !== undefined ? ty : m.type
  if (typeof type === 'string') {
    const shape = ty !== undefined ? 'wsSimple' : 'ws'
    const format = ty !== undefined ? 'SIMPLE' : 'DEFAULT'
    // Own keys only: `constructor` or `__proto__` as a type is an unknown message, not a kind.
    const kind: ModelKind | undefined = Object.hasOwn(CHANNEL_KINDS, type)
      ? CHANNEL_KINDS[type]
      : Object.hasOwn(UPBIT_WS_CANDLE_INTERVALS, type)
        ? 'candle'
        : undefined
    if (kind === undefined) return { type: 'unknown' }
    const symbol = str(shape === 'wsSimple' ? (m.cd ?? m.mk) : (m.code ?? m.market))
    return symbol === undefined
      ? { type: 'data', kind, shape, format, channel: type }
      : { type: 'data', kind, shape, format, channel: type, symbol }
  }
  if (typeof m.status === 'string') return { type: 'status', status: m.status }
  const error = m.error
  if (typeof error === 'object' && error !== null) {
    const e = error as Record<string, unknown>
    return { type: 'error', name: text(e.name) ?? 'UNKNOWN', message: text(e.message) ?? '' }
  }
  const method = m.method ?? m.mthd
  if (method === 'LIST_SUBSCRIPTIONS') {
    const result = m.result ?? m.rslt
    const list = Array.isArray(result) ? result : []
    const subscriptions: { channel: string; symbols: string[] }[] = []
    // Elements that are not objects (null, numbers) carry no subscription: skipped.
    for (const item of list) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) continue
      const entry = item as Record<string, unknown>
      const codes = entry.codes ?? entry.cds
      subscriptions.push({
        channel: text(entry.type ?? entry.ty) ?? '',
        symbols: Array.isArray(codes) ? codes.map(text).filter((code) => code !== undefined) : [],
      })
    }
    return { type: 'subscriptions', subscriptions }
  }
  return inferLegacy(m)
}

/** True for a list-format frame (`JSON_LIST` / `SIMPLE_LIST`): an array of messages. */
export function upbitIsListFrame(frame: unknown): frame is readonly unknown[] {
  return Array.isArray(frame)
}
