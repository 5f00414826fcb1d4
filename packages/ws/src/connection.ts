import {
  AuthenticationError,
  type BackboneError,
  ConnectionClosedError,
  type Logger,
  NetworkError,
  PermissionError,
  RateLimitError,
  TimeoutError,
} from '@bb/errors'
import type { StreamRequest, WsEndpoint } from '@bb/exchange-adapter'
import type { CandleInterval } from '@bb/models'
import { type Clock, Timer } from '@bb/utils'
import WebSocket from 'ws'
import { type ResolvedReconnect, reconnectDelay } from './backoff.js'
import { SendMeter } from './meter.js'
import type { Sink } from './sink.js'
import type { GapReason, StreamKind, WsStatus } from './types.js'

/** A watchdog run this late (ms) means the event loop was blocked: re-check after I/O. */
const WATCH_LAG_MS = 250
/** How long the event loop runs (reading sockets) before the late watchdog judges, ms. */
const WATCH_RECHECK_MS = 100

/** One stream on the exchange: kind × options × symbol, shared by every subscriber. */
export interface Topic {
  /** Unique key: kind, options and symbol. */
  readonly key: string
  /** Routing key on a connection: kind, interval and symbol (orderbook depth is not on the wire). */
  readonly route: string
  readonly kind: StreamKind
  readonly symbol: string | undefined
  readonly depth: number | undefined
  readonly level: number | undefined
  /** Orderbook: the sequenced diff stream (values are diffs: never replayed to a late subscriber). */
  readonly diff: boolean | undefined
  readonly interval: CandleInterval | undefined
  readonly sinks: Set<Sink>
  /** Subscribers per mode. */
  readonly modes: { both: number; snapshot: number; realtime: number }
  conn: Connection | undefined
  /** The last value delivered (replayed as the snapshot of a late subscriber). */
  last: unknown
  /** Exchange time of the last value. */
  lastTimestamp: number | undefined
  /** Trades: the last id delivered (dedupe and gap back-fill). */
  lastId: string | undefined
  /** Local time the topic was created. */
  readonly since: number
  /**
   * True from a gap marker until the next value: a `silence` or `unreadable` gap is not repeated
   * while one is open (the open one already covers everything up to the next value).
   */
  gapOpen: boolean
  /** The exchange's channel name of the values seen (e.g. `trade`): finds the topic of an unreadable frame. */
  wire: string | undefined
}

/** The routing channel of a topic: its kind, or `candle|<interval>`. */
function channelOf(topic: {
  readonly kind: StreamKind
  readonly interval: CandleInterval | undefined
}): string {
  return topic.kind === 'candle' ? `candle|${topic.interval}` : topic.kind
}

/** The wire mode a topic needs, from its subscribers' modes. */
function wireMode(topic: Topic): 'both' | 'snapshot' | 'realtime' {
  const snapshot = topic.modes.both > 0 || topic.modes.snapshot > 0
  const realtime = topic.modes.both > 0 || topic.modes.realtime > 0
  return snapshot && realtime ? 'both' : snapshot ? 'snapshot' : 'realtime'
}

