import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { safeIntegerText } from './helpers.js'

describe('safeIntegerText', () => {
  it('prints every safe integer as String(n) does', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(safeIntegerText(n)).toBe(String(n))
      }),
      { numRuns: 5000 },
    )
    // Ids of a feed (above 2^31), and the edges: a low part near 1e8 (where n / 1e8 rounds up),
    // low parts with leading zeros, 2^31 itself, 2^53 - 1.
    for (const n of [
      2 ** 31 - 1,
      2 ** 31,
      4_000_000_001,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER - 1,
      8_999_999_999_999_999,
      100_000_000_000,
      100_000_000_001,
      123_400_000_056,
      -(2 ** 40),
      0,
    ]) {
      if (Number.isSafeInteger(n)) expect(safeIntegerText(n)).toBe(String(n))
    }
    for (let high = 21; high < 90_071_992; high = high * 3 + 7) {
      for (const low of [0, 1, 9, 10, 99_999_999, 99_999_998, 10_000_000, 9_999_999]) {
        const n = high * 1e8 + low
        if (Number.isSafeInteger(n)) expect(safeIntegerText(n)).toBe(String(n))
      }
    }
  })
})
