import { createHash, randomUUID } from 'node:crypto'
import type { Credentials, SignableRequest, SignOptions } from '@bb/exchange-adapter'
import { bodyQueryString, rawQueryString, signJwt } from '@bb/exchange-adapter'

/**
 * The JWT payload Upbit expects for a request (UPBIT.md §3): `access_key`, `nonce`, and for a
 * request with parameters `query_hash` (hex SHA-512 of the unencoded query string, or of the body
 * rendered as a query string) with `query_hash_alg: "SHA512"`.
 */
export function upbitTokenPayload(
  request: SignableRequest,
  credentials: Credentials,
  nonce: string,
): Record<string, string> {
  const payload: Record<string, string> = { access_key: credentials.accessKey, nonce }
  const query = request.query && request.query.length > 0 ? rawQueryString(request.query) : ''
  const body = request.body ? bodyQueryString(request.body) : ''
  const hashed = [query, body].filter((part) => part !== '').join('&')
  if (hashed !== '') {
    payload.query_hash = createHash('sha512').update(hashed, 'utf8').digest('hex')
    payload.query_hash_alg = 'SHA512'
  }
  return payload
}

/**
 * Signs an Upbit REST request: returns `{ Authorization: 'Bearer <JWT>' }`. HS512 by default (the
 * current auth guide); HS256 is accepted too (§10.4). Deterministic for a fixed `nonce`.
 *
 * @example
 * ```ts
 * import { upbit } from '@bb/upbit'
 * const headers = upbit.rest.sign(
 *   { method: 'GET', query: [['market', 'KRW-BTC']] },
 *   { accessKey: 'my-access-key', secretKey: 'my-secret-key' },
 *   { nonce: '00000000-0000-4000-8000-000000000000' },
 * )
 * headers.Authorization?.startsWith('Bearer ') // true
 * ```
 */
export function signUpbitRequest(
  request: SignableRequest,
  credentials: Credentials,
  options: SignOptions = {},
): Record<string, string> {
  const payload = upbitTokenPayload(request, credentials, options.nonce ?? randomUUID())
  return { Authorization: `Bearer ${signJwt(payload, credentials.secretKey, options.algorithm ?? 'HS512')}` }
}

/** Signs the upgrade request of Upbit's private WebSocket (payload: access_key and nonce only). */
export function signUpbitWs(credentials: Credentials, options: SignOptions = {}): Record<string, string> {
  return signUpbitRequest({ method: 'GET' }, credentials, options)
}
