import { Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { type OrderIntent, type OrderOutcome, sevenRules } from '../src/index.js'
import { SYMBOL, scenario, T0 } from './helpers.js'

// Every path below is hand-built; the expected decisions come from the spec's numbers, worked
// out in the comments, never from running the engine. Steps 61 s apart keep the 60 s crash and
// surge windows below their 50 % coverage (a gap longer than the window rebuilds it), so only the
// scenarios about rules 6 and 7 use dense (10 s) steps.

describe('rule 1: RSI oversold entry', () => {
  it('buys 10 % of the available KRW once RSI(14) < 20 on closed candles', async () => {
    const s = scenario(sevenRules())
    expect(await s.feed([[0, 10_000]])).toEqual([{ t: 0, rule: 'rsi-entry', kind: 'order' }])
    const decision = s.decisions[0]!
    expect(decision.values['RSI(14)']).toBe(0)
    expect(decision.explanation).toContain('RSI(14) < 20')
    // 10 % of 10,000,000 = 1,000,000 at 10,000: 100 units, fee 500.
    expect(s.paper.balance('ABC').toString()).toBe('100')
    expect(s.paper.balance('KRW').toString()).toBe('8999500')
    expect(s.engine.getState(SYMBOL)).toMatchObject({ state: 'ACTIVE', anchor: 10_000, avgPrice: 10_005 })
  })

  it('does not fire before the RSI is warm (14 candles give no RSI(14))', async () => {
    const s = scenario(sevenRules(), { warmCandles: 14 })
    expect(await s.feed([[0, 10_000]])).toEqual([])
    expect(s.engine.getState(SYMBOL)?.indicators['RSI|14|0|1m']).toBeUndefined()
  })

  it('crossover mode waits for RSI to come back up through the threshold', async () => {
    const s = scenario(sevenRules({ rsiMode: 'crossover', rsiPeriod: 2 }))
    // Warm RSI(2) is 0 after the falling candles: no cross yet.
    expect(await s.feed([[0, 11_860]])).toEqual([])
    // A closed candle up +100 after losses of 10: avg gain 50, avg loss 5 → RSI ≈ 90.9, crossing 20.
    const candle = {
      exchange: 'upbit',
      symbol: SYMBOL,
      marketId: SYMBOL,
      base: 'ABC',
      quote: 'KRW',
      timestamp: T0,
      receivedAt: T0,
      source: 'rest',
      interval: '1m',
      open: new Decimal(11_860),
      high: new Decimal(11_960),
      low: new Decimal(11_860),
      close: new Decimal(11_960),
      volume: new Decimal(1),
      quoteVolume: new Decimal(11_960),
    } as const
    const made = s.engine.process({ type: 'candle', candle, closed: true })
    expect(made.map((d) => d.rule.id)).toEqual(['rsi-entry'])
    expect(made[0]!.conditions[0]).toMatchObject({ condition: 'RSI(2) crossover 20', result: true })
  })
})

describe('rule 2 and rule 3: pyramiding and the planned exit', () => {
  it('adds from the last fill, then takes profit after the third add', async () => {
    const s = scenario(sevenRules())
    // anchor 10,000 → add at ≥ 10,500; anchor 10,500 → ≥ 11,025; anchor 11,030 → ≥ 11,581.5;
    // after 3 adds, anchor 11,590 → take profit at ≥ 12,169.5.
    const seen = await s.feed([
      [0, 10_000],
      [61, 10_490],
      [122, 10_500],
      [183, 10_500],
      [244, 11_030],
      [305, 11_590],
      [366, 12_160],
      [427, 12_170],
    ])
    expect(seen).toEqual([
      { t: 0, rule: 'rsi-entry', kind: 'order' },
      { t: 122, rule: 'pyramid', kind: 'order' },
      { t: 244, rule: 'pyramid', kind: 'order' },
      { t: 305, rule: 'pyramid', kind: 'order' },
      { t: 427, rule: 'take-profit', kind: 'order' },
    ])
    expect(s.engine.getState(SYMBOL)?.state).toBe('CLOSED')
    expect(s.paper.balance('ABC').toString()).toBe('0')
  })

  it('takes profit when an add is refused (pyramiding could not complete)', async () => {
    // 100,000 KRW: the entry spends 10,000 (+5 fee); the 100,000 add cannot be paid.
    const s = scenario(sevenRules(), { balances: { KRW: '100000' } })
    const rejected: string[] = []
    s.engine.executions$.subscribe((e) => {
      if (e.type === 'rejected') rejected.push(`${e.ruleId}:${e.error.code}`)
    })
    const seen = await s.feed([
      [0, 10_000],
      [61, 10_500],
      [122, 10_510],
    ])
    expect(seen).toEqual([
      { t: 0, rule: 'rsi-entry', kind: 'order' },
      { t: 61, rule: 'pyramid', kind: 'order' },
      { t: 122, rule: 'take-profit', kind: 'order' },
    ])
    expect(rejected).toEqual(['pyramid:insufficient_funds'])
    expect(s.engine.getState(SYMBOL)?.execCount).toEqual({})
  })
})

describe('rule 4: trailing stop', () => {
  it('arms at +3 % versus average, stays armed below it (latched), fires 3 % under the high', async () => {
    const s = scenario(sevenRules({ trailingActivationPct: 3 }))
    // avg 10,005 → arms at ≥ 10,305.15; high 10,450 → stop 10,136.5.
    const seen = await s.feed([
      [0, 10_000],
      [61, 10_310],
      [122, 10_450],
      [183, 10_300],
      [244, 10_140],
      [305, 10_130],
    ])
    expect(seen).toEqual([
      { t: 0, rule: 'rsi-entry', kind: 'order' },
      { t: 305, rule: 'trailing-stop', kind: 'order' },
    ])
    const exit = s.decisions.at(-1)!
    expect(exit.values['TRAILING(3%, 3%)']).toBeCloseTo(10_136.5, 6)
  })
})

describe('rule 5: averaging down', () => {
  it('adds once on a gap and does not re-fire on the next tick (anchor = last fill)', async () => {
    const s = scenario(sevenRules())
    const seen = await s.feed([
      [0, 10_000],
      [61, 9_300],
      [122, 9_300],
      [183, 9_290],
    ])
    expect(seen).toEqual([
      { t: 0, rule: 'rsi-entry', kind: 'order' },
      { t: 61, rule: 'average-down', kind: 'order' },
    ])
    expect(s.engine.getState(SYMBOL)?.execCount).toEqual({ 'rsi-entry': 1, 'average-down': 1 })
  })

  it("with reference 'average' (the original design) the same gap fires again at once", async () => {
    const s = scenario(sevenRules({ reference: 'average' }))
    // After the add at 9,300 the average is ≈ 9,881.04: 9,300 is still −5.88 % below it.
    const seen = await s.feed([
      [0, 10_000],
      [61, 9_300],
      [122, 9_300],
    ])
    expect(seen).toEqual([
      { t: 0, rule: 'rsi-entry', kind: 'order' },
      { t: 61, rule: 'average-down', kind: 'order' },
      { t: 122, rule: 'average-down', kind: 'order' },
    ])
  })

  it('hard stop closes a slow decline after both adds (−15 % versus average)', async () => {
    const s = scenario(sevenRules())
    // Fills: 100 @ 10,000 (1,000,500 with fee); 21.05263157 @ 9,500; 22.172949 @ 9,020.
    // cost 1,400,699.9998949475 / 143.22558057 = avg 9,779.6776 → stop at ≤ 8,312.7259.
    const seen = await s.feed([
      [0, 10_000],
      [61, 9_500],
      [122, 9_100],
      [183, 9_020],
      [244, 8_600],
      [305, 8_320],
      [366, 8_310],
    ])
    expect(seen).toEqual([
      { t: 0, rule: 'rsi-entry', kind: 'order' },
      { t: 61, rule: 'average-down', kind: 'order' },
      { t: 183, rule: 'average-down', kind: 'order' },
      { t: 366, rule: 'hard-stop', kind: 'order' },
    ])
    const cost = new Decimal('1000500')
      .plus(new Decimal('21.05263157').times(9_500).times('1.0005'))
      .plus(new Decimal('22.172949').times(9_020).times('1.0005'))
    expect(cost.toString()).toBe('1400699.9998949475')
  })

  it('without the hard stop the slow decline has no exit', async () => {
    const s = scenario(sevenRules({ hardStopPct: false }))
    const seen = await s.feed([
      [0, 10_000],
      [61, 9_500],
      [183, 9_020],
      [366, 8_310],
      [427, 7_000],
    ])
    expect(seen.map((d) => d.rule)).toEqual(['rsi-entry', 'average-down', 'average-down'])
  })
})

describe('rule 6: crash detection', () => {
  it('a 6 % one-tick drop sells (crash, priority 0) instead of averaging down', async () => {
    const s = scenario(sevenRules())
    const seen = await s.feed([
      [0, 10_000],
      [10, 10_000],
      [20, 10_000],
      [30, 10_000],
      [40, 10_000],
      [50, 9_400],
    ])
    expect(seen).toEqual([
      { t: 0, rule: 'rsi-entry', kind: 'order' },
      { t: 50, rule: 'crash', kind: 'order' },
    ])
    const crash = s.decisions.at(-1)!
    expect(crash.dropped).toEqual([
      { ruleId: 'average-down', priority: 10, reason: 'outranked by "crash" (priority 0 < 10)' },
    ])
    expect(crash.values['PRICE_CHANGE_WINDOW(60s, peak)']).toBeCloseTo(-6, 9)
    // 8,999,500 after the entry; 100 × 9,400 = 940,000 − 470 fee.
    expect(s.paper.balance('KRW').toString()).toBe('9939030')
  })

  it('waits for 50 % window coverage (no crash on the first seconds of data)', async () => {
    const s = scenario(sevenRules())
    // Only 20 s of data when the drop comes: coverage 1/3 < 0.5. The −6 % is an average-down.
    const seen = await s.feed([
      [0, 10_000],
      [10, 10_000],
      [20, 9_400],
    ])
    expect(seen.map((d) => d.rule)).toEqual(['rsi-entry', 'average-down'])
  })

  it('a disconnect rebuilds the window: no crash until it is half covered again', async () => {
    const s = scenario(sevenRules({ averageDownTriggerPct: -50 }))
    await s.feed([
      [0, 10_000],
      [10, 10_000],
      [20, 10_000],
      [30, 10_000],
      [40, 10_000],
    ])
    s.engine.process({ type: 'disconnect', symbol: SYMBOL, timestamp: T0 + 41_000 })
    expect(
      await s.feed([
        [50, 9_400],
        [60, 9_400],
        [70, 9_400],
      ]),
    ).toEqual([])
    // 30 s after the rebuild the window (max 9,400) is half covered; 8,900 is −5.3 %.
    expect(await s.feed([[80, 8_900]])).toEqual([{ t: 80, rule: 'crash', kind: 'order' }])
  })

  it('cools down 30 min after a crash exit, although RSI stays below 20', async () => {
    const s = scenario(sevenRules())
    await s.feed([
      [0, 10_000],
      [10, 10_000],
      [20, 10_000],
      [30, 10_000],
      [40, 10_000],
      [50, 9_400],
    ])
    expect(s.engine.getState(SYMBOL)?.state).toBe('CLOSED')
    expect(
      await s.feed([
        [60, 9_400],
        [50 + 1_799, 9_400],
      ]),
    ).toEqual([])
    expect(await s.feed([[50 + 1_800, 9_400]])).toEqual([{ t: 1_850, rule: 'rsi-entry', kind: 'order' }])
  })

  it('cools down 5 min after any other exit', async () => {
    const s = scenario(sevenRules({ pyramidMaxCount: 1 }))
    await s.feed([
      [0, 10_000],
      [61, 10_500],
      [122, 11_030],
    ])
    expect(s.decisions.map((d) => d.rule.id)).toEqual(['rsi-entry', 'pyramid', 'take-profit'])
    expect(await s.feed([[122 + 299, 11_000]])).toEqual([])
    expect(await s.feed([[122 + 300, 11_000]])).toEqual([{ t: 422, rule: 'rsi-entry', kind: 'order' }])
    // A new cycle: counters and flags start over.
    expect(s.engine.getState(SYMBOL)).toMatchObject({ cycle: 2, execCount: { 'rsi-entry': 1 }, flags: {} })
  })
})

describe('rule 7: surge detection', () => {
  it('a surge pauses pyramiding (rule 7 beats rule 2) and the planned exit takes over', async () => {
    const s = scenario(sevenRules())
    // +5.2 % from the window's low in one tick: the flag is set first (priority 1), so rule 2
    // sees the pause; rule 3 fires because pyramiding is paused and price ≥ anchor × 1.05.
    const seen = await s.feed([
      [0, 10_000],
      [10, 10_000],
      [20, 10_000],
      [30, 10_000],
      [40, 10_000],
      [50, 10_520],
    ])
    expect(seen).toEqual([
      { t: 0, rule: 'rsi-entry', kind: 'order' },
      { t: 50, rule: 'surge', kind: 'meta' },
      { t: 50, rule: 'take-profit', kind: 'order' },
    ])
  })

  it('a surge pauses pyramiding but not the trailing stop', async () => {
    const s = scenario(sevenRules())
    // Entry 10,000; slow climb (< 5 % per 60 s); add at 10,500 → avg ≈ 10,048.5, trailing arms at
    // ≥ 10,550.93 (t80); dip to 10,300 (above the 10,282 stop), surge to 10,820 (+5.05 % from
    // 10,300): paused, below the 11,025 planned exit; high 10,900 → stop 10,573; 10,570 fires it.
    const seen = await s.feed([
      [0, 10_000],
      [10, 10_100],
      [20, 10_200],
      [30, 10_300],
      [40, 10_400],
      [50, 10_450],
      [60, 10_480],
      [70, 10_500],
      [80, 10_560],
      [90, 10_600],
      [100, 10_300],
      [110, 10_820],
      [120, 10_900],
      [130, 10_570],
    ])
    expect(seen).toEqual([
      { t: 0, rule: 'rsi-entry', kind: 'order' },
      { t: 70, rule: 'pyramid', kind: 'order' },
      { t: 110, rule: 'surge', kind: 'meta' },
      { t: 130, rule: 'trailing-stop', kind: 'order' },
    ])
    expect(
      s.decisions.find((d) => d.rule.id === 'surge')?.values['PRICE_CHANGE_WINDOW(60s, trough)'],
    ).toBeCloseTo((10_820 / 10_300 - 1) * 100, 9)
  })
})

describe('engine invariants', () => {
  it('meta actions run in addition to the best trading action, never instead of it', async () => {
    const s = scenario({
      rules: [
        {
          id: 'entry',
          name: 'entry',
          role: 'ENTRY',
          activation: 'READY',
          when: { left: { kind: 'PRICE' }, op: '>=', right: 1 },
          action: { type: 'buy', amount: { kind: 'quote', value: 100_000 } },
        },
        {
          id: 'note',
          name: 'meta',
          role: 'MANAGEMENT',
          activation: 'ACTIVE',
          priority: 1,
          when: { left: { kind: 'PRICE' }, op: '>=', right: 10_500 },
          action: { type: 'set_flag', flag: 'high' },
        },
        {
          id: 'exit',
          name: 'exit',
          role: 'EXIT',
          activation: 'ACTIVE',
          priority: 9,
          when: { left: { kind: 'PRICE' }, op: '>=', right: 10_500 },
          action: { type: 'sell' },
        },
      ],
    })
    expect(
      await s.feed([
        [0, 10_000],
        [1, 10_600],
      ]),
    ).toEqual([
      { t: 0, rule: 'entry', kind: 'order' },
      { t: 1, rule: 'note', kind: 'meta' },
      { t: 1, rule: 'exit', kind: 'order' },
    ])
  })

  it('ties in priority: RISK/EXIT before SCALE_IN, then rule number', async () => {
    const s = scenario({
      rules: [
        {
          id: 'entry',
          name: 'entry',
          role: 'ENTRY',
          activation: 'READY',
          when: { left: { kind: 'PRICE' }, op: '>=', right: 1 },
          action: { type: 'buy', amount: { kind: 'quote', value: 100_000 } },
        },
        {
          id: 'add',
          name: 'add',
          role: 'SCALE_IN',
          activation: 'ACTIVE',
          priority: 5,
          when: { left: { kind: 'PRICE' }, op: '<', right: 9_000 },
          action: { type: 'buy', amount: { kind: 'quote', value: 100_000 } },
        },
        {
          id: 'stop-a',
          name: 'a',
          role: 'EXIT',
          activation: 'ACTIVE',
          priority: 5,
          when: { left: { kind: 'PRICE' }, op: '<', right: 9_000 },
          action: { type: 'sell' },
        },
        {
          id: 'stop-b',
          name: 'b',
          role: 'RISK',
          activation: 'ACTIVE',
          priority: 5,
          when: { left: { kind: 'PRICE' }, op: '<', right: 9_000 },
          action: { type: 'sell' },
        },
      ],
    })
    await s.feed([
      [0, 10_000],
      [1, 8_000],
    ])
    const exit = s.decisions.at(-1)!
    expect(exit.rule.id).toBe('stop-a')
    expect(exit.dropped.map((d) => d.ruleId)).toEqual(['stop-b', 'add'])
  })

  it('no trading rule fires while an order is in flight; counters change on the fill only', async () => {
    let settle: ((outcome: OrderOutcome) => void) | undefined
    const submitted: OrderIntent[] = []
    const executor = {
      mode: 'dry-run' as const,
      submit(intent: OrderIntent) {
        submitted.push(intent)
        return new Promise<OrderOutcome>((resolve) => {
          settle = resolve
        })
      },
    }
    const s = scenario(sevenRules(), { executor })
    const p = (price: number, t: number) =>
      s.engine.process({ type: 'price', symbol: SYMBOL, price, timestamp: T0 + t })
    expect(p(10_000, 0).map((d) => d.rule.id)).toEqual(['rsi-entry'])
    expect(p(10_000, 1_000)).toEqual([])
    expect(p(9_000, 2_000)).toEqual([])
    expect(submitted).toHaveLength(1)
    expect(s.engine.getState(SYMBOL)).toMatchObject({ state: 'READY', execCount: {} })
    settle!({
      status: 'filled',
      intent: submitted[0]!,
      fill: {
        orderId: 'x',
        clientOrderId: submitted[0]!.id,
        symbol: SYMBOL,
        side: 'buy',
        price: new Decimal(10_000),
        volume: new Decimal(100),
        funds: new Decimal(1_000_000),
        fee: new Decimal(500),
        timestamp: T0,
      },
    })
    await s.engine.idle()
    expect(s.engine.getState(SYMBOL)).toMatchObject({ state: 'ACTIVE', execCount: { 'rsi-entry': 1 } })
    // Now free: the −10 % tick averages down.
    expect(p(9_000, 3_000).map((d) => d.rule.id)).toEqual(['average-down'])
  })

  it('emergency stop sells every open position and halts', async () => {
    const s = scenario(sevenRules())
    await s.feed([[0, 10_000]])
    const sold = await s.engine.emergencyStop('test')
    expect(sold.map((d) => [d.rule.id, d.order?.side])).toEqual([['emergency-stop', 'sell']])
    expect(s.paper.balance('ABC').toString()).toBe('0')
    expect(s.engine.halted).toBe(true)
    expect(s.engine.process({ type: 'price', symbol: SYMBOL, price: 5_000, timestamp: T0 + 1e6 })).toEqual([])
    const refused = await s.paper.submit({ ...sold[0]!.order!, id: 'late', emergency: false })
    expect(refused.status).toBe('rejected')
  })
})
