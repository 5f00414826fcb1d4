import { describeValue, InvalidRequestError } from '@bb/errors'
import { type ExchangeAdapter, formatQuery } from '@bb/exchange-adapter'
import { binanceEndpoints } from './endpoints.js'
import { mapBinanceRestError, mapBinanceWsError } from './errors.js'
import { BINANCE_FIELD_MAPS } from './field-maps.js'
import { BINANCE_INTERVALS } from './intervals.js'
import { type BinanceExchangeInfo, binanceMarketRules, parseBinanceExchangeInfo } from './market.js'
import { BINANCE_RATE_LIMITS, normalizeBinanceGroup, parseBinanceUsedWeight } from './rate-limits.js'
import { binanceApiKeyHeader, signBinanceRequest, signBinanceRequestQuery } from './sign.js'
import { binanceSymbolRules } from './symbol.js'
import {
  BINANCE_HEARTBEAT,
  BINANCE_WS_DEPTHS,
  BINANCE_WS_LIMITS,
  buildBinanceSubscription,
  buildBinanceUserDataSubscribe,
  classifyBinanceMessage,
} from './ws.js'

/** Settings of {@link createBinance}: every URL defaults to Binance's real one. */
export interface BinanceSettings {
  /** REST base URL. @default 'https://api.binance.com' */
  readonly restUrl?: string
  /** Combined market-stream URL. @default 'wss://stream.binance.com:9443/stream' */
  readonly wsUrl?: string
  /** WebSocket API URL (account events). @default 'wss://ws-api.binance.com:443/ws-api/v3' */
  readonly wsPrivateUrl?: string
  /**
   * The `GET /api/v3/exchangeInfo` body (text or parsed) or its {@link parseBinanceExchangeInfo}
   * result: symbols then split exactly and unknown ones are refused, and the market rules use
   * each symbol's filters. Without it the documented heuristic and fallbacks apply.
   */
  readonly exchangeInfo?: unknown
}

const KEYS = ['restUrl', 'wsUrl', 'wsPrivateUrl'] as const

function url(settings: BinanceSettings, key: (typeof KEYS)[number], fallback: string): string {
  const value = settings[key]
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !/^(https?|wss?):\/\/[^\s]+$/.test(value))
    throw new InvalidRequestError({
      param: key,
      exchange: 'binance',
      message: `"${key}" must be an http(s) or ws(s) URL (got ${describeValue(value)}).`,
    })
  return value
}

function exchangeInfoOf(value: unknown): BinanceExchangeInfo | undefined {
  if (value === undefined) return undefined
  if (value !== null && typeof value === 'object' && (value as { markets?: unknown }).markets instanceof Map)
    return value as BinanceExchangeInfo
  return parseBinanceExchangeInfo(value)
}

const none = { supported: false } as const

/**
 * Creates the Binance Spot adapter (BINANCE.md): `/api/v3` endpoint builders, HMAC-SHA256 query
 * signing, `X-MBX-USED-WEIGHT-1M` parser, `{code,msg}` error mapper (429/418 bans), combined
 * market streams with `SUBSCRIBE` ids, and field maps for markets, tickers, trades, books and
 * candles. Settings override the URLs and load the market list. Throws `InvalidRequestError`
 * naming a bad setting, `DataValidationError` for an unreadable `exchangeInfo`.
 *
 * @example
 * ```ts
 * import { createBinance } from '@bb/binance'
 * const local = createBinance({ restUrl: 'http://127.0.0.1:8080' })
 * local.rest.url(local.rest.endpoints.orderbook({ symbols: ['BTC/USDT'] })) // 'http://127.0.0.1:8080/api/v3/depth?symbol=BTCUSDT'
 * ```
 */
