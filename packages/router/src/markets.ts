import type { Market } from '@bb/models'
import type { Clock } from './clock.js'

/**
 * The exchange's market list, fetched once on first use and refreshed after `ttlMs`, so that
 * streams on a market the exchange does not list fail at once instead of staying silent.
 * When the list cannot be fetched (REST down), nothing is rejected: streams start and the next
 * check tries again.
 */
export class MarketDirectory {
  private codes: Set<string> | undefined
  private fetchedAt = 0
  private inflight: Promise<Set<string> | undefined> | undefined

  constructor(
    private readonly fetch: () => Promise<Market[]>,
    private readonly clock: Clock,
    private readonly ttlMs = 3_600_000,
  ) {}

  /** The symbols of `symbols` the exchange does not list; `undefined` when the list is unavailable. */
  async unknown(symbols: readonly string[]): Promise<string[] | undefined> {
    const codes = await this.load()
    if (!codes) return undefined
    return symbols.filter((s) => !codes.has(s))
  }

  private load(): Promise<Set<string> | undefined> {
    if (this.codes && this.clock.now() - this.fetchedAt < this.ttlMs) return Promise.resolve(this.codes)
    this.inflight ??= this.fetch()
      .then((markets) => {
        this.codes = new Set(markets.map((m) => m.symbol))
        this.fetchedAt = this.clock.now()
        return this.codes
      })
      .catch(() => this.codes)
      .finally(() => {
        this.inflight = undefined
      })
    return this.inflight
  }
}