/** What a connection needs from its client. */
export interface ConnectionHost {
  readonly clock: Clock
  /** The receive time of a frame: the clock, read once per burst of frames (see client.ts). */
  frameTime(): number
  readonly logger: Logger
  readonly exchange: string
  readonly counters: {
    timers: number
    sockets: number
    listeners: number
    requestsSent: number
    pingsSent: number
    reconnects: number
    stale: number
    framesReceived: number
    probes: number
    silences: number
    handshakeTimeouts: number
  }
  readonly reconnect: ResolvedReconnect | false
  readonly pingIntervalMs: number
  readonly staleAfterMs: number
  /** Probe a connection with live topics after this long without a frame. */
  readonly idleMs: number
  /** Declare it stale when nothing answers the probe within this long. */
  readonly probeTimeoutMs: number
  /** A longer inbound pause that resumes on the same socket is a `silence` gap. */
  readonly silenceMs: number
  /** The expected-activity threshold never goes below this, ms. */
  readonly minSilenceMs: number
  /** A pause longer than this many mean inter-frame intervals is a silence (0: off). */
  readonly silenceFactor: number
  /** Abandon a handshake after this long. */
  readonly handshakeTimeoutMs: number
  readonly coalesceMs: number
  readonly lingerMs: number
  readonly messageWindows: readonly { readonly limit: number; readonly intervalMs: number }[]
  readonly connectMeter: SendMeter
  /** Builds the subscription text of a set of streams. */
  build(streams: StreamRequest[]): string
  /**
   * Incremental subscriptions (the adapter's `buildSubscriptionFrames`): the frames that add, or
   * drop, these streams. When set, only topics a socket does not carry yet are sent.
   */
  readonly buildFrames?:
    | ((streams: StreamRequest[], action: 'subscribe' | 'unsubscribe') => string[])
    | undefined
  /** Upgrade headers (private endpoint). */
  headers(endpoint: WsEndpoint): Record<string, string> | undefined
  /**
   * The frame that authenticates a connection after it opens, signed now (the adapter's
   * `ws.authenticate`, private endpoint), or `undefined` when the endpoint needs none. Throws when
   * it cannot be built.
   */
  authFrame(endpoint: WsEndpoint): string | undefined
  /** Maps a refusing close code to an error (the adapter's `ws.mapClose`). */
  mapClose(code: number, reason: string): BackboneError | undefined
  /** Text ping, if the exchange has one. */
  readonly pingText: string | undefined
  /** Text ping of the private endpoint, when it differs. */
  readonly privatePingText: string | undefined
  /** Whether to send RFC 6455 pings. */
  readonly protocolPings: boolean
  /** Handles one frame received at `receivedAt`. */
  onFrame(conn: Connection, data: Buffer, receivedAt: number): void
  status(event: WsStatus): void
  /**
   * Emits gap markers for topics that were live on a lost or silent socket (`silence` and
   * `unreadable` skip topics whose gap is still open).
   */
  gap(topics: readonly Topic[], reason: GapReason, to: number): void
  /** Errors every subscriber of these topics and removes the topics. */
  failTopics(topics: readonly Topic[], error: BackboneError): void
  /** The connection is gone for good (no topics, or closed). */
  dispose(conn: Connection): void
  /** A socket finished closing. */
  socketClosed(): void
}

const SOCKET_LISTENERS = 5
/** The longest delay a Node.js timer holds (2^31 − 1 ms). */
const MAX_TIMER_MS = 2_147_483_647

/**
 * One connection slot: it keeps its subscription set, (re)opens its socket, sends the whole set
 * (coalesced and metered) whenever it changes, keeps the socket alive, notices silence, and
 * reconnects with backoff. A reconnect keeps the slot (and its id).
 */
export class Connection {
  readonly topics = new Set<Topic>()
  readonly routes = new Map<string, Topic>()
  /** Routing index: channel (kind, or `candle|<interval>`) → symbol (`*` = all) → topic. */
  readonly channels = new Map<string, Map<string, Topic>>()
  private socket: WebSocket | undefined
  private state: 'idle' | 'connecting' | 'open' | 'waiting' | 'disposed' = 'idle'
  private meter: SendMeter
  /** Topics whose subscription went out on the current socket. */
  private readonly live = new Set<Topic>()
  /** Topics newly sent in the last request: blamed for a refusal. */
  private suspects: Topic[] = []
  private sentSignature: string | undefined
  private lost: { topics: Topic[]; reason: GapReason } | undefined
  private staleNow = false
  private attempt = 0
  private authFailures = 0
  /** The current socket sent an authentication frame (its refusal arrives as an error frame). */
  private authSent = false
  /** The current socket's authentication was refused (its later replies prove nothing). */
  private authRefused = false
  private lastFrameAt = 0
  /** When the watchdog was due (a much later run means the event loop was blocked). */
  private watchDueAt = 0
  /** Mean interval between frames (EWMA, 1/16), ms: how busy this connection normally is. */
  private frameGapMs = 0
  /** The pause after which the next frame is a `silence` gap: busy connections get a shorter one. */
  private silenceLimit = 0
  /** When the outstanding liveness probe went out (0 = none outstanding). */
  private probeAt = 0
  /** The socket whose handshake timed out (its `error` event is already reported). */
  private abandoned: WebSocket | undefined
  private fatal: BackboneError | undefined
  private readonly flushTimer: Timer
  private readonly pingTimer: Timer
  /** The liveness watchdog: probe when idle, stale when unanswered. */
  private readonly staleTimer: Timer
  private readonly retryTimer: Timer
  private readonly lingerTimer: Timer
  private readonly handshakeTimer: Timer
  /** This endpoint's text ping. */
  private readonly pingText: string | undefined

