/**
 * A REST client for every endpoint of an exchange adapter that never trips a rate limit: an
 * undici keep-alive pool, a proactive limiter per rate-limit group that learns from the
 * exchange's headers, coalescing of identical requests, batching of ticker requests, retries
 * with jittered backoff for retryable failures only, history of any size, and the private
 * endpoints behind credentials and an explicit `trading: 'live'`.
 *
 * @packageDocumentation
 */
export {
  type CallOptions,
  type CandleProgress,
  createRestClient,
  fillGaps,
  type GetCandlesOptions,
  type GetClosedOrdersOptions,
  type GetMyTradesOptions,
  type GetOpenOrdersOptions,
  type GetTradesOptions,
  type LimiterSettings,
  limiterFor,
  type OrderChance,
  type RestClient,
  type RestClientOptions,
  type RestClientStats,
  sharedLimiterFor,
} from './client.js'
export { type Clock, systemClock } from './clock.js'
export {
  type AcquireOptions,
  createRateLimiter,
  type Lane,
  type ObserveOptions,
  type RateLimiter,
  type RateLimiterEvent,
  type RateLimiterOptions,
  type RateLimitGroupConfig,
  type RateLimitGroupStats,
  type RateLimitLaneStats,
} from './limiter.js'
export { backoffDelay, type RetryOptions } from './retry.js'
export type { RequestEvent, RetryEvent, TransportEvent, TransportGroupStats } from './transport.js'
