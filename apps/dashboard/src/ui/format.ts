// Exact decimal formatting on strings: digits are never converted to a float.

/** Groups the integer part of a decimal string with commas; keeps every fraction digit (or cuts to `places`, truncating). */
export function formatDecimal(value: string | undefined, places?: number): string {
  if (value === undefined || value === '') return '–'
  const negative = value.startsWith('-')
  const digits = negative ? value.slice(1) : value
  const [int = '0', frac = ''] = digits.split('.')
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const fraction = places === undefined ? frac : frac.slice(0, places).padEnd(places, '0')
  return `${negative ? '−' : ''}${grouped}${fraction ? `.${fraction}` : ''}`
}

/** A signed ratio string (0.0123) as a percent string (1.23 %), exactly, by moving the decimal point. */
export function ratioToPercent(value: string | undefined, places = 2): string {
  if (value === undefined) return '–'
  const negative = value.startsWith('-')
  const digits = negative ? value.slice(1) : value
  const [int = '0', frac = ''] = digits.split('.')
  const padded = frac.padEnd(2, '0')
  const moved = `${(int + padded.slice(0, 2)).replace(/^0+(?=\d)/, '')}.${padded.slice(2)}`
  const text = formatDecimal(moved, places)
  const isZero = /^[0.,]*$/.test(text)
  return `${negative && !isZero ? '−' : isZero ? '' : '+'}${text} %`
}

/** Milliseconds as a short age: `120 ms`, `3.4 s`, `2 min`. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.round(ms / 60_000)} min`
}

/** `hh:mm:ss` (or with the date: `yyyy-mm-dd hh:mm:ss`) in KST (UTC+9, no daylight saving) or UTC. */
export function formatTime(ms: number, zone: 'KST' | 'UTC', withDate = false): string {
  if (!Number.isFinite(ms)) return '–'
  const iso = new Date(ms + (zone === 'KST' ? 9 * 3_600_000 : 0)).toISOString()
  return `${withDate ? `${iso.slice(0, 10)} ` : ''}${iso.slice(11, 19)}`
}

/** The start of the day containing `ms`, in KST or UTC. */
export function startOfDay(ms: number, zone: 'KST' | 'UTC'): number {
  const offset = zone === 'KST' ? 9 * 3_600_000 : 0
  return Math.floor((ms + offset) / 86_400_000) * 86_400_000 - offset
}

/** A decimal string as a scaled BigInt: `[digits, scale]` with value = digits / 10^scale. */
function scaled(value: string): [bigint, number] {
  const text = value.trim()
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new RangeError(`not a decimal: ${JSON.stringify(value)}`)
  const negative = text.startsWith('-')
  const [int = '0', frac = ''] = (negative ? text.slice(1) : text).split('.')
  const digits = BigInt(int + frac)
  return [negative ? -digits : digits, frac.length]
}

function unscaled(digits: bigint, scale: number): string {
  const negative = digits < 0n
  const text = (negative ? -digits : digits).toString().padStart(scale + 1, '0')
  const int = text.slice(0, text.length - scale)
  const frac = text.slice(text.length - scale).replace(/0+$/, '')
  const out = frac ? `${int}.${frac}` : int
  return negative && /[1-9]/.test(out) ? `-${out}` : out
}

/** Exact sum of decimal strings (no float). */
export function addDecimals(values: readonly string[]): string {
  let total = 0n
  let scale = 0
  for (const value of values) {
    const [digits, s] = scaled(value)
    if (s > scale) {
      total *= 10n ** BigInt(s - scale)
      scale = s
    }
    total += digits * 10n ** BigInt(scale - s)
  }
  return unscaled(total, scale)
}

/** Exact product of two decimal strings (no float). */
export function multiplyDecimals(a: string, b: string): string {
  const [x, sx] = scaled(a)
  const [y, sy] = scaled(b)
  return unscaled(x * y, sx + sy)
}

/** Decimal places of a tick size string: `'1000'` → 0, `'0.01'` → 2, `'0.00000001'` → 8. */
export function tickDecimals(tickSize: string): number {
  const [, frac = ''] = tickSize.split('.')
  return frac.replace(/0+$/, '').length
}

/**
 * A chart price on the market's tick grid: the tick's decimals and digit grouping
 * (`143250000` on a 1,000 tick → `143,250,000`; `0.0123` on a 0.0001 tick → `0.0123`).
 */
export function formatTickPrice(price: number, tickSize: string): string {
  if (!Number.isFinite(price)) return '–'
  return formatDecimal(price.toFixed(tickDecimals(tickSize)))
}
