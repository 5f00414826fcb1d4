/** Upbit's price grid (UPBIT.md §9). */

/** A quote currency of the simulated exchange. */
export type QuoteCurrency = 'KRW' | 'BTC' | 'USDT'

/** A tick size as a number and as exact decimal text. */
export interface Tick {
  readonly size: number
  readonly text: string
  readonly decimals: number
}

const tickCache = new Map<string, Tick>()
const BY_TEXT: Record<string, Tick> = {}

function tick(text: string): Tick {
  const fast = BY_TEXT[text]
  if (fast) return fast
  let t = tickCache.get(text)
  if (!t) {
    const dot = text.indexOf('.')
    t = { size: Number(text), text, decimals: dot < 0 ? 0 : text.length - dot - 1 }
    tickCache.set(text, t)
    BY_TEXT[text] = t
  }
  return t
}

function decimalTick(exp: number): Tick {
  // 10^exp for exp <= 0, as text
  if (exp >= 0) return tick(String(10 ** exp))
  return tick(`0.${'0'.repeat(-exp - 1)}1`)
}

/** The tick size for a price in a quote market. */
export function tickFor(quote: QuoteCurrency, price: number): Tick {
  if (quote === 'BTC') return tick('0.00000001')
  if (quote === 'USDT') {
    if (price >= 10) return tick('0.01')
    return smallTick(price)
  }
  if (price >= 1_000_000) return tick('1000')
  if (price >= 500_000) return tick('500')
  if (price >= 100_000) return tick('100')
  if (price >= 50_000) return tick('50')
  if (price >= 10_000) return tick('10')
  if (price >= 5_000) return tick('5')
  if (price >= 100) return tick('1')
  // 10–100: 0.01, 1–10: 0.001, … down to 0.00000001
  return smallTick(price)
}

const SMALL_TICKS: Tick[] = []
function smallTick(price: number): Tick {
  // price < 100 (KRW) or < 10 (USDT): 10–100 → 0.01, 1–10 → 0.001, … floor 0.00000001
  let bound = 10
  let exp = -2
  while (price < bound && exp > -8) {
    bound /= 10
    exp--
  }
  let t = SMALL_TICKS[-exp]
  if (!t) {
    t = decimalTick(exp)
    SMALL_TICKS[-exp] = t
  }
  return t
}

/** Rounds to `decimals` places and returns the nearest double (prints as clean decimal text). */
export function fix(value: number, decimals: number): number {
  return Number(value.toFixed(decimals))
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10] as const

function snap(n: number, t: Tick): number {
  if (t.decimals === 0) return n * t.size
  const scale = POW10[t.decimals] as number
  // n * size * 10^d is an integer up to float noise; dividing an exact integer by 10^d is
  // correctly rounded, so this equals Number((n * size).toFixed(d)).
  return Math.round(n * t.size * scale) / scale
}

/** Rounds a price to the grid, `mode` choosing nearest, down (floor) or up (ceil). */
export function roundToTick(
  quote: QuoteCurrency,
  price: number,
  mode: 'nearest' | 'down' | 'up' = 'nearest',
): number {
  const t = tickFor(quote, price)
  const q = price / t.size
  const n = mode === 'down' ? Math.floor(q + 1e-9) : mode === 'up' ? Math.ceil(q - 1e-9) : Math.round(q)
  let result = snap(Math.max(1, n), t)
  // crossing a band boundary can change the tick; re-snap once on the new grid
  const t2 = tickFor(quote, result)
  if (t2.size !== t.size) {
    const q2 = result / t2.size
    const n2 = mode === 'up' ? Math.ceil(q2 - 1e-9) : Math.floor(q2 + 1e-9)
    result = snap(Math.max(1, n2), t2)
  }
  return result
}

/** The next price on the grid above (`+1`) or below (`-1`) a price that is on the grid. */
export function stepTick(quote: QuoteCurrency, price: number, direction: 1 | -1): number {
  if (direction === 1) {
    const t = tickFor(quote, price)
    return roundToTick(quote, price + t.size, 'nearest')
  }
  // going down: use the tick of the band just below the price
  const below = tickFor(quote, price * (1 - 1e-12))
  const next = snap(Math.round(price / below.size) - 1, below)
  return next > 0 ? next : price
}

/** Minimum order total per quote market (§9). */
export const MIN_TOTAL: Record<QuoteCurrency, string> = { KRW: '5000', BTC: '0.00005', USDT: '0.5' }

/** Fee rate per quote market (KRW 0.05 %; BTC/USDT 0.25 % as ccxt assumes). */
export const FEE_RATE: Record<QuoteCurrency, string> = { KRW: '0.0005', BTC: '0.0025', USDT: '0.0025' }

/** Supported orderbook grouping levels for a KRW price (as decimal text), native level first. */
export function supportedLevels(quote: QuoteCurrency, price: number): string[] {
  if (quote !== 'KRW') return ['0']
  const t = tickFor(quote, price)
  const levels = ['0']
  for (const mult of [10, 100, 1000, 10000]) {
    const step = t.size * mult
    if (step >= price * 0.5) break
    levels.push(fix(step, t.decimals).toString())
  }
  return levels
}
