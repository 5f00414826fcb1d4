import { fixtureExchange } from '@bb/adapter-testing'
import { Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { DryRunExecutor, type OrderIntent, roundToTick } from '../src/index.js'
import { EXCHANGE } from './helpers.js'

const base: OrderIntent = {
  id: 'o',
  decisionId: 1,
  ruleId: 'manual',
  symbol: 'KRW-BTC',
  side: 'buy',
  price: new Decimal(0),
  timestamp: 0,
  fill: 'at-price',
}
const buy = (
  total: number | string,
  price: number | string,
  extra: Partial<OrderIntent> = {},
): OrderIntent => ({
  ...base,
  amount: { kind: 'quote', value: new Decimal(total) },
  price: new Decimal(price),
  ...extra,
})
const sell = (volume: string | undefined, price: number | string): OrderIntent => ({
  ...base,
  side: 'sell',
  ...(volume ? { volume: new Decimal(volume) } : {}),
  price: new Decimal(price),
})

describe('roundToTick reads the tick grid of the exchange', () => {
  // The band edges of the test exchange's grid (helpers.ts): the tick comes from its market rules.
  it.each([
    ['2500000', '1000'],
    ['1000000', '1000'],
    ['999999', '500'],
    ['500000', '500'],
    ['100000', '100'],
    ['99999', '50'],
    ['50000', '50'],
    ['10000', '10'],
    ['9999', '5'],
    ['5000', '5'],
    ['4999', '1'],
    ['100', '1'],
    ['99.5', '0.01'],
    ['5.5', '0.001'],
  ])('a price of %s sits on a grid of %s', (price, tick) => {
    const at = { exchange: EXCHANGE, symbol: 'KRW-BTC' }
    const off = new Decimal(price).plus('0.0000001') // between two grid points
    expect(
      roundToTick(off, 'up', at)
        .minus(roundToTick(off, 'down', at))
        .toString(),
    ).toBe(tick)
  })

  it('rounds onto the grid of { exchange, symbol } or of a tick function', () => {
    const at = { exchange: EXCHANGE, symbol: 'KRW-BTC' }
    expect(roundToTick('143250400', 'up', at).toString()).toBe('143251000')
    expect(roundToTick('143250400', 'down', at).toString()).toBe('143250000')
    expect(roundToTick('7423', 'nearest', at).toString()).toBe('7425')
    expect(roundToTick('7423', 'down', () => new Decimal(5)).toString()).toBe('7420')
  })

  it('another exchange, another grid: the fixture exchange ticks 0.01 in USDT markets', () => {
    const at = { exchange: fixtureExchange, symbol: 'BTCUSDT' }
    expect(roundToTick('64000.123', 'up', at).toString()).toBe('64000.13')
    expect(roundToTick('64000.123', 'down', at).toString()).toBe('64000.12')
    expect(roundToTick('64000.125', 'nearest', at).toString()).toBe('64000.13')
  })
})

describe('DryRunExecutor accounting, exact to the won', () => {
  it('buys by total at the ask moved up onto the grid, sells at the bid, 0.05 % fee each way', async () => {
    const paper = new DryRunExecutor({ exchange: EXCHANGE, balances: { KRW: '10000000' } })
    // 143,250,400 → 143,251,000 (tick 1,000). volume = floor8(1,000,000 / 143,251,000) = 0.00698075;
    // funds = 0.00698075 × 143,251,000 = 999,999.41825; fee = 499.999709125.
    const bought = await paper.submit(buy(1_000_000, '143250400'))
    expect(bought.status).toBe('filled')
    if (bought.status !== 'filled') return
    expect(bought.fill.price.toString()).toBe('143251000')
    expect(bought.fill.volume.toString()).toBe('0.00698075')
    expect(bought.fill.funds.toString()).toBe('999999.41825')
    expect(bought.fill.fee.toString()).toBe('499.999709125')
    expect(paper.balance('KRW').toString()).toBe('8999500.582040875')
    expect(paper.balance('BTC').toString()).toBe('0.00698075')
    // Sell all at 150,000,000: funds 1,047,112.5, fee 523.55625.
    const sold = await paper.submit(sell(undefined, '150000000'))
    expect(sold.status === 'filled' && sold.fill.funds.toString()).toBe('1047112.5')
    expect(paper.balance('KRW').toString()).toBe('10046089.525790875')
    expect(paper.balance('BTC').toString()).toBe('0')
    expect(paper.totalFees.toString()).toBe('1023.555959125')
  })

  it('sizes percent buys to the whole won of the available balance', async () => {
    const paper = new DryRunExecutor({ exchange: EXCHANGE, balances: { KRW: '1234567.89' } })
    const outcome = await paper.submit({ ...buy(0, 10_000), amount: { kind: 'quote_percent', value: 10 } })
    // 10 % of 1,234,567.89 = 123,456.789 → 123,456 → 12.3456 units at 10,000.
    expect(outcome.status === 'filled' && outcome.fill.funds.toString()).toBe('123456')
    // 1,234,567.89 − 123,456 − 61.728 fee.
    expect(paper.balance('KRW').toString()).toBe('1111050.162')
  })

  it('rejects orders under 5,000 KRW and orders the balance cannot cover', async () => {
    const paper = new DryRunExecutor({ exchange: EXCHANGE, balances: { KRW: '100000' } })
    const small = await paper.submit(buy(4_999, 10_000))
    expect(small.status === 'rejected' && small.error.code).toBe('invalid_order')
    const big = await paper.submit(buy(100_000, 10_000)) // needs 100,050 with the fee
    expect(big.status === 'rejected' && big.error.code).toBe('insufficient_funds')
    expect(paper.balance('KRW').toString()).toBe('100000')
    await paper.submit(buy(10_000, 10_000))
    const dust = await paper.submit(sell('0.4', 10_000)) // 4,000 KRW: under the minimum
    expect(dust.status === 'rejected' && dust.error.code).toBe('invalid_order')
  })

  it('fills next-price orders at the next observed price (backtest: next candle open)', async () => {
    const paper = new DryRunExecutor({ exchange: EXCHANGE, balances: { KRW: '1000000' } })
    const pending = paper.submit(buy(100_000, 10_000, { fill: 'next-price' }))
    expect(paper.pendingCount).toBe(1)
    paper.observePrice('KRW-ETH', new Decimal(1), 1)
    expect(paper.pendingCount).toBe(1)
    paper.observePrice('KRW-BTC', new Decimal(10_050), 60_000)
    const outcome = await pending
    expect(outcome.status === 'filled' && [outcome.fill.price.toString(), outcome.fill.timestamp]).toEqual([
      '10050',
      60_000,
    ])
  })

  it('checks each order with the gateway test-order call when asked, creating nothing', async () => {
    const calls: unknown[] = []
    const paper = new DryRunExecutor({
      exchange: EXCHANGE,
      balances: { KRW: '1000000' },
      testOrders: {
        async testOrder(params) {
          calls.push({ ...params, cost: params.cost?.toString() })
          throw Object.assign(new Error('market offline'), { name: 'Error' })
        },
      },
    })
    const outcome = await paper.submit(buy(10_000, 10_000))
    expect(outcome.status).toBe('rejected')
    expect(calls).toEqual([
      { symbol: 'KRW-BTC', side: 'buy', type: 'market', cost: '10000', clientOrderId: 'o' },
    ])
    expect(paper.balance('KRW').toString()).toBe('1000000')
  })
})
