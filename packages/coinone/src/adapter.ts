import { describeValue, InvalidRequestError } from '@bb/errors'
import { type ExchangeAdapter, formatQuery } from '@bb/exchange-adapter'
import { coinoneEndpoints } from './endpoints.js'
import { mapCoinoneClose, mapCoinoneRestError, mapCoinoneWsError } from './errors.js'
import { COINONE_FIELD_MAPS } from './field-maps.js'
import { COINONE_REST_INTERVALS, COINONE_WS_INTERVALS } from './intervals.js'
import {
  type CoinoneMarketInfo,
  type CoinoneRangeUnit,
  coinoneMarketRules,
  parseCoinoneMarkets,
  parseCoinoneRangeUnits,
} from './market.js'
import { COINONE_RATE_LIMITS, normalizeCoinoneGroup, parseCoinoneRemaining } from './rate-limits.js'
import { signCoinoneRequest, signCoinoneWs } from './sign.js'
import { coinoneSymbolRules } from './symbol.js'
import {
  buildCoinoneSubscription,
  buildCoinoneSubscriptions,
  COINONE_HEARTBEAT,
  COINONE_WS_DEPTHS,
  COINONE_WS_FORMATS,
  COINONE_WS_LIMITS,
  classifyCoinoneMessage,
} from './ws.js'

/** Settings of {@link createCoinone}: every URL defaults to Coinone's real one. */
export interface CoinoneSettings {
  /** REST base URL. @default 'https://api.coinone.co.kr' */
  readonly restUrl?: string
  /** Public WebSocket URL. @default 'wss://stream.coinone.co.kr' */
  readonly wsUrl?: string
  /** Private WebSocket URL. @default 'wss://stream.coinone.co.kr/v1/private' */
  readonly wsPrivateUrl?: string
  /**
   * The `GET /public/v2/markets/KRW` reply (text or parsed): symbols the list does not name are
   * then `UnknownSymbolError`, and the minimum order total and volume decimals come from each row.
   */
  readonly markets?: unknown
  /**
   * Per-pair tick ladders: symbol (`BTC/KRW`) → the `range_units/{quote}/{target}` reply (text or
   * parsed). Pairs without one use the documented example ladder.
   */
  readonly rangeUnits?: Readonly<Record<string, unknown>>
}

const KEYS = ['restUrl', 'wsUrl', 'wsPrivateUrl'] as const

function url(settings: CoinoneSettings, key: (typeof KEYS)[number], fallback: string): string {
  const value = settings[key]
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !/^(https?|wss?):\/\/[^\s]+$/.test(value))
    throw new InvalidRequestError({
      param: key,
      exchange: 'coinone',
      message: `"${key}" must be an http(s) or ws(s) URL (got ${describeValue(value)}).`,
    })
  return value
}

const none = { supported: false } as const

/**
 * Creates the Coinone adapter (COINONE.md): v2 public endpoint builders, v2.1 private request
 * builders signed with HMAC-SHA512 over the Base64 JSON payload, the `Public-Ratelimit-Remaining`
 * parser, the `error_code` mapper (errors ride on HTTP 200), one-topic-per-frame subscriptions in
 * the DEFAULT and SHORT formats, the private WebSocket's MYORDER and MYASSET (signed upgrade
 * headers), range-unit market rules and field maps for markets, tickers, trades, books, candles,
 * orders and balances. Throws `InvalidRequestError` naming a bad setting,
 * `DataValidationError` for an unreadable `markets` or `rangeUnits` body.
 *
 * @example
 * ```ts
 * import { createCoinone } from '@bb/coinone'
 * const local = createCoinone({ restUrl: 'http://127.0.0.1:8080' })
 * local.rest.url(local.rest.endpoints.orderbook({ symbols: ['BTC/KRW'] })) // 'http://127.0.0.1:8080/public/v2/orderbook/KRW/BTC'
 * ```
 */
