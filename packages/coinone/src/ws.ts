import { describeValue, InvalidRequestError } from '@bb/errors'
import type {
  FrameClass,
  HeartbeatPolicy,
  ModelKind,
  StreamRequest,
  SubscriptionMessage,
  SubscriptionOptions,
  SymbolRules,
  WsLimits,
} from '@bb/exchange-adapter'
import { coinoneInterval } from './intervals.js'

/** The WS wire formats: `default` (long keys) and `short` (`"format":"SHORT"`). */
export const COINONE_WS_FORMATS: readonly string[] = ['default', 'short']

/** Book depth of a WS ORDERBOOK frame: always 16 levels per side. */
export const COINONE_WS_DEPTHS: readonly number[] = [16]

/** Public WS connections per IP (private: per account); the 21st is closed with 4290. */
export const COINONE_WS_MAX_CONNECTIONS = 20

const invalid = (param: string, message: string) =>
  new InvalidRequestError({ param, exchange: 'coinone', message })

const CHANNEL: Readonly<Partial<Record<StreamRequest['kind'], string>>> = {
  ticker: 'TICKER',
  trade: 'TRADE',
  orderbook: 'ORDERBOOK',
  candle: 'CHART',
}

const KIND: Readonly<Record<string, ModelKind>> = {
  TICKER: 'ticker',
  TRADE: 'trade',
  ORDERBOOK: 'orderbook',
  CHART: 'candle',
  MYORDER: 'order',
  MYASSET: 'balance',
}

/** The private endpoint's channels (`/v1/private`; COINONE.md §6) per stream kind. */
const PRIVATE_CHANNEL: Readonly<Partial<Record<StreamRequest['kind'], string>>> = {
  order: 'MYORDER',
  balance: 'MYASSET',
}

function formatOf(format: string | undefined): 'default' | 'short' {
  if (format === undefined || format === 'default') return 'default'
  if (format === 'short') return 'short'
  throw invalid('format', `Coinone's wire formats are "default" and "short" (got ${describeValue(format)}).`)
}

/**
 * One `SUBSCRIBE` (or `UNSUBSCRIBE`) frame per (stream, symbol): Coinone takes **one topic per
 * frame** (COINONE.md §5.1). `candle` needs an `interval` of the WS list (no `1M`); `orderbook`
 * frames always hold 16 levels (`depth` is 16 or omitted). The private kinds go to the private
 * endpoint (COINONE.md §6): `order` is `MYORDER` with a one-pair `topic` array per symbol, or no
 * topic for every pair (no symbols; unverified, the docs say "all or specific pairs"); `balance`
 * is one `MYASSET` frame, which takes no symbols. Public and private streams cannot share a call
 * (they need separate connections).
 *
 * @example
 * ```ts
 * import { buildCoinoneSubscriptions, coinone } from '@bb/coinone'
 * buildCoinoneSubscriptions(coinone.symbols, { streams: [{ kind: 'trade', symbols: ['BTC/KRW', 'ETH/KRW'] }] }).length // 2
 * ```
 */
export function buildCoinoneSubscriptions(
  symbols: SymbolRules,
  options: SubscriptionOptions,
  requestType: 'SUBSCRIBE' | 'UNSUBSCRIBE' = 'SUBSCRIBE',
): SubscriptionMessage[] {
  if (
    options === null ||
    typeof options !== 'object' ||
    !Array.isArray(options.streams) ||
    options.streams.length === 0
  )
    throw invalid('streams', 'A Coinone subscription takes { streams: [...] } with at least one stream.')
  const format = formatOf(options.format)
  const out: SubscriptionMessage[] = []
  for (const stream of options.streams) {
    const kind: unknown = (stream as { kind?: unknown } | null)?.kind
    const privateChannel =
      typeof kind === 'string' ? PRIVATE_CHANNEL[kind as StreamRequest['kind']] : undefined
    if (privateChannel !== undefined) {
      out.push(...privateFrames(symbols, stream, privateChannel, format, requestType))
      continue
    }
    const channel = typeof kind === 'string' ? CHANNEL[kind as StreamRequest['kind']] : undefined
    if (channel === undefined)
      throw invalid(
        'kind',
        `Coinone streams ticker, trade, orderbook and candle (public) and order and balance (private; got ${describeValue(stream?.kind)}).`,
      )
    if (!Array.isArray(stream.symbols) || stream.symbols.length === 0)
      throw invalid('symbols', `A ${stream.kind} stream needs symbols.`)
    if (
      stream.kind === 'orderbook' &&
      stream.depth !== undefined &&
      !COINONE_WS_DEPTHS.includes(stream.depth)
    )
      throw invalid(
        'depth',
        `Coinone book frames always hold 16 levels a side (got ${describeValue(stream.depth)}); @bb/ws subscribes 16 and trims for a depth of 1–15.`,
      )
    const interval = stream.kind === 'candle' ? coinoneInterval(stream.interval ?? '1m', true) : undefined
    for (const symbol of stream.symbols) {
      const { base, quote } = symbols.split(symbol)
      const payload = {
        request_type: requestType,
        channel,
        topic: {
          quote_currency: quote,
          target_currency: base,
          ...(interval === undefined ? {} : { interval }),
        },
        ...(format === 'short' ? { format: 'SHORT' } : {}),
      }
      out.push({ endpoint: 'public', text: JSON.stringify(payload), payload })
    }
  }
  if (new Set(out.map((m) => m.endpoint)).size > 1)
    throw invalid('streams', 'Public and private streams need separate connections (see ws.endpointFor).')
  return out
}

