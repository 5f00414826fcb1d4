import { describeValue, InvalidRequestError } from '@bb/errors'
import { type ExchangeAdapter, formatQuery, type SymbolRules } from '@bb/exchange-adapter'
import { UPBIT_MAX_SYMBOLS_PER_CALL, upbitEndpoints } from './endpoints.js'
import { mapUpbitRestError, mapUpbitWsError } from './errors.js'
import { UPBIT_FIELD_MAPS } from './field-maps.js'
import { UPBIT_REST_INTERVALS, UPBIT_WS_INTERVALS } from './intervals.js'
import { upbitMarketRules } from './market.js'
import { normalizeUpbitGroup, parseUpbitRemainingReq, UPBIT_RATE_LIMITS } from './rate-limits.js'
import { signUpbitRequest, signUpbitWs } from './sign.js'
import { formatUpbitSymbol, parseUpbitSymbol } from './symbol.js'
import {
  buildUpbitListSubscriptions,
  buildUpbitSubscription,
  classifyUpbitMessage,
  UPBIT_HEARTBEAT,
  UPBIT_WS_DEPTHS,
  UPBIT_WS_FORMATS,
  UPBIT_WS_LIMITS,
  upbitEndpointFor,
  upbitIsListFrame,
} from './ws.js'

const REST_BASE_URL = 'https://api.upbit.com'

const symbols: SymbolRules = {
  format: 'QUOTE-BASE, upper case (KRW-BTC); quote is KRW, BTC or USDT; BASE/QUOTE (BTC/KRW) accepted',
  normalize: (symbol) => parseUpbitSymbol(symbol).symbol,
  split: (symbol) => parseUpbitSymbol(symbol),
  join: (parts) => {
    if (!parts.base || !parts.quote) {
      throw new InvalidRequestError({
        param: 'symbol',
        exchange: 'upbit',
        message: 'A market needs a base and a quote.',
      })
    }
    return formatUpbitSymbol(parts)
  },
}

const rest = { supported: true } as const
const none = { supported: false } as const

/** Settings of {@link createUpbit}: every URL defaults to Upbit's real one. */
export interface UpbitSettings {
  /** REST base URL (scheme and host). @default 'https://api.upbit.com' */
  readonly restUrl?: string
  /** Public WebSocket URL. @default 'wss://api.upbit.com/websocket/v1' */
  readonly wsUrl?: string
  /** Private WebSocket URL. @default 'wss://api.upbit.com/websocket/v1/private' */
  readonly wsPrivateUrl?: string
}

function url(settings: UpbitSettings, key: keyof UpbitSettings, fallback: string): string {
  const value = settings[key]
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !/^(https?|wss?):\/\/[^\s]+$/.test(value)) {
    throw new InvalidRequestError({
      param: key,
      exchange: 'upbit',
      message: `"${key}" must be an http(s) or ws(s) URL (got ${describeValue(value)}).`,
    })
  }
  return value
}

/**
 * Creates the Upbit adapter (UPBIT.md): REST endpoints and JWT signer, `Remaining-Req`
 * parser (doc and wire group names), error mapper (both spellings of renamed codes, plain-text
 * 429, 418 ban), WebSocket subscription builder, frame classifier and heartbeat, market rules
 * (KRW/BTC/USDT tick grids, fees, minimums) and field maps for every model from REST, `DEFAULT`,
 * `SIMPLE` and the list formats. Settings override the URLs (e.g. a local simulator).
 * Throws `InvalidRequestError` naming a bad setting.
 *
 * @example
 * ```ts
 * import { createUpbit } from '@bb/upbit'
 * const local = createUpbit({ restUrl: 'http://127.0.0.1:8080' })
 * local.rest.url(local.rest.endpoints.tickers({ symbols: ['KRW-BTC'] })) // 'http://127.0.0.1:8080/v1/ticker?markets=KRW-BTC'
 * ```
 */
