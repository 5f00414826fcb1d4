import type { RateLimitGroup, RateLimitState } from '@bb/exchange-adapter'

/** Public V2: 1,200 requests per minute per IP (COINONE.md §7). */
export const COINONE_PUBLIC_PER_MINUTE = 1200

/**
 * Coinone's rate-limit groups (COINONE.md §7): `public` 1,200/min per IP; `order` (V2.1 place
 * and cancel) 40/s per portfolio; `private` (every other V2.1 call) 80/s per portfolio.
 */
export const COINONE_RATE_LIMITS: Readonly<Record<string, RateLimitGroup>> = {
  public: {
    name: 'public',
    windows: [{ limit: COINONE_PUBLIC_PER_MINUTE, intervalMs: 60_000 }],
    scope: 'ip',
    aliases: ['public-ratelimit-remaining'],
  },
  order: {
    name: 'order',
    windows: [{ limit: 40, intervalMs: 1000 }],
    scope: 'account',
    aliases: ['orders', 'private-order-ratelimit-remaining'],
  },
  private: {
    name: 'private',
    windows: [{ limit: 80, intervalMs: 1000 }],
    scope: 'account',
    aliases: ['private-ratelimit-remaining'],
  },
}

const ALIASES: ReadonlyMap<string, string> = new Map(
  Object.values(COINONE_RATE_LIMITS).flatMap((g) => [
    [g.name, g.name] as const,
    ...g.aliases.map((a) => [a, g.name] as const),
  ]),
)

/** Normalizes a group name or header name to the group; unknown names pass through lower-cased. */
export function normalizeCoinoneGroup(name: string): string {
  const key = String(name).trim().toLowerCase()
  return ALIASES.get(key) ?? key
}

/**
 * Parses `Public-Ratelimit-Remaining` (requests left in the minute window). The header is absent
 * once the budget is spent; `undefined` for anything but a non-negative integer.
 *
 * @example
 * ```ts
 * import { coinone } from '@bb/coinone'
 * coinone.rest.parseRateLimitHeader('1197') // { group: 'public', wireGroup: 'public-ratelimit-remaining', remaining: 1197, intervalMs: 60000 }
 * ```
 */
export function parseCoinoneRemaining(value: string | null | undefined): RateLimitState | undefined {
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  if (!/^\d{1,9}$/.test(trimmed)) return undefined
  return {
    group: 'public',
    wireGroup: 'public-ratelimit-remaining',
    remaining: Math.min(Number(trimmed), COINONE_PUBLIC_PER_MINUTE),
    intervalMs: 60_000,
  }
}
