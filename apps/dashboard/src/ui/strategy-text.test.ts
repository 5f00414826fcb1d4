import { sevenRules, validateStrategy } from '@bb/rules'
import { describe, expect, it } from 'vitest'
import { issuesByPath, ruleSentence } from './strategy-text.js'

describe('what each rule does, in one sentence', () => {
  it('reads the seven rules from their data', () => {
    const rules = sevenRules().rules
    expect(ruleSentence(rules[0]!, 'KRW')).toBe(
      'When RSI(14) < 20 with no position: market-buy 10 % of the available KRW.',
    )
    // The adds are multiples of the market's minimum order total, in the quote the server names.
    expect(ruleSentence(rules[1]!, 'USDT')).toMatch(/: market-buy 20 × the minimum order total in USDT\.$/)
    expect(ruleSentence(rules[6]!, 'KRW')).toMatch(
      /^When PRICE_CHANGE_WINDOW\(60s, trough.*while holding a position: set the flag pyramiding_paused to true \(no order\)\.$/,
    )
  })

  it('pins a validation error to the exact path of the broken field', () => {
    const strategy = structuredClone(sevenRules())
    ;(strategy.rules[0]!.action as { amount: { value: number } }).amount = {
      kind: 'quote',
      value: 100,
    } as never
    // The server passes the exchange's minimum; 5,000 is the embedded simulator's KRW minimum.
    expect(validateStrategy(strategy).success).toBe(true)
    const result = validateStrategy(strategy, { minOrderTotal: 5000 })
    expect(result.success).toBe(false)
    const byPath = issuesByPath(result.success ? [] : result.errors)
    expect([...byPath.keys()]).toEqual(['rules[0].action.amount.value'])
  })
})
