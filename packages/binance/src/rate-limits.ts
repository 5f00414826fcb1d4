import type { QueryParam, RateLimitGroup, RateLimitState, RestRequest } from '@bb/exchange-adapter'

/** `REQUEST_WEIGHT`: 6000 per minute per IP, shared by REST and the WS API (BINANCE.md §7). */
export const BINANCE_WEIGHT_PER_MINUTE = 6000

/**
 * Binance's rate-limit groups (`exchangeInfo.rateLimits`): request weight per IP, unfilled
 * orders per account, raw requests per IP. Requests name the group their budget counts against;
 * how much of it one request costs is {@link binanceRequestWeight}.
 */
export const BINANCE_RATE_LIMITS: Readonly<Record<string, RateLimitGroup>> = {
  weight: {
    name: 'weight',
    windows: [{ limit: BINANCE_WEIGHT_PER_MINUTE, intervalMs: 60_000 }],
    scope: 'ip',
    aliases: ['request_weight', 'x-mbx-used-weight-1m', 'x-mbx-used-weight'],
  },
  orders: {
    name: 'orders',
    windows: [
      { limit: 50, intervalMs: 10_000 },
      { limit: 160_000, intervalMs: 86_400_000 },
    ],
    scope: 'account',
    aliases: ['order', 'x-mbx-order-count-10s', 'x-mbx-order-count-1d'],
  },
  'raw-requests': {
    name: 'raw-requests',
    windows: [{ limit: 300_000, intervalMs: 300_000 }],
    scope: 'ip',
    aliases: ['raw_requests'],
  },
}

const ALIASES: ReadonlyMap<string, string> = new Map(
  Object.values(BINANCE_RATE_LIMITS).flatMap((g) => [
    [g.name, g.name] as const,
    ...g.aliases.map((a) => [a, g.name] as const),
  ]),
)

/** Normalizes a group name (`REQUEST_WEIGHT`, a header name) to the documented one; unknown names pass through. */
export function normalizeBinanceGroup(name: string): string {
  const key = String(name).trim().toLowerCase()
  return ALIASES.get(key) ?? key
}

/**
 * Parses `X-MBX-USED-WEIGHT-1M` (the weight this IP used in the current minute) into the weight
 * left of the 6000 budget. Returns `undefined` for anything but a non-negative integer.
 *
 * @example
 * ```ts
 * import { binance } from '@bb/binance'
 * binance.rest.parseRateLimitHeader('2411') // { group: 'weight', wireGroup: 'x-mbx-used-weight-1m', remaining: 3589, intervalMs: 60000 }
 * ```
 */
export function parseBinanceUsedWeight(value: string | null | undefined): RateLimitState | undefined {
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  if (!/^\d{1,12}$/.test(trimmed)) return undefined
  return {
    group: 'weight',
    wireGroup: 'x-mbx-used-weight-1m',
    remaining: Math.max(0, BINANCE_WEIGHT_PER_MINUTE - Number(trimmed)),
    used: Number(trimmed),
    intervalMs: 60_000,
  }
}

function param(query: readonly QueryParam[], key: string): string | undefined {
  return query.find(([k]) => k === key)?.[1]
}

function symbolCount(query: readonly QueryParam[]): number | undefined {
  if (param(query, 'symbol') !== undefined) return 1
  const list = param(query, 'symbols')
  if (list === undefined) return undefined
  try {
    const parsed = JSON.parse(list) as unknown
    return Array.isArray(parsed) ? parsed.length : undefined
  } catch {
    return undefined
  }
}

/**
 * The documented request weight of a request this adapter builds (BINANCE.md §3–§4): `depth` by
 * `limit` (5/25/50/250), `trades` and `historicalTrades` 25, `aggTrades` 4, `klines` 2,
 * `ticker/24hr` 2 / 40 / 80 by symbol count (80 for all), `ticker/price` and
 * `ticker/bookTicker` 2 for one symbol else 4, `avgPrice` 2, `time` 1, `exchangeInfo` 20,
 * `account` 20, `order` GET 4, `openOrders` 6 / 80, `allOrders` 20, order placement 1.
 *
 * @example
 * ```ts
 * import { binanceMarketData, binanceRequestWeight } from '@bb/binance'
 * binanceRequestWeight(binanceMarketData.depth({ symbol: 'BTCUSDT', limit: 1000 })) // 50
 * ```
 */
export function binanceRequestWeight(request: Pick<RestRequest, 'method' | 'path' | 'query'>): number {
  const q = request.query
  switch (request.path) {
    case '/api/v3/depth': {
      const limit = Number(param(q, 'limit') ?? 100)
      return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250
    }
    case '/api/v3/trades':
    case '/api/v3/historicalTrades':
      return 25
    case '/api/v3/aggTrades':
      return 4
    case '/api/v3/klines':
    case '/api/v3/uiKlines':
    case '/api/v3/avgPrice':
      return 2
    case '/api/v3/ticker/24hr': {
      const n = symbolCount(q)
      return n === undefined ? 80 : n <= 20 ? 2 : n <= 100 ? 40 : 80
    }
    case '/api/v3/ticker/price':
    case '/api/v3/ticker/bookTicker':
      return param(q, 'symbol') !== undefined ? 2 : 4
    case '/api/v3/exchangeInfo':
    case '/api/v3/account':
    case '/api/v3/allOrders':
      return 20
    case '/api/v3/myTrades':
      return param(q, 'orderId') !== undefined ? 5 : 20
    case '/api/v3/openOrders':
      return request.method === 'GET' ? (param(q, 'symbol') !== undefined ? 6 : 80) : 1
    case '/api/v3/order':
      return request.method === 'GET' ? 4 : 1
    default:
      return 1
  }
}
