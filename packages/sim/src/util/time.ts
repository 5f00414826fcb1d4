/** Date and time formatting in the shapes Upbit uses (UTC and KST = UTC+09:00). */

/** One minute in milliseconds. */
export const MINUTE = 60_000
/** One hour in milliseconds. */
const HOUR = 3_600_000
/** One day in milliseconds. */
export const DAY = 86_400_000
/** KST offset from UTC in milliseconds. */
export const KST_OFFSET = 9 * HOUR

function p2(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

function p3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n)
}

/** `yyyy-MM-dd` of a UTC instant (add KST_OFFSET first for KST). */
export function dateDash(ms: number): string {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`
}

/** `yyyyMMdd`. */
export function dateCompact(ms: number): string {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}`
}

/** `HH:mm:ss`. */
export function timeColon(ms: number): string {
  const d = new Date(ms)
  return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`
}

/** `HHmmss`. */
export function timeCompact(ms: number): string {
  const d = new Date(ms)
  return `${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}`
}

/** `yyyy-MM-ddTHH:mm:ss` (no zone). */
export function dateTime(ms: number): string {
  return `${dateDash(ms)}T${timeColon(ms)}`
}

/** `yyyy-MM-ddTHH:mm:ss+09:00` in KST. */
export function kstIso(ms: number): string {
  return `${dateTime(ms + KST_OFFSET)}+09:00`
}

/** `yyyy-MM-ddTHH:mm:ss.SSSSSS+09:00` in KST (microseconds, as on order trades). */
export function kstIsoMicros(ms: number): string {
  const whole = Math.floor(ms)
  return `${dateTime(whole + KST_OFFSET)}.${p3(((whole % 1000) + 1000) % 1000)}000+09:00`
}

/** Start of the UTC day containing `ms`. */
export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY) * DAY
}

/** Start of the UTC week (Monday 00:00 UTC) containing `ms`. */
export function utcWeekStart(ms: number): number {
  const day = utcDayStart(ms)
  const dow = new Date(day).getUTCDay() // 0 = Sunday
  return day - ((dow + 6) % 7) * DAY
}

/** Start of the UTC month containing `ms`. */
export function utcMonthStart(ms: number): number {
  const d = new Date(ms)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
}

/** Start of the UTC year containing `ms`. */
export function utcYearStart(ms: number): number {
  return Date.UTC(new Date(ms).getUTCFullYear(), 0, 1)
}

const TO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/

/**
 * Parses a candle `to` value: ISO-8601 with `Z` or an offset, or without a zone (then UTC),
 * with `T` or a space between date and time. Returns `undefined` if it does not parse.
 */
export function parseCandleTo(text: string): number | undefined {
  const m = TO_RE.exec(text.trim())
  if (!m) return undefined
  const [, y, mo, d, h, mi, s, frac, zone] = m
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), ms)
  if (Number.isNaN(t)) return undefined
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * MINUTE
    t -= sign * offset
  }
  return t
}
