/**
 * Small, fast, seedable pseudo-random numbers. Everything the market model draws comes from here,
 * keyed by (seed, market, minute, purpose), so any minute can be rebuilt alone and always the same.
 */

/** Mixes a 32-bit integer (murmur3 finaliser). */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** Hashes a list of integers (each may be up to 2^53) into one 32-bit seed. */
export function hashInts(...parts: number[]): number {
  let h = 0x9e3779b9
  for (const part of parts) {
    const lo = part >>> 0
    const hi = Math.floor(part / 4294967296) >>> 0
    h = mix32(h ^ lo)
    h = mix32((h + 0x6d2b79f5) ^ hi)
  }
  return h
}

/** A mulberry32 stream. */
export class Rng {
  private state: number
  private spare = 0
  private hasSpare = false

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Standard normal (Box–Muller, caches the spare value). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false
      return this.spare
    }
    let u = this.next()
    while (u <= 1e-12) u = this.next()
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    this.hasSpare = true
    return r * Math.cos(2 * Math.PI * v)
  }

  /**
   * Approximately standard normal from one uniform draw via a quantile table (tails clipped at
   * about ±3.7σ). Much cheaper than {@link Rng.normal}; used on the per-trade hot path.
   */
  fastNormal(): number {
    return NORMAL_TABLE[(this.next() * TABLE_SIZE) | 0] as number
  }

  /** Poisson-distributed count (Knuth for small means, normal approximation above 30). */
  poisson(mean: number): number {
    if (mean <= 0) return 0
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.fastNormal()))
    const limit = Math.exp(-mean)
    let k = 0
    let p = this.next()
    while (p > limit) {
      k++
      p *= this.next()
    }
    return k
  }
}

const TABLE_SIZE = 8192
const NORMAL_TABLE = buildNormalTable(TABLE_SIZE)

function buildNormalTable(size: number): Float64Array {
  // inverse normal CDF (Acklam's rational approximation) at the cell midpoints
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const inv = (p: number): number => {
    const pl = 0.02425
    if (p < pl) {
      const q = Math.sqrt(-2 * Math.log(p))
      return (
        (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
        ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
      )
    }
    if (p > 1 - pl) return -inv(1 - p)
    const q = p - 0.5
    const r = q * q
    return (
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
    )
  }
  const t = new Float64Array(size)
  for (let i = 0; i < size; i++) t[i] = inv((i + 0.5) / size)
  return t
}
