import type { Market } from '@bb/models'
import type { Clock } from './clock.js'

/** The market list as two lookups: native ids, and unified `BASE/QUOTE` symbols → native ids. */
interface Listing {
  readonly natives: ReadonlySet<string>
  readonly byUnified: ReadonlyMap<string, string>
}

/**
 * The exchange's market list, fetched once on first use and refreshed after `ttlMs`, so that
 * streams on a market the exchange does not list fail at once instead of staying silent. A market
 * is known by its native id (`KRW-BTC`, `BTCUSDT`) and by its unified `BASE/QUOTE` symbol
 * (`BTC/KRW`), the mapping read from the list's `base` and `quote`. When the list cannot be
 * fetched (REST down), nothing is rejected: streams start and the next check tries again.
 */
export class MarketDirectory {
  private listing: Listing | undefined
  private fetchedAt = 0
  private inflight: Promise<Listing | undefined> | undefined

  constructor(
    private readonly fetch: () => Promise<Market[]>,
    private readonly clock: Clock,
    private readonly ttlMs = 3_600_000,
  ) {}

  /** The symbols of `symbols` (native or unified) the exchange does not list; `undefined` when the list is unavailable. */
  async unknown(symbols: readonly string[]): Promise<string[] | undefined> {
    const listing = await this.load()
    if (!listing) return undefined
    return symbols.filter((s) => resolveIn(listing, s) === undefined)
  }

  /**
   * The native id of a market given by its native id or its unified `BASE/QUOTE` symbol (any
   * case); `undefined` when the exchange does not list it or the list is unavailable.
   */
  async nativeOf(symbol: string): Promise<string | undefined> {
    const listing = await this.load()
    return listing ? resolveIn(listing, symbol) : undefined
  }

  private load(): Promise<Listing | undefined> {
    if (this.listing && this.clock.now() - this.fetchedAt < this.ttlMs) return Promise.resolve(this.listing)
    this.inflight ??= this.fetch()
      .then((markets) => {
        this.listing = {
          natives: new Set(markets.map((m) => m.marketId)),
          byUnified: new Map(markets.map((m) => [`${m.base}/${m.quote}`.toUpperCase(), m.marketId])),
        }
        this.fetchedAt = this.clock.now()
        return this.listing
      })
      .catch(() => this.listing)
      .finally(() => {
        this.inflight = undefined
      })
    return this.inflight
  }
}

function resolveIn(listing: Listing, symbol: string): string | undefined {
  if (typeof symbol !== 'string') return undefined
  if (listing.natives.has(symbol)) return symbol
  const upper = symbol.trim().toUpperCase()
  if (listing.natives.has(upper)) return upper
  return listing.byUnified.get(upper)
}
