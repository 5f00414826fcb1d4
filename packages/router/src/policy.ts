/** The channels a value can come from. */
export type Channel = 'rest' | 'ws' | 'cache'

/** What a caller asked for, as the router sees it. */
export interface RouteRequest {
  /** The data kind. */
  kind: 'ticker' | 'orderbook' | 'trades' | 'candles' | 'markets' | 'balances' | 'orders'
  /** The market, for market data. */
  symbol?: string
}

/** The tunable numbers of the {@link SmartChannelRouter}. */
export interface RouterPolicy {
  /** A WebSocket value younger than this answers `getTicker`/`getOrderbook` from the cache, ms. @default 2000 */
  freshnessMs: number
  /** A symbol asked for this many times… @default 3 */
  promoteAfterCount: number
  /** …within this window is promoted to a WebSocket subscription, ms. @default 10000 */
  promoteWindowMs: number
  /** A promoted symbol nobody asked for during this long is demoted (unsubscribed), ms. @default 60000 */
  demoteAfterMs: number
  /** At most this many promoted symbols per kind. @default 50 */
  maxPromoted: number
  /** A WebSocket channel that delivered nothing for this long while it had subscriptions is stale, ms. @default 10000 */
  staleAfterMs: number
  /** This many consecutive failures mark a channel down. @default 3 */
  downAfterFailures: number
  /** Smoothing of the latency and error-rate averages (0–1, weight of the newest sample). @default 0.2 */
  ewmaAlpha: number
}

/** The defaults of {@link RouterPolicy}. */
export const defaultRouterPolicy: Readonly<RouterPolicy> = Object.freeze({
  freshnessMs: 2000,
  promoteAfterCount: 3,
  promoteWindowMs: 10_000,
  demoteAfterMs: 60_000,
  maxPromoted: 50,
  staleAfterMs: 10_000,
  downAfterFailures: 3,
  ewmaAlpha: 0.2,
})

/** The health of one transport channel. */
export interface ChannelHealth {
  /** `up`, `degraded` (failing or slow but usable), `stale` (open but silent) or `down`. */
  state: 'up' | 'degraded' | 'stale' | 'down'
  /** Exponentially weighted mean latency, ms. */
  latencyEwmaMs: number
  /** Exponentially weighted error rate, 0–1. */
  errorRate: number
  /** Failures in a row. */
  consecutiveFailures: number
  /** Time of the last successful response or message, ms (0 = never). */
  lastSuccessAt: number
  /** Whether the channel currently has live subscriptions (WS only). */
  active: boolean
}

/** A routing decision with its reasons: what `backbone.explain()` returns. */
export interface RouteDecision {
  /** The channel that will answer. */
  channel: Channel
  /** Why, in one sentence. */
  reason: string
  /** True when this request makes the symbol eligible for a WebSocket subscription. */
  promote: boolean
  /** Age of the cached value, when there is one, ms. */
  cacheAgeMs?: number
  /** Requests for this key inside the promotion window, this one included (counted up to 64). */
  recentRequests: number
  /** Health of both transports when the decision was made. */
  health: { rest: ChannelHealth; ws: ChannelHealth }
}

/** What the router needs to know about the cache when deciding. */
export interface CacheView {
  /** Local receive time of the cached value, if any. */
  receivedAt?: number
  /** Whether the cached value came from a live WebSocket subscription. */
  live: boolean
}

/**
 * The decisions of the backbone as a policy object users can read, tune and replace: where a
 * snapshot comes from (cache, REST), which symbols are promoted to WebSocket subscriptions and
 * when they are demoted, and the per-channel health that drives both. Pure and synchronous;
 * time comes from the injected `now`.
 *
 * @example
 * ```ts
 * import { SmartChannelRouter } from '@bb/router'
 * const router = new SmartChannelRouter({ freshnessMs: 500 })
 * router.decide({ kind: 'ticker', symbol: 'KRW-BTC' }, { live: false }).channel // 'rest'
 * ```
 */
