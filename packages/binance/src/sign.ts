import { createHmac } from 'node:crypto'
import type { Credentials, QueryParam, SignableRequest, SignOptions } from '@bb/exchange-adapter'
import { formatQuery } from '@bb/exchange-adapter'

/**
 * HMAC-SHA256 of a Binance payload (the query string as sent, percent-encoded, concatenated with
 * the form body) keyed by the secret, lower-case hex (BINANCE.md §5).
 *
 * @example
 * ```ts
 * import { binanceSignature } from '@bb/binance'
 * binanceSignature('symbol=LTCBTC&timestamp=1499827319559', 'my-secret') // 64 hex digits
 * ```
 */
export function binanceSignature(payload: string, secretKey: string): string {
  return createHmac('sha256', secretKey).update(payload, 'utf8').digest('hex')
}

/** Options of {@link signBinanceQuery}. */
export interface BinanceSignOptions {
  /** The request time, ms UTC (the `timestamp` parameter); default `Date.now()`. */
  readonly now?: number
  /** `recvWindow`, ms (default: not sent, the server uses 5000; max 60000). */
  readonly recvWindow?: number
}

/**
 * Signs a `SIGNED` request the Binance way: appends `recvWindow` (if given) and `timestamp` to the
 * query, then `signature` = HMAC-SHA256 of the percent-encoded query (+ body) — the parameters to
 * send. The API key travels in the `X-MBX-APIKEY` header (what `binance.rest.sign` returns).
 *
 * @example
 * ```ts
 * import { signBinanceQuery } from '@bb/binance'
 * const query = signBinanceQuery({ method: 'GET', query: [['symbol', 'BTCUSDT']] }, { accessKey: 'k', secretKey: 's' }, { now: 1499827319559 })
 * query.map(([k]) => k) // ['symbol', 'timestamp', 'signature']
 * ```
 */
export function signBinanceQuery(
  request: SignableRequest,
  credentials: Credentials,
  options: BinanceSignOptions = {},
): QueryParam[] {
  const query: QueryParam[] = [...(request.query ?? [])]
  if (options.recvWindow !== undefined) query.push(['recvWindow', String(options.recvWindow)])
  query.push(['timestamp', String(options.now ?? Date.now())])
  const body = request.body
    ? formatQuery(Object.entries(request.body).map(([k, v]) => [k, String(v)] as const))
    : ''
  const signature = binanceSignature(`${formatQuery(query)}${body}`, credentials.secretKey)
  return [...query, ['signature', signature]]
}

/** The header of a signed (or API-key) request: `X-MBX-APIKEY`. */
export function binanceApiKeyHeader(credentials: Credentials): Record<string, string> {
  return { 'X-MBX-APIKEY': credentials.accessKey }
}

/**
 * `rest.sign` of the adapter contract: the `X-MBX-APIKEY` header. Binance authenticates a `SIGNED`
 * request by a `timestamp` and a `signature` **in the query**: those come from `rest.signQuery`
 * ({@link signBinanceRequestQuery}), which a client calls per attempt (BINANCE.md §5). The header
 * does not depend on the nonce or the clock.
 */
export function signBinanceRequest(
  _request: SignableRequest,
  credentials: Credentials,
  _options: SignOptions = {},
): Record<string, string> {
  return binanceApiKeyHeader(credentials)
}

/**
 * `rest.signQuery` of the adapter contract: the query of a `SIGNED` request with `timestamp`
 * (`options.now`, default the current time) and `signature` appended ({@link signBinanceQuery}).
 *
 * @example
 * ```ts
 * import { binance } from '@bb/binance'
 * const query = binance.rest.signQuery?.({ method: 'GET', query: [['omitZeroBalances', 'true']] }, { accessKey: 'k', secretKey: 's' }, { now: 1499827319559 })
 * query?.map(([k]) => k) // ['omitZeroBalances', 'timestamp', 'signature']
 * ```
 */
export function signBinanceRequestQuery(
  request: SignableRequest,
  credentials: Credentials,
  options: SignOptions = {},
): QueryParam[] {
  return signBinanceQuery(request, credentials, options.now === undefined ? {} : { now: options.now })
}
