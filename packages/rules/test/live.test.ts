import { inspect } from 'node:util'
import {
  InsufficientFundsError,
  InvalidRequestError,
  PermissionError,
  REDACTED,
  registerSecret,
} from '@bb/errors'
import { type Balance, Decimal, type Order } from '@bb/models'
import { describe, expect, it } from 'vitest'
import {
  type CreateOrderParams,
  createEngine,
  type Executor,
  LiveExecutor,
  type LiveExecutorOptions,
  liveConfirmationPhrase,
  type OrderGateway,
  sevenRules,
} from '../src/index.js'
import { EXCHANGE, fallingCandles, intent, SYMBOL, T0 } from './helpers.js'

/** An in-memory exchange: market orders fill at `price` after one poll. */
function fakeGateway(options: { credentials?: boolean; price?: number; krw?: string } = {}) {
  const orders = new Map<string, Order>()
  const created: CreateOrderParams[] = []
  const cancelled: string[] = []
  let n = 0
  const price = new Decimal(options.price ?? 10_000)
  const order = (params: CreateOrderParams, id: string): Order => ({
    exchange: 'upbit',
    symbol: params.symbol,
    marketId: params.symbol,
    base: 'ABC',
    quote: 'KRW',
    timestamp: T0,
    receivedAt: T0,
    source: 'rest',
    id,
    side: params.side,
    type: params.type,
    state: 'wait',
    executedVolume: new Decimal(0),
    paidFee: new Decimal(0),
    tradesCount: 0,
    createdAt: T0,
    ...(params.clientOrderId ? { clientOrderId: params.clientOrderId } : {}),
  })
  const gateway: OrderGateway & { created: CreateOrderParams[]; cancelled: string[]; hold: boolean } = {
    created,
    cancelled,
    hold: false,
    hasCredentials: () => options.credentials ?? true,
    async createOrder(params) {
      if (params.side === 'buy' && new Decimal(params.cost!).greaterThan(options.krw ?? '1e12'))
        throw new InsufficientFundsError({ currency: 'KRW', exchangeCode: 'insufficient_funds_bid' })
      created.push(params)
      const id = `uuid-${++n}`
      orders.set(id, order(params, id))
      return orders.get(id)!
    },
    async testOrder(params) {
      return order(params, 'test')
    },
    async cancelOrder(ref) {
      const id = 'id' in ref ? ref.id : ''
      cancelled.push(id)
      const o = orders.get(id)!
      orders.set(id, { ...o, state: 'cancel' })
      return o
    },
    async getOrder(ref) {
      const id = 'id' in ref ? ref.id : ''
      const o = orders.get(id)!
      if (gateway.hold || o.state !== 'wait') return o
      const params = created[Number(id.slice(5)) - 1]!
      const volume =
        params.side === 'buy'
          ? new Decimal(params.cost!).dividedBy(price).toDecimalPlaces(8, Decimal.ROUND_FLOOR)
          : new Decimal(params.volume!)
      const funds = volume.times(price)
      const done: Order = {
        ...o,
        state: 'done',
        executedVolume: volume,
        executedFunds: funds,
        paidFee: funds.times('0.0005'),
        tradesCount: 1,
      }
      orders.set(id, done)
      return done
    },
    async getBalances(): Promise<readonly Balance[]> {
      return [
        {
          exchange: 'upbit',
          currency: 'KRW',
          free: new Decimal(options.krw ?? '2000000'),
          locked: new Decimal(0),
          timestamp: T0,
          receivedAt: T0,
          source: 'rest',
        },
      ]
    },
  }
  return gateway
}

const confirmed = (gateway: OrderGateway, max = 1_000_000): LiveExecutorOptions => ({
  exchange: EXCHANGE,
  gateway,
  live: true,
  maxCapitalAtRisk: max,
  confirmation: liveConfirmationPhrase(max, 'KRW'),
  sleep: async () => {},
})