export function createUpbit(settings: UpbitSettings = {}): ExchangeAdapter {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    throw new InvalidRequestError({
      param: 'settings',
      exchange: 'upbit',
      message: `createUpbit takes a settings object (got ${describeValue(settings)}).`,
    })
  }
  const restUrl = url(settings, 'restUrl', REST_BASE_URL)
  const wsUrl = url(settings, 'wsUrl', 'wss://api.upbit.com/websocket/v1')
  const wsPrivateUrl = url(settings, 'wsPrivateUrl', 'wss://api.upbit.com/websocket/v1/private')
  return {
    id: 'upbit',
    name: 'Upbit',
    capabilities: {
      channels: {
        market: { rest, ws: none },
        ticker: {
          rest: { supported: true, maxSymbols: UPBIT_MAX_SYMBOLS_PER_CALL },
          ws: { supported: true },
        },
        trade: { rest: { supported: true, maxCount: 500 }, ws: { supported: true } },
        orderbook: {
          rest: { supported: true, maxSymbols: UPBIT_MAX_SYMBOLS_PER_CALL },
          ws: { supported: true },
        },
        candle: { rest: { supported: true, maxCount: 200 }, ws: { supported: true } },
        balance: { rest: { supported: true, private: true }, ws: { supported: true, private: true } },
        order: { rest: { supported: true, private: true }, ws: { supported: true, private: true } },
      },
      candleIntervals: { rest: UPBIT_REST_INTERVALS, ws: UPBIT_WS_INTERVALS },
      orderbookDepths: { rest: Array.from({ length: 30 }, (_, i) => i + 1), ws: UPBIT_WS_DEPTHS },
      // `sequential_id` grows with time but is not contiguous (nor ordered in REST pages).
      contiguousTradeIds: false,
      private: {
        balances: true,
        orders: true,
        testOrder: true,
        orderStream: true,
        balanceStream: true,
        myTrades: false,
      },
    },
    symbols,
    market: upbitMarketRules,
    // REST bodies; WS DEFAULT (and JSON_LIST elements); WS SIMPLE (and SIMPLE_LIST elements).
    shapes: { rest: 'rest', ws: ['ws', 'wsSimple'] },
    rest: {
      baseUrl: restUrl,
      endpoints: upbitEndpoints,
      rateLimits: UPBIT_RATE_LIMITS,
      normalizeGroup: normalizeUpbitGroup,
      rateLimitHeader: 'remaining-req',
      parseRateLimitHeader: parseUpbitRemainingReq,
      mapError: mapUpbitRestError,
      orderChanceFields: {
        symbol: 'market.id',
        bidFee: 'bid_fee',
        askFee: 'ask_fee',
        bidTypes: 'market.bid_types',
        askTypes: 'market.ask_types',
        minTotal: 'market.bid.min_total',
      },
      sign: signUpbitRequest,
      formatQuery,
      url(request, baseUrl = restUrl) {
        const query = formatQuery(request.query)
        // Trailing slashes cut by a scan: /\/+$/ restarts at every slash of a long run (quadratic).
        let end = baseUrl.length
        while (end > 0 && baseUrl.charCodeAt(end - 1) === 47) end--
        return `${baseUrl.slice(0, end)}${request.path}${query === '' ? '' : `?${query}`}`
      },
    },
    ws: {
      urls: { public: wsUrl, private: wsPrivateUrl },
      endpointFor: upbitEndpointFor,
      formats: {
        all: UPBIT_WS_FORMATS,
        default: 'DEFAULT',
        lists: { DEFAULT: 'JSON_LIST', SIMPLE: 'SIMPLE_LIST' },
      },
      buildSubscription: buildUpbitSubscription,
      buildListSubscriptions: buildUpbitListSubscriptions,
      classify: classifyUpbitMessage,
      isListFrame: upbitIsListFrame,
      mapError: mapUpbitWsError,
      sign: signUpbitWs,
      heartbeat: UPBIT_HEARTBEAT,
      limits: UPBIT_WS_LIMITS,
    },
    fieldMaps: UPBIT_FIELD_MAPS,
  }
}

/**
 * The complete Upbit adapter (UPBIT.md): REST endpoints and JWT signer, `Remaining-Req`
 * parser (doc and wire group names), error mapper (both spellings of renamed codes, plain-text
 * 429, 418 ban), WebSocket subscription builder, frame classifier and heartbeat, and field maps
 * for every model from REST, `DEFAULT`, `SIMPLE` and the list formats.
 *
 * @example
 * ```ts
 * import { upbit } from '@bb/upbit'
 * const request = upbit.rest.endpoints.candles({ symbol: 'KRW-BTC', interval: '4h', count: 200 })
 * // { method: 'GET', path: '/v1/candles/minutes/240', query: [['market', 'KRW-BTC'], ['count', '200']], group: 'candle', auth: false, ... }
 * upbit.rest.parseRateLimitHeader('group=candles; min=600; sec=9')?.group // 'candle'
 * ```
 */
export const upbit: ExchangeAdapter = createUpbit()
