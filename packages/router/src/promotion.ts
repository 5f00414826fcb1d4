import type { Subscription } from 'rxjs'
import type { CachedKind, SnapshotRoutes } from './cache.js'
import type { BackboneContext } from './context.js'
import type { SmartChannelRouter } from './policy.js'

/**
 * Promotion: a symbol asked for often is subscribed on the WebSocket (its snapshots then come
 * from the live cache); the router's demotions (idle symbols) unsubscribe it again.
 */
export class Promotions {
  private readonly subscriptions = new Map<string, Subscription>()

  constructor(
    private readonly router: SmartChannelRouter,
    private readonly routes: SnapshotRoutes,
    private readonly ctx: Pick<BackboneContext, 'metrics' | 'emit' | 'closed'>,
    /** Opens the live stream that keeps a promoted symbol's cache entry fresh. */
    private readonly subscribe: (kind: CachedKind, symbol: string, onError: () => void) => Subscription,
  ) {}

  /** How many symbols are promoted. */
  get size(): number {
    return this.subscriptions.size
  }

  /** Whether `symbol` is promoted for `kind`. */
  has(kind: CachedKind, symbol: string): boolean {
    return this.subscriptions.has(`${kind}:${symbol}`)
  }

  /** Subscribes `symbol` on the WebSocket (once; never after close). */
  promote(kind: CachedKind, symbol: string): void {
    const key = `${kind}:${symbol}`
    if (this.subscriptions.has(key) || this.ctx.closed()) return
    this.router.markPromoted({ kind, symbol })
    const subscription = this.subscribe(kind, symbol, () => this.subscriptions.delete(key))
    this.subscriptions.set(key, subscription)
    this.ctx.metrics.increment('promotions_total', { kind })
    this.ctx.emit({ type: 'promoted', kind, symbol })
  }

  /** Unsubscribes the symbols the router demoted (idle); run periodically. */
  demoteIdle(): void {
    for (const { kind, symbol } of this.router.takeDemotions()) {
      const key = `${kind}:${symbol}`
      this.subscriptions.get(key)?.unsubscribe()
      this.subscriptions.delete(key)
      if (kind === 'ticker' || kind === 'orderbook') this.routes.markStale(kind, symbol)
      this.ctx.metrics.increment('demotions_total', { kind })
      this.ctx.emit({ type: 'demoted', kind, symbol })
    }
  }

  /** Unsubscribes every promoted symbol. */
  close(): void {
    for (const subscription of this.subscriptions.values()) subscription.unsubscribe()
    this.subscriptions.clear()
  }
}