describe('LiveExecutor refuses to start without both confirmations', () => {
  it('names the capital at risk in the confirmation phrase', () => {
    expect(liveConfirmationPhrase(1_700_000, 'KRW')).toBe('I accept real orders risking up to 1,700,000 KRW')
  })

  it('refuses without a gateway or without credentials', () => {
    expect(
      () => new LiveExecutor({ ...confirmed(fakeGateway()), gateway: undefined as unknown as OrderGateway }),
    ).toThrow(/needs an OrderGateway/)
    expect(() => new LiveExecutor(confirmed(fakeGateway({ credentials: false })))).toThrow(PermissionError)
  })

  it('refuses without confirmation 1 (live: true)', () => {
    const options = { ...confirmed(fakeGateway()), live: undefined } as unknown as LiveExecutorOptions
    expect(() => new LiveExecutor(options)).toThrow(/confirmation 1 of 2/)
    expect(() => new LiveExecutor({ ...options, live: 'yes' } as unknown as LiveExecutorOptions)).toThrow(
      PermissionError,
    )
  })

  it('refuses without confirmation 2 or when it names another amount', () => {
    const gateway = fakeGateway()
    expect(() => new LiveExecutor({ ...confirmed(gateway), confirmation: '' })).toThrow(/confirmation 2 of 2/)
    expect(() => new LiveExecutor({ ...confirmed(gateway), confirmation: 'yes' })).toThrow(PermissionError)
    expect(
      () =>
        new LiveExecutor({
          ...confirmed(gateway, 1_000_000),
          confirmation: liveConfirmationPhrase(5_000_000, 'KRW'),
        }),
    ).toThrow(/risking up to 1,000,000 KRW/)
    expect(() => new LiveExecutor({ ...confirmed(gateway), maxCapitalAtRisk: 0 })).toThrow(
      InvalidRequestError,
    )
    expect(gateway.created).toEqual([])
  })

  it('starts with both, and the engine places real orders through the gateway', async () => {
    const gateway = fakeGateway()
    const executor = new LiveExecutor(confirmed(gateway))
    const engine = createEngine({
      exchange: EXCHANGE,
      strategy: sevenRules(),
      executor,
      history: fallingCandles(15),
    })
    engine.process({ type: 'price', symbol: SYMBOL, price: 10_000, timestamp: T0 })
    await engine.idle()
    // 10 % of the 2,000,000 KRW balance, as a market buy by its quote cost.
    expect(gateway.created.map((p) => [p.side, p.type, p.cost?.toString(), p.clientOrderId])).toEqual([
      ['buy', 'market', '200000', 'bb-1'],
    ])
    expect(engine.getState(SYMBOL)).toMatchObject({ state: 'ACTIVE', anchor: 10_000 })
    expect(engine.getState(SYMBOL)?.quantity.toString()).toBe('20')
    expect(executor.deployedCapital.toString()).toBe('200100')
  })
})

describe('LiveExecutor while running', () => {
  it('refuses buys above the confirmed capital at risk', async () => {
    const executor = new LiveExecutor(confirmed(fakeGateway(), 150_000))
    expect((await executor.submit(intent({}))).status).toBe('filled')
    const second = await executor.submit(intent({ id: 'bb-2' }))
    expect(second.status === 'rejected' && second.error.message).toMatch(/above the confirmed 150000 KRW/)
  })

  it('reports exchange refusals as rejected outcomes', async () => {
    const executor = new LiveExecutor(confirmed(fakeGateway({ krw: '50000' })))
    const outcome = await executor.submit(intent({}))
    expect(outcome.status === 'rejected' && outcome.error.code).toBe('insufficient_funds')
  })

  it('emergency stop cancels open orders and refuses all but emergency sells', async () => {
    const gateway = fakeGateway()
    gateway.hold = true
    let release: () => void = () => {}
    let blocking = true
    const executor = new LiveExecutor({
      ...confirmed(gateway),
      sleep: () =>
        blocking
          ? new Promise<void>((resolve) => {
              release = resolve
            })
          : Promise.resolve(),
    })
    const pending = executor.submit(intent({}))
    await new Promise((r) => setTimeout(r, 0))
    await executor.emergencyStop()
    expect(gateway.cancelled).toEqual(['uuid-1'])
    blocking = false
    release()
    expect((await pending).status).toBe('rejected') // cancelled without a fill
    const refused = await executor.submit(intent({ id: 'bb-3' }))
    expect(refused.status === 'rejected' && refused.error.code).toBe('permission')
    gateway.hold = false
    const sold = await executor.submit(
      intent({ id: 'bb-4', side: 'sell', volume: new Decimal(1), emergency: true }),
    )
    expect(sold.status).toBe('filled')
  })
})

