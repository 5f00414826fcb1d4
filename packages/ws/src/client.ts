import {
  AuthenticationError,
  type BackboneError,
  ConnectionClosedError,
  describeValue,
  InvalidRequestError,
  type Logger,
  redactingLogger,
  registerSecret,
  toBackboneError,
} from '@bb/errors'
import type { ExchangeAdapter, StreamRequest, WsEndpoint } from '@bb/exchange-adapter'
import type { Balance, Candle, CandleInterval, Order, OrderbookSnapshot, Ticker, Trade } from '@bb/models'
import { createTradeTracker, createUnifier } from '@bb/unifier'
import { map, Observable, Subject } from 'rxjs'
import { resolveReconnect } from './backoff.js'
import { type Clock, systemClock } from './clock.js'
import { Connection, type ConnectionHost, type Topic } from './connection.js'
import { SendMeter } from './meter.js'
import { Sink } from './sink.js'
import type {
  GapEvent,
  GapReason,
  OrderbookStreamOptions,
  StreamEvent,
  StreamKind,
  StreamMode,
  StreamOptions,
  WsClientOptions,
  WsClientStats,
  WsStatus,
} from './types.js'

/** The symbols argument of the market streams: one market code or several. */
export type Symbols = string | readonly string[]

/**
 * A WebSocket market-data client: cold, shared, self-healing streams of normalized models.
 * Create it with {@link createWsClient}.
 *
 * @example
 * ```ts
 * import { upbit } from '@bb/upbit'
 * import { createWsClient } from '@bb/ws'
 *
 * const client = createWsClient({ adapter: upbit })
 * const subscription = client.tradeEvents$('KRW-BTC').subscribe((event) => {
 *   if (event.type === 'gap') console.log('back-fill trades after', event.lastId)
 *   else console.log(event.value.price.toString())
 * })
 * ```
 */
export interface WsClient {
  /** Tickers of the given markets. */
  ticker$(symbols: Symbols, options?: StreamOptions): Observable<Ticker>
  /** Tickers with in-band gap markers. */
  tickerEvents$(symbols: Symbols, options?: StreamOptions): Observable<StreamEvent<Ticker>>
  /** Public trades (deduplicated by trade id across resubscribes). */
  trades$(symbols: Symbols, options?: StreamOptions): Observable<Trade>
  /** Trades with in-band gap markers (`lastId` tells where to back-fill from). */
  tradeEvents$(symbols: Symbols, options?: StreamOptions): Observable<StreamEvent<Trade>>
  /** Full order books (`depth` levels per side). */
  orderbook$(symbols: Symbols, options?: OrderbookStreamOptions): Observable<OrderbookSnapshot>
  /** Order books with in-band gap markers. */
  orderbookEvents$(
    symbols: Symbols,
    options?: OrderbookStreamOptions,
  ): Observable<StreamEvent<OrderbookSnapshot>>
  /** Candles of one interval (any of `adapter.capabilities.candleIntervals.ws`); the same open time repeats while the candle forms. */
  candles$(symbols: Symbols, interval: CandleInterval, options?: StreamOptions): Observable<Candle>
  /** Candles with in-band gap markers. */
  candleEvents$(
    symbols: Symbols,
    interval: CandleInterval,
    options?: StreamOptions,
  ): Observable<StreamEvent<Candle>>
  /** The account's order updates (private; needs credentials), of some markets or of all when omitted. */
  myOrders$(symbols?: Symbols, options?: StreamOptions): Observable<Order>
  /** Order updates with in-band gap markers. */
  myOrderEvents$(symbols?: Symbols, options?: StreamOptions): Observable<StreamEvent<Order>>
  /** The account's balance changes (private; needs credentials), one value per changed currency. */
  myAssets$(options?: StreamOptions): Observable<Balance>
  /** Balance changes with in-band gap markers. */
  myAssetEvents$(options?: StreamOptions): Observable<StreamEvent<Balance>>
  /**
   * Connection lifecycle events of every connection. Subscribing starts no I/O; a subscriber first
   * receives, at once, the current state of every connection the client keeps (its latest event
   * other than `error`), then the live events.
   */
  readonly status$: Observable<WsStatus>
  /** Counters and gauges: sockets, timers, subscribers, listeners, drops, malformed frames… */
  stats(): WsClientStats
  /** Completes every stream, closes every socket and timer; resolves when the sockets are closed. Streams subscribed later error with `ConnectionClosedError`. */
  close(): Promise<void>
}