  constructor(
    readonly id: number,
    readonly endpoint: WsEndpoint,
    readonly url: string,
    private readonly host: ConnectionHost,
  ) {
    const c = host.counters
    this.flushTimer = new Timer(host.clock, c)
    this.pingTimer = new Timer(host.clock, c)
    this.staleTimer = new Timer(host.clock, c)
    this.retryTimer = new Timer(host.clock, c)
    this.lingerTimer = new Timer(host.clock, c)
    this.handshakeTimer = new Timer(host.clock, c)
    this.meter = new SendMeter(host.messageWindows)
    this.pingText = endpoint === 'private' ? (host.privatePingText ?? host.pingText) : host.pingText
  }

  /** Whether a socket is open. */
  get isOpen(): boolean {
    return this.state === 'open'
  }

  /** Whether the slot is gone. */
  get disposed(): boolean {
    return this.state === 'disposed'
  }

  /** Topics whose subscription went out on the current socket. */
  get liveTopics(): ReadonlySet<Topic> {
    return this.live
  }

  /** Adds a topic and schedules a (coalesced) resend; opens the socket when needed. */
  add(topic: Topic): void {
    this.topics.add(topic)
    this.routes.set(topic.route, topic)
    const channel = channelOf(topic)
    let bySymbol = this.channels.get(channel)
    if (bySymbol === undefined) {
      bySymbol = new Map()
      this.channels.set(channel, bySymbol)
    }
    bySymbol.set(topic.symbol ?? '*', topic)
    topic.conn = this
    this.lingerTimer.clear()
    if (this.state === 'idle') this.connect()
    else this.changed()
  }

  /** Incremental subscriptions: sends the frames that drop a topic this open socket carried. */
  private unsubscribe(topic: Topic): void {
    const build = this.host.buildFrames
    const socket = this.socket
    if (build === undefined || socket === undefined || this.state !== 'open') return
    const request: { -readonly [K in keyof StreamRequest]: StreamRequest[K] } = { kind: topic.kind }
    if (topic.symbol !== undefined) request.symbols = [topic.symbol]
    if (topic.interval !== undefined) request.interval = topic.interval
    try {
      for (const text of build([request], 'unsubscribe')) {
        socket.send(text)
        this.host.counters.requestsSent++
      }
    } catch (error) {
      this.host.logger.error({ connection: this.id, error }, 'ws unsubscription could not be built')
    }
  }

  /** Removes a topic; an empty connection lingers, then closes. */
  remove(topic: Topic): void {
    if (!this.topics.delete(topic)) return
    if (this.routes.get(topic.route) === topic) this.routes.delete(topic.route)
    const bySymbol = this.channels.get(channelOf(topic))
    if (bySymbol?.get(topic.symbol ?? '*') === topic) {
      bySymbol.delete(topic.symbol ?? '*')
      if (bySymbol.size === 0) this.channels.delete(channelOf(topic))
    }
    const wasLive = this.live.delete(topic)
    topic.conn = undefined
    if (wasLive) this.unsubscribe(topic)
    if (this.topics.size > 0) {
      this.changed()
      return
    }
    if (this.state === 'open' || this.state === 'connecting') {
      // Linger: a subscribe/unsubscribe storm reuses the socket instead of reconnecting.
      this.flushTimer.clear()
      this.lingerTimer.set(() => this.shutdown('idle'), this.host.lingerMs)
    } else this.shutdown('idle')
  }

