import { fix } from './ticks.js'

/** Rounds a base volume to 8 decimals (fewer for huge numbers), never below 1e-8. */
export function volumeOf(v: number): number {
  if (!(v > 0)) return 0.00000001
  if (v < 1e6) return Math.max(Math.round(v * 1e8) / 1e8, 0.00000001)
  const digits = v >= 1 ? Math.floor(Math.log10(v)) + 1 : 0
  const decimals = Math.max(0, Math.min(8, 15 - digits))
  return Math.max(fix(v, decimals), 0.00000001)
}
