/**
 * `@bb/ws` — a WebSocket client that never loses a subscription: cold, refcounted streams of
 * normalized models over the `ws` package; merged, coalesced and metered subscription sets;
 * reconnect with backoff and full jitter; resubscribe with in-band `gap` markers; heartbeats and
 * stale-connection replacement; bounded per-subscriber buffers.
 *
 * @packageDocumentation
 */
export type { ReconnectOptions } from './backoff.js'
export { createWsClient, type Symbols, type WsClient } from './client.js'
export { type Clock, systemClock } from './clock.js'
export {
  checkLocalBook,
  createLocalBook,
  type LocalBook,
  type LocalBookDiff,
  type LocalBookEvent,
  type LocalBookIssue,
  type LocalBookLevel,
  type LocalBookLevelInput,
  type LocalBookOptions,
  type LocalBookResyncReason,
  type LocalBookSnapshot,
  type LocalBookStreamOptions,
  localBook,
} from './local-book.js'
export type {
  BufferOptions,
  DataEvent,
  GapEvent,
  GapReason,
  HeartbeatOptions,
  OrderbookStreamOptions,
  OverflowPolicy,
  StreamEvent,
  StreamKind,
  StreamMode,
  StreamOptions,
  WsClientOptions,
  WsClientStats,
  WsStatus,
  WsStatusBase,
} from './types.js'