  /** Marks the set changed: it goes out after `coalesceMs` (or later, if the meter says so). */
  changed(): void {
    if (this.state === 'open') this.flushTimer.ensure(() => this.flush(), this.host.coalesceMs)
  }

  /** Closes the socket, stops every timer and forgets the slot. */
  shutdown(why: string): void {
    if (this.state === 'disposed') return
    this.state = 'disposed'
    this.clearTimers()
    const socket = this.socket
    if (socket !== undefined) {
      if (socket.readyState === WebSocket.OPEN) socket.close(1000, why)
      else socket.terminate()
    }
    for (const topic of this.topics) topic.conn = undefined
    this.topics.clear()
    this.routes.clear()
    this.channels.clear()
    this.live.clear()
    this.host.dispose(this)
  }

  private clearTimers(): void {
    this.flushTimer.clear()
    this.pingTimer.clear()
    this.staleTimer.clear()
    this.retryTimer.clear()
    this.lingerTimer.clear()
    this.handshakeTimer.clear()
  }

  private connect(): void {
    const host = this.host
    const now = host.clock.now()
    const wait = host.connectMeter.delay(now)
    if (wait > 0) {
      this.state = 'waiting'
      this.retryTimer.set(() => this.connect(), wait)
      return
    }
    host.connectMeter.record(now)
    this.state = 'connecting'
    this.fatal = undefined
    host.status({
      type: 'connecting',
      connection: this.id,
      endpoint: this.endpoint,
      url: this.url,
      attempt: this.attempt,
    })
    const headers = host.headers(this.endpoint)
    const socket = new WebSocket(this.url, {
      perMessageDeflate: false,
      ...(headers === undefined ? {} : { headers }),
    })
    this.socket = socket
    host.counters.sockets++
    host.counters.listeners += SOCKET_LISTENERS
    this.handshakeTimer.set(() => this.handshakeExpired(socket), host.handshakeTimeoutMs)
    socket.on('open', () => this.onOpen(socket))
    socket.on('message', (data: Buffer) => {
      if (this.socket !== socket) return
      const now = host.frameTime()
      // the first frame after a pause: what was sent meanwhile may be lost (one compare per frame)
      const pause = now - this.lastFrameAt
      if (pause > this.silenceLimit) this.resumed(now)
      this.lastFrameAt = now
      // Expected activity: a connection that normally sees a frame every few ms has been silent
      // long before `silenceMs` (a few float operations per frame; frames of one read share `now`).
      // Only pauses between reads count: frames of one read (one burst, one clock value) are one
      // sample, so a snapshot burst does not make a connection look busy.
      if (host.silenceFactor > 0 && pause > 0) {
        this.frameGapMs += (Math.min(pause, host.silenceMs) - this.frameGapMs) * 0.0625
        const expected = host.silenceFactor * this.frameGapMs
        this.silenceLimit =
          expected < host.minSilenceMs ? host.minSilenceMs : Math.min(expected, host.silenceMs)
      }
      if (this.probeAt !== 0) this.answered()
      host.counters.framesReceived++
      host.onFrame(this, data, now)
    })
    socket.on('error', (error: Error) => this.onSocketError(socket, error))
    socket.on('pong', () => {
      // Without an application ping (no status frames to expect), a pong is the proof of life.
      if (this.pingText === undefined && this.socket === socket) {
        this.lastFrameAt = host.clock.now()
        if (this.probeAt !== 0) this.answered()
      }
    })
    socket.on('close', (code: number, reason: Buffer) => this.onClose(socket, code, reason.toString('utf8')))
  }

