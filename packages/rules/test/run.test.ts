import { Decimal, type Trade } from '@bb/models'
import { from, lastValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { createEngine, DryRunExecutor, sevenRules } from '../src/index.js'
import { EXCHANGE } from './helpers.js'

const T0 = Date.UTC(2025, 0, 1)
const trade = (seconds: number, price: number, id: number): Trade => ({
  exchange: 'upbit',
  symbol: 'KRW-ABC',
  marketId: 'KRW-ABC',
  base: 'ABC',
  quote: 'KRW',
  timestamp: T0 + seconds * 1000,
  receivedAt: T0 + seconds * 1000,
  source: 'ws',
  id: String(id),
  price: new Decimal(price),
  size: new Decimal(1),
  side: 'sell',
  bestBid: { price: new Decimal(price - 10), size: new Decimal(5) },
  bestAsk: { price: new Decimal(price + 10), size: new Decimal(5) },
})

describe('engine.run over Observables', () => {
  it('aggregates trades into candles for the RSI and emits decisions with explanations', async () => {
    // One trade a minute, falling 100 each: RSI(2) exists after three closed 1m candles, which the
    // fourth minute's trade closes (closes 10,000, 9,900, 9,800): RSI 0 → entry on that trade.
    const trades = [
      trade(0, 10_000, 1),
      trade(60, 9_900, 2),
      trade(120, 9_800, 3),
      trade(180, 9_700, 4),
      trade(181, 9_690, 5),
    ]
    const paper = new DryRunExecutor({ exchange: EXCHANGE, balances: { KRW: '1000000' } })
    const engine = createEngine({
      exchange: EXCHANGE,
      strategy: sevenRules({ rsiPeriod: 2 }),
      executor: paper,
    })
    const decisions = await lastValueFrom(engine.run({ trades: from(trades) }).pipe(toArray()))
    expect(decisions.map((d) => [d.rule.id, d.timestamp - T0])).toEqual([['rsi-entry', 180_000]])
    expect(decisions[0]!.values['RSI(2)']).toBe(0)
    // The paper buy fills at the best ask of that trade (9,710): 100,000 / 9,710 = 10.29866117.
    expect(paper.fills.map((f) => [f.price.toString(), f.volume.toString()])).toEqual([
      ['9710', '10.29866117'],
    ])
    expect(engine.getState('KRW-ABC')?.state).toBe('ACTIVE')
  })
})
