import { describe, expect, it } from 'vitest'
import { fillsToCsv } from './csv.js'

describe('fills CSV', () => {
  it('keeps every decimal digit as sent', () => {
    const csv = fillsToCsv([
      {
        decisionId: 7,
        ruleId: 'rsi-entry',
        state: 'ACTIVE',
        fill: {
          symbol: 'KRW-BTC',
          side: 'buy',
          price: '141921000',
          volume: '0.00704618123456789',
          funds: '999999.99999999999',
          fee: '499.999999999999995',
          timestamp: Date.UTC(2026, 0, 2, 3, 4, 5),
        },
      },
    ])
    expect(csv).toBe(
      'time,symbol,side,price,volume,funds,fee,rule,decision\n' +
        '2026-01-02T03:04:05.000Z,KRW-BTC,buy,141921000,0.00704618123456789,999999.99999999999,499.999999999999995,rsi-entry,7\n',
    )
  })
})
