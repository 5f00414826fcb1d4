import { OPERATOR_DEFINITIONS, VARIABLE_DEFINITIONS } from '@bb/rules'
import { describe, expect, it } from 'vitest'
import {
  addTo,
  type ConditionJson,
  type Definitions,
  issuePath,
  newCondition,
  newVariable,
  numberOrText,
  operatorsFor,
  removeAt,
  setJoin,
  targetsFor,
  withLeft,
} from './conditions.js'

// The definitions exactly as GET /api/definitions serves them (JSON round trip).
const defs = JSON.parse(
  JSON.stringify({ variables: VARIABLE_DEFINITIONS, operators: OPERATOR_DEFINITIONS }),
) as Definitions
const rsi: ConditionJson = { left: { kind: 'RSI', period: 14 }, op: '<', right: 20 }

describe('compatible choices', () => {
  it('offers a flag only == and !=, a price every operator', () => {
    expect(operatorsFor(defs, 'CONTEXT_FLAG').map((o) => o.op)).toEqual(['==', '!='])
    expect(operatorsFor(defs, 'PRICE').map((o) => o.op)).toContain('crossover')
    expect(operatorsFor(defs, 'NOPE')).toEqual([])
  })

  it('offers as targets only variables of the same group', () => {
    const targets = targetsFor(defs, 'PRICE').map((v) => v.kind)
    expect(targets).toEqual(expect.arrayContaining(['PRICE', 'SMA', 'EMA']))
    expect(targets).not.toContain('RSI')
    expect(targetsFor(defs, 'CONTEXT_FLAG')).toEqual([])
  })

  it('a new variable carries its defaults; a changed left side keeps only what still fits', () => {
    expect(newVariable(defs, 'RSI')).toMatchObject({ kind: 'RSI', period: 14 })
    expect(newVariable(defs, 'EXEC_COUNT', ['rsi-entry'])).toEqual({ kind: 'EXEC_COUNT', rule: 'rsi-entry' })
    const flag = withLeft(defs, { ...rsi, op: '>' }, newVariable(defs, 'CONTEXT_FLAG'))
    expect(flag).toMatchObject({ op: '==', right: false })
    expect(withLeft(defs, flag, newVariable(defs, 'PRICE'))).toMatchObject({ op: '==', right: 0 })
    expect(withLeft(defs, rsi, { kind: 'PROFIT_PCT' })).toMatchObject({ op: '<', right: 20 })
  })
})

describe('tree edits', () => {
  it('adds to a lone comparison (an AND of two), removes, switches AND/OR, nests one group', () => {
    const two = addTo(rsi, [], newCondition(defs))
    expect(two).toEqual({ all: [rsi, newCondition(defs)] })
    expect(removeAt(two, [1])).toEqual({ all: [rsi] })
    expect(removeAt({ all: [rsi] }, [0])).toEqual({ all: [rsi] })
    expect(setJoin(two, [], 'any')).toEqual({ any: [rsi, newCondition(defs)] })
    const nested = addTo(two, [], { any: [rsi] })
    const deeper = addTo(nested, [2], newCondition(defs))
    expect(deeper).toEqual({ all: [rsi, newCondition(defs), { any: [rsi, newCondition(defs)] }] })
    expect(issuePath(deeper, 'rules[3]', [2, 1])).toBe('rules[3].when.all[2].any[1]')
    expect(issuePath(rsi, 'rules[0]', [])).toBe('rules[0].when')
  })

  it('keeps typed text that is not a number (validation names that field)', () => {
    expect(numberOrText('12.5')).toBe(12.5)
    expect(numberOrText('')).toBe('')
    expect(numberOrText('1e')).toBe('1e')
  })
})