describe('LiveExecutor guarantees about its capital limit', () => {
  it('rejects non-finite and absurd caps with an error naming the parameter', () => {
    for (const cap of [
      '1e999999999999999999',
      Number.POSITIVE_INFINITY,
      Number.NaN,
      '1e16',
      -5,
      'lots',
      10n,
    ]) {
      let error: unknown
      try {
        new LiveExecutor({
          ...confirmed(fakeGateway()),
          maxCapitalAtRisk: cap as never,
          confirmation: 'I accept real orders risking up to Infinity KRW',
        })
      } catch (e) {
        error = e
      }
      expect(InvalidRequestError.isInstance(error), String(cap)).toBe(true)
      expect((error as InvalidRequestError).param).toBe('maxCapitalAtRisk')
    }
    expect(() => liveConfirmationPhrase('1e999999999999999999', 'KRW')).toThrow(InvalidRequestError)
    expect(() => liveConfirmationPhrase('abc', 'KRW')).toThrow(InvalidRequestError)
  })

  it('the confirmed cap cannot be reassigned or changed in place', async () => {
    const executor = new LiveExecutor(confirmed(fakeGateway(), 150_000))
    expect(() => {
      ;(executor as { maxCapitalAtRisk: Decimal }).maxCapitalAtRisk = new Decimal('1e12')
    }).toThrow(TypeError) // a frozen instance with a getter: strict-mode assignment fails loudly
    expect(() => {
      ;(executor.maxCapitalAtRisk as unknown as { d: number[] }).d[0] = 999_999_999
    }).toThrow(TypeError)
    expect(() => {
      ;(executor as unknown as { extra: number }).extra = 1
    }).toThrow(TypeError)
    expect(executor.maxCapitalAtRisk.toString()).toBe('150000')
    expect((await executor.submit(intent({}))).status).toBe('filled')
    const second = await executor.submit(intent({ id: 'bb-2' }))
    expect(second.status === 'rejected' && second.error.code).toBe('permission')
  })

  it('checks every order when it is placed: buys in flight count against the cap', async () => {
    const gateway = fakeGateway()
    const executor = new LiveExecutor(confirmed(gateway, 150_000))
    // Two buys of 100,000 at once: each alone is under the cap, both together are not.
    const [a, b] = await Promise.all([executor.submit(intent({})), executor.submit(intent({ id: 'bb-2' }))])
    expect([a.status, b.status].sort()).toEqual(['filled', 'rejected'])
    expect(gateway.created).toHaveLength(1)
  })

  it('checks credentials, the quote currency and the amounts at order time', async () => {
    let credentials = true
    const gateway = fakeGateway()
    gateway.hasCredentials = () => credentials
    const executor = new LiveExecutor(confirmed(gateway, 1_000_000))
    const btcMarket = await executor.submit(intent({ symbol: 'BTC-ETH' }))
    expect(btcMarket.status === 'rejected' && btcMarket.error.message).toMatch(/spends BTC/)
    const infinite = await executor.submit(
      intent({ amount: { kind: 'quote', value: new Decimal(Number.POSITIVE_INFINITY) } }),
    )
    expect(infinite.status === 'rejected' && infinite.error.code).toBe('invalid_order')
    const percent = await executor.submit(intent({ amount: { kind: 'quote_percent', value: 500 } }))
    expect(percent.status === 'rejected' && percent.error.code).toBe('invalid_order')
    const sell = await executor.submit(intent({ side: 'sell', volume: new Decimal(Number.NaN) }))
    expect(sell.status === 'rejected' && sell.error.code).toBe('invalid_order')
    credentials = false
    const revoked = await executor.submit(intent({}))
    expect(revoked.status === 'rejected' && revoked.error.code).toBe('permission')
    expect(gateway.created).toEqual([])
  })
})

describe('what the engine and the executor log is redacted', () => {
  const capture = () => {
    const lines: string[] = []
    const write = (obj: object, msg?: string) => lines.push(`${msg ?? ''} ${inspect(obj, { depth: 10 })}`)
    return { lines, logger: { debug: write, info: write, warn: write, error: write } }
  }

  it('an error thrown while applying an outcome is logged as redacted JSON, not a raw Error', async () => {
    const secret = 'engine-secret-value-0123456789'
    registerSecret(secret)
    const { lines, logger } = capture()
    const executor: Executor = {
      mode: 'dry-run',
      async submit(order) {
        return {
          status: 'filled',
          intent: order,
          get fill(): never {
            throw new Error(`fill lost; signed with ${secret}`)
          },
        }
      },
    }
    const engine = createEngine({
      exchange: EXCHANGE,
      strategy: sevenRules(),
      executor,
      history: fallingCandles(15),
      logger,
    })
    engine.process({ type: 'price', symbol: SYMBOL, price: 10_000, timestamp: T0 })
    await engine.idle()
    const line = lines.find((l) => l.includes('applying an order outcome failed'))
    expect(line).toBeDefined()
    expect(line).toContain('fill lost')
    expect(line).toContain(REDACTED)
    expect(lines.join('\n')).not.toContain(secret)
  })

  it('a failed cancel during an emergency stop is logged without the secret', async () => {
    const secret = 'cancel-secret-value-0123456789'
    registerSecret(secret)
    const { lines, logger } = capture()
    const gateway = fakeGateway()
    gateway.hold = true
    gateway.cancelOrder = async () => {
      throw new Error(`cancel refused for key ${secret}`)
    }
    let release: () => void = () => {}
    const executor = new LiveExecutor({
      ...confirmed(gateway),
      logger,
      sleep: () => new Promise<void>((resolve) => (release = resolve)),
    })
    const pending = executor.submit(intent({}))
    await new Promise((r) => setTimeout(r, 0))
    await executor.emergencyStop()
    expect(lines.some((l) => l.includes('cancel during emergency stop failed'))).toBe(true)
    expect(lines.join('\n')).not.toContain(secret)
    gateway.hold = false
    release()
    await pending
  })
})
