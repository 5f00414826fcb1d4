import type { OrderbookSnapshot, Ticker } from '@bb/models'
import type { BackboneContext } from './context.js'
import { withSource } from './operators.js'
import type { RouteDecision, RouteRequest, SmartChannelRouter } from './policy.js'

/** The latest value of one symbol, when it arrived and whether a live subscription keeps it fresh. */
export interface CacheEntry<T> {
  value: T
  receivedAt: number
  live: boolean
}

/** The kinds a snapshot cache holds. */
export type CachedKind = 'ticker' | 'orderbook'

/** What {@link SnapshotRoutes.route} answers. */
export interface RoutedSnapshot<T> {
  decision: RouteDecision
  /** The cached value (marked `source: 'cache'`) when the router chose the cache. */
  cached: T | undefined
}

/**
 * Cache + routing: the latest ticker and book per symbol, and the router's decision of where a
 * snapshot is answered from (a live, fresh cache entry, else REST), counted and reported.
 */
export class SnapshotRoutes {
  /** Latest tickers by symbol. */
  readonly tickers = new Map<string, CacheEntry<Ticker>>()
  /** Latest order books by symbol. */
  readonly books = new Map<string, CacheEntry<OrderbookSnapshot>>()

  constructor(
    private readonly router: SmartChannelRouter,
    private readonly ctx: Pick<BackboneContext, 'metrics' | 'emit'>,
    private readonly wsHealthy: () => boolean,
  ) {}

  /** The cache of one kind. */
  cacheOf(kind: 'ticker'): Map<string, CacheEntry<Ticker>>
  cacheOf(kind: 'orderbook'): Map<string, CacheEntry<OrderbookSnapshot>>
  cacheOf(kind: CachedKind): Map<string, CacheEntry<Ticker | OrderbookSnapshot>>
  cacheOf(kind: CachedKind): Map<string, CacheEntry<Ticker | OrderbookSnapshot>> {
    return (kind === 'ticker' ? this.tickers : this.books) as Map<
      string,
      CacheEntry<Ticker | OrderbookSnapshot>
    >
  }

  /**
   * Keeps `value` unless a newer one is cached; `live` marks an entry a live stream keeps fresh
   * (it stays live once it is).
   */
  remember(kind: CachedKind, value: Ticker | OrderbookSnapshot, live: boolean): void {
    const cache = this.cacheOf(kind)
    const entry = cache.get(value.marketId)
    if (!entry || entry.value.timestamp <= value.timestamp) {
      cache.set(value.marketId, { value, receivedAt: value.receivedAt, live: live || (entry?.live ?? false) })
    }
  }

  /** Marks a symbol's entry as no longer kept fresh by a live stream. */
  markStale(kind: CachedKind, symbol: string): void {
    const entry = this.cacheOf(kind).get(symbol)
    if (entry) entry.live = false
  }

  /** Decides where a snapshot of `symbol` is answered from; a cache hit comes back marked `cache`. */
  route(kind: 'ticker', symbol: string): RoutedSnapshot<Ticker>
  route(kind: 'orderbook', symbol: string): RoutedSnapshot<OrderbookSnapshot>
  route(kind: CachedKind, symbol: string): RoutedSnapshot<Ticker | OrderbookSnapshot> {
    const entry = this.cacheOf(kind).get(symbol)
    const request: RouteRequest = { kind, symbol }
    const decision = this.router.decide(request, this.view(entry))
    this.ctx.emit({ type: 'decision', request, decision })
    if (decision.channel === 'cache' && entry) {
      this.ctx.metrics.increment('cache_hits_total', { kind })
      return { decision, cached: withSource(entry.value, 'cache') }
    }
    this.ctx.metrics.increment('cache_misses_total', { kind })
    return { decision, cached: undefined }
  }

  /** Where `request` would be answered from now, without side effects. */
  explain(request: RouteRequest): RouteDecision {
    const cache =
      request.kind === 'ticker' || request.kind === 'orderbook' ? this.cacheOf(request.kind) : undefined
    const entry = request.symbol ? cache?.get(request.symbol) : undefined
    return this.router.explain(request, this.view(entry))
  }

  private view(entry: CacheEntry<unknown> | undefined) {
    return {
      live: (entry?.live ?? false) && this.wsHealthy(),
      ...(entry ? { receivedAt: entry.receivedAt } : {}),
    }
  }
}
