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

// Bearer tokens, and key=value / "key": "value" pairs whose key names a credential. Both run in
// time linear in the text: every quantifier is followed by a character class it cannot match
// (so a failed attempt backtracks over its own characters only), and attempts start at distinct
// key names. JWTs are found by the hand scan in `redactJwts` (a regex has no atomic groups, and
// `eyJ[\w-]*\.` restarted at every `-eyJ` of a long run was quadratic: 1.4 s for 64 KB).
const BEARER = /\b(Bearer|Basic)\s+[^\s"',;]+/gi
const SECRET_KEY_NAME =
  '(?:access[_-]?key|secret[_-]?key|api[_-]?key|api[_-]?secret|secret|token|password|authorization|signature|private[_-]?key)'
const KEY_VALUE = new RegExp(
  String.raw`(\b${SECRET_KEY_NAME}\b["']?\s*[:=]\s*["']?)(?!Bearer\b|Basic\b|\[REDACTED\])([^\s"'&,;}]+)`,
  'gi',
)
const SECRET_FIELD = new RegExp(`^${SECRET_KEY_NAME}$`, 'i')

/** `[A-Za-z0-9_]`, the characters of regex `\w`. */
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
}

/** `[\w-]`, a base64url character. */
function isTokenChar(c: number): boolean {
  return isWordChar(c) || c === 45
}

/** The end of the run of base64url characters that starts at `i`. */
function runEnd(text: string, i: number): number {
  const n = text.length
  while (i < n && isTokenChar(text.charCodeAt(i))) i++
  return i
}

/**
 * Replaces every JWT (`eyJ…` at a word start, then two more dot-separated base64url segments)
 * in one left-to-right pass. A candidate that fails fails at a dot it did not find; every other
 * candidate up to that point would fail at the same place, so the search resumes there: each
 * character is read a bounded number of times, whatever the text.
 */
export function redactJwts(text: string): string {
  let out = ''
  let last = 0
  let from = 0
  for (;;) {
    const start = text.indexOf('eyJ', from)
    if (start === -1) break
    if (start > 0 && isWordChar(text.charCodeAt(start - 1))) {
      from = start + 1
      continue
    }
    const end1 = runEnd(text, start + 3)
    if (text.charCodeAt(end1) !== 46) {
      from = end1 + 1
      continue
    }
    const end2 = runEnd(text, end1 + 1)
    if (text.charCodeAt(end2) !== 46) {
      from = end2 + 1
      continue
    }
    const end3 = runEnd(text, end2 + 1)
    out += `${text.slice(last, start)}${REDACTED}`
    last = end3
    from = end3
  }
  return last === 0 ? text : out + text.slice(last)
}

function redactString(text: string): string {
  let out = text
  for (const secret of registeredSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED)
  }
  return redactJwts(out).replace(BEARER, `$1 ${REDACTED}`).replace(KEY_VALUE, `$1${REDACTED}`)
}

/**
 * The most characters of one server-controlled text (an exchange's error message, a frame
 * excerpt, a detail string) a Backbone error keeps: 4096. Longer text keeps its first 4096
 * characters followed by a marker saying how many were cut.
 */
export const MAX_ERROR_TEXT_LENGTH = 4096

/**
 * Cuts `text` to at most `max` characters (default {@link MAX_ERROR_TEXT_LENGTH}) plus a marker
 * `… [N more characters]`; shorter text is returned as it is. Runs in constant time.
 *
 * @example
 * ```ts
 * import { clipText } from '@bb/errors'
 * clipText('x'.repeat(10), 4) // 'xxxx… [6 more characters]'
 * ```
 */
export function clipText(text: string, max: number = MAX_ERROR_TEXT_LENGTH): string {
  if (text.length <= max) return text
  return `${text.slice(0, max)}… [${text.length - max} more characters]`
}

/** Objects nested deeper than this in a redacted value are replaced by {@link TOO_DEEP}. */
const MAX_DEPTH = 32
const TOO_DEEP = '[Too deeply nested]'

/**
 * Removes secrets from a value before it reaches a message, `details`, JSON or a log line.
 * Strings lose JWTs, `Bearer …` tokens, `access_key=…`-style pairs and every value passed to
 * {@link registerSecret}; objects are copied with credential-named fields (`secretKey`,
 * `authorization`, `access_key`, `token`, …) replaced by `[REDACTED]`. Cycles are cut, and
 * objects nested more than 32 levels deep become `'[Too deeply nested]'` (no stack overflow).
 * Runs in time linear in the size of the value.
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
  return redactValue(value, new WeakSet(), 0, undefined) as T
}

/**
 * {@link redact}, then every string cut to `max` characters with {@link clipText}: what Backbone
 * errors store of server-controlled text. Linear in the size of `value`.
 */
export function redactAndClip<T>(value: T, max: number = MAX_ERROR_TEXT_LENGTH): T {
  return redactValue(value, new WeakSet(), 0, max) as T
}

function redactValue(value: unknown, seen: WeakSet<object>, depth: number, max: number | undefined): unknown {
  if (typeof value === 'string') {
    const clean = redactString(value)
    return max === undefined ? clean : clipText(clean, max)
  }
  if (value === null || typeof value !== 'object') return value
  if (seen.has(value)) return '[Circular]'
  if (depth >= MAX_DEPTH) return TOO_DEEP
  if (Array.isArray(value)) {
    seen.add(value)
    return value.map((item) => redactValue(item, seen, depth + 1, max))
  }
  if (value instanceof Error) {
    // An Error is logged with its message, stack and cause (pino does): they are redacted too,
    // into a plain object — a BackboneError through its own (already redacted) toJSON.
    seen.add(value)
    const json = (value as { toJSON?: () => unknown }).toJSON
    if (typeof json === 'function') {
      try {
        return redactValue(json.call(value), seen, depth + 1, max)
      } catch {
        // fall through to the plain fields
      }
    }
    const out: Record<string, unknown> = {
      type: value.name,
      message: redactValue(value.message, seen, depth + 1, max),
    }
    if (typeof value.stack === 'string') out.stack = redactValue(value.stack, seen, depth + 1, max)
    const code = (value as { code?: unknown }).code
    if (code !== undefined) out.code = redactValue(code, seen, depth + 1, max)
    if (value.cause !== undefined) out.cause = redactValue(value.cause, seen, depth + 1, max)
    return out
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  seen.add(value)
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const clean =
      SECRET_FIELD.test(key) && item != null && item !== ''
        ? REDACTED
        : redactValue(item, seen, depth + 1, max)
    // defineProperty: a `__proto__` key (JSON.parse makes it an own property) stays a key.
    Object.defineProperty(out, key, { value: clean, enumerable: true, writable: true, configurable: true })
  }
  return out
}
