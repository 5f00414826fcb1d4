import { describe, expect, it } from 'vitest'
import { arbitrate, type Candidate, compareCandidates } from '../src/arbitration.js'
import type { Role } from '../src/index.js'

const candidate = (id: string, priority: number, role: Role, number: number): Candidate => ({
  rule: { id, priority, role },
  number,
})

const crash = candidate('crash', 0, 'RISK', 6)
const takeProfit = candidate('take-profit', 2, 'EXIT', 3)
const pyramid = candidate('pyramid', 2, 'SCALE_IN', 2)
const partial = candidate('partial', 2, 'SCALE_OUT', 9)
const note = candidate('note', 2, 'MANAGEMENT', 1)

describe('arbitrate: which rule acts when several fire', () => {
  it('nothing fired: no winner, nothing dropped', () => {
    expect(arbitrate([])).toEqual({ winner: undefined, dropped: [] })
  })

  it('one fired: it acts', () => {
    expect(arbitrate([pyramid])).toEqual({ winner: pyramid, dropped: [] })
  })

  it('the lowest priority number wins; the others are dropped with the priorities compared', () => {
    const { winner, dropped } = arbitrate([takeProfit, crash])
    expect(winner).toBe(crash)
    expect(dropped).toEqual([
      { ruleId: 'take-profit', priority: 2, reason: 'outranked by "crash" (priority 0 < 2)' },
    ])
  })

  it('same priority: RISK/EXIT, then SCALE_OUT, then the buys, then MANAGEMENT, each drop saying so', () => {
    const { winner, dropped } = arbitrate([note, pyramid, partial, takeProfit])
    expect(winner).toBe(takeProfit)
    expect(dropped.map((d) => d.ruleId)).toEqual(['partial', 'pyramid', 'note'])
    expect(dropped[1]!.reason).toBe(
      'outranked by "take-profit" (same priority 2; EXIT before SCALE_IN, then rule order)',
    )
  })

  it('same priority and role: the lower rule number wins', () => {
    const first = candidate('first', 3, 'ENTRY', 1)
    const second = candidate('second', 3, 'ENTRY', 4)
    expect(arbitrate([second, first]).winner).toBe(first)
  })

  it('is pure: the order of the candidates does not matter and the input is not changed', () => {
    const fired = [note, takeProfit, crash, pyramid]
    const copy = [...fired]
    const a = arbitrate(fired)
    const b = arbitrate([...fired].reverse())
    expect(a).toEqual(b)
    expect(fired).toEqual(copy)
  })

  it('compareCandidates is the evaluation order', () => {
    expect([note, pyramid, crash, takeProfit, partial].sort(compareCandidates).map((c) => c.rule.id)).toEqual(
      ['crash', 'take-profit', 'partial', 'pyramid', 'note'],
    )
  })
})
