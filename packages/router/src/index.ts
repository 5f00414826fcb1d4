/**
 * `MarketDataBackbone`: one API over an exchange's REST and WebSocket APIs. A smart channel
 * router answers snapshots from a live cache or REST and promotes busy symbols to WebSocket
 * subscriptions; streams fail over to REST polling and back without losing or repeating trades;
 * metrics go through a small interface with a Prometheus exporter.
 *
 * @packageDocumentation
 */
export {
  type BackboneEvent,
  type BackboneHealth,
  type BackboneOptions,
  type BackfillOptions,
  type CandleStreamOptions,
  createBackbone,
  type LatestStreamOptions,
  type MarketDataBackbone,
  type OrderbookResyncReason,
  type PollIntervals,
  type SnapshotOptions,
  type StreamOptions,
} from './backbone.js'
export { type AsyncIterableOptions, toAsyncIterable } from './iterate.js'
export type { WsLinkState, WsLinkView } from './link.js'
export {
  COUNTER_LABELS,
  COUNTER_NAMES,
  type CounterHandle,
  type CounterName,
  combineMetrics,
  counterHandle,
  createMemoryMetrics,
  HISTOGRAM_NAMES,
  type HistogramName,
  type Labels,
  type Metrics,
  type MetricsSnapshot,
} from './metrics.js'
export {
  createMultiBackbone,
  type ExchangeBackboneOptions,
  type ExchangeOption,
  type FromExchange,
  type MultiBackbone,
  type MultiBackboneOptions,
} from './multi.js'
export {
  type CacheView,
  type Channel,
  type ChannelHealth,
  defaultRouterPolicy,
  type RouteDecision,
  type RouteRequest,
  type RouterPolicy,
  SmartChannelRouter,
} from './policy.js'
