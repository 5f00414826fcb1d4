import { InvalidOrderError } from '@bb/errors'
import { type Candle, Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { compileStrategy } from '../src/compile.js'
import { type ExecutionEvent, type OrderIntent, PYRAMIDING_BLOCKED_FLAG, sevenRules } from '../src/index.js'
import { candleEnd, MarketStates, SymbolRuntime } from '../src/state.js'

const compiled = compileStrategy(sevenRules({ rsiPeriod: 2 }))
const rule = (id: string) => compiled.rules.find((c) => c.rule.id === id)!
const T0 = Date.UTC(2025, 0, 1)
const candle = (minute: number, close: number): Candle =>
  ({
    exchange: 'fixture',
    symbol: 'BTCUSDT',
    base: 'BTC',
    quote: 'USDT',
    timestamp: T0 + minute * 60_000,
    receivedAt: T0 + minute * 60_000,
    source: 'rest',
    interval: '1m',
    open: new Decimal(close),
    high: new Decimal(close),
    low: new Decimal(close),
    close: new Decimal(close),
    volume: new Decimal(1),
    quoteVolume: new Decimal(close),
  }) as Candle
const intent = (ruleId: string, side: 'buy' | 'sell'): OrderIntent => ({
  id: 'bb-1',
  decisionId: 1,
  ruleId,
  symbol: 'BTCUSDT',
  side,
  price: new Decimal(100),
  timestamp: T0,
  fill: 'at-price',
  ...(side === 'buy' ? { amount: { kind: 'quote', value: new Decimal(100) } } : { volume: new Decimal(1) }),
})
const filled = (ruleId: string, side: 'buy' | 'sell', price: number, at = T0) => ({
  status: 'filled' as const,
  intent: intent(ruleId, side),
  fill: {
    orderId: 'p-1',
    clientOrderId: 'bb-1',
    symbol: 'BTCUSDT',
    side,
    price: new Decimal(price),
    volume: new Decimal(1),
    funds: new Decimal(price),
    fee: new Decimal(0),
    timestamp: at,
  },
})
const rules = { retryAfterRejectMs: 60_000, defaultCooldownSeconds: 300 }

describe('MarketStates: one runtime per market key', () => {
  it('creates a fresh runtime on first sight, returns the same one after, lists keys first seen first', () => {
    const states = new MarketStates(compiled)
    expect(states.get('ETHUSDT')).toBeUndefined()
    const eth = states.open('ETHUSDT')
    expect(states.open('BTCUSDT')).not.toBe(eth)
    expect(states.open('ETHUSDT')).toBe(eth)
    expect(states.keys()).toEqual(['ETHUSDT', 'BTCUSDT'])
    expect(eth.state).toBe('READY')
    expect(eth.quantity.isZero()).toBe(true)
  })
})

describe('SymbolRuntime candles', () => {
  it('a live candle is final once a later one arrives; an older one is ignored', () => {
    const runtime = new SymbolRuntime('BTCUSDT', compiled)
    expect(runtime.candle(candle(0, 100), false)).toBe(true)
    expect(runtime.indicatorValues.every((v) => v === undefined)).toBe(true)
    for (const [m, close] of [
      [1, 90],
      [2, 80],
      [3, 70],
    ] as const)
      runtime.candle(candle(m, close), false)
    // three final candles (0, 1, 2) falling: RSI(2) = 0
    expect(runtime.indicatorValues[0]).toBe(0)
    expect(runtime.candle(candle(1, 500), true)).toBe(false)
  })

  it('warms up from closed candles and ends a candle at its interval', () => {
    const runtime = new SymbolRuntime('BTCUSDT', compiled)
    for (const m of [0, 1, 2]) runtime.warmUp(candle(m, 100 - m))
    runtime.warmUp(candle(1, 1)) // older: ignored
    expect(runtime.indicatorValues[0]).toBe(0)
    expect(candleEnd(candle(0, 1))).toBe(T0 + 60_000)
  })
})

describe('SymbolRuntime.observe: windows and trailing stops', () => {
  it('arms a trailing stop at its activation gain over the average, then tracks the high', () => {
    const runtime = new SymbolRuntime('BTCUSDT', compiled)
    runtime.settle(rule('rsi-entry'), filled('rsi-entry', 'buy', 100), rules, () => {})
    const trailing = compiled.trailing
    runtime.observe(104, T0 + 1000, trailing)
    expect(runtime.trailingArmed[0]).toBe(false)
    runtime.observe(105, T0 + 2000, trailing)
    expect(runtime.trailingArmed[0]).toBe(true)
    runtime.observe(110, T0 + 3000, trailing)
    runtime.observe(107, T0 + 4000, trailing)
    expect(runtime.trailingHwm[0]).toBe(110)
  })
})

describe('SymbolRuntime.settle: outcomes applied to the market', () => {
  it("a refused buy sets the rule's flag in ACTIVE and makes the rule wait", () => {
    const runtime = new SymbolRuntime('BTCUSDT', compiled)
    runtime.settle(rule('rsi-entry'), filled('rsi-entry', 'buy', 100), rules, () => {})
    runtime.time = T0 + 5000
    runtime.inFlight = intent('pyramid', 'buy')
    const events: ExecutionEvent[] = []
    const error = new InvalidOrderError({ message: 'refused' })
    runtime.settle(
      rule('pyramid'),
      { status: 'rejected', intent: intent('pyramid', 'buy'), error },
      rules,
      (e) => events.push(e),
    )
    expect(runtime.inFlight).toBeUndefined()
    expect(runtime.flags.get(PYRAMIDING_BLOCKED_FLAG)).toBe(true)
    expect(runtime.blockedUntil.get('pyramid')).toBe(T0 + 65_000)
    expect(events).toEqual([{ type: 'rejected', decisionId: 1, ruleId: 'pyramid', symbol: 'BTCUSDT', error }])
  })

  it('fills count per rule; the closing sell emits fill then cycle, clears the cycle memory, starts the cooldown', () => {
    const runtime = new SymbolRuntime('BTCUSDT', compiled)
    const events: ExecutionEvent[] = []
    runtime.settle(rule('rsi-entry'), filled('rsi-entry', 'buy', 100), rules, (e) => events.push(e))
    runtime.flags.set('note', true)
    expect(runtime.execCount.get('rsi-entry')).toBe(1)
    let countAtFill: number | undefined
    runtime.settle(rule('take-profit'), filled('take-profit', 'sell', 110, T0 + 10_000), rules, (e) => {
      events.push(e)
      if (e.type === 'fill') countAtFill = runtime.execCount.get('take-profit')
    })
    expect(events.map((e) => [e.type, e.type === 'fill' ? e.state : ''])).toEqual([
      ['fill', 'ACTIVE'],
      ['fill', 'CLOSED'],
      ['cycle', ''],
    ])
    expect(countAtFill).toBe(1)
    const cycle = events[2]!.type === 'cycle' ? events[2]!.cycle : undefined
    expect(cycle?.exitRuleId).toBe('take-profit')
    expect(cycle?.pnl.toString()).toBe('10')
    expect(runtime.state).toBe('CLOSED')
    expect(runtime.execCount.size).toBe(0)
    expect(runtime.flags.size).toBe(0)
    expect(runtime.cooldownUntil).toBe(T0 + 10_000 + 300_000)
    expect(runtime.snapshot(compiled)).toMatchObject({ symbol: 'BTCUSDT', state: 'CLOSED', cycle: 1 })
  })
})
