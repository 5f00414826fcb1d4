import { describe, expect, it } from 'vitest'
import {
  addDecimals,
  formatAge,
  formatDecimal,
  formatTickPrice,
  formatTime,
  multiplyDecimals,
  ratioToPercent,
  startOfDay,
  tickDecimals,
} from './format.js'

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

describe('exact decimal arithmetic and times', () => {
  it('adds and multiplies decimal strings exactly', () => {
    expect(addDecimals(['0.1', '0.2'])).toBe('0.3')
    expect(addDecimals(['10000000', '-0.00000001'])).toBe('9999999.99999999')
    expect(addDecimals([])).toBe('0')
    expect(multiplyDecimals('0.00012345', '141969000')).toBe('17526.07305')
    expect(multiplyDecimals('-2', '0.5')).toBe('-1')
    expect(() => multiplyDecimals('1e5', '1')).toThrow(RangeError)
  })

  it('formats times in KST (UTC+9) or UTC, and finds the start of the day', () => {
    const t = Date.UTC(2026, 11, 3, 16, 30, 5)
    expect(formatTime(t, 'UTC')).toBe('16:30:05')
    expect(formatTime(t, 'KST', true)).toBe('2026-12-04 01:30:05')
    expect(startOfDay(t, 'UTC')).toBe(Date.UTC(2026, 11, 3))
    expect(startOfDay(t, 'KST')).toBe(Date.UTC(2026, 11, 3, 15))
  })
})

describe('chart prices on the tick grid', () => {
  it('uses the decimals of the tick size and groups the digits (KRW shows no decimals)', () => {
    expect(tickDecimals('1000')).toBe(0)
    expect(tickDecimals('0.01')).toBe(2)
    expect(tickDecimals('0.00000001')).toBe(8)
    expect(tickDecimals('0.10')).toBe(1)
    expect(formatTickPrice(143250000, '1000')).toBe('143,250,000')
    expect(formatTickPrice(143250000.4, '1000')).toBe('143,250,000')
    expect(formatTickPrice(1234.5, '0.1')).toBe('1,234.5')
    expect(formatTickPrice(0.01234567, '0.00000001')).toBe('0.01234567')
    expect(formatTickPrice(-5, '1')).toBe('−5')
  })
})