export class SmartChannelRouter {
  /** The policy in force (read it; change it with {@link SmartChannelRouter.setPolicy}). */
  policy: Readonly<RouterPolicy>
  private readonly now: () => number
  private readonly requests = new Map<string, number[]>()
  private readonly promoted = new Map<
    string,
    { kind: RouteRequest['kind']; symbol: string; lastUsedAt: number }
  >()
  private readonly channels: Record<'rest' | 'ws', ChannelHealth> = {
    rest: emptyHealth(),
    ws: emptyHealth(),
  }

  constructor(policy: Partial<RouterPolicy> = {}, now: () => number = Date.now) {
    this.policy = Object.freeze({ ...defaultRouterPolicy, ...policy })
    this.now = now
  }

  /** Changes some numbers of the policy. */
  setPolicy(policy: Partial<RouterPolicy>): void {
    this.policy = Object.freeze({ ...this.policy, ...policy })
  }

  /**
   * Decides where a snapshot request is answered from, and records it for promotion. History,
   * accounts and orders always go to REST; tickers and books come from a fresh live cache entry
   * when the WebSocket is healthy, otherwise REST.
   */
  decide(request: RouteRequest, cache: CacheView): RouteDecision {
    const at = this.now()
    const key = keyOf(request)
    let recent = this.requests.get(key)
    if (!recent) {
      recent = []
      this.requests.set(key, recent)
    }
    // Times are ascending: drop the expired ones from the front, and keep no more than the
    // promotion threshold needs (a hot key would otherwise grow without bound).
    let expired = 0
    while (expired < recent.length && at - recent[expired]! >= this.policy.promoteWindowMs) expired++
    if (expired > 0) recent.splice(0, expired)
    recent.push(at)
    if (recent.length > MAX_TRACKED) recent.splice(0, recent.length - MAX_TRACKED)
    const entry = this.promoted.get(key)
    if (entry) entry.lastUsedAt = at
    return this.evaluate(request, cache, recent.length, at)
  }

  /** The decision `decide` would make now, without recording anything. */
  explain(request: RouteRequest, cache: CacheView): RouteDecision {
    const at = this.now()
    const recent = (this.requests.get(keyOf(request)) ?? []).filter(
      (t) => at - t < this.policy.promoteWindowMs,
    )
    return this.evaluate(request, cache, recent.length + 1, at)
  }

  private evaluate(
    request: RouteRequest,
    cache: CacheView,
    recentRequests: number,
    at: number,
  ): RouteDecision {
    const health = { rest: this.health('rest'), ws: this.health('ws') }
    const base = { recentRequests, health, promote: false }
    if (request.kind !== 'ticker' && request.kind !== 'orderbook') {
      return {
        ...base,
        channel: 'rest',
        reason: `${request.kind} always come from REST (history, accounts and orders are not streamed).`,
      }
    }
    const streamable = request.symbol !== undefined
    const promote =
      streamable &&
      !this.promoted.has(keyOf(request)) &&
      recentRequests >= this.policy.promoteAfterCount &&
      this.countPromoted(request.kind) < this.policy.maxPromoted &&
      health.ws.state !== 'down'
    const cacheAgeMs = cache.receivedAt !== undefined ? at - cache.receivedAt : undefined
    const withAge = cacheAgeMs !== undefined ? { cacheAgeMs } : {}
    if (
      cache.live &&
      cacheAgeMs !== undefined &&
      cacheAgeMs < this.policy.freshnessMs &&
      health.ws.state === 'up'
    ) {
      return {
        ...base,
        ...withAge,
        promote,
        channel: 'cache',
        reason: `A live WebSocket value ${cacheAgeMs} ms old is fresher than ${this.policy.freshnessMs} ms.`,
      }
    }
    let reason: string
    if (cacheAgeMs === undefined) reason = 'Nothing cached yet.'
    else if (!cache.live) reason = 'The cached value is not kept live by a WebSocket subscription.'
    else if (health.ws.state !== 'up') reason = `The WebSocket is ${health.ws.state}.`
    else reason = `The cached value is ${cacheAgeMs} ms old (freshness ${this.policy.freshnessMs} ms).`
    return {
      ...base,
      ...withAge,
      promote,
      channel: 'rest',
      reason: `${reason} Asking REST${promote ? `; asked ${recentRequests} times in ${this.policy.promoteWindowMs} ms, so it is promoted to a WebSocket subscription` : ''}.`,
    }
  }

