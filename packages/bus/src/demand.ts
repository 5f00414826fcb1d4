// What `bb serve` subscribes to: its configured markets plus the consumers' live demand, applied
// in debounced batches no faster than the exchange's WebSocket message limits allow, a market
// dropped only after its demand has been gone for a grace period.
import type { RateLimitWindow } from '@bb/exchange-adapter'
import type { Clock } from '@bb/utils'

/** Settings of a {@link DemandPlan}. */
export interface DemandPlanOptions {
  /** The clock every timer runs on. */
  readonly clock: Clock
  /** Always wanted (`channel|symbol`), whatever the demand. */
  readonly configured: Iterable<string>
  /** How long a batch of changes collects before it is applied, ms. */
  readonly debounceMs: number
  /** How long a key stays subscribed after its last demand lapsed, ms. */
  readonly graceMs: number
  /** Shortest time between two applied changes, ms (see {@link minSpacing}). */
  readonly spacingMs: number
  /** Applies a new wanted set (the whole set each time, as the exchange takes it). */
  readonly apply: (wanted: ReadonlySet<string>) => void
}

/**
 * The shortest spacing between two subscription changes that keeps within every message window
 * of the exchange (Upbit: 5 per second and 100 per minute → 600 ms).
 */
export function minSpacing(windows: readonly RateLimitWindow[]): number {
  return windows.reduce((ms, w) => Math.max(ms, Math.ceil(w.intervalMs / Math.max(1, w.limit))), 0)
}

/**
 * Tracks live demand (fed by the publisher's polls) and applies `configured ∪ demand − refused`
 * at most once per `spacingMs`, each change batched for `debounceMs` from the first change seen.
 */
export class DemandPlan {
  private readonly configured: Set<string>
  private readonly lastSeen = new Map<string, number>()
  private readonly refused = new Set<string>()
  private applied: ReadonlySet<string> = new Set()
  private lastApply = Number.NEGATIVE_INFINITY
  private timer: unknown
  private stopped = false
  /** How many times a changed set was applied. */
  applies = 0

  constructor(private readonly options: DemandPlanOptions) {
    this.configured = new Set(options.configured)
  }

  /** The set applied last. */
  current(): ReadonlySet<string> {
    return this.applied
  }

  /** Applies the wanted set now (the first set of a leadership term), no debounce. */
  start(live: Iterable<string>): void {
    this.see(live)
    this.flush()
  }

  /** Records the live demand of one poll and schedules a change if the wanted set moved. */
  update(live: Iterable<string>): void {
    this.see(live)
    this.schedule()
  }

  /** Never subscribes `key` again while it is demanded (e.g. an unknown market). */
  refuse(key: string): void {
    this.refused.add(key)
    this.schedule()
  }

  /** Whether `key` was refused. */
  isRefused(key: string): boolean {
    return this.refused.has(key)
  }

  /** Cancels a pending change. */
  stop(): void {
    this.stopped = true
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer)
    this.timer = undefined
  }

  private see(live: Iterable<string>): void {
    const now = this.options.clock.now()
    const liveSet = new Set(live)
    for (const key of liveSet) this.lastSeen.set(key, now)
    for (const [key, at] of this.lastSeen) {
      if (liveSet.has(key) || now - at <= this.options.graceMs) continue
      this.lastSeen.delete(key)
      // A refused key whose demand is gone may be asked for again later (the market may list).
      this.refused.delete(key)
    }
  }

  private wanted(): Set<string> {
    const out = new Set(this.configured)
    for (const key of this.lastSeen.keys()) out.add(key)
    for (const key of this.refused) out.delete(key)
    return out
  }

  private changed(): boolean {
    const wanted = this.wanted()
    if (wanted.size !== this.applied.size) return true
    for (const key of wanted) if (!this.applied.has(key)) return true
    return false
  }

  private schedule(): void {
    if (this.stopped || this.timer !== undefined || !this.changed()) return
    const now = this.options.clock.now()
    const at = Math.max(now + this.options.debounceMs, this.lastApply + this.options.spacingMs)
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined
      this.flush()
    }, at - now)
  }

  private flush(): void {
    if (this.stopped) return
    // Expire keys whose grace ended since the last poll.
    this.see([])
    if (!this.changed()) return
    this.applied = this.wanted()
    this.lastApply = this.options.clock.now()
    this.applies++
    this.options.apply(this.applied)
  }
}
