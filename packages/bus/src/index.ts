/**
 * Backbone across processes: one {@link BusTransport} contract on Redis Streams (the default) or
 * NATS JetStream, a publisher (`bb serve`) under a fenced lease, the remote
 * `MarketDataBackbone` that reads from the bus, and a REST budget shared through Redis.
 *
 * @packageDocumentation
 */

export { createRedisRateLimiter, type RedisRateLimiter, type RedisRateLimiterOptions } from './budget.js'
export {
  BUS_CHANNELS,
  type BusChannel,
  type BusEntry,
  type BusRecord,
  type BusRecordInput,
  decodeFields,
  ENVELOPE_VERSION,
  encodeFields,
  escapeToken,
  keyId,
  type StreamKey,
  streamKey,
} from './envelope.js'
export { type HistoryOptions, type HistoryPage, type HistoryValues, history } from './history.js'
export { type NatsTransportOptions, natsTransport } from './nats.js'
export {
  createPublisher,
  type Publisher,
  type PublisherOptions,
  type PublisherState,
  type PublisherStats,
} from './publisher.js'
export { type RedisTransportOptions, redisTransport } from './redis.js'
export { connectBus, createBackbone, createRemoteBackbone, type RemoteBackboneOptions } from './remote.js'
export type {
  BusStatus,
  BusTransport,
  Demand,
  LeaseToken,
  PublishResult,
  ReadOptions,
  TransportSettings,
} from './transport.js'
