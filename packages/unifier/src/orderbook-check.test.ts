import { Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { checkOrderbook } from './index.js'

// checkOrderbook on hand-built books: the whole-book checks and the sequenced-book ones.
const lv = (price: string, size: string) => ({ price: new Decimal(price), size: new Decimal(size) })
const healthy = { bids: [lv('99', '1'), lv('98', '2')], asks: [lv('101', '1'), lv('102', '3')] }

describe('checkOrderbook', () => {
  it('a healthy book, sequenced or not, has no issue', () => {
    expect(checkOrderbook(healthy)).toEqual([])
    expect(checkOrderbook({ ...healthy, sequence: '11' }, { previous: { sequence: '10' } })).toEqual([])
    expect(checkOrderbook({ ...healthy, firstSequence: '9', sequence: '11' })).toEqual([])
  })

  it('crossed, zero-size and empty sides', () => {
    expect(checkOrderbook({ bids: [lv('101', '1')], asks: [lv('101', '1')] })).toEqual([
      { type: 'crossed', bid: '101', ask: '101' },
    ])
    expect(checkOrderbook({ bids: [lv('99', '0')], asks: [] })).toEqual([
      { type: 'zero-size', side: 'bids', price: '99' },
      { type: 'empty-side', side: 'asks' },
    ])
  })

  it('non-monotonic ids: a sequence not after the previous one, or a first id after the last', () => {
    expect(checkOrderbook({ ...healthy, sequence: '10' }, { previous: { sequence: '10' } })).toEqual([
      { type: 'non-monotonic-ids', previous: '10', firstSequence: undefined, sequence: '10' },
    ])
    expect(checkOrderbook({ ...healthy, sequence: '9' }, { previous: { sequence: '10' } })).toHaveLength(1)
    expect(checkOrderbook({ ...healthy, firstSequence: '12', sequence: '11' })).toEqual([
      { type: 'non-monotonic-ids', previous: undefined, firstSequence: '12', sequence: '11' },
    ])
    // Ids beyond 2^53 compare exactly.
    expect(
      checkOrderbook(
        { ...healthy, sequence: '9007199254740993' },
        { previous: { sequence: '9007199254740992' } },
      ),
    ).toEqual([])
  })

  it('refuses ids that are not digits and options that are not an object (InvalidRequestError)', () => {
    expect(() => checkOrderbook({ ...healthy, sequence: '1e3' })).toThrow(/sequence/)
    expect(() => checkOrderbook(healthy, { previous: { sequence: -1 as never } })).toThrow(
      /previous.sequence/,
    )
    expect(() => checkOrderbook(healthy, 'x' as never)).toThrow(/options/)
  })
})