export function createBinance(settings: BinanceSettings = {}): ExchangeAdapter {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings))
    throw new InvalidRequestError({
      param: 'settings',
      exchange: 'binance',
      message: `createBinance takes a settings object (got ${describeValue(settings)}).`,
    })
  const restUrl = url(settings, 'restUrl', 'https://api.binance.com')
  const wsUrl = url(settings, 'wsUrl', 'wss://stream.binance.com:9443/stream')
  const wsPrivateUrl = url(settings, 'wsPrivateUrl', 'wss://ws-api.binance.com:443/ws-api/v3')
  const markets = exchangeInfoOf(settings.exchangeInfo)?.markets
  const symbols = binanceSymbolRules(markets)
  return {
    id: 'binance',
    name: 'Binance',
    capabilities: {
      channels: {
        market: { rest: { supported: true }, ws: none },
        ticker: { rest: { supported: true, maxSymbols: 100 }, ws: { supported: true, maxSymbols: 1024 } },
        trade: { rest: { supported: true, maxCount: 1000 }, ws: { supported: true, maxSymbols: 1024 } },
        orderbook: { rest: { supported: true, maxSymbols: 1 }, ws: { supported: true, maxSymbols: 1024 } },
        candle: { rest: { supported: true, maxCount: 1000 }, ws: { supported: true, maxSymbols: 1024 } },
        // REST account and orders, and the WS API user data stream (executionReport,
        // outboundAccountPosition) on the private connection.
        balance: { rest: { supported: true, private: true }, ws: { supported: true, private: true } },
        order: { rest: { supported: true, private: true }, ws: { supported: true, private: true } },
      },
      candleIntervals: { rest: BINANCE_INTERVALS, ws: BINANCE_INTERVALS },
      orderbookDepths: { rest: [5, 10, 20, 50, 100, 500, 1000, 5000], ws: BINANCE_WS_DEPTHS },
      contiguousTradeIds: true,
      // Diff depth + a `depth` snapshot of 1000 levels (weight 50), kept by the backbone's local book.
      diffBook: { snapshotDepth: 1000 },
      private: {
        balances: true,
        orders: true,
        testOrder: true,
        orderStream: true,
        balanceStream: true,
        myTrades: true,
      },
    },
    symbols,
    market: binanceMarketRules(symbols, markets),
    shapes: { rest: 'rest', ws: ['combined', 'userData'] },
    rest: {
      baseUrl: restUrl,
      endpoints: binanceEndpoints(symbols),
      rateLimits: BINANCE_RATE_LIMITS,
      normalizeGroup: normalizeBinanceGroup,
      rateLimitHeader: 'x-mbx-used-weight-1m',
      parseRateLimitHeader: parseBinanceUsedWeight,
      mapError: mapBinanceRestError,
      // No order-chance endpoint (the builder throws): paths into an exchangeInfo symbol entry.
      orderChanceFields: {
        symbol: 'symbol',
        bidFee: 'takerCommission',
        askFee: 'takerCommission',
        bidTypes: 'orderTypes',
        askTypes: 'orderTypes',
        minTotal: 'minNotional',
      },
      sign: signBinanceRequest,
      signQuery: signBinanceRequestQuery,
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
      formats: { all: ['combined'], default: 'combined', lists: { combined: 'combined' } },
      buildSubscription: (options) => buildBinanceSubscription(symbols, options),
      buildListSubscriptions: (options) =>
        JSON.stringify({
          method: 'LIST_SUBSCRIPTIONS',
          id: options?.ticket !== undefined && /^\d{1,15}$/.test(options.ticket) ? Number(options.ticket) : 0,
        }),
      classify: classifyBinanceMessage,
      // `!miniTicker@arr`-style array payloads arrive inside the wrapper, never as a bare list.
      isListFrame: (frame): frame is readonly unknown[] => Array.isArray(frame),
      mapError: mapBinanceWsError,
      // Market streams need no authentication; the WS API signs each request's params instead.
      sign: (credentials) => binanceApiKeyHeader(credentials),
      // The private connection (WS API) subscribes the user data stream with a signed request.
      authenticate: (credentials, options) =>
        buildBinanceUserDataSubscribe(credentials, options?.now === undefined ? {} : { now: options.now }),
      heartbeat: BINANCE_HEARTBEAT,
      limits: BINANCE_WS_LIMITS,
    },
    fieldMaps: BINANCE_FIELD_MAPS,
  }
}

/**
 * The Binance Spot adapter with the real URLs and no market list loaded (symbols split by the
 * known quote assets; see {@link createBinance}).
 *
 * @example
 * ```ts
 * import { binance } from '@bb/binance'
 * binance.symbols.split('BTCUSDT') // { symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT' }
 * binance.rest.parseRateLimitHeader('2411')?.remaining // 3589
 * ```
 */
export const binance: ExchangeAdapter = createBinance()
