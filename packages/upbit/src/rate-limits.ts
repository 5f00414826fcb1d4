import type { RateLimitGroup, RateLimitState } from '@bb/exchange-adapter'

const second = (limit: number) => [{ limit, intervalMs: 1000 }] as const

/**
 * Upbit's rate-limit groups (UPBIT.md §2.1), by documented name, with the names seen on the
 * wire as aliases (§2.2: `candles`, `crix-trades`, `websocket`).
 */
export const UPBIT_RATE_LIMITS: Readonly<Record<string, RateLimitGroup>> = {
  market: { name: 'market', windows: second(10), scope: 'ip', aliases: [] },
  candle: { name: 'candle', windows: second(10), scope: 'ip', aliases: ['candles'] },
  trade: { name: 'trade', windows: second(10), scope: 'ip', aliases: ['crix-trades'] },
  ticker: { name: 'ticker', windows: second(10), scope: 'ip', aliases: [] },
  orderbook: { name: 'orderbook', windows: second(10), scope: 'ip', aliases: [] },
  default: { name: 'default', windows: second(30), scope: 'account', aliases: ['exchange.default'] },
  // 12/s since 2026-08-21 (8/s before; §10.3). The exchange's header corrects a client that guesses high.
  order: { name: 'order', windows: second(12), scope: 'account', aliases: [] },
  'order-test': { name: 'order-test', windows: second(8), scope: 'account', aliases: [] },
  'order-cancel-all': {
    name: 'order-cancel-all',
    windows: [{ limit: 1, intervalMs: 2000 }],
    scope: 'account',
    aliases: [],
  },
  'status-wallet': { name: 'status-wallet', windows: second(30), scope: 'account', aliases: [] },
  'websocket-connect': {
    name: 'websocket-connect',
    windows: second(5),
    scope: 'ip',
    aliases: ['websocket'],
  },
  'websocket-message': {
    name: 'websocket-message',
    windows: [
      { limit: 5, intervalMs: 1000 },
      { limit: 100, intervalMs: 60_000 },
    ],
    scope: 'connection',
    aliases: [],
  },
  origin: { name: 'origin', windows: [{ limit: 1, intervalMs: 10_000 }], scope: 'ip', aliases: [] },
}

const ALIASES: ReadonlyMap<string, string> = new Map(
  Object.values(UPBIT_RATE_LIMITS).flatMap((group) => [
    [group.name, group.name] as const,
    ...group.aliases.map((alias) => [alias, group.name] as const),
  ]),
)

/** Normalizes a wire group name to the documented one (`candles` → `candle`); unknown names pass through. */
export function normalizeUpbitGroup(name: string): string {
  const trimmed = name.trim().toLowerCase()
  return ALIASES.get(trimmed) ?? trimmed
}

/**
 * Parses Upbit's `Remaining-Req` header (`group=default; min=1800; sec=29`). `min` is deprecated
 * and ignored; `sec` is the number of requests left in the current second. Separators and spacing
 * are read leniently; returns `undefined` when `group` or `sec` is missing.
 *
 * @example
 * ```ts
 * import { upbit } from '@bb/upbit'
 * upbit.rest.parseRateLimitHeader('group=crix-trades; min=600; sec=9')
 * // { group: 'trade', wireGroup: 'crix-trades', remaining: 9, intervalMs: 1000 }
 * ```
 */
export function parseUpbitRemainingReq(value: string | null | undefined): RateLimitState | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  let group: string | undefined
  let remaining: number | undefined
  for (const part of value.split(/[;,]/)) {
    const eq = part.indexOf('=')
    if (eq === -1) continue
    const key = part.slice(0, eq).trim().toLowerCase()
    const raw = part.slice(eq + 1).trim()
    if (key === 'group' && raw !== '') group = raw
    else if (key === 'sec' && /^\d+$/.test(raw)) remaining = Number(raw)
  }
  if (group === undefined || remaining === undefined) return undefined
  return { group: normalizeUpbitGroup(group), wireGroup: group, remaining, intervalMs: 1000 }
}
