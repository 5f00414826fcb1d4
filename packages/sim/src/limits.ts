/** Upbit's rate limits (UPBIT.md §2), enforced per fixed window aligned to wall-clock time. */

/** Name of a rate-limit group as it appears in `Remaining-Req` (wire names). */
export type LimitGroup =
  | 'market'
  | 'candles'
  | 'crix-trades'
  | 'ticker'
  | 'orderbook'
  | 'default'
  | 'order'
  | 'order-test'
  | 'order-cancel-all'
  | 'websocket-connect'
  | 'websocket-message'

/** One budget: `limit` requests per `windowMs`. */
export interface LimitRule {
  /** Requests allowed per window. */
  readonly limit: number
  /** Window length in ms (1000 for "per second"). */
  readonly windowMs: number
}

/** Rate-limit configuration. Every field has Upbit's value as default. */
export interface LimitConfig {
  /** Budgets per group. Quotation groups count per client IP, exchange groups per access key. */
  readonly groups: Readonly<Record<LimitGroup, LimitRule>>
  /** Extra per-minute cap on WebSocket request messages per connection. @default 100 */
  readonly wsMessagesPerMinute: number
  /** 429s within `banWindowMs` that turn into a 418 block. @default 10 */
  readonly banAfter: number
  /** Window for counting 429s. @default 10000 */
  readonly banWindowMs: number
  /** First block length; doubles with every further block. @default 1000 */
  readonly banBaseMs: number
  /** Longest block. @default 60000 */
  readonly banMaxMs: number
}

/** Upbit's published limits. */
export const DEFAULT_LIMITS: LimitConfig = {
  groups: {
    market: { limit: 10, windowMs: 1000 },
    candles: { limit: 10, windowMs: 1000 },
    'crix-trades': { limit: 10, windowMs: 1000 },
    ticker: { limit: 10, windowMs: 1000 },
    orderbook: { limit: 10, windowMs: 1000 },
    default: { limit: 30, windowMs: 1000 },
    order: { limit: 12, windowMs: 1000 },
    'order-test': { limit: 8, windowMs: 1000 },
    'order-cancel-all': { limit: 1, windowMs: 2000 },
    'websocket-connect': { limit: 5, windowMs: 1000 },
    'websocket-message': { limit: 5, windowMs: 1000 },
  },
  wsMessagesPerMinute: 100,
  banAfter: 10,
  banWindowMs: 10_000,
  banBaseMs: 1000,
  banMaxMs: 60_000,
}

/** Options accepted for `limits`: partial config, `groups` merged per group. */
export interface LimitOptions {
  /** Budgets to override, per group. */
  readonly groups?: Partial<Record<LimitGroup, LimitRule>>
  /** See {@link LimitConfig.wsMessagesPerMinute}. */
  readonly wsMessagesPerMinute?: number
  /** See {@link LimitConfig.banAfter}. */
  readonly banAfter?: number
  /** See {@link LimitConfig.banWindowMs}. */
  readonly banWindowMs?: number
  /** See {@link LimitConfig.banBaseMs}. */
  readonly banBaseMs?: number
  /** See {@link LimitConfig.banMaxMs}. */
  readonly banMaxMs?: number
}

/** Merges options over the defaults. */
export function resolveLimits(options: LimitOptions | undefined): LimitConfig {
  return {
    ...DEFAULT_LIMITS,
    ...Object.fromEntries(
      Object.entries(options ?? {}).filter(([k, v]) => k !== 'groups' && v !== undefined),
    ),
    groups: { ...DEFAULT_LIMITS.groups, ...(options?.groups ?? {}) },
  }
}

/** Result of a limiter check. */
export type LimitDecision =
  | { readonly kind: 'ok'; readonly remaining: number }
  | { readonly kind: 'limited'; readonly remaining: 0 }
  | { readonly kind: 'banned'; readonly retryAfterMs: number }

interface Bucket {
  window: number
  count: number
}

interface Offender {
  hits: number[]
  bannedUntil: number
  bans: number
}

/** Fixed-window counters with 429 → 418 escalation. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly offenders = new Map<string, Offender>()

  constructor(
    readonly config: LimitConfig | false,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether limits are enforced at all. */
  get enabled(): boolean {
    return this.config !== false
  }

  /** Counts one request of `subject` (an IP or access key) in `group`. */
  take(group: LimitGroup, subject: string): LimitDecision {
    const config = this.config
    if (config === false) return { kind: 'ok', remaining: 9999 }
    const t = this.now()
    const offender = this.offenders.get(subject)
    if (offender && offender.bannedUntil > t)
      return { kind: 'banned', retryAfterMs: offender.bannedUntil - t }
    const rule = config.groups[group]
    const window = Math.floor(t / rule.windowMs)
    const key = `${group}\u0000${subject}`
    let b = this.buckets.get(key)
    if (!b || b.window !== window) {
      b = { window, count: 0 }
      this.buckets.set(key, b)
      if (this.buckets.size > 10_000) this.sweep(t)
    }
    if (b.count >= rule.limit) {
      const o = offender ?? { hits: [], bannedUntil: 0, bans: 0 }
      this.offenders.set(subject, o)
      o.hits = o.hits.filter((h) => h > t - config.banWindowMs)
      o.hits.push(t)
      if (o.hits.length >= config.banAfter) {
        const ms = Math.min(config.banMaxMs, config.banBaseMs * 2 ** o.bans)
        o.bans++
        o.bannedUntil = t + ms
        o.hits = []
        return { kind: 'banned', retryAfterMs: ms }
      }
      return { kind: 'limited', remaining: 0 }
    }
    b.count++
    return { kind: 'ok', remaining: rule.limit - b.count }
  }

  /** The configured limit of a group (for the header). */
  limitOf(group: LimitGroup): number {
    return this.config === false ? 9999 : this.config.groups[group].limit
  }

  private sweep(t: number): void {
    for (const [k, b] of this.buckets) {
      const group = k.slice(0, k.indexOf('\u0000')) as LimitGroup
      const rule = this.config === false ? undefined : this.config.groups[group]
      if (!rule || b.window < Math.floor(t / rule.windowMs)) this.buckets.delete(k)
    }
  }

  /** Forgets every counter and block. */
  reset(): void {
    this.buckets.clear()
    this.offenders.clear()
  }
}

/** `Remaining-Req` header value. `min` is deprecated and fixed (limit × 60). */
export function remainingHeader(group: LimitGroup, limit: number, remaining: number): string {
  return `group=${group}; min=${limit * 60}; sec=${remaining}`
}
