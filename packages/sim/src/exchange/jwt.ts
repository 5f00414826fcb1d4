import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/** Why a token was refused, with Upbit's error name. */
export type JwtFailure =
  | 'no_authorization_token'
  | 'jwt_verification'
  | 'invalid_access_key'
  | 'invalid_query_payload'
  | 'nonce_used'

/** A verified token's claims. */
export interface VerifiedToken {
  readonly accessKey: string
  readonly nonce: string
  readonly queryHash: string | undefined
}

function b64urlDecode(part: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(part)) return undefined
  return Buffer.from(part.replace(/=+$/, ''), 'base64url')
}

function parseJson(buf: Buffer | undefined): Record<string, unknown> | undefined {
  if (!buf) return undefined
  try {
    const v: unknown = JSON.parse(buf.toString('utf8'))
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Reads the access key claim without verifying anything (used to pick a rate-limit bucket). */
export function peekAccessKey(authorization: string | undefined): string | undefined {
  const token = bearer(authorization)
  if (!token) return undefined
  const payload = parseJson(b64urlDecode(token.split('.')[1] ?? ''))
  const key = payload?.access_key
  return typeof key === 'string' ? key : undefined
}

function bearer(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
  return m?.[1]
}

/**
 * Verifies an Upbit JWT (HS256 or HS512, signed with the secret key bytes as-is).
 * `secretFor` returns the secret of an access key or `undefined` when the key is unknown.
 */
export function verifyJwt(
  authorization: string | undefined,
  secretFor: (accessKey: string) => string | undefined,
): VerifiedToken | JwtFailure {
  const token = bearer(authorization)
  if (!token) return 'no_authorization_token'
  const parts = token.split('.')
  if (parts.length !== 3) return 'jwt_verification'
  const [h, p, sig] = parts as [string, string, string]
  const header = parseJson(b64urlDecode(h))
  const payload = parseJson(b64urlDecode(p))
  if (!header || !payload) return 'jwt_verification'
  const alg = header.alg
  if (alg !== 'HS256' && alg !== 'HS512') return 'jwt_verification'
  const accessKey = payload.access_key
  if (typeof accessKey !== 'string' || accessKey === '') return 'invalid_query_payload'
  const secret = secretFor(accessKey)
  if (secret === undefined) return 'invalid_access_key'
  const expected = createHmac(alg === 'HS256' ? 'sha256' : 'sha512', secret)
    .update(`${h}.${p}`)
    .digest()
  const given = b64urlDecode(sig)
  if (!given || given.length !== expected.length || !timingSafeEqual(given, expected))
    return 'jwt_verification'
  const nonce = payload.nonce
  if (typeof nonce !== 'string' || nonce === '') return 'invalid_query_payload'
  const queryHash = payload.query_hash
  if (queryHash !== undefined && typeof queryHash !== 'string') return 'invalid_query_payload'
  const alg2 = payload.query_hash_alg
  if (alg2 !== undefined && alg2 !== 'SHA512') return 'invalid_query_payload'
  return { accessKey, nonce, queryHash }
}

/** Hex SHA-512 of a string. */
export function sha512Hex(text: string): string {
  return createHash('sha512').update(text, 'utf8').digest('hex')
}

/** The query string as the client hashed it: the raw query, percent-decoded. */
export function decodedQuery(rawQuery: string): string {
  try {
    return decodeURIComponent(rawQuery.replace(/\+/g, ' '))
  } catch {
    return rawQuery
  }
}

/** `k1=v1&k2=v2` of a JSON body in key order (arrays as repeated `k[]=v`). */
export function bodyQuery(body: Record<string, unknown>, skipNull: boolean): string {
  const parts: string[] = []
  for (const [k, v] of Object.entries(body)) {
    if (v === undefined) continue
    if (v === null) {
      if (!skipNull) parts.push(`${k}=null`)
      continue
    }
    if (Array.isArray(v)) {
      const key = k.endsWith('[]') ? k : `${k}[]`
      for (const item of v) parts.push(`${key}=${String(item)}`)
    } else parts.push(`${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
  }
  return parts.join('&')
}

/** Creates an Upbit-style JWT; used by tests and examples (HS256 by default). */
export function signJwt(
  payload: Record<string, unknown>,
  secretKey: string,
  alg: 'HS256' | 'HS512' = 'HS256',
): string {
  const h = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url')
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url')
  const s = createHmac(alg === 'HS256' ? 'sha256' : 'sha512', secretKey)
    .update(`${h}.${p}`)
    .digest('base64url')
  return `${h}.${p}.${s}`
}
