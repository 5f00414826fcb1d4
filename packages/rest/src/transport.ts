import {
  AbortedError,
  AuthenticationError,
  BackboneError,
  type Logger,
  RateLimitError,
  TimeoutError,
  toBackboneError,
} from '@bb/errors'
import type { Credentials, ExchangeAdapter, QueryParam, RestRequest } from '@bb/exchange-adapter'
import { Subject } from 'rxjs'
import { Pool } from 'undici'
import type { Clock } from './clock.js'
import { createCoalescer } from './coalesce.js'
import type { Lane, RateLimiter } from './limiter.js'
import { type RetryOptions, withRetry } from './retry.js'

/** One finished HTTP exchange, as observed through `client.events$`. */
export interface RequestEvent {
  /** Event type. */
  type: 'response'
  /** The rate-limit group. */
  group: string
  /** HTTP method. */
  method: string
  /** Request path (no query, no secrets). */
  path: string
  /** HTTP status, or 0 when no response arrived. */
  status: number
  /** Time from send to complete body, ms. */
  latencyMs: number
  /** Attempt number, from 0. */
  attempt: number
  /** The lane the request waited in (`live` or `bulk`). */
  lane: Lane
}

/** A retry about to happen. */
export interface RetryEvent {
  /** Event type. */
  type: 'retry'
  /** The rate-limit group. */
  group: string
  /** Request path. */
  path: string
  /** The retry number, from 1. */
  attempt: number
  /** Backoff before it, ms. */
  delayMs: number
  /** Why: the error's code. */
  reason: string
}

/** What the transport reports. */
export type TransportEvent = RequestEvent | RetryEvent

/** Counters of the transport, per rate-limit group. */
export interface TransportGroupStats {
  /** HTTP requests sent (retries included). */
  requests: number
  /** Requests that shared an identical in-flight request instead of being sent. */
  coalesced: number
  /** Retries. */
  retries: number
  /** Responses that were errors (after mapping). */
  errors: number
  /** HTTP 429 responses received. */
  status429: number
  /** HTTP 418 responses received. */
  status418: number
  /** Sum of latencies, ms (divide by `requests` for the mean). */
  totalLatencyMs: number
}

/** What the transport needs. */
export interface TransportOptions {
  adapter: ExchangeAdapter
  baseUrl: string
  credentials: Credentials | undefined
  limiter: RateLimiter | undefined
  clock: Clock
  logger: Logger
  timeoutMs: number
  retry: RetryOptions
  connections: number
  signAlgorithm: 'HS256' | 'HS512'
  /** Parses a response body exactly (ids beyond 2^53, long decimals). */
  parseJson: (text: string) => unknown
}

/** Per-call options. */
export interface SendOptions {
  signal?: AbortSignal | undefined
  /** Never retry (order creation). */
  noRetry?: boolean
  /** The limiter lane. @default 'live' */
  priority?: Lane
}

/** Timeouts shorter than this (ms) get a precise timer of their own; longer ones use undici's. */
const PRECISE_TIMEOUT_BELOW_MS = 5000