  /** The handshake did not complete in time: abandon the socket; `onClose` retries with backoff. */
  private handshakeExpired(socket: WebSocket): void {
    if (this.socket !== socket || this.state !== 'connecting') return
    const host = this.host
    host.counters.handshakeTimeouts++
    const error = new TimeoutError({
      exchange: host.exchange,
      channel: 'ws',
      timeoutMs: host.handshakeTimeoutMs,
      message: `The WebSocket handshake with ${host.exchange} did not complete within ${host.handshakeTimeoutMs} ms.`,
      details: { url: this.url, connection: this.id },
    })
    host.logger.warn({ connection: this.id, timeoutMs: host.handshakeTimeoutMs }, 'ws handshake timed out')
    host.status({ type: 'error', connection: this.id, endpoint: this.endpoint, error })
    this.abandoned = socket
    socket.terminate()
  }

  private onOpen(socket: WebSocket): void {
    if (this.socket !== socket) return
    const host = this.host
    this.handshakeTimer.clear()
    this.state = 'open'
    this.meter = new SendMeter(host.messageWindows)
    this.live.clear()
    this.sentSignature = undefined
    this.lastFrameAt = host.clock.now()
    this.silenceLimit = host.silenceMs
    this.frameGapMs = host.silenceFactor > 0 ? host.silenceMs / host.silenceFactor : 0
    this.probeAt = 0
    host.status({ type: 'open', connection: this.id, endpoint: this.endpoint, url: this.url })
    if (!this.authenticate(socket)) return
    if (this.topics.size === 0) {
      this.lingerTimer.set(() => this.shutdown('idle'), host.lingerMs)
    } else this.flush()
    this.ping()
    this.armWatch(Math.min(host.idleMs, host.staleAfterMs))
  }

  /**
   * Sends the endpoint's authentication frame (signed now, so every reconnect carries a fresh
   * timestamp) before any subscription. False when it could not be built: that is an
   * authentication failure, and the socket is closed (the next attempt tries again).
   */
  private authenticate(socket: WebSocket): boolean {
    const host = this.host
    let frame: string | undefined
    try {
      frame = host.authFrame(this.endpoint)
    } catch (cause) {
      const error = AuthenticationError.isInstance(cause)
        ? cause
        : new AuthenticationError({
            exchange: host.exchange,
            channel: 'ws',
            message: `The ${host.exchange} private connection could not be signed with the given credentials (${cause instanceof Error ? cause.name : typeof cause}); check that accessKey and secretKey are the strings the exchange issued.`,
          })
      host.status({ type: 'error', connection: this.id, endpoint: this.endpoint, error })
      this.authFailed(error)
      socket.close(1000, 'authentication not possible')
      return false
    }
    this.authSent = frame !== undefined
    this.authRefused = false
    if (frame === undefined) return true
    this.meter.record(host.clock.now())
    socket.send(frame)
    host.counters.requestsSent++
    return true
  }

  /**
   * The first frame after an inbound pause longer than `silenceMs` on the same socket: every topic
   * live on it may have lost values sent meanwhile — one `silence` gap each (before this frame's
   * values are delivered).
   */
  private resumed(now: number): void {
    if (this.live.size === 0) return
    const host = this.host
    const silent = now - this.lastFrameAt
    host.counters.silences++
    host.logger.warn({ connection: this.id, silentForMs: silent }, 'ws connection resumed after a silence')
    host.gap([...this.live], 'silence', now)
    host.status({
      type: 'silence',
      connection: this.id,
      endpoint: this.endpoint,
      silentForMs: silent,
      streams: this.live.size,
    })
  }

  /** The socket proved alive: a data or status frame arrived. */
  alive(): void {
    if (this.authRefused) return
    this.attempt = 0
    this.authFailures = 0
  }