  /** Marks a key as promoted (subscribed over WebSocket). */
  markPromoted(request: Required<RouteRequest>): void {
    this.promoted.set(keyOf(request), { kind: request.kind, symbol: request.symbol, lastUsedAt: this.now() })
  }

  /** The promoted keys idle longer than `demoteAfterMs`; they are removed from the promoted set. */
  takeDemotions(): Required<RouteRequest>[] {
    const at = this.now()
    const out: Required<RouteRequest>[] = []
    for (const [key, entry] of this.promoted) {
      if (at - entry.lastUsedAt >= this.policy.demoteAfterMs) {
        this.promoted.delete(key)
        this.requests.delete(key)
        out.push({ kind: entry.kind, symbol: entry.symbol })
      }
    }
    // Forget request counts that can no longer promote anything.
    for (const [key, times] of this.requests) {
      if (!this.promoted.has(key) && times.every((t) => at - t >= this.policy.promoteWindowMs))
        this.requests.delete(key)
    }
    return out
  }

  /** The currently promoted symbols. */
  promotedSymbols(kind?: RouteRequest['kind']): string[] {
    return [...this.promoted.values()]
      .filter((e) => kind === undefined || e.kind === kind)
      .map((e) => e.symbol)
  }

  private countPromoted(kind: RouteRequest['kind']): number {
    let count = 0
    for (const entry of this.promoted.values()) if (entry.kind === kind) count++
    return count
  }

  /** Records the outcome of one REST request or WS connection attempt. */
  recordResult(channel: 'rest' | 'ws', result: { ok: boolean; latencyMs?: number }): void {
    const health = this.channels[channel]
    const alpha = this.policy.ewmaAlpha
    health.errorRate = health.errorRate * (1 - alpha) + (result.ok ? 0 : 1) * alpha
    if (result.latencyMs !== undefined) {
      health.latencyEwmaMs =
        health.latencyEwmaMs === 0
          ? result.latencyMs
          : health.latencyEwmaMs * (1 - alpha) + result.latencyMs * alpha
    }
    if (result.ok) {
      health.consecutiveFailures = 0
      health.lastSuccessAt = this.now()
    } else {
      health.consecutiveFailures++
    }
  }

  /** Records that a WebSocket message arrived (liveness). */
  recordMessage(): void {
    const health = this.channels.ws
    health.lastSuccessAt = this.now()
    health.consecutiveFailures = 0
  }

  /** Tells the router whether the WebSocket is connected with live subscriptions. */
  setWsActive(active: boolean, connected: boolean): void {
    this.channels.ws.active = active
    if (!connected)
      this.channels.ws.consecutiveFailures = Math.max(
        this.channels.ws.consecutiveFailures,
        this.policy.downAfterFailures,
      )
    else if (this.channels.ws.consecutiveFailures >= this.policy.downAfterFailures)
      this.channels.ws.consecutiveFailures = 0
    if (connected) this.channels.ws.lastSuccessAt = Math.max(this.channels.ws.lastSuccessAt, this.now())
  }

  /** The health of a channel now. */
  health(channel: 'rest' | 'ws'): ChannelHealth {
    const health = this.channels[channel]
    const at = this.now()
    let state: ChannelHealth['state'] = 'up'
    if (health.consecutiveFailures >= this.policy.downAfterFailures) state = 'down'
    else if (
      channel === 'ws' &&
      health.active &&
      health.lastSuccessAt > 0 &&
      at - health.lastSuccessAt > this.policy.staleAfterMs
    )
      state = 'stale'
    else if (health.consecutiveFailures > 0 || health.errorRate > 0.5) state = 'degraded'
    return { ...health, state }
  }
}

/** Request times kept per key: enough for any sensible promotion threshold. */
const MAX_TRACKED = 64

function emptyHealth(): ChannelHealth {
  return {
    state: 'up',
    latencyEwmaMs: 0,
    errorRate: 0,
    consecutiveFailures: 0,
    lastSuccessAt: 0,
    active: false,
  }
}

function keyOf(request: RouteRequest): string {
  return `${request.kind}:${request.symbol ?? ''}`
}
