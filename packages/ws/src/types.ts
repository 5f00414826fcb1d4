import type { BackboneError, Logger } from '@bb/errors'
import type { Credentials, ExchangeAdapter, WsEndpoint } from '@bb/exchange-adapter'
import type { ReconnectOptions } from './backoff.js'
import type { Clock } from './clock.js'

/** The data kinds a stream can carry (the adapter's `StreamRequest['kind']`). */
export type StreamKind = 'ticker' | 'trade' | 'orderbook' | 'candle' | 'order' | 'balance'

/**
 * Why realtime data may be missing:
 * - `reconnect`: the connection dropped and was re-established;
 * - `stale`: the connection went silent (its liveness probe went unanswered, or nothing arrived
 *   for `staleAfterMs`), was declared stale and replaced;
 * - `silence`: the connection received nothing for longer than `heartbeat.silenceMs` and then
 *   resumed on the same socket (values sent meanwhile may never arrive);
 * - `unreadable`: a frame that could have carried this stream could not be used (invalid or
 *   truncated JSON, a wrong shape, normalization failed); one marker per stream until a good value
 *   of it arrives;
 * - `overflow`: this subscriber was too slow and its buffer dropped the oldest values;
 * - `sequence`: trade ids jumped (only for exchanges with contiguous trade ids).
 */
export type GapReason = 'reconnect' | 'stale' | 'silence' | 'unreadable' | 'overflow' | 'sequence'

/**
 * An in-band marker: values of `kind` for `symbol` may be missing between `from` and `to`.
 * A router back-fills from REST: trades after `lastId`, candles in `[from, to]`, a fresh
 * ticker / order book snapshot.
 */
export interface GapEvent {
  /** Discriminant. */
  readonly type: 'gap'
  /** The data kind of the stream. */
  readonly kind: StreamKind
  /** The market; `undefined` for account-wide streams (balances, all orders). */
  readonly symbol: string | undefined
  /**
   * Start of the possibly missing range, ms UTC: the exchange timestamp of the last value delivered
   * before the gap, or (when none was) the local time the stream was subscribed / lost.
   */
  readonly from: number
  /**
   * End of the range, ms UTC: the local time the stream was live again (`reconnect`, `stale`,
   * `silence`) or the unusable frame arrived (`unreadable`), or the timestamp of the last dropped /
   * first value after the jump (`overflow`, `sequence`).
   */
  readonly to: number
  /** Why. */
  readonly reason: GapReason
  /**
   * Trades: id of the last trade before the gap (back-fill everything after it, up to the next
   * trade the stream delivers). Set for every reason once the stream has delivered a trade.
   */
  readonly lastId?: string
  /** `overflow`: how many values of this symbol were dropped. */
  readonly dropped?: number
}

/** A data element of a stream. */
export interface DataEvent<T> {
  /** Discriminant. */
  readonly type: 'data'
  /** The normalized model. */
  readonly value: T
}

/**
 * What an `…Events$` stream emits: normalized values, and in-band {@link GapEvent} markers
 * where realtime data may be missing. The plain streams (`trades$`, …) emit only the values.
 *
 * @example
 * ```ts
 * import type { Trade } from '@bb/models'
 * import type { StreamEvent } from '@bb/ws'
 *
 * function onEvent(event: StreamEvent<Trade>): void {
 *   if (event.type === 'gap') console.log(`${event.symbol}: back-fill after ${event.lastId} (${event.reason})`)
 *   else console.log(event.value.id)
 * }
 * ```
 */
export type StreamEvent<T> = DataEvent<T> | GapEvent

/** What to do when a subscriber's buffer is full. */
export type OverflowPolicy = 'drop-oldest' | 'error'

/** Per-subscriber buffering. */
export interface BufferOptions {
  /** Values held for one subscriber before the overflow policy applies. @default 10000 */
  readonly size?: number
  /**
   * `drop-oldest` (default): drop the oldest value, count it (`stats().dropped`) and emit a
   * `gap` marker with reason `overflow` before the next value; `error`: error the subscriber's
   * stream with a `SubscriptionError`.
   */
  readonly overflow?: OverflowPolicy
}

/** Snapshot / realtime choice (Upbit `is_only_snapshot` / `is_only_realtime`). */
export type StreamMode = 'both' | 'snapshot' | 'realtime'

/** Options every stream method accepts. */
export interface StreamOptions {
  /**
   * `both` (default): a snapshot on subscribe, then realtime; `realtime`: no snapshot;
   * `snapshot`: one snapshot per symbol, then the stream completes.
   */
  readonly mode?: StreamMode
  /** Overrides the client's buffer options for this subscriber. */
  readonly buffer?: BufferOptions
  /** Unsubscribes (completes the stream) when aborted. */
  readonly signal?: AbortSignal
}