  private ping(): void {
    const host = this.host
    const socket = this.socket
    if (this.state !== 'open' || socket === undefined) return
    const now = host.clock.now()
    if (this.pingText !== undefined && this.meter.delay(now) <= 0) {
      this.meter.record(now)
      socket.send(this.pingText)
      host.counters.pingsSent++
    }
    if (host.protocolPings) {
      socket.ping()
      host.counters.pingsSent++
    }
    this.pingTimer.set(() => this.ping(), host.pingIntervalMs)
  }

  /** Something arrived while a probe was outstanding: the connection is alive; watch for idleness again. */
  private answered(): void {
    this.probeAt = 0
    this.armWatch(Math.min(this.host.idleMs, this.host.staleAfterMs))
  }

  private armWatch(delay: number): void {
    // at least 10 ms (no busy loop), at most what a timer can hold
    const ms = Math.min(MAX_TIMER_MS, Math.max(10, delay))
    this.watchDueAt = this.host.clock.now() + ms
    this.staleTimer.set(() => this.watch(), ms)
  }

  /**
   * The liveness watchdog (one timer; frames only update `lastFrameAt`, so the hot path never
   * touches it). A connection with live topics that received nothing for `idleMs` sends a probe
   * (the text ping, through the meter, or a protocol ping); when nothing at all arrives within
   * `probeTimeoutMs` after it, or for `staleAfterMs` in any case, the connection is stale.
   */
  private watch(): void {
    if (this.state !== 'open') return
    const host = this.host
    const now = host.clock.now()
    // The timer fired late: this process was busy (a long synchronous job), and frames may be
    // waiting unread in the socket. Let one round of I/O run before judging the connection.
    if (now - this.watchDueAt > WATCH_LAG_MS) {
      this.watchDueAt = now + WATCH_RECHECK_MS
      this.staleTimer.set(() => this.watch(), WATCH_RECHECK_MS)
      return
    }
    const last = this.lastFrameAt
    const silent = now - last
    const staleDue = last + host.staleAfterMs - now
    if (this.topics.size > 0 && staleDue <= 0) {
      this.declareStale(silent, 'no-frames')
      return
    }
    if (this.probeAt > 0 && last >= this.probeAt) this.probeAt = 0 // answered
    if (this.live.size === 0) {
      this.probeAt = 0
      this.armWatch(Math.min(host.idleMs, staleDue))
      return
    }
    if (this.probeAt > 0) {
      const answerDue = this.probeAt + host.probeTimeoutMs - now
      if (answerDue <= 0) {
        this.declareStale(silent, 'probe-timeout')
        return
      }
      this.armWatch(Math.min(answerDue, staleDue))
      return
    }
    const idleDue = last + host.idleMs - now
    if (idleDue > 0) {
      this.armWatch(Math.min(idleDue, staleDue))
      return
    }
    const wait = this.probe(now)
    this.armWatch(Math.min(wait > 0 ? wait : host.probeTimeoutMs, staleDue))
  }

  /** Sends a liveness probe; returns 0 when sent, else how long the meter says to wait (ms). */
  private probe(now: number): number {
    const host = this.host
    const socket = this.socket
    if (socket === undefined) return host.idleMs
    if (this.pingText !== undefined) {
      const wait = this.meter.delay(now)
      if (wait > 0) return wait
      this.meter.record(now)
      socket.send(this.pingText)
    } else if (host.protocolPings) socket.ping()
    else return host.idleMs // nothing to probe with: only `staleAfterMs` applies
    host.counters.pingsSent++
    host.counters.probes++
    this.probeAt = now
    return 0
  }

  private declareStale(silent: number, cause: 'probe-timeout' | 'no-frames'): void {
    const host = this.host
    host.counters.stale++
    host.logger.warn({ connection: this.id, silentForMs: silent, cause }, 'ws connection stale: replacing it')
    host.status({ type: 'stale', connection: this.id, endpoint: this.endpoint, silentForMs: silent, cause })
    this.staleNow = true
    this.probeAt = 0
    this.socket?.terminate()
  }

