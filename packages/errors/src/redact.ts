/** The text that replaces a secret wherever {@link redact} finds one. */
export const REDACTED = '[REDACTED]'

const registeredSecrets = new Set<string>()

/**
 * Registers a secret value (an API secret key, an access key) so that {@link redact} removes it
 * from any text, wherever it appears. Clients call this with their credentials once; values
 * shorter than 8 characters are ignored (they would redact ordinary words).
 *
 * @example
 * ```ts
 * import { registerSecret, redact } from '@bb/errors'
 * registerSecret('my-secret-key-123456')
 * redact('signed with my-secret-key-123456') // 'signed with [REDACTED]'
 * ```
 */
export function registerSecret(secret: string): void {
  if (typeof secret === 'string' && secret.length >= 8) registeredSecrets.add(secret)
}

// JWTs (header.payload.signature, base64url), bearer tokens, and key=value / "key": "value"
// pairs whose key names a credential.
const JWT = /\beyJ[\w-]*\.[\w-]*\.[\w-]*/g
const BEARER = /\b(Bearer|Basic)\s+[^\s"',;]+/gi
const SECRET_KEY_NAME =
  '(?:access[_-]?key|secret[_-]?key|api[_-]?key|api[_-]?secret|secret|token|password|authorization|signature|private[_-]?key)'
const KEY_VALUE = new RegExp(
  String.raw`(\b${SECRET_KEY_NAME}\b["']?\s*[:=]\s*["']?)(?!Bearer\b|Basic\b|\[REDACTED\])([^\s"'&,;}]+)`,
  'gi',
)
const SECRET_FIELD = new RegExp(`^${SECRET_KEY_NAME}$`, 'i')

function redactString(text: string): string {
  let out = text
  for (const secret of registeredSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED)
  }
  return out
    .replace(JWT, REDACTED)
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(KEY_VALUE, (_m, prefix: string) => `${prefix}${REDACTED}`)
}

/**
 * Removes secrets from a value before it reaches a message, `details`, JSON or a log line.
 * Strings lose JWTs, `Bearer …` tokens, `access_key=…`-style pairs and every value passed to
 * {@link registerSecret}; objects are copied with credential-named fields (`secretKey`,
 * `authorization`, `access_key`, `token`, …) replaced by `[REDACTED]`. Cycles are cut.
 * Non-plain objects (Decimal, Date, Error) are kept as they are.
 *
 * @example
 * ```ts
 * import { redact } from '@bb/errors'
 * redact({ url: '/v1/orders', headers: { Authorization: 'Bearer eyJhbGciOi.eyJ.sig' } })
 * // { url: '/v1/orders', headers: { Authorization: '[REDACTED]' } }
 * ```
 */
export function redact<T>(value: T): T {
  return redactValue(value, new WeakSet()) as T
}

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value)
  if (value === null || typeof value !== 'object') return value
  if (seen.has(value)) return '[Circular]'
  if (Array.isArray(value)) {
    seen.add(value)
    return value.map((item) => redactValue(item, seen))
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  seen.add(value)
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_FIELD.test(key) && item != null && item !== '' ? REDACTED : redactValue(item, seen)
  }
  return out
}
