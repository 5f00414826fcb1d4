import { Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { applyFill, flatPosition, type Position } from '../src/position.js'

const fill = (side: 'buy' | 'sell', price: string, volume: string, fee: string, timestamp = 1000) => ({
  side,
  price: new Decimal(price),
  volume: new Decimal(volume),
  funds: new Decimal(price).times(volume),
  fee: new Decimal(fee),
  timestamp,
})

const text = (p: Position) => ({
  state: p.state,
  cycle: p.cycle,
  quantity: p.quantity.toString(),
  cost: p.cost.toString(),
  avgPrice: p.avgPrice,
  anchor: p.anchor,
  invested: p.invested.toString(),
  proceeds: p.proceeds.toString(),
  fees: p.fees.toString(),
  buys: p.buys,
})

describe('applyFill: pure position accounting', () => {
  it('a buy from READY opens cycle 1: quantity, fee-inclusive cost and average, the anchor', () => {
    const { position, opened, closed } = applyFill(flatPosition(), fill('buy', '10000', '10', '50', 5000))
    expect(opened).toBe(true)
    expect(closed).toBeUndefined()
    expect(text(position)).toEqual({
      state: 'ACTIVE',
      cycle: 1,
      quantity: '10',
      cost: '100050',
      avgPrice: 10_005,
      anchor: 10_000,
      invested: '100050',
      proceeds: '0',
      fees: '50',
      buys: 1,
    })
    expect(position.openedAt).toBe(5000)
  })

  it('an add in ACTIVE keeps the cycle, moves the average and the anchor', () => {
    const first = applyFill(flatPosition(), fill('buy', '10000', '10', '50')).position
    const { position, opened } = applyFill(first, fill('buy', '9000', '10', '45', 2000))
    expect(opened).toBe(false)
    expect(position.cycle).toBe(1)
    expect(position.openedAt).toBe(1000)
    expect(position.cost.toString()).toBe('190095')
    expect(position.avgPrice).toBe(9504.75)
    expect(position.anchor).toBe(9000)
    expect(position.buys).toBe(2)
  })

  it('a partial sell takes its share of the cost off and credits funds − fee', () => {
    const held = applyFill(flatPosition(), fill('buy', '10000', '10', '50')).position
    const { position, closed } = applyFill(held, fill('sell', '11000', '4', '22'))
    expect(closed).toBeUndefined()
    expect(position.state).toBe('ACTIVE')
    expect(position.quantity.toString()).toBe('6')
    expect(position.cost.toString()).toBe('60030')
    expect(position.avgPrice).toBe(10_005)
    expect(position.proceeds.toString()).toBe('43978')
    expect(position.anchor).toBe(10_000)
  })

  it('the sell that leaves nothing closes the cycle: its totals, and a flat CLOSED position', () => {
    const held = applyFill(flatPosition(), fill('buy', '10000', '10', '50', 1000)).position
    const { position, closed } = applyFill(held, fill('sell', '11000', '10', '55', 9000))
    expect(closed).toEqual({
      cycle: 1,
      openedAt: 1000,
      closedAt: 9000,
      invested: new Decimal('100050'),
      proceeds: new Decimal('109945'),
      pnl: new Decimal('9895'),
      pnlPct: (9895 / 100050) * 100,
      fees: new Decimal('105'),
      buys: 1,
    })
    expect(text(position)).toEqual({ ...text(flatPosition('CLOSED', 1)), state: 'CLOSED', cycle: 1 })
  })

  it('a buy after a close opens the next cycle from zero', () => {
    let position = applyFill(flatPosition(), fill('buy', '100', '1', '0')).position
    position = applyFill(position, fill('sell', '100', '1', '0')).position
    const next = applyFill(position, fill('buy', '200', '2', '1', 7000))
    expect(next.opened).toBe(true)
    expect(next.position.cycle).toBe(2)
    expect(next.position.openedAt).toBe(7000)
    expect(next.position.invested.toString()).toBe('401')
  })

  it('selling more than held caps the share at the whole position', () => {
    const held = applyFill(flatPosition(), fill('buy', '100', '1', '0')).position
    const { position, closed } = applyFill(held, fill('sell', '100', '3', '0'))
    expect(position.quantity.isZero()).toBe(true)
    expect(closed?.proceeds.toString()).toBe('300')
  })

  it('is pure: the position passed in is not changed', () => {
    const before = applyFill(flatPosition(), fill('buy', '100', '1', '0')).position
    const snapshot = text(before)
    applyFill(before, fill('sell', '100', '1', '0'))
    applyFill(before, fill('buy', '100', '1', '0'))
    expect(text(before)).toEqual(snapshot)
  })
})
