import { describe, expect, it } from 'vitest'
import { formatAge, formatDecimal, ratioToPercent } from './format.js'

describe('exact decimal formatting', () => {
  it('groups digits without a float round trip', () => {
    expect(formatDecimal('123456789012345678.123456789')).toBe('123,456,789,012,345,678.123456789')
    expect(formatDecimal('-1000.5')).toBe('−1,000.5')
    expect(formatDecimal('0.1', 3)).toBe('0.100')
    expect(formatDecimal(undefined)).toBe('–')
  })

  it('turns ratios into percents by moving the point', () => {
    expect(ratioToPercent('0.0123')).toBe('+1.23 %')
    expect(ratioToPercent('-0.000049')).toBe('0.00 %') // rounds to zero: no sign
    expect(ratioToPercent('-0.1')).toBe('−10.00 %')
    expect(ratioToPercent('1.5')).toBe('+150.00 %')
  })

  it('formats ages', () => {
    expect(formatAge(120)).toBe('120 ms')
    expect(formatAge(3400)).toBe('3.4 s')
    expect(formatAge(-1)).toBe('–')
  })
})
