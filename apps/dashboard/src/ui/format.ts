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