  /** Sends the whole set when it differs from what the server has, within the message limits. */
  private flush(): void {
    const socket = this.socket
    if (this.state !== 'open' || socket === undefined) return
    const host = this.host
    const streams: StreamRequest[] = []
    const sent: Topic[] = []
    let allOrders = false
    for (const topic of this.topics) {
      if (topic.kind === 'order' && topic.symbol === undefined) allOrders = true
    }
    for (const topic of this.topics) {
      let mode = wireMode(topic)
      const wasLive = this.live.has(topic)
      // Incremental subscriptions add: a topic the socket carries is not sent again.
      if (wasLive && host.buildFrames !== undefined) continue
      if (wasLive) {
        // Already subscribed on this socket: no second snapshot (a late subscriber gets the cached one).
        if (mode === 'snapshot') continue
        mode = 'realtime'
      }
      if (topic.kind === 'order' && allOrders && topic.symbol !== undefined) continue
      const request: { -readonly [K in keyof StreamRequest]: StreamRequest[K] } = { kind: topic.kind }
      if (topic.symbol !== undefined) request.symbols = [topic.symbol]
      else if (topic.kind === 'order') request.symbols = []
      if (topic.depth !== undefined) request.depth = topic.depth
      if (topic.level !== undefined) request.level = topic.level
      if (topic.diff === true) request.diff = true
      if (topic.interval !== undefined) request.interval = topic.interval
      if (mode !== 'both') request.mode = mode
      streams.push(request)
      sent.push(topic)
    }
    if (streams.length === 0) return
    const signature = [...this.topics]
      .map((topic) => `${topic.key}:${wireMode(topic)}`)
      .sort()
      .join(',')
    if (signature === this.sentSignature) return
    let texts: string[]
    try {
      texts = host.buildFrames !== undefined ? host.buildFrames(streams, 'subscribe') : [host.build(streams)]
    } catch (error) {
      host.logger.error({ connection: this.id, error }, 'ws subscription could not be built')
      return
    }
    const now = host.clock.now()
    const wait = this.meter.delay(now)
    if (wait > 0) {
      this.flushTimer.set(() => this.flush(), wait)
      return
    }
    for (const text of texts) {
      // An empty text: the authenticated connection already carries the streams (nothing to send).
      if (text === '') continue
      this.meter.record(now)
      socket.send(text)
      host.counters.requestsSent++
    }
    this.sentSignature = signature
    // frames are expected from now on: a connection that carried nothing was not "silent" before
    if (this.live.size === 0) this.lastFrameAt = now
    this.suspects = sent.filter((topic) => !this.live.has(topic))
    for (const topic of sent) this.live.add(topic)
    host.logger.debug({ connection: this.id, streams: streams.length }, 'ws subscription sent')
    const lost = this.lost
    if (lost !== undefined) {
      this.lost = undefined
      const still = lost.topics.filter((topic) => topic.conn === this)
      host.gap(still, lost.reason, now)
      host.status({
        type: 'resubscribed',
        connection: this.id,
        endpoint: this.endpoint,
        streams: streams.length,
      })
    }
  }

  /** An error frame arrived on this connection. */
  errorFrame(error: BackboneError): void {
    const host = this.host
    host.status({ type: 'error', connection: this.id, endpoint: this.endpoint, error })
    host.logger.warn({ connection: this.id, error }, 'ws error frame')
    if (AuthenticationError.isInstance(error) || PermissionError.isInstance(error)) {
      this.authFailed(error)
      // A refused authentication frame leaves the socket open but unauthenticated: close it, so
      // the next connect signs a fresh frame (or, past the limit, the streams have failed).
      if (this.authSent) {
        // Replies still in flight on this socket (a ping's) must not reset the failure count.
        this.authRefused = true
        if (this.fatal === undefined) this.socket?.close(1000, 'authentication refused')
      }
      return
    }
    if (RateLimitError.isInstance(error)) return
    // A refused request: blame the streams it added (or all of them), keep the rest.
    const blamed = this.suspects.length > 0 ? this.suspects : [...this.topics]
    this.suspects = []
    host.failTopics(blamed, error)
  }

