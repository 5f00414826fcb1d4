import type { Clock } from '@bb/utils'

const MINUTE = 60_000

interface IpState {
  window: number
  used: number
  rejected: number
  bannedUntil: number
  bans: number
}

/** The outcome of charging a request's weight. */
export type WeightDecision =
  | { readonly kind: 'ok'; readonly used: number }
  | { readonly kind: 'limited'; readonly used: number; readonly retryAfterS: number }
  | { readonly kind: 'banned'; readonly used: number; readonly retryAfterS: number; readonly until: number }

/** Options of {@link WeightLimiter}: shorter windows and bans for tests. */
export interface WeightLimiterOptions {
  /** The fixed, aligned window, ms. @default 60000 */
  readonly windowMs?: number
  /** The first ban, ms; doubled per repeat up to 3 days. @default 120000 */
  readonly banMs?: number
}

/**
 * Binance's REST request-weight limiter: weight per IP in fixed, aligned one-minute windows.
 * Over the limit → 429 with `Retry-After` until the window ends; after `banAfter` more rejected
 * requests in the same window (the client ignored the 429s) → 418, banned for 2 minutes,
 * doubling per repeat up to 3 days, `Retry-After` the seconds until the ban ends.
 */
export class WeightLimiter {
  private readonly ips = new Map<string, IpState>()
  private readonly windowMs: number
  private readonly banMs: number

  constructor(
    readonly limit: number,
    private readonly banAfter: number,
    private readonly clock: Clock,
    options: WeightLimiterOptions = {},
  ) {
    this.windowMs = options.windowMs ?? MINUTE
    this.banMs = options.banMs ?? 2 * MINUTE
  }

  /**
   * The window as Binance's messages spell an interval: `1 MINUTE` for the real one, `10 SECOND`
   * for a test's shrunk `windowMs: 10_000`.
   */
  get intervalText(): string {
    const ms = this.windowMs
    return ms % MINUTE === 0 ? `${ms / MINUTE} MINUTE` : `${Math.max(1, Math.round(ms / 1000))} SECOND`
  }

  /** Charges `weight` to `ip`. */
  charge(ip: string, weight: number): WeightDecision {
    const now = this.clock.now()
    const window = Math.floor(now / this.windowMs)
    let s = this.ips.get(ip)
    if (!s) {
      s = { window, used: 0, rejected: 0, bannedUntil: 0, bans: 0 }
      this.ips.set(ip, s)
    }
    if (s.window !== window) {
      s.window = window
      s.used = 0
      s.rejected = 0
    }
    if (s.bannedUntil > now)
      return {
        kind: 'banned',
        used: s.used,
        retryAfterS: Math.ceil((s.bannedUntil - now) / 1000),
        until: s.bannedUntil,
      }
    s.used += weight
    if (s.used <= this.limit) return { kind: 'ok', used: s.used }
    s.rejected++
    if (s.rejected > this.banAfter) {
      const ms = Math.min(this.banMs * 2 ** s.bans, 3 * 86_400_000)
      s.bans++
      s.bannedUntil = now + ms
      return { kind: 'banned', used: s.used, retryAfterS: Math.ceil(ms / 1000), until: s.bannedUntil }
    }
    return {
      kind: 'limited',
      used: s.used,
      retryAfterS: Math.max(1, Math.ceil(((window + 1) * this.windowMs - now) / 1000)),
    }
  }
}