function privateFrames(
  symbols: SymbolRules,
  stream: StreamRequest,
  channel: string,
  format: 'default' | 'short',
  requestType: 'SUBSCRIBE' | 'UNSUBSCRIBE',
): SubscriptionMessage[] {
  const frame = (topic: readonly { quote_currency: string; target_currency: string }[] | undefined) => {
    const payload = {
      request_type: requestType,
      channel,
      ...(topic === undefined ? {} : { topic }),
      ...(format === 'short' ? { format: 'SHORT' } : {}),
    }
    return { endpoint: 'private' as const, text: JSON.stringify(payload), payload }
  }
  const list = stream.symbols ?? []
  if (!Array.isArray(list)) throw invalid('symbols', 'symbols is a list of market codes.')
  if (stream.mode === 'snapshot')
    throw invalid('mode', `${channel} streams are realtime only (there is no snapshot).`)
  if (stream.kind === 'balance') {
    if (list.length > 0)
      throw invalid('symbols', 'MYASSET (balance) takes no symbols: it carries every currency.')
    return [frame(undefined)]
  }
  if (list.length === 0) return [frame(undefined)]
  return list.map((symbol) => {
    const { base, quote } = symbols.split(symbol)
    return frame([{ quote_currency: quote, target_currency: base }])
  })
}

/**
 * `ws.buildSubscription` of the contract, which sends **one** message: Coinone's frame carries
 * one topic, so this builds exactly one (stream, symbol) and refuses more with
 * `InvalidRequestError` — a client sends {@link buildCoinoneSubscriptions}' frames instead
 * (COINONE.md §5.1, "contract gap"). Coinone subscriptions **add**; dropping one takes
 * `buildCoinoneSubscriptions(…, 'UNSUBSCRIBE')`.
 */
export function buildCoinoneSubscription(
  symbols: SymbolRules,
  options: SubscriptionOptions,
): SubscriptionMessage {
  const all = buildCoinoneSubscriptions(symbols, options)
  if (all.length !== 1)
    throw invalid(
      'streams',
      `Coinone takes one topic per subscribe frame (got ${all.length}): send buildCoinoneSubscriptions(...) frame by frame.`,
    )
  return all[0]!
}

function object(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

/**
 * Classifies a parsed frame (COINONE.md §5.2): `DATA` frames (long `response_type`/`channel`/
 * `data`, or SHORT `r`/`c`/`d`) are `data` of shape and format `default` or `short`, with the
 * symbol `BTC/KRW`; `CONNECTED`, `SUBSCRIBED`, `UNSUBSCRIBED` and `PONG` are `status` (the
 * status text is the response type); `ERROR` is an `error` named by its `error_code`
 * (`160012` …). Private `MYORDER` data are `order` (with the symbol) and `MYASSET` data
 * `balance`, in the same two shapes. Anything else is `unknown`.
 */
export function classifyCoinoneMessage(message: unknown): FrameClass {
  const m = object(message)
  if (!m) return { type: 'unknown' }
  const short = m.response_type === undefined && m.r !== undefined
  const type = short ? m.r : m.response_type
  if (typeof type !== 'string') return { type: 'unknown' }
  switch (type) {
    case 'CONNECTED':
    case 'SUBSCRIBED':
    case 'UNSUBSCRIBED':
    case 'PONG':
      return { type: 'status', status: type }
    case 'ERROR': {
      const code = m.error_code
      const name = typeof code === 'number' || typeof code === 'string' ? String(code) : 'UNKNOWN'
      return { type: 'error', name, message: typeof m.message === 'string' ? m.message : '' }
    }
    case 'DATA': {
      const channel = short ? m.c : m.channel
      const kind = typeof channel === 'string' ? KIND[channel] : undefined
      if (kind === undefined) return { type: 'unknown' }
      const data = object(short ? m.d : m.data)
      const target = data?.[short ? 'tc' : 'target_currency']
      const quote = data?.[short ? 'qc' : 'quote_currency']
      const format = short ? 'short' : 'default'
      return {
        type: 'data',
        kind,
        shape: format,
        format,
        channel: channel as string,
        ...(typeof target === 'string' && typeof quote === 'string'
          ? { symbol: `${target.toUpperCase()}/${quote.toUpperCase()}` }
          : {}),
      }
    }
    default:
      return { type: 'unknown' }
  }
}

/**
 * Coinone's keep-alive (COINONE.md §5.1): the client sends `{"request_type":"PING"}` and the
 * server answers `PONG`; the server never pings. The docs close a session 30 minutes after the
 * last PING, but on the wire a socket that sent nothing closed after ≈60 s: ping every 20 s
 * (what ccxt pro does) and call a socket dead after 60 s of silence.
 */
export const COINONE_HEARTBEAT: HeartbeatPolicy = {
  pingText: '{"request_type":"PING"}',
  pingIntervalMs: 20_000,
  idleTimeoutMs: 60_000,
  statusIntervalMs: 20_000,
  deadAfterMs: 60_000,
  protocolPings: false,
}

/**
 * No message or connect **rate** is documented: the limit is 20 concurrent connections per IP
 * ({@link COINONE_WS_MAX_CONNECTIONS}), which a rate window cannot express.
 */
export const COINONE_WS_LIMITS: WsLimits = { connect: [], messages: [] }