interface StreamSpec {
  readonly kind: StreamKind
  readonly symbols: readonly (string | undefined)[]
  readonly depth?: number | undefined
  readonly level?: number | undefined
  readonly diff?: boolean | undefined
  readonly interval?: CandleInterval | undefined
  readonly options: StreamOptions | undefined
}

function toList(symbols: Symbols | undefined): string[] {
  if (symbols === undefined) return []
  if (typeof symbols === 'string') return [symbols]
  if (!Array.isArray(symbols)) {
    throw new InvalidRequestError({
      param: 'symbols',
      channel: 'ws',
      message: `symbols must be a market code or a list of them, got ${describeValue(symbols)}.`,
    })
  }
  return [...symbols]
}

/** `myOrders$()` without symbols means every market (`undefined` = all). */
function orderSymbols(symbols: Symbols | undefined): (string | undefined)[] {
  const list = toList(symbols)
  return list.length === 0 ? [undefined] : list
}

const DEFAULT_BUFFER = 10_000
/** Time slice of one buffered subscriber per scheduler round, ms. */
const SLICE_MS = 2
/** Liveness defaults of the client (see the README, "Silence is a gap"). */
const IDLE_MS = 2000
const PROBE_TIMEOUT_MS = 2000
const SILENCE_MS = 3000
const MIN_SILENCE_MS = 1000
const SILENCE_FACTOR = 20

/** `heartbeat.silenceFactor`: a finite number >= 0 (0 turns the expected-activity threshold off). */
function silenceFactorOf(exchange: string, value: unknown): number {
  if (value === undefined) return SILENCE_FACTOR
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidRequestError({
      param: 'heartbeat.silenceFactor',
      exchange,
      channel: 'ws',
      message: `heartbeat.silenceFactor must be a finite number >= 0, got ${String(value)}.`,
    })
  }
  return value
}
const HANDSHAKE_TIMEOUT_MS = 10_000

/** A positive, finite number of ms (the fallback when `undefined`), or an `InvalidRequestError` naming it. */
function positiveMs(exchange: string, param: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0 || !Number.isFinite(value)) {
    throw new InvalidRequestError({
      param,
      exchange,
      channel: 'ws',
      message: `${param} must be a positive, finite number of milliseconds; got ${String(value)}.`,
    })
  }
  return value
}

/**
 * Creates a WebSocket client for one exchange. Nothing connects until a stream is subscribed;
 * subscribers of the same market share one upstream, and the last one leaving removes the market
 * from the exchange subscription. Connections reconnect with backoff and full jitter, resubscribe
 * everything, and mark possibly missing data with in-band `gap` events.
 *
 * @example
 * ```ts
 * import { upbit } from '@bb/upbit'
 * import { startSim } from '@bb/sim'
 * import { createWsClient } from '@bb/ws'
 *
 * const sim = await startSim({ port: 0, seed: 7 })
 * const client = createWsClient({ adapter: upbit, url: sim.wsUrl, format: 'SIMPLE' })
 * const subscription = client.trades$(['KRW-BTC', 'KRW-ETH']).subscribe((trade) => {
 *   console.log(trade.symbol, trade.price.toString(), trade.size.toString())
 * })
 * setTimeout(async () => {
 *   subscription.unsubscribe()
 *   await client.close()
 *   await sim.close()
 * }, 3000)
 * ```
 */