/** Options of the order-book streams. */
export interface OrderbookStreamOptions extends StreamOptions {
  /**
   * Levels per side. A depth the exchange's WebSocket does not send (`capabilities.orderbookDepths.ws`:
   * Upbit 1, 5, 15, 30; Coinone 16; Binance 5, 10, 20) subscribes the smallest one that holds it and
   * trims every book to `depth`; a depth above all it sends is an `InvalidRequestError`.
   * @default the exchange's default (Upbit 30)
   */
  readonly depth?: number
  /** Price grouping unit (Upbit KRW pairs). */
  readonly level?: number
  /**
   * The adapter's sequenced diff stream (`capabilities.diffBook`) instead of whole books: values
   * carry `firstSequence`/`sequence` and changed levels only, for a local book (`@bb/router`).
   */
  readonly diff?: boolean
}

/**
 * Liveness settings. `pingIntervalMs` and `staleAfterMs` default to the adapter's heartbeat
 * policy; `idleMs`, `probeTimeoutMs` and `silenceMs` are the client's own (see the README,
 * "Silence is a gap"). Every value is a positive number of ms.
 */
export interface HeartbeatOptions {
  /** Send the text ping and a protocol ping this often, ms (keeps the server's idle timeout away). @default adapter (Upbit 25000) */
  readonly pingIntervalMs?: number
  /**
   * Backstop: a connection with subscriptions that received no frame (data or status) for this
   * long is declared `stale`, closed and replaced, even when no probe could be sent.
   * @default adapter `deadAfterMs` (Upbit 45000)
   */
  readonly staleAfterMs?: number
  /**
   * A connection with live streams that received no frame for this long sends a liveness probe:
   * the exchange's text ping (Upbit `PING`, answered by `{"status":"UP"}`) through the send meter,
   * or a protocol ping for an exchange without a text ping. @default 2000
   */
  readonly idleMs?: number
  /**
   * When nothing at all arrives within this long after a probe, the connection is declared
   * `stale` (status `stale`, cause `probe-timeout`), closed and replaced through the reconnect
   * path. @default 2000
   */
  readonly probeTimeoutMs?: number
  /**
   * An inbound pause longer than this on a connection with live streams that then resumes on the
   * same socket gives every stream live on it one `silence` gap. Must be greater than `idleMs`:
   * a quiet but healthy connection pauses for up to `idleMs` plus the probe's round trip.
   * @default 3000 (or `idleMs` + 1000 when that is larger)
   */
  readonly silenceMs?: number
  /**
   * Expected activity: on a busy connection a pause longer than `silenceFactor` × its mean
   * interval between frames (but at least `minSilenceMs`, at most `silenceMs`) is already a
   * `silence` gap — 40 frames/s means a gap after a 1 s pause, not 3 s. `0` turns it off.
   * @default 20
   */
  readonly silenceFactor?: number
  /** The shortest pause that counts as a silence on a busy connection, ms. @default 1000 */
  readonly minSilenceMs?: number
}

/** Options of {@link createWsClient}. */
export interface WsClientOptions {
  /** The exchange adapter, e.g. `upbit` from `@bb/exchange-adapter`. */
  readonly adapter: ExchangeAdapter
  /** Public endpoint URL. @default adapter.ws.urls.public */
  readonly url?: string
  /** Private endpoint URL. @default adapter.ws.urls.private */
  readonly privateUrl?: string
  /** API keys for `myOrders$` / `myAssets$`; both values are registered as secrets. */
  readonly credentials?: Credentials
  /** Wire format, e.g. `SIMPLE` (smaller frames); values are normalized identically. @default adapter default */
  readonly format?: string
  /** Reconnect policy, or `false` to error the streams on the first drop. */
  readonly reconnect?: ReconnectOptions | false
  /** Default per-subscriber buffering. */
  readonly buffer?: BufferOptions
  /** Liveness settings. */
  readonly heartbeat?: HeartbeatOptions
  /**
   * A socket whose WebSocket handshake (TCP connect plus HTTP upgrade) has not completed after this
   * long is abandoned (status `error` with a `TimeoutError`, then `closed`) and retried with the
   * reconnect policy like any other failed connection, ms. @default 10000
   */
  readonly handshakeTimeoutMs?: number
  /** Most streams (kind × symbol) on one connection; bigger sets are split. @default 200 */
  readonly maxStreamsPerConnection?: number
  /** Wait this long after a change before sending the merged set (coalescing), ms. @default 10 */
  readonly coalesceMs?: number
  /** Keep a connection without streams open this long before closing it, ms. @default 5000 */
  readonly lingerMs?: number
  /** Validation of normalized values (the unifier's mode: `fast` compiled checks, `strict` plus zod). @default 'fast' */
  readonly validate?: 'strict' | 'fast'
  /** Injectable time. @default systemClock */
  readonly clock?: Clock
  /** Logger (pino-compatible); wrapped so secrets never reach it. @default silentLogger */
  readonly logger?: Logger
  /** Closes the client when aborted. */
  readonly signal?: AbortSignal
}

