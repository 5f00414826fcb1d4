import { AuthenticationError, describeValue, InvalidRequestError } from '@bb/errors'
import type {
  Credentials,
  FrameClass,
  HeartbeatPolicy,
  ModelKind,
  StreamRequest,
  SubscriptionMessage,
  SubscriptionOptions,
  SymbolRules,
  WsLimits,
} from '@bb/exchange-adapter'
import { binanceInterval } from './intervals.js'
import { binanceSignature } from './sign.js'

/** Partial-depth levels a `@depth<N>` stream offers; the diff stream `@depth` has no depth. */
export const BINANCE_WS_DEPTHS: readonly number[] = [5, 10, 20]

const invalid = (param: string, message: string) =>
  new InvalidRequestError({ param, exchange: 'binance', message })

/**
 * The stream names of one request (BINANCE.md §6.3), lower-case symbol first: `trade` →
 * `btcusdt@trade`; `orderbook` → the partial book `btcusdt@depth<5|10|20>@100ms` (without
 * `depth`: 20 levels, every value a whole book); with `diff: true` the diff stream
 * `btcusdt@depth@100ms` (changed levels with `U`/`u`, normalized with `firstSequence`/`sequence`:
 * only a local book may read it, BINANCE.md §6.4); `ticker` → `btcusdt@ticker`; `candle` →
 * `btcusdt@kline_1m`. Private kinds have no market stream (the WS API's user data stream).
 */
export function binanceStreamNames(symbols: SymbolRules, stream: StreamRequest): string[] {
  if (stream.kind === 'order' || stream.kind === 'balance')
    throw invalid(
      'kind',
      `Binance ${stream.kind} events have no market stream name: they come from the WS API user data stream (the private connection, authenticated by userDataStream.subscribe.signature).`,
    )
  const list = stream.symbols
  if (!Array.isArray(list) || list.length === 0)
    throw invalid('symbols', `A ${stream.kind} stream needs symbols.`)
  let suffix: string
  switch (stream.kind) {
    case 'trade':
      suffix = 'trade'
      break
    case 'ticker':
      suffix = 'ticker'
      break
    case 'candle':
      suffix = `kline_${binanceInterval(stream.interval ?? '1m')}`
      break
    case 'orderbook':
      // The diff stream (`U`/`u`, changed levels): what the backbone's local book reads (BINANCE.md §6.4).
      if (stream.diff === true) suffix = 'depth@100ms'
      else if (stream.depth === undefined) suffix = 'depth20@100ms'
      else if (BINANCE_WS_DEPTHS.includes(stream.depth)) suffix = `depth${stream.depth}@100ms`
      else
        throw invalid(
          'depth',
          `Binance streams books of 5, 10 or 20 levels (got ${describeValue(stream.depth)}); omit depth for 20.`,
        )
      break
    default:
      throw invalid(
        'kind',
        `Binance market streams carry no ${describeValue(stream.kind)}: account events come from the WS API user data stream.`,
      )
  }
  return list.map((symbol) => `${symbols.normalize(symbol).toLowerCase()}@${suffix}`)
}

let nextId = 1

function requestId(ticket: string | undefined): number | string {
  if (ticket === undefined) return nextId++
  if (/^\d{1,15}$/.test(ticket)) return Number(ticket)
  if (/^[A-Za-z0-9]{1,36}$/.test(ticket)) return ticket
  throw invalid(
    'ticket',
    `A request id is an integer or up to 36 letters and digits (got ${describeValue(ticket)}).`,
  )
}

/** A `SUBSCRIBE` or `UNSUBSCRIBE` control message for stream names, with its id. */
function binanceControlMessage(
  method: 'SUBSCRIBE' | 'UNSUBSCRIBE',
  params: readonly string[],
  ticket?: string,
): SubscriptionMessage {
  if (params.length === 0) throw invalid('streams', `${method} needs at least one stream.`)
  if (params.length > 1024)
    throw invalid('streams', `At most 1024 streams per connection (got ${params.length}).`)
  const payload = { method, params: [...new Set(params)], id: requestId(ticket) }
  return { endpoint: 'public', text: JSON.stringify(payload), payload }
}

/**
 * The `SUBSCRIBE` message for a set of streams (`{"method":"SUBSCRIBE","params":[…],"id":1}`).
 * Binance **adds** to a connection's set: dropping streams takes {@link buildBinanceUnsubscribe}.
 * `ticket` is the id (an integer, or ≤ 36 letters and digits); default a per-process counter.
 */