/** The HTTP layer of the REST client: limiter, signing, timeouts, retries, coalescing, error mapping. */
export function createTransport(options: TransportOptions) {
  const { adapter, clock, limiter } = options
  const base = new URL(options.baseUrl)
  const prefix = base.pathname.replace(/\/$/, '')
  const pool = new Pool(base.origin, {
    connections: options.connections,
    keepAliveTimeout: 30_000,
    pipelining: 1,
  })
  const coalescer = createCoalescer()
  /** Below this, undici's timer wheel (about half a second per tick) is too coarse. */
  const preciseTimeout = options.timeoutMs < PRECISE_TIMEOUT_BELOW_MS
  const events = new Subject<TransportEvent>()
  const stats = new Map<string, TransportGroupStats>()
  const exchange = adapter.id
  let closed = false

  const statsOf = (group: string): TransportGroupStats => {
    let entry = stats.get(group)
    if (!entry) {
      entry = {
        requests: 0,
        coalesced: 0,
        retries: 0,
        errors: 0,
        status429: 0,
        status418: 0,
        totalLatencyMs: 0,
      }
      stats.set(group, entry)
    }
    return entry
  }

  const headerValue = (headers: Record<string, string | string[] | undefined>, name: string) => {
    const value = headers[name]
    return Array.isArray(value) ? value[0] : value
  }

  async function attemptOnce(
    request: RestRequest,
    query: string,
    attempt: number,
    signal: AbortSignal | undefined,
    lane: Lane,
  ): Promise<unknown> {
    const key = request.auth ? options.credentials?.accessKey : undefined
    // The units of the group's budget the adapter says this request costs (Binance: its weight).
    const cost = request.cost ?? 1
    if (limiter)
      await limiter.acquire(request.group, {
        ...(signal ? { signal } : {}),
        ...(key ? { key } : {}),
        ...(lane === 'bulk' ? { priority: lane } : {}),
        ...(cost !== 1 ? { cost } : {}),
      })
    let path = `${prefix}${request.path}${query ? `?${query}` : ''}`
    const counters = statsOf(request.group)
    const started = clock.now()
    let status = 0
    // Long timeouts (the default 10 s) are undici's own (headers, then body; its timer wheel ticks
    // about every half second): no AbortController and no timer of ours per request, which cost
    // more than the rest of the client's plumbing together. Short ones need a precise timer:
    // one controller and one timer per attempt, which the timeout and the caller's signal abort.
    let timedOut = false
    let controller: AbortController | undefined
    let timer: unknown
    let onAbort: (() => void) | undefined
    if (preciseTimeout) {
      const own = new AbortController()
      controller = own
      timer = clock.setTimeout(() => {
        timedOut = true
        own.abort()
      }, options.timeoutMs)
      onAbort = () => own.abort()
      signal?.addEventListener('abort', onAbort, { once: true })
    }
    const requestSignal = controller?.signal ?? signal
    let settled = false // the limiter heard back about this request
    try {
      // A public GET sends no header of ours: Upbit answers JSON whatever `accept` says, and every
      // header costs undici a validation pass per request.
      let headers: Record<string, string> | undefined
      if (request.auth) {
        headers = signed(request)
        // Exchanges that sign the query (timestamp + signature) get it signed per attempt.
        const signedQuery = signedQueryOf(request)
        if (signedQuery !== undefined) {
          const text = adapter.rest.formatQuery(signedQuery)
          path = `${prefix}${request.path}${text ? `?${text}` : ''}`
        }
      }
      let body: string | undefined
      if (request.body) {
        body = JSON.stringify(request.body)
        headers = { ...headers, 'content-type': 'application/json; charset=utf-8' }
      }
      counters.requests++
      const response = await pool.request({
        path,
        method: request.method,
        ...(headers ? { headers } : {}),
        body: body ?? null,
        ...(preciseTimeout ? {} : { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs }),
        ...(requestSignal ? { signal: requestSignal } : {}),
      })
      status = response.statusCode
      const text = await response.body.text()
      const responseHeaders = response.headers as Record<string, string | string[] | undefined>
      if (limiter) {
        const state = adapter.rest.parseRateLimitHeader(
          headerValue(responseHeaders, adapter.rest.rateLimitHeader),
        )
        if (state && state.group === request.group) {
          limiter.observe(request.group, state.remaining, {
            ...(key ? { key } : {}),
            ...(cost !== 1 ? { cost } : {}),
            ...(state.used !== undefined ? { used: state.used } : {}),
          })
          settled = true
        }
      }
      if (status === request.successStatus || (status >= 200 && status < 300)) {
        return text === '' ? null : options.parseJson(text)
      }
      const error = adapter.rest.mapError({
        status,
        body: text,
        headers: responseHeaders,
        request: { method: request.method, path: request.path, query: request.query, group: request.group },
      })
      counters.errors++
      if (status === 429) {
        counters.status429++
        limiter?.throttle(
          request.group,
          RateLimitError.isInstance(error) ? (error.retryAfterMs ?? 1000) : 1000,
          key ? { key } : {},
        )
      } else if (status === 418) {
        counters.status418++
        const until =
          clock.now() + (RateLimitError.isInstance(error) ? (error.retryAfterMs ?? 60_000) : 60_000)
        limiter?.block(request.group, until, key ? { key } : {})
      }
      throw error
    } catch (error) {
      if (signal?.aborted) throw new AbortedError({ exchange, channel: 'rest', cause: signal.reason })
      const code = (error as { code?: unknown } | null)?.code
      if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        counters.errors++
        throw new TimeoutError({
          exchange,
          channel: 'rest',
          timeoutMs: options.timeoutMs,
          cause: error,
          details: { path: request.path },
        })
      }
      const mapped = toBackboneError(error, { exchange, channel: 'rest', details: { path: request.path } })
      if (mapped !== error) counters.errors++
      throw mapped
    } finally {
      if (!settled)
        limiter?.release(request.group, {
          ...(key ? { key } : {}),
          ...(status > 0 ? { answered: true } : {}),
          ...(cost !== 1 ? { cost } : {}),
        })
      if (timer !== undefined) clock.clearTimeout(timer)
      if (onAbort) signal?.removeEventListener('abort', onAbort)
      const latencyMs = clock.now() - started
      counters.totalLatencyMs += latencyMs
      // Built only when someone listens (`client.events$`).
      if (events.observed)
        events.next({
          type: 'response',
          group: request.group,
          method: request.method,
          path: request.path,
          status,
          latencyMs,
          attempt,
          lane,
        })
    }
  }

  // Signs inside the attempt's error boundary (the limiter slot is released, the failure is
  // typed). A signer's own error may quote the key it choked on: it is not passed on.
  function signed(request: RestRequest): Record<string, string> {
    if (!options.credentials) throw missingCredentials(request)
    try {
      return adapter.rest.sign(
        { method: request.method, query: request.query, ...(request.body ? { body: request.body } : {}) },
        options.credentials,
        { algorithm: options.signAlgorithm },
      )
    } catch (error) {
      if (BackboneError.isInstance(error)) throw error
      throw new AuthenticationError({
        exchange,
        channel: 'rest',
        message: `${request.method} ${request.path} could not be signed with the given credentials (${error instanceof Error ? error.name : typeof error}); check that accessKey and secretKey are the strings the exchange issued.`,
      })
    }
  }

  function signedQueryOf(request: RestRequest): readonly QueryParam[] | undefined {
    const signQuery = adapter.rest.signQuery
    if (signQuery === undefined || !options.credentials) return undefined
    try {
      return signQuery(
        { method: request.method, query: request.query, ...(request.body ? { body: request.body } : {}) },
        options.credentials,
        { algorithm: options.signAlgorithm },
      )
    } catch (error) {
      if (BackboneError.isInstance(error)) throw error
      throw new AuthenticationError({
        exchange,
        channel: 'rest',
        message: `${request.method} ${request.path} could not be signed with the given credentials (${error instanceof Error ? error.name : typeof error}); check that accessKey and secretKey are the strings the exchange issued.`,
      })
    }
  }

  function missingCredentials(request: RestRequest): BackboneError {
    return new AuthenticationError({
      exchange,
      channel: 'rest',
      message: `${request.method} ${request.path} needs API credentials: create the client with credentials: { accessKey, secretKey }.`,
    })
  }

  function send(request: RestRequest, sendOptions: SendOptions = {}): Promise<unknown> {
    if (closed)
      return Promise.reject(
        new AbortedError({ exchange, channel: 'rest', message: 'The REST client is closed.' }),
      )
    if (request.auth && !options.credentials) return Promise.reject(missingCredentials(request))
    const query = adapter.rest.formatQuery(request.query)
    const lane: Lane = sendOptions.priority === 'bulk' ? 'bulk' : 'live'
    const run = (signal: AbortSignal | undefined) =>
      withRetry((attempt) => attemptOnce(request, query, attempt, signal, lane), {
        ...options.retry,
        ...(sendOptions.noRetry ? { retries: 0 } : {}),
        clock,
        signal,
        onRetry: (error, attempt, delayMs) => {
          statsOf(request.group).retries++
          const reason = (error as { code?: string }).code ?? 'unknown'
          events.next({ type: 'retry', group: request.group, path: request.path, attempt, delayMs, reason })
          options.logger.debug({ path: request.path, attempt, delayMs, reason }, 'retrying request')
        },
      })
    // Identical public GETs in flight share one request (within a lane: a live call must not
    // wait behind a bulk one's place in the queue).
    if (request.method === 'GET' && !request.auth) {
      const key = lane === 'bulk' ? `bulk ${request.path}?${query}` : `${request.path}?${query}`
      if (coalescer.has(key)) statsOf(request.group).coalesced++
      return coalescer.run(key, (signal) => run(signal), sendOptions.signal)
    }
    return run(sendOptions.signal)
  }

  return {
    send,
    events$: events.asObservable(),
    stats: (): Readonly<Record<string, TransportGroupStats>> =>
      Object.fromEntries([...stats].map(([group, entry]) => [group, { ...entry }])),
    async close(): Promise<void> {
      if (closed) return
      closed = true
      events.complete()
      await pool.close()
    },
  }
}