export function createWsClient(options: WsClientOptions): WsClient {
  const adapter: ExchangeAdapter = options.adapter
  const clock: Clock = options.clock ?? systemClock
  const logger: Logger = redactingLogger(options.logger)
  const unifier = createUnifier(adapter, {
    validate: options.validate ?? 'fast',
    clock: () => clock.now(),
  })
  const format = options.format ?? adapter.ws.formats.default
  if (!adapter.ws.formats.all.includes(format)) {
    throw new InvalidRequestError({
      param: 'format',
      exchange: adapter.id,
      channel: 'ws',
      message: `Unknown WebSocket format ${JSON.stringify(format)}: use one of ${adapter.ws.formats.all.join(', ')}.`,
    })
  }
  const credentials = options.credentials
  if (credentials !== undefined) {
    registerSecret(credentials.accessKey)
    registerSecret(credentials.secretKey)
  }
  const urls: Record<WsEndpoint, string> = {
    public: options.url ?? adapter.ws.urls.public,
    private: options.privateUrl ?? adapter.ws.urls.private,
  }
  const heartbeat = adapter.ws.heartbeat
  const beat = options.heartbeat
  const ms = (param: string, value: unknown, fallback: number) =>
    positiveMs(adapter.id, param, value, fallback)
  const idleMs = ms('heartbeat.idleMs', beat?.idleMs, IDLE_MS)
  const silenceMs = ms('heartbeat.silenceMs', beat?.silenceMs, Math.max(SILENCE_MS, idleMs + 1000))
  if (silenceMs <= idleMs) {
    throw new InvalidRequestError({
      param: 'heartbeat.silenceMs',
      exchange: adapter.id,
      channel: 'ws',
      message: `heartbeat.silenceMs (${silenceMs}) must be greater than heartbeat.idleMs (${idleMs}): a quiet connection pauses for idleMs plus the probe's round trip.`,
    })
  }
  const liveness = {
    pingIntervalMs: ms('heartbeat.pingIntervalMs', beat?.pingIntervalMs, heartbeat.pingIntervalMs),
    staleAfterMs: ms('heartbeat.staleAfterMs', beat?.staleAfterMs, heartbeat.deadAfterMs),
    idleMs,
    probeTimeoutMs: ms('heartbeat.probeTimeoutMs', beat?.probeTimeoutMs, PROBE_TIMEOUT_MS),
    silenceMs,
    minSilenceMs: Math.min(silenceMs, ms('heartbeat.minSilenceMs', beat?.minSilenceMs, MIN_SILENCE_MS)),
    silenceFactor: silenceFactorOf(adapter.id, beat?.silenceFactor),
    handshakeTimeoutMs: ms('handshakeTimeoutMs', options.handshakeTimeoutMs, HANDSHAKE_TIMEOUT_MS),
  }
  const maxStreams = options.maxStreamsPerConnection ?? 200
  const bufferSize = options.buffer?.size ?? DEFAULT_BUFFER
  const overflow = options.buffer?.overflow ?? 'drop-oldest'
  const trades = createTradeTracker({ contiguousIds: adapter.capabilities.contiguousTradeIds, memory: 1024 })

  const counters = {
    timers: 0,
    sockets: 0,
    listeners: 0,
    requestsSent: 0,
    pingsSent: 0,
    reconnects: 0,
    stale: 0,
    framesReceived: 0,
    buffered: 0,
    delivered: 0,
    dropped: 0,
    malformed: 0,
    duplicates: 0,
    late: 0,
    gaps: 0,
    subscribers: 0,
    probes: 0,
    silences: 0,
    handshakeTimeouts: 0,
  }
  const status = new Subject<WsStatus>()
  /** The current state of every connection (its latest event other than `error`), replayed by `status$`. */
  const states = new Map<number, WsStatus>()
  const topics = new Map<string, Topic>()
  const connections = new Set<Connection>()
  /** Connections by id (for the status replay). */
  const byId = new Map<number, Connection>()
  let nextConnection = 1
  let closed = false
  const closeWaiters: (() => void)[] = []

  // ------------------------------------------------------------------ delivery scheduler
  const ready = new Set<Sink>()
  let drainQueued = false
  let immediate: ReturnType<typeof setImmediate> | undefined

  function schedule(sink: Sink): void {
    ready.add(sink)
    if (!drainQueued) {
      drainQueued = true
      queueMicrotask(drain)
    }
  }

  function drain(): void {
    drainQueued = false
    immediate = undefined
    const round = [...ready]
    ready.clear()
    for (const sink of round) {
      if (sink.drain(performance.now() + SLICE_MS)) ready.add(sink)
    }
    if (ready.size > 0 && !drainQueued) {
      drainQueued = true
      // Yield to I/O so a slow subscriber cannot starve the sockets (or the others).
      immediate = setImmediate(drain)
    }
  }

  // ------------------------------------------------------------------ frame receive time
  // Frames that arrive in one socket read are handled in one synchronous burst: they share one
  // clock reading (a clock read costs about as much as delivering a trade), refreshed every
  // FRAME_TIME_USES frames so a long burst cannot age it by more than a fraction of a millisecond.
  const FRAME_TIME_USES = 32
  let frameNow = 0
  let frameNowUses = FRAME_TIME_USES
  let frameNowArmed = false
  const expireFrameTime = () => {
    frameNowUses = FRAME_TIME_USES
    frameNowArmed = false
  }
  const frameTime = (): number => {
    if (frameNowUses < FRAME_TIME_USES) {
      frameNowUses++
      return frameNow
    }
    frameNow = clock.now()
    frameNowUses = 1
    if (!frameNowArmed) {
      frameNowArmed = true
      queueMicrotask(expireFrameTime)
    }
    return frameNow
  }

  // ------------------------------------------------------------------ connection host
  const host: ConnectionHost = {
    clock,
    frameTime,
    logger,
    exchange: adapter.id,
    counters,
    reconnect: options.reconnect === false ? false : resolveReconnect(options.reconnect),
    ...liveness,
    coalesceMs: options.coalesceMs ?? 10,
    lingerMs: options.lingerMs ?? 5000,
    messageWindows: adapter.ws.limits.messages,
    connectMeter: new SendMeter(adapter.ws.limits.connect),
    pingText: heartbeat.pingText,
    privatePingText: heartbeat.privatePingText,
    protocolPings: heartbeat.protocolPings,
    build: (streams) => adapter.ws.buildSubscription({ streams, format }).text,
    buildFrames:
      adapter.ws.buildSubscriptionFrames === undefined
        ? undefined
        : (streams, action) =>
            (adapter.ws.buildSubscriptionFrames?.({ streams, format }, action) ?? []).map((m) => m.text),
    headers: (endpoint) =>
      endpoint === 'private' && credentials !== undefined ? adapter.ws.sign(credentials) : undefined,
    authFrame: (endpoint) =>
      endpoint === 'private' && credentials !== undefined && adapter.ws.authenticate !== undefined
        ? adapter.ws.authenticate(credentials) // signed with the wall clock, as REST requests are
        : undefined,
    mapClose: (code, reason) => adapter.ws.mapClose?.({ code, reason }),
    onFrame,
    status: (event) => {
      if (event.type === 'closed' || event.type === 'open' || event.type === 'reconnecting') {
        logger.info({ ...event }, `ws ${event.type}`)
      }
      const conn = byId.get(event.connection)
      if (event.type !== 'error' && conn !== undefined && !conn.disposed) states.set(conn.id, event)
      status.next(event)
    },
    gap: emitGaps,
    failTopics,
    dispose: (conn) => {
      connections.delete(conn)
      byId.delete(conn.id)
      states.delete(conn.id)
      maybeClosed()
    },
    socketClosed: maybeClosed,
  }

  function maybeClosed(): void {
    if (closed && counters.sockets === 0) for (const resolve of closeWaiters.splice(0)) resolve()
  }

  // ------------------------------------------------------------------ inbound frames
  function onFrame(conn: Connection, data: Buffer, receivedAt: number): void {
    if (closed) return
    let result: ReturnType<typeof unifier.normalizeFrame>
    try {
      result = unifier.normalizeFrame(data, { receivedAt })
    } catch (error) {
      counters.malformed++
      logger.warn({ connection: conn.id, error: toBackboneError(error) }, 'ws frame skipped: malformed')
      emitGaps(unreadableTopics(conn, data), 'unreadable', receivedAt)
      return
    }
    switch (result.kind) {
      case 'status':
        conn.alive()
        return
      case 'error':
        conn.errorFrame(result.error)
        return
      case 'subscriptions':
      case 'ignored':
        return
      default:
        break
    }
    conn.alive()
    const kind = result.kind
    if (kind === 'market') return
    const values = result.values as readonly { marketId?: string; streamType?: string; interval?: string }[]
    const channels = conn.channels
    const channel = result.channel
    if (kind === 'candle') {
      for (const value of values)
        deliver(channels.get(`candle|${value.interval}`)?.get(value.marketId ?? ''), value, channel)
      return
    }
    const bySymbol = channels.get(kind)
    if (bySymbol === undefined) return
    const all = bySymbol.get('*')
    for (const value of values) {
      if (kind !== 'balance') deliver(bySymbol.get(value.marketId ?? ''), value, channel)
      if (all !== undefined) deliver(all, value, channel)
    }
  }

  /**
   * The topics a frame the client could not use may have carried. The routing key is looked for in
   * the raw text (error path only): topics whose market code appears quoted, narrowed to those whose
   * channel name (learned from their good frames, e.g. `"trade"`) appears too; when no code is
   * recognizable, every topic live on the connection.
   */
  function unreadableTopics(conn: Connection, data: Buffer): Topic[] {
    const live = [...conn.liveTopics]
    const text = data.toString('utf8')
    const bySymbol = live.filter((t) => t.symbol !== undefined && text.includes(`"${t.symbol}"`))
    if (bySymbol.length === 0) return live
    const byChannel = bySymbol.filter((t) => t.wire !== undefined && text.includes(`"${t.wire}"`))
    return byChannel.length > 0 ? byChannel : bySymbol
  }

  function deliver(
    topic: Topic | undefined,
    value: { symbol?: string; streamType?: string },
    channel: string,
  ): void {
    if (topic === undefined) return
    const timestamp = (value as { timestamp?: number }).timestamp
    const prevId = topic.lastId
    if (topic.kind === 'trade') {
      // the unifier's tracker: drops repeats (a resubscribe's snapshot), reports id jumps
      const trade = value as Trade
      const check = trades.push(trade)
      if (check.status === 'duplicate') {
        counters.duplicates++
        return
      }
      // late trades (first seen, older than the newest) are delivered, and counted
      if (check.status === 'late') counters.late++
      const jump = check.gap
      if (jump !== undefined && jump.reason === 'id-jump') {
        emitGap(topic, {
          type: 'gap',
          kind: 'trade',
          symbol: topic.symbol,
          from: jump.afterTime,
          to: jump.beforeTime,
          reason: 'sequence',
          lastId: jump.afterId,
        })
      }
      if (check.status === 'new') topic.lastId = trade.id
    }
    topic.last = value
    topic.gapOpen = false
    if (topic.wire === undefined) topic.wire = channel
    if (timestamp !== undefined) topic.lastTimestamp = timestamp
    const isSnapshot = value.streamType === 'snapshot'
    for (const sink of topic.sinks) sink.offerData(value, topic.symbol, isSnapshot, prevId)
  }

  function emitGap(topic: Topic, gap: GapEvent): void {
    counters.gaps++
    topic.gapOpen = true
    for (const sink of topic.sinks) sink.offerGap(gap)
  }

  function emitGaps(list: readonly Topic[], reason: GapReason, to: number): void {
    // a burst of unreadable frames, or a pause after a gap that is still open: one gap, not many
    const coalesce = reason === 'silence' || reason === 'unreadable'
    for (const topic of list) {
      if (coalesce && topic.gapOpen) continue
      const gap: GapEvent = {
        type: 'gap',
        kind: topic.kind,
        symbol: topic.symbol,
        from: topic.lastTimestamp ?? topic.since,
        to,
        reason,
        ...(topic.lastId === undefined ? {} : { lastId: topic.lastId }),
      }
      emitGap(topic, gap)
    }
  }

  function failTopics(list: readonly Topic[], error: BackboneError): void {
    for (const topic of list) {
      for (const sink of [...topic.sinks]) sink.fail(error)
      // teardown of the failed sinks removed the topic when they were its last subscribers
      if (topics.get(topic.key) === topic) removeTopic(topic)
    }
  }

  // ------------------------------------------------------------------ topics and connections
  function topicKey(spec: StreamSpec, symbol: string | undefined): { key: string; route: string } {
    const interval = spec.interval ?? ''
    const route = `${spec.kind}|${interval}|${symbol ?? '*'}`
    const key = `${route}|${spec.depth ?? ''}|${spec.level ?? ''}${spec.diff === true ? '|diff' : ''}`
    return { key, route }
  }

  function allocate(topic: Topic): Connection {
    const endpoint = adapter.ws.endpointFor(topic.kind)
    for (const conn of connections) {
      if (conn.disposed || conn.endpoint !== endpoint) continue
      if (conn.topics.size >= maxStreams || conn.routes.has(topic.route)) continue
      return conn
    }
    const conn = new Connection(nextConnection++, endpoint, urls[endpoint], host)
    connections.add(conn)
    byId.set(conn.id, conn)
    return conn
  }

  function validate(spec: StreamSpec, symbol: string | undefined, mode: StreamMode): void {
    const request: { -readonly [K in keyof StreamRequest]: StreamRequest[K] } = { kind: spec.kind }
    if (symbol !== undefined) request.symbols = [symbol]
    if (spec.depth !== undefined) request.depth = spec.depth
    if (spec.level !== undefined) request.level = spec.level
    if (spec.diff === true) request.diff = true
    if (spec.interval !== undefined) request.interval = spec.interval
    if (mode !== 'both') request.mode = mode
    adapter.ws.buildSubscription({ streams: [request], format })
  }

  function acquire(spec: StreamSpec, symbol: string | undefined, sink: Sink): Topic {
    const { key, route } = topicKey(spec, symbol)
    let topic = topics.get(key)
    const fresh = topic === undefined
    if (topic === undefined) {
      topic = {
        key,
        route,
        kind: spec.kind,
        symbol,
        depth: spec.depth,
        level: spec.level,
        diff: spec.diff,
        interval: spec.interval,
        sinks: new Set(),
        modes: { both: 0, snapshot: 0, realtime: 0 },
        conn: undefined,
        last: undefined,
        lastTimestamp: undefined,
        lastId: undefined,
        since: clock.now(),
        gapOpen: false,
        wire: undefined,
      }
      topics.set(key, topic)
    }
    topic.sinks.add(sink)
    topic.modes[sink.mode]++
    if (fresh) allocate(topic).add(topic)
    else {
      topic.conn?.changed()
      // A late subscriber's snapshot: the latest value (the server sends no second snapshot).
      // Never a diff: one diff is no book (the subscriber's local book starts from a REST snapshot).
      if (sink.mode !== 'realtime' && topic.last !== undefined && topic.diff !== true)
        sink.offerData(topic.last, symbol, true)
    }
    return topic
  }

  function release(topic: Topic, sink: Sink): void {
    if (!topic.sinks.delete(sink)) return
    topic.modes[sink.mode]--
    if (topic.sinks.size === 0) removeTopic(topic)
    else topic.conn?.changed()
  }

  function removeTopic(topic: Topic): void {
    if (topics.get(topic.key) !== topic) return
    topics.delete(topic.key)
    if (topic.kind === 'trade' && topic.symbol !== undefined) trades.reset(topic.symbol)
    topic.conn?.remove(topic)
  }

  // ------------------------------------------------------------------ streams
  function open(spec: StreamSpec, plain: boolean): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      if (closed) {
        subscriber.error(
          new ConnectionClosedError({ exchange: adapter.id, channel: 'ws', reason: 'client closed' }),
        )
        return
      }
      const mode = spec.options?.mode ?? 'both'
      const endpoint = adapter.ws.endpointFor(spec.kind)
      let symbols: (string | undefined)[]
      try {
        if (endpoint === 'private' && credentials === undefined) {
          throw new AuthenticationError({
            exchange: adapter.id,
            channel: 'ws',
            message: `The ${spec.kind} stream is private: pass credentials to createWsClient.`,
          })
        }
        symbols = spec.symbols.map((s) => (s === undefined ? undefined : adapter.symbols.normalize(s)))
        symbols = [...new Set(symbols)]
        if (symbols.length === 0) {
          throw new InvalidRequestError({
            param: 'symbols',
            exchange: adapter.id,
            channel: 'ws',
            message: 'A stream needs at least one market code.',
          })
        }
        for (const symbol of symbols) validate(spec, symbol, mode)
      } catch (error) {
        subscriber.error(toBackboneError(error, { exchange: adapter.id, channel: 'ws' }))
        return
      }
      const signal = spec.options?.signal
      if (signal?.aborted) {
        // aborted before it started: complete without touching the network
        subscriber.complete()
        return
      }
      const buffer = spec.options?.buffer
      const sink = new Sink(
        subscriber,
        plain,
        spec.kind,
        mode,
        symbols,
        buffer?.size ?? bufferSize,
        buffer?.overflow ?? overflow,
        counters,
        schedule,
      )
      counters.subscribers++
      const held: Topic[] = []
      for (const symbol of symbols) held.push(acquire(spec, symbol, sink))
      let listening = false
      const onAbort = () => sink.complete()
      if (signal !== undefined) {
        signal.addEventListener('abort', onAbort, { once: true })
        listening = true
        counters.listeners++
      }
      return () => {
        counters.subscribers--
        if (listening) {
          signal?.removeEventListener('abort', onAbort)
          counters.listeners--
        }
        sink.discard()
        ready.delete(sink)
        for (const topic of held) release(topic, sink)
      }
    })
  }

  /**
   * The depth to subscribe for a requested one: the smallest depth the exchange's WebSocket offers
   * that holds it (`capabilities.orderbookDepths.ws`), so `depth: 10` on an exchange that sends 15
   * or 16 levels subscribes those and trims each book to 10. A depth the exchange offers, a depth
   * above all it offers, or a bad value goes to the adapter unchanged, which refuses what it cannot
   * serve with an `InvalidRequestError` naming its depths. Diff books (`diff: true`) are trimmed by
   * whoever keeps the local book.
   */
  function wireDepth(depth: number | undefined, diff: boolean): number | undefined {
    if (depth === undefined || diff || !Number.isInteger(depth) || depth < 1) return depth
    const offered = adapter.capabilities.orderbookDepths.ws
    if (offered.length === 0 || offered.includes(depth)) return depth
    let best: number | undefined
    for (const d of offered) if (d >= depth && (best === undefined || d < best)) best = d
    return best ?? depth
  }

  const events$ = <T>(spec: StreamSpec) => open(spec, false) as Observable<StreamEvent<T>>
  // plain streams skip the event wrapper (no extra operator on the hot path)
  const values$ = <T>(spec: StreamSpec) => open(spec, true) as Observable<T>

  const spec = (
    kind: StreamKind,
    symbols: readonly (string | undefined)[],
    opts: StreamOptions | undefined,
    extra: Partial<StreamSpec> = {},
  ): StreamSpec => ({ kind, symbols, options: opts, ...extra })

  const client: WsClient = {
    tickerEvents$: (symbols, opts) => events$<Ticker>(spec('ticker', toList(symbols), opts)),
    ticker$: (symbols, opts) => values$<Ticker>(spec('ticker', toList(symbols), opts)),
    tradeEvents$: (symbols, opts) => events$<Trade>(spec('trade', toList(symbols), opts)),
    trades$: (symbols, opts) => values$<Trade>(spec('trade', toList(symbols), opts)),
    orderbookEvents$: (symbols, opts) => {
      const wire = wireDepth(opts?.depth, opts?.diff === true)
      const source = events$<OrderbookSnapshot>(
        spec('orderbook', toList(symbols), opts, {
          depth: wire,
          level: opts?.level,
          diff: opts?.diff === true ? true : undefined,
        }),
      )
      const depth = opts?.depth
      if (wire === depth || depth === undefined) return source
      return source.pipe(map((e) => (e.type === 'data' ? { ...e, value: trimBook(e.value, depth) } : e)))
    },
    orderbook$: (symbols, opts) => {
      const wire = wireDepth(opts?.depth, opts?.diff === true)
      const source = values$<OrderbookSnapshot>(
        spec('orderbook', toList(symbols), opts, {
          depth: wire,
          level: opts?.level,
          diff: opts?.diff === true ? true : undefined,
        }),
      )
      const depth = opts?.depth
      if (wire === depth || depth === undefined) return source
      return source.pipe(map((book) => trimBook(book, depth)))
    },
    candleEvents$: (symbols, interval, opts) =>
      events$<Candle>(spec('candle', toList(symbols), opts, { interval })),
    candles$: (symbols, interval, opts) =>
      values$<Candle>(spec('candle', toList(symbols), opts, { interval })),
    myOrderEvents$: (symbols, opts) => events$<Order>(spec('order', orderSymbols(symbols), opts)),
    myOrders$: (symbols, opts) => values$<Order>(spec('order', orderSymbols(symbols), opts)),
    myAssetEvents$: (opts) => events$<Balance>(spec('balance', [undefined], opts)),
    myAssets$: (opts) => values$<Balance>(spec('balance', [undefined], opts)),
    status$: new Observable<WsStatus>((subscriber) => {
      // the current state of every connection first, then the live events
      for (const event of [...states.values()]) subscriber.next(event)
      return status.subscribe(subscriber)
    }),
    stats: () => ({
      sockets: counters.sockets,
      connections: connections.size,
      timers: counters.timers + (immediate === undefined ? 0 : 1),
      subscribers: counters.subscribers,
      streams: topics.size,
      listeners: counters.listeners,
      buffered: counters.buffered,
      framesReceived: counters.framesReceived,
      delivered: counters.delivered,
      dropped: counters.dropped,
      malformed: counters.malformed,
      duplicates: counters.duplicates,
      late: counters.late,
      requestsSent: counters.requestsSent,
      pingsSent: counters.pingsSent,
      probes: counters.probes,
      silences: counters.silences,
      handshakeTimeouts: counters.handshakeTimeouts,
      reconnects: counters.reconnects,
      stale: counters.stale,
      gaps: counters.gaps,
    }),
    close: () => {
      if (!closed) {
        closed = true
        signal?.removeEventListener('abort', onClientAbort)
        for (const topic of [...topics.values()]) for (const sink of [...topic.sinks]) sink.complete()
        for (const conn of [...connections]) conn.shutdown('client closed')
        if (immediate !== undefined) clearImmediate(immediate)
        immediate = undefined
        ready.clear()
        status.complete()
      }
      return new Promise<void>((resolve) => {
        closeWaiters.push(resolve)
        maybeClosed()
      })
    },
  }

  const signal = options.signal
  const onClientAbort = () => {
    void client.close()
  }
  if (signal !== undefined) {
    if (signal.aborted) queueMicrotask(onClientAbort)
    else signal.addEventListener('abort', onClientAbort, { once: true })
  }
  return client
}

/** The book's best `depth` levels a side, as a new frozen snapshot (the wire's book is untouched). */
function trimBook(book: OrderbookSnapshot, depth: number): OrderbookSnapshot {
  if (book.bids.length <= depth && book.asks.length <= depth) return book
  return Object.freeze({ ...book, bids: book.bids.slice(0, depth), asks: book.asks.slice(0, depth) })
}