export function buildBinanceSubscription(
  symbols: SymbolRules,
  options: SubscriptionOptions,
): SubscriptionMessage {
  if (options === null || typeof options !== 'object' || !Array.isArray(options.streams))
    throw invalid('streams', 'buildSubscription takes { streams: [...] }.')
  if (options.format !== undefined && options.format !== 'combined')
    throw invalid(
      'format',
      `Binance's one wire format here is "combined" (got ${describeValue(options.format)}).`,
    )
  const isPrivate = (s: StreamRequest) => s?.kind === 'order' || s?.kind === 'balance'
  if (options.streams.length > 0 && options.streams.every(isPrivate)) {
    // The authenticated WS API connection carries every account event: nothing to send.
    return { endpoint: 'private', text: '', payload: null }
  }
  if (options.streams.some(isPrivate))
    throw invalid(
      'streams',
      'Account streams (order, balance) belong on the private connection: subscribe them apart from market streams.',
    )
  return binanceControlMessage(
    'SUBSCRIBE',
    options.streams.flatMap((s) => binanceStreamNames(symbols, s)),
    options.ticket,
  )
}

/** The `UNSUBSCRIBE` message for a set of streams. */
export function buildBinanceUnsubscribe(
  symbols: SymbolRules,
  options: SubscriptionOptions,
): SubscriptionMessage {
  return binanceControlMessage(
    'UNSUBSCRIBE',
    options.streams.flatMap((s) => binanceStreamNames(symbols, s)),
    options.ticket,
  )
}

function kindOf(stream: string): { kind: ModelKind; channel: string } | undefined {
  const at = stream.indexOf('@')
  if (at <= 0) return undefined
  const name = stream.slice(at + 1)
  if (name === 'trade' || name === 'aggTrade') return { kind: 'trade', channel: name }
  if (name === 'ticker' || name === 'miniTicker') return { kind: 'ticker', channel: name }
  if (name === 'bookTicker') return { kind: 'orderbook', channel: name }
  if (/^depth(5|10|20)?(@100ms|@1000ms)?$/.test(name))
    return { kind: 'orderbook', channel: name.split('@')[0]! }
  if (/^kline_\w+$/.test(name)) return { kind: 'candle', channel: name.split('@')[0]! }
  return undefined
}

/**
 * Classifies a parsed frame: a combined-stream event `{stream, data}` is `data` (kind from the
 * stream name; shape `combined`; the symbol upper-cased from the name); `{"result":[…],"id":…}`
 * is the `LIST_SUBSCRIPTIONS` reply; `{"error":{"code","msg"},"id"}` an `error` named by its
 * code; `serverShutdown` a `status`. A raw (unwrapped) payload is `unknown`: partial depth and
 * book ticker frames cannot be routed without the wrapper, so the adapter connects to `/stream`.
 */
export function classifyBinanceMessage(message: unknown): FrameClass {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return { type: 'unknown' }
  const m = message as Record<string, unknown>
  if (m.event !== null && typeof m.event === 'object' && Object.hasOwn(m, 'subscriptionId'))
    return classifyUserData(m.event as Record<string, unknown>)
  if (typeof m.stream === 'string' && m.data !== null && typeof m.data === 'object') {
    const data = m.data as Record<string, unknown>
    if (m.stream === '!serverShutdown' || data.e === 'serverShutdown')
      return { type: 'status', status: 'serverShutdown' }
    const known = kindOf(m.stream)
    if (!known) return { type: 'unknown' }
    const symbol = m.stream.slice(0, m.stream.indexOf('@')).toUpperCase()
    return {
      type: 'data',
      kind: known.kind,
      shape: 'combined',
      format: 'combined',
      channel: known.channel,
      symbol,
    }
  }
  if (m.e === 'serverShutdown') return { type: 'status', status: 'serverShutdown' }
  if (m.error !== null && typeof m.error === 'object') {
    const e = m.error as Record<string, unknown>
    const name = typeof e.code === 'number' || typeof e.code === 'string' ? String(e.code) : 'UNKNOWN'
    return { type: 'error', name, message: typeof e.msg === 'string' ? e.msg : '' }
  }
  if (Object.hasOwn(m, 'result') && Object.hasOwn(m, 'id')) {
    if (Array.isArray(m.result)) {
      const subscriptions = m.result
        .filter((s): s is string => typeof s === 'string')
        .map((s) => ({
          channel: s.includes('@') ? s.slice(s.indexOf('@') + 1) : s,
          symbols: s.includes('@') ? [s.slice(0, s.indexOf('@')).toUpperCase()] : [],
        }))
      return { type: 'subscriptions', subscriptions }
    }
    // `{"result":null,"id":1}`: a SUBSCRIBE / UNSUBSCRIBE succeeded.
    return { type: 'status', status: 'ok' }
  }
  return { type: 'unknown' }
}