/** Fields every {@link WsStatus} event carries. */
export interface WsStatusBase {
  /** The client's id of the connection (1, 2, …; a reconnect keeps the id). */
  readonly connection: number
  /** Public or private. */
  readonly endpoint: WsEndpoint
}

/** A connection lifecycle event, from {@link WsClient.status$}. */
export type WsStatus =
  | (WsStatusBase & {
      /** Opening a socket. */
      readonly type: 'connecting'
      /** The URL. */
      readonly url: string
      /** 0 for the first connect, then the reconnect attempt. */
      readonly attempt: number
    })
  | (WsStatusBase & {
      /** The socket is open. */
      readonly type: 'open'
      /** The URL. */
      readonly url: string
    })
  | (WsStatusBase & {
      /** The socket closed. */
      readonly type: 'closed'
      /** WebSocket close code (1006 = dropped without a close frame). */
      readonly code: number
      /** Close reason, or the error that closed it. */
      readonly reason: string
    })
  | (WsStatusBase & {
      /** A reconnect is scheduled. */
      readonly type: 'reconnecting'
      /** Attempt number, from 1. */
      readonly attempt: number
      /** Delay before it, ms. */
      readonly delay: number
    })
  | (WsStatusBase & {
      /** The whole subscription set was sent again on a new socket. */
      readonly type: 'resubscribed'
      /** Streams resubscribed. */
      readonly streams: number
    })
  | (WsStatusBase & {
      /** Nothing arrived for too long: the connection is being replaced. */
      readonly type: 'stale'
      /** Time since the last frame, ms. */
      readonly silentForMs: number
      /** `probe-timeout`: a liveness probe went unanswered for `probeTimeoutMs`; `no-frames`: nothing arrived for `staleAfterMs`. */
      readonly cause: 'probe-timeout' | 'no-frames'
    })
  | (WsStatusBase & {
      /**
       * The connection received nothing for longer than `heartbeat.silenceMs` and then resumed on
       * the same socket: every stream live on it got a `silence` gap.
       */
      readonly type: 'silence'
      /** Length of the pause, ms. */
      readonly silentForMs: number
      /** Streams live on the connection (each was marked, unless a gap of it was already open). */
      readonly streams: number
    })
  | (WsStatusBase & {
      /** An error frame or a failed connect (the affected streams also receive errors when fatal). */
      readonly type: 'error'
      /** The error. */
      readonly error: BackboneError
    })

/** Counters and gauges of a client, from {@link WsClient.stats}. */
export interface WsClientStats {
  /** Sockets not yet closed (connecting, open or closing). */
  readonly sockets: number
  /** Connections (socket slots) the client keeps, open or reconnecting. */
  readonly connections: number
  /** Timers scheduled by the client right now. */
  readonly timers: number
  /** Active subscribers (one per `subscribe()` of a stream). */
  readonly subscribers: number
  /** Distinct streams (kind × options × symbol) live on the exchange. */
  readonly streams: number
  /** Event listeners attached to sockets and abort signals. */
  readonly listeners: number
  /** Values held in subscriber buffers now. */
  readonly buffered: number
  /** Frames received. */
  readonly framesReceived: number
  /** Normalized values delivered to subscribers. */
  readonly delivered: number
  /** Values dropped by `drop-oldest` buffers. */
  readonly dropped: number
  /** Frames that could not be parsed or normalized (skipped; each marks an `unreadable` gap). */
  readonly malformed: number
  /** Duplicate trades dropped (a snapshot repeating the last trade after a resubscribe). */
  readonly duplicates: number
  /** Late trades delivered: first seen, but older than the newest trade of their market (kept, not dropped). */
  readonly late: number
  /** Subscription requests sent. */
  readonly requestsSent: number
  /** Pings sent (text and protocol), probes included. */
  readonly pingsSent: number
  /** Liveness probes sent because a connection with live streams was idle for `heartbeat.idleMs`. */
  readonly probes: number
  /** Pauses longer than `heartbeat.silenceMs` after which a connection resumed on the same socket. */
  readonly silences: number
  /** Handshakes abandoned after `handshakeTimeoutMs`. */
  readonly handshakeTimeouts: number
  /** Reconnects scheduled. */
  readonly reconnects: number
  /** Connections declared stale. */
  readonly stale: number
  /** Gap markers emitted. */
  readonly gaps: number
}
