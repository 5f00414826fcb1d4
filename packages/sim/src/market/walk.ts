import { hashInts, Rng } from '../util/rng.js'
import type { MarketState } from './state.js'

/** Per-minute log standard deviation of the walk: calm, normal, volatile. */
export const SIGMA = [0.0003, 0.0005, 0.0011] as const

/** Trade-rate multiplier of each regime. */
export const RATE_MULT = [0.7, 1, 1.8] as const

/**
 * The random walk with volatility regimes: extends `m`'s per-minute log-price walk (and regime)
 * to `len` minutes from the history start. Each minute is drawn from its own seeded generator, so
 * the walk is the same however far (and in how many steps) it is extended.
 */
export function extendWalk(m: MarketState, len: number, seed: number, historyStartMinute: number): void {
  if (len <= m.walkLen) return
  if (len > m.logW.length) {
    let size = m.logW.length
    while (size < len) size *= 2
    const w = new Float64Array(size)
    w.set(m.logW)
    m.logW = w
    const r = new Uint8Array(size)
    r.set(m.regime)
    m.regime = r
  }
  for (let i = m.walkLen; i < len; i++) {
    const rng = new Rng(hashInts(seed, m.salt, historyStartMinute + i, 1))
    if (i === 0) {
      m.logW[0] = 0
      m.regime[0] = 1
      continue
    }
    let regime = m.regime[i - 1] as number
    if (rng.next() < 1 / 300) {
      const u = rng.next()
      regime = u < 0.4 ? 0 : u < 0.85 ? 1 : 2
    }
    m.regime[i] = regime
    const sigma = (SIGMA[m.regime[i - 1] as 0 | 1 | 2] ?? 0.0012) * m.volFactor
    m.logW[i] = (m.logW[i - 1] as number) + sigma * rng.normal()
  }
  m.walkLen = len
}