  private authFailed(error: BackboneError): void {
    this.authFailures++
    const reconnect = this.host.reconnect
    if (reconnect === false || this.authFailures > reconnect.maxAuthFailures) {
      this.fatal = error
      this.host.failTopics([...this.topics], error)
    }
  }

  private onSocketError(socket: WebSocket, error: Error): void {
    if (this.socket !== socket || this.abandoned === socket) return
    const host = this.host
    host.logger.debug({ connection: this.id, error: error.message }, 'ws socket error')
    const status = /Unexpected server response: (\d+)/.exec(error.message)?.[1]
    let mapped: BackboneError
    if (status === '401' || status === '403') {
      mapped = new AuthenticationError({
        exchange: host.exchange,
        channel: 'ws',
        status: Number(status),
        cause: error,
      })
      this.authFailed(mapped)
    } else if (status === '429' || status === '418') {
      mapped = new RateLimitError({
        exchange: host.exchange,
        channel: 'ws',
        status: Number(status),
        banned: status === '418',
      })
    } else mapped = new NetworkError({ exchange: host.exchange, channel: 'ws', cause: error })
    host.status({ type: 'error', connection: this.id, endpoint: this.endpoint, error: mapped })
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    const host = this.host
    host.counters.sockets--
    host.counters.listeners -= SOCKET_LISTENERS
    socket.removeAllListeners()
    socket.on('error', () => {})
    host.socketClosed()
    if (this.socket !== socket) return
    this.socket = undefined
    this.flushTimer.clear()
    this.pingTimer.clear()
    this.staleTimer.clear()
    this.handshakeTimer.clear()
    this.probeAt = 0
    const why = this.abandoned === socket ? `handshake timed out after ${host.handshakeTimeoutMs} ms` : reason
    this.abandoned = undefined
    host.status({ type: 'closed', connection: this.id, endpoint: this.endpoint, code, reason: why })
    if (this.state === 'disposed') return
    // A close code that refuses the connection (bad credentials, too many connections).
    const refused = host.mapClose(code, reason)
    if (refused !== undefined) {
      host.status({ type: 'error', connection: this.id, endpoint: this.endpoint, error: refused })
      host.logger.warn({ connection: this.id, code, error: refused }, 'ws connection refused')
      if (AuthenticationError.isInstance(refused) || PermissionError.isInstance(refused))
        this.authFailed(refused)
    }
    const wasOpen = this.state === 'open'
    this.state = 'idle'
    if (this.topics.size === 0) {
      this.shutdown('idle')
      return
    }
    const reason2: GapReason = this.staleNow ? 'stale' : 'reconnect'
    this.staleNow = false
    if (wasOpen || this.lost !== undefined) {
      const topics = new Set(this.lost?.topics ?? [])
      for (const topic of this.live) topics.add(topic)
      this.lost = { topics: [...topics], reason: this.lost?.reason === 'stale' ? 'stale' : reason2 }
    }
    this.live.clear()
    if (this.fatal !== undefined) {
      // failTopics already removed the topics; anything left (added meanwhile) retries.
      if (this.topics.size === 0) return
    }
    const policy = host.reconnect
    this.attempt++
    if (policy === false || this.attempt > policy.maxAttempts) {
      const error = new ConnectionClosedError({
        exchange: host.exchange,
        channel: 'ws',
        closeCode: code,
        reason: why || 'connection lost',
        retryable: false,
      })
      host.failTopics([...this.topics], error)
      return
    }
    const delay = reconnectDelay(this.attempt, policy)
    host.counters.reconnects++
    host.status({
      type: 'reconnecting',
      connection: this.id,
      endpoint: this.endpoint,
      attempt: this.attempt,
      delay,
    })
    this.state = 'waiting'
    this.retryTimer.set(() => this.connect(), delay)
  }
}
