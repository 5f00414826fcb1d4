import { createHmac, randomUUID } from 'node:crypto'
import { describeValue, InvalidRequestError } from '@bb/errors'
import type { BodyValue, Credentials, SignableRequest, SignOptions } from '@bb/exchange-adapter'

/**
 * Lower-case hex HMAC-SHA512 of the Base64 payload text, keyed by the secret **as issued** (no
 * upper-casing: that was the legacy V2 sample; COINONE.md §4.1).
 *
 * @example
 * ```ts
 * import { coinoneSignature } from '@bb/coinone'
 * coinoneSignature('eyJub25jZSI6ICIxIn0=', 'my-secret').length // 128
 * ```
 */
export function coinoneSignature(payload: string, secretKey: string): string {
  return createHmac('sha512', secretKey).update(payload, 'utf8').digest('hex')
}

/**
 * `X-COINONE-PAYLOAD`: standard Base64 (with padding) of the UTF-8 JSON text of the request
 * object. The JSON text is given as is, so a caller can reproduce an exact byte sequence.
 */
export function coinonePayload(json: string): string {
  return Buffer.from(json, 'utf8').toString('base64')
}

function credentialsOf(credentials: Credentials): Credentials {
  const c = credentials as Partial<Credentials> | null | undefined
  if (
    typeof c?.accessKey !== 'string' ||
    c.accessKey === '' ||
    typeof c.secretKey !== 'string' ||
    c.secretKey === ''
  )
    throw new InvalidRequestError({
      param: 'credentials',
      exchange: 'coinone',
      message: 'Coinone signing needs a non-empty accessKey (access token) and secretKey.',
    })
  return c as Credentials
}

/**
 * Builds the V2.1 request object `{access_token, nonce, ...body}` and its two headers
 * (COINONE.md §4.1): `X-COINONE-PAYLOAD` = Base64(JSON), `X-COINONE-SIGNATURE` =
 * HMAC-SHA512(secret, payload) hex. The nonce is a fresh UUID v4 unless `options.nonce` is given
 * (the server refuses a reused nonce, 132). The body goes inside the payload: a client sends the
 * payload text as the request body too (what ccxt does). The secret never appears in the output.
 *
 * @example
 * ```ts
 * import { coinone } from '@bb/coinone'
 * const headers = coinone.rest.sign({ method: 'POST', body: {} }, { accessKey: 'token', secretKey: 'secret' }, { nonce: '022f53b2-8b2f-40c6-8e51-b594f562ee83' })
 * Object.keys(headers) // ['Content-Type', 'X-COINONE-PAYLOAD', 'X-COINONE-SIGNATURE']
 * ```
 */
export function signCoinoneRequest(
  request: SignableRequest,
  credentials: Credentials,
  options: SignOptions = {},
): Record<string, string> {
  const { accessKey, secretKey } = credentialsOf(credentials)
  const nonce = options.nonce ?? randomUUID()
  if (typeof nonce !== 'string' || nonce === '')
    throw new InvalidRequestError({
      param: 'nonce',
      exchange: 'coinone',
      message: `A nonce is text (got ${describeValue(nonce)}).`,
    })
  const body: Record<string, BodyValue> = { ...(request?.body ?? {}) }
  for (const key of ['access_token', 'nonce'])
    if (key in body)
      throw new InvalidRequestError({
        param: key,
        exchange: 'coinone',
        message: `"${key}" is added by the signer.`,
      })
  const payload = coinonePayload(JSON.stringify({ access_token: accessKey, nonce, ...body }))
  return {
    'Content-Type': 'application/json',
    'X-COINONE-PAYLOAD': payload,
    'X-COINONE-SIGNATURE': coinoneSignature(payload, secretKey),
  }
}

/**
 * The upgrade headers of the private WebSocket (`/v1/private`; COINONE.md §6): the payload is
 * `{access_token, nonce, timestamp}` (ms), signed as REST. A failed auth closes with 4280.
 */
export function signCoinoneWs(credentials: Credentials, options: SignOptions = {}): Record<string, string> {
  const { accessKey, secretKey } = credentialsOf(credentials)
  const payload = coinonePayload(
    JSON.stringify({
      access_token: accessKey,
      nonce: options.nonce ?? randomUUID(),
      timestamp: options.now ?? Date.now(),
    }),
  )
  return { 'X-COINONE-PAYLOAD': payload, 'X-COINONE-SIGNATURE': coinoneSignature(payload, secretKey) }
}
