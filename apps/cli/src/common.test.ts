import { describe, expect, it } from 'vitest'
import { paintMarketCell, palette } from './common.js'

describe('palette', () => {
  it('colours only a TTY, and never when NO_COLOR is set', () => {
    expect(palette({ isTTY: true }, {}).red('x')).toBe('\x1b[31mx\x1b[39m')
    expect(palette({ isTTY: true }, { NO_COLOR: '1' }).red('x')).toBe('x')
    expect(palette({ isTTY: true }, { NO_COLOR: '' }).enabled).toBe(true)
    expect(palette({ isTTY: false }, {}).red('x')).toBe('x')
    expect(palette({}, {}).enabled).toBe(false)
  })

  it('paints rises green, falls red and each source its colour', () => {
    const colors = palette({ isTTY: true }, {})
    expect(paintMarketCell(colors, ' +1.20%', '+1.20%')).toBe('\x1b[32m +1.20%\x1b[39m')
    expect(paintMarketCell(colors, ' -0.50%', '-0.50%')).toBe('\x1b[31m -0.50%\x1b[39m')
    expect(paintMarketCell(colors, '+0.00%', '+0.00%')).toBe('+0.00%')
    expect(paintMarketCell(colors, 'rest ', 'rest')).toBe('\x1b[33mrest \x1b[39m')
    expect(paintMarketCell(colors, 'KRW-BTC', 'KRW-BTC')).toBe('KRW-BTC')
  })
})