export function createCoinone(settings: CoinoneSettings = {}): ExchangeAdapter {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings))
    throw new InvalidRequestError({
      param: 'settings',
      exchange: 'coinone',
      message: `createCoinone takes a settings object (got ${describeValue(settings)}).`,
    })
  const restUrl = url(settings, 'restUrl', 'https://api.coinone.co.kr')
  const wsUrl = url(settings, 'wsUrl', 'wss://stream.coinone.co.kr')
  const wsPrivateUrl = url(settings, 'wsPrivateUrl', 'wss://stream.coinone.co.kr/v1/private')
  const markets: Map<string, CoinoneMarketInfo> | undefined =
    settings.markets === undefined ? undefined : parseCoinoneMarkets(settings.markets)
  const symbols = coinoneSymbolRules(markets ? new Set(markets.keys()) : undefined)
  let ladders: Map<string, readonly CoinoneRangeUnit[]> | undefined
  if (settings.rangeUnits !== undefined) {
    if (settings.rangeUnits === null || typeof settings.rangeUnits !== 'object')
      throw new InvalidRequestError({
        param: 'rangeUnits',
        exchange: 'coinone',
        message: '"rangeUnits" maps a symbol (BTC/KRW) to its range_units reply.',
      })
    ladders = new Map()
    for (const [symbol, body] of Object.entries(settings.rangeUnits))
      ladders.set(symbols.normalize(symbol), parseCoinoneRangeUnits(body))
  }
  return {
    id: 'coinone',
    name: 'Coinone',
    capabilities: {
      channels: {
        market: { rest: { supported: true }, ws: none },
        ticker: { rest: { supported: true }, ws: { supported: true, maxSymbols: 1 } },
        trade: { rest: { supported: true, maxCount: 200 }, ws: { supported: true, maxSymbols: 1 } },
        orderbook: { rest: { supported: true, maxSymbols: 1 }, ws: { supported: true, maxSymbols: 1 } },
        candle: { rest: { supported: true, maxCount: 500 }, ws: { supported: true, maxSymbols: 1 } },
        // Signed v2.1 balance and order calls; MYASSET and MYORDER on the private WebSocket.
        balance: { rest: { supported: true, private: true }, ws: { supported: true, private: true } },
        order: { rest: { supported: true, private: true }, ws: { supported: true, private: true } },
      },
      candleIntervals: { rest: COINONE_REST_INTERVALS, ws: COINONE_WS_INTERVALS },
      orderbookDepths: { rest: [5, 10, 15, 16], ws: COINONE_WS_DEPTHS },
      // 16-digit ids are epoch ms + a counter, not consecutive: gaps cannot be detected.
      contiguousTradeIds: false,
      private: {
        balances: true,
        orders: true,
        testOrder: false,
        orderStream: true,
        balanceStream: true,
        myTrades: false,
      },
    },
    symbols,
    market: coinoneMarketRules(symbols, markets, ladders),
    shapes: { rest: 'rest', ws: ['default', 'short'] },
    rest: {
      baseUrl: restUrl,
      endpoints: coinoneEndpoints(symbols),
      rateLimits: COINONE_RATE_LIMITS,
      normalizeGroup: normalizeCoinoneGroup,
      rateLimitHeader: 'public-ratelimit-remaining',
      parseRateLimitHeader: parseCoinoneRemaining,
      mapError: mapCoinoneRestError,
      // Paths into a `/v2.1/account/trade_fee/{q}/{t}` `fee_rates` row and a `markets` row.
      orderChanceFields: {
        symbol: 'target_currency',
        bidFee: 'taker',
        askFee: 'taker',
        bidTypes: 'order_types',
        askTypes: 'order_types',
        minTotal: 'min_order_amount',
      },
      sign: signCoinoneRequest,
      formatQuery,
      url(request, baseUrl = restUrl) {
        const query = formatQuery(request.query)
        let end = baseUrl.length
        while (end > 0 && baseUrl.charCodeAt(end - 1) === 47) end--
        return `${baseUrl.slice(0, end)}${request.path}${query === '' ? '' : `?${query}`}`
      },
    },
    ws: {
      urls: { public: wsUrl, private: wsPrivateUrl },
      endpointFor: (kind) => (kind === 'order' || kind === 'balance' ? 'private' : 'public'),
      formats: { all: COINONE_WS_FORMATS, default: 'default', lists: { default: 'default', short: 'short' } },
      buildSubscription: (options) => buildCoinoneSubscription(symbols, options),
      // Subscriptions add, one topic a frame: a client sends only the new topics.
      buildSubscriptionFrames: (options, action) =>
        buildCoinoneSubscriptions(symbols, options, action === 'unsubscribe' ? 'UNSUBSCRIBE' : 'SUBSCRIBE'),
      buildListSubscriptions() {
        throw new InvalidRequestError({
          param: 'request_type',
          exchange: 'coinone',
          message: 'Coinone has no list-subscriptions request: track the SUBSCRIBED acks.',
        })
      },
      classify: classifyCoinoneMessage,
      // Every frame is one JSON object: there are no list frames.
      isListFrame: (frame): frame is readonly unknown[] => Array.isArray(frame),
      mapError: mapCoinoneWsError,
      sign: signCoinoneWs,
      mapClose: mapCoinoneClose,
      heartbeat: COINONE_HEARTBEAT,
      limits: COINONE_WS_LIMITS,
    },
    fieldMaps: COINONE_FIELD_MAPS,
  }
}

/**
 * The Coinone adapter with the real URLs and no market list loaded (any KRW target is accepted;
 * see {@link createCoinone}).
 *
 * @example
 * ```ts
 * import { coinone } from '@bb/coinone'
 * coinone.symbols.split('btc') // { symbol: 'BTC/KRW', base: 'BTC', quote: 'KRW' }
 * coinone.rest.parseRateLimitHeader('1197')?.remaining // 1197
 * ```
 */
export const coinone: ExchangeAdapter = createCoinone()
