import { createHmac } from 'node:crypto'

/** An HMAC JWT algorithm. */
export type JwtAlgorithm = 'HS256' | 'HS512'

function base64url(input: string | Buffer): string {
  return (typeof input === 'string' ? Buffer.from(input, 'utf8') : input).toString('base64url')
}

/**
 * Signs a compact JWT with HMAC (`HS256` or `HS512`). The header is `{"alg":…,"typ":"JWT"}` and the
 * payload is serialized in the key order given, so the token is deterministic for a fixed payload.
 * The secret is used as raw UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { signJwt } from '@bb/exchange-adapter'
 * const token = signJwt({ access_key: 'my-access-key', nonce: 'fixed-nonce' }, 'my-secret', 'HS512')
 * token.split('.').length // 3
 * ```
 */
export function signJwt(
  payload: Readonly<Record<string, string>>,
  secret: string,
  algorithm: JwtAlgorithm,
): string {
  const header = base64url(JSON.stringify({ alg: algorithm, typ: 'JWT' }))
  const body = base64url(JSON.stringify(payload))
  const input = `${header}.${body}`
  const signature = createHmac(algorithm === 'HS512' ? 'sha512' : 'sha256', Buffer.from(secret, 'utf8'))
    .update(input)
    .digest()
  return `${input}.${base64url(signature)}`
}
