import { type BackboneError, InvalidOrderError, type Logger } from '@bb/errors'
import { Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { compileStrategy } from '../src/compile.js'
import { type Executor, type OrderIntent, type OrderOutcome, sevenRules } from '../src/index.js'
import { emergencyIntent, intentFor, Orders } from '../src/orders.js'
import { SymbolRuntime } from '../src/state.js'

const compiled = compileStrategy(sevenRules())
const input = {
  id: 4,
  ruleId: 'r',
  symbol: 'BTCUSDT',
  timestamp: 1000,
  price: new Decimal(100),
  bestBid: undefined,
  bestAsk: undefined,
  quantity: new Decimal('0.123456789'),
  fill: 'at-price' as const,
  minOrderTotal: () => new Decimal(5),
}

describe('intentFor: the market order an action asks for', () => {
  it('a buy spends its quote total (or percent) at the best ask, else the price', () => {
    const buy = intentFor({
      ...input,
      action: { type: 'buy', amount: { kind: 'quote', value: 50 } },
      bestAsk: new Decimal(101),
    })
    expect(buy).toMatchObject({ id: 'bb-4', decisionId: 4, side: 'buy', price: new Decimal(101) })
    expect(buy?.amount).toEqual({ kind: 'quote', value: new Decimal(50) })
    const percent = intentFor({
      ...input,
      action: { type: 'buy', amount: { kind: 'quote_percent', value: 10 } },
    })
    expect(percent?.amount).toEqual({ kind: 'quote_percent', value: 10 })
    expect(percent?.price).toEqual(new Decimal(100))
  })

  it('a min_order_multiple buy spends that many times the market minimum order total', () => {
    const buy = intentFor({
      ...input,
      action: { type: 'buy', amount: { kind: 'min_order_multiple', value: 20 } },
    })
    expect(buy?.amount).toEqual({ kind: 'quote', value: new Decimal(100) })
  })

  it('a sell sells a share of the position floored to 8 decimals (all of it at 100 %) at the best bid', () => {
    const half = intentFor({
      ...input,
      action: { type: 'sell', positionPercent: 50 },
      bestBid: new Decimal(99),
    })
    expect(half?.volume?.toString()).toBe('0.06172839')
    expect(half?.price).toEqual(new Decimal(99))
    const all = intentFor({ ...input, action: { type: 'sell', positionPercent: 100 } })
    expect(all?.volume?.toString()).toBe('0.123456789')
  })

  it('nothing for a flag, or for a sell with nothing held', () => {
    expect(intentFor({ ...input, action: { type: 'set_flag', flag: 'F', value: true } })).toBeUndefined()
    expect(
      intentFor({ ...input, quantity: new Decimal(0), action: { type: 'sell', positionPercent: 100 } }),
    ).toBeUndefined()
  })

  it('an emergency sell is the whole volume, marked emergency', () => {
    expect(emergencyIntent(9, 'BTCUSDT', new Decimal(2), new Decimal(5), 7)).toMatchObject({
      id: 'bb-9',
      ruleId: 'emergency-stop',
      side: 'sell',
      volume: new Decimal(2),
      emergency: true,
    })
  })
})

const intent: OrderIntent = {
  id: 'bb-1',
  decisionId: 1,
  ruleId: 'rsi-entry',
  symbol: 'BTCUSDT',
  side: 'buy',
  amount: { kind: 'quote', value: new Decimal(100) },
  price: new Decimal(100),
  timestamp: 0,
  fill: 'at-price',
}
const errors: unknown[] = []
const logger = {
  debug() {},
  info() {},
  warn() {},
  error: (fields: unknown) => errors.push(fields),
} as unknown as Logger

function tracker(submit: Executor['submit'], hold = false) {
  const settled: OrderOutcome[] = []
  const orders = new Orders(
    { mode: 'dry-run', submit },
    (_r, _c, outcome) => settled.push(outcome),
    logger,
    hold,
  )
  return { orders, settled, runtime: new SymbolRuntime('BTCUSDT', compiled) }
}

describe('Orders: placement and tracking', () => {
  it('the market has the order in flight until it settles, once', async () => {
    const { orders, settled, runtime } = tracker(async (i) => ({
      status: 'rejected',
      intent: i,
      error: new InvalidOrderError({ message: 'no' }),
    }))
    orders.place(runtime, undefined, intent)
    expect(runtime.inFlight).toBe(intent)
    expect(orders.size).toBe(1)
    await orders.idle()
    expect(orders.size).toBe(0)
    expect(settled.map((o) => o.status)).toEqual(['rejected'])
  })

  it('a submit that throws or rejects becomes a typed rejected outcome', async () => {
    for (const submit of [
      () => {
        throw new Error('sync boom')
      },
      async () => {
        throw new Error('async boom')
      },
    ]) {
      const { orders, settled, runtime } = tracker(submit as Executor['submit'])
      orders.place(runtime, undefined, intent)
      await orders.idle()
      expect(settled).toHaveLength(1)
      const outcome = settled[0]!
      expect(outcome.status).toBe('rejected')
      expect((outcome as { error: BackboneError }).error.message).toMatch(/boom/)
    }
  })

  it('a failing settle is logged, not lost', async () => {
    errors.length = 0
    const orders = new Orders(
      {
        mode: 'dry-run',
        submit: async (i) => ({
          status: 'rejected',
          intent: i,
          error: new InvalidOrderError({ message: 'no' }),
        }),
      },
      () => {
        throw new Error('settle failed')
      },
      logger,
      false,
    )
    orders.place(new SymbolRuntime('BTCUSDT', compiled), undefined, intent)
    await orders.idle()
    expect(errors).toHaveLength(1)
  })

  it('holds next-price orders for the next price and places them at the best price then', async () => {
    const sent: OrderIntent[] = []
    const { orders, runtime } = tracker(async (i) => {
      sent.push(i)
      return { status: 'rejected', intent: i, error: new InvalidOrderError({ message: 'no' }) }
    }, true)
    orders.place(runtime, undefined, { ...intent, fill: 'next-price' })
    expect(sent).toEqual([])
    expect(runtime.inFlight?.id).toBe('bb-1')
    runtime.bestAsk = new Decimal(105)
    orders.releaseHeld(runtime, new Decimal(104), 60_000)
    await orders.idle()
    expect(sent.map((i) => [i.fill, i.price.toString(), i.timestamp])).toEqual([['at-price', '105', 60_000]])
  })

  it('dropHeld forgets held orders: nothing in flight any more, nothing sent', async () => {
    const sent: OrderIntent[] = []
    const { orders, runtime } = tracker(async (i) => {
      sent.push(i)
      return { status: 'rejected', intent: i, error: new InvalidOrderError({ message: 'no' }) }
    }, true)
    orders.place(runtime, undefined, { ...intent, fill: 'next-price' })
    orders.dropHeld([runtime])
    orders.releaseHeld(runtime, new Decimal(1), 1)
    await orders.idle()
    expect(runtime.inFlight).toBeUndefined()
    expect(sent).toEqual([])
  })
})
