import { describe, expect, it } from 'vitest'
import { formatAge, formatDecimal, priceAxisFormatter, ratioToPercent, tickDecimals } from './format.js'

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

  it('formats the price axis on the market tick grid, grouped', () => {
    expect(tickDecimals('1000')).toBe(0)
    expect(tickDecimals('0.01')).toBe(2)
    expect(tickDecimals('1e-8')).toBe(8)
    expect(tickDecimals('0.0010')).toBe(3)
    expect(priceAxisFormatter('1000')(95123000)).toBe('95,123,000')
    expect(priceAxisFormatter('0.0001')(1234.5)).toBe('1,234.5000')
    expect(priceAxisFormatter('0.1')(-0.25)).toMatch(/^−0\.[23]$/)
  })
})