/**
 * A user data event of the WS API (`{"subscriptionId":0,"event":{"e":…}}`): `executionReport` is an
 * order (shape `userData`), `outboundAccountPosition` the balances it changed; `balanceUpdate`
 * (a deposit/withdrawal delta, followed by an `outboundAccountPosition` with the new balance) is a
 * status; `eventStreamTerminated` (the subscription ended) is an error, so the stream does not go
 * silent.
 */
function classifyUserData(event: Record<string, unknown>): FrameClass {
  switch (event.e) {
    case 'executionReport':
      return {
        type: 'data',
        kind: 'order',
        shape: 'userData',
        format: 'combined',
        channel: 'executionReport',
        ...(typeof event.s === 'string' ? { symbol: event.s } : {}),
      }
    case 'outboundAccountPosition':
      return {
        type: 'data',
        kind: 'balance',
        shape: 'userData',
        format: 'combined',
        channel: 'outboundAccountPosition',
      }
    case 'balanceUpdate':
    case 'externalLockUpdate':
      return { type: 'status', status: event.e }
    case 'eventStreamTerminated':
      return {
        type: 'error',
        name: 'eventStreamTerminated',
        message: 'The user data stream subscription was terminated by the server.',
      }
    default:
      return { type: 'unknown' }
  }
}

/**
 * The signed `userDataStream.subscribe.signature` request of the WS API (BINANCE.md §4): the
 * params `apiKey` and `timestamp` (and `recvWindow` when given), sorted by name, joined `k=v&…`,
 * signed with HMAC-SHA256 of the secret. Sent first on every open of the private connection, so
 * each reconnect signs a fresh timestamp (default now).
 *
 * @example
 * ```ts
 * import { buildBinanceUserDataSubscribe } from '@bb/binance'
 * const frame = JSON.parse(buildBinanceUserDataSubscribe({ accessKey: 'k', secretKey: 's' }, { now: 1747385641636 }))
 * frame.method // 'userDataStream.subscribe.signature'
 * Object.keys(frame.params) // ['apiKey', 'timestamp', 'signature']
 * ```
 */
export function buildBinanceUserDataSubscribe(
  credentials: Credentials,
  options: { readonly now?: number; readonly recvWindow?: number; readonly id?: string } = {},
): string {
  if (
    credentials === null ||
    typeof credentials !== 'object' ||
    typeof credentials.accessKey !== 'string' ||
    credentials.accessKey === '' ||
    typeof credentials.secretKey !== 'string' ||
    credentials.secretKey === ''
  )
    throw new AuthenticationError({
      exchange: 'binance',
      channel: 'ws',
      message: 'The user data stream needs credentials { accessKey, secretKey } (non-empty strings).',
    })
  const params: Record<string, string | number> = {
    apiKey: credentials.accessKey,
    timestamp: options.now ?? Date.now(),
  }
  if (options.recvWindow !== undefined) params.recvWindow = options.recvWindow
  const payload = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&')
  const signature = binanceSignature(payload, credentials.secretKey)
  return JSON.stringify({
    id: options.id ?? `uds${nextId++}`,
    method: 'userDataStream.subscribe.signature',
    params: { ...params, signature },
  })
}

/**
 * Binance's keep-alive (BINANCE.md §6.1): the server pings every 20 s and closes a connection
 * that has not answered within 60 s (protocol pongs, which `ws` sends). As the application
 * probe the adapter sends `LIST_SUBSCRIPTIONS` (a valid control message; it counts against
 * the 5 messages/s), whose reply proves the connection alive on a quiet stream.
 */
export const BINANCE_HEARTBEAT: HeartbeatPolicy = {
  pingText: '{"method":"LIST_SUBSCRIPTIONS","id":0}',
  // The WS API (private connection) has its own `ping` request, answered `{"status":200,"result":{}}`.
  privatePingText: '{"id":"ping","method":"ping"}',
  pingIntervalMs: 30_000,
  idleTimeoutMs: 60_000,
  statusIntervalMs: 20_000,
  deadAfterMs: 60_000,
  protocolPings: true,
}

/** 300 connections per 5 minutes per IP; 5 incoming messages per second per connection. */
export const BINANCE_WS_LIMITS: WsLimits = {
  connect: [{ limit: 300, intervalMs: 300_000 }],
  messages: [{ limit: 5, intervalMs: 1000 }],
}
