import { PermissionError } from '@bb/errors'
import { Decimal } from '@bb/models'
import { createRestClient } from '@bb/rest'
import { LiveExecutor, liveConfirmationPhrase, type OrderGateway } from '@bb/rules'
import { startSim } from '@bb/sim'
import { upbit } from '@bb/upbit'
import { describe, expect, it } from 'vitest'

// @bb/rules does not depend on @bb/rest: this app wires them, as a user would.
describe('LiveExecutor through @bb/rest', () => {
  it('refuses without both confirmations, then places and settles a real order on the simulator', async () => {
    const sim = await startSim({ port: 0, seed: 8, markets: 5, speed: 0, limits: false })
    const client = createRestClient({
      adapter: upbit,
      baseUrl: sim.restUrl,
      credentials: sim.defaultAccount!,
      trading: 'live',
    })
    try {
      const gateway: OrderGateway = client // the REST client is an OrderGateway as it is
      expect(
        () =>
          new LiveExecutor({
            exchange: upbit,
            gateway,
            live: true,
            maxCapitalAtRisk: '1000000',
            confirmation: 'yes',
          }),
      ).toThrow(PermissionError)
      const executor = new LiveExecutor({
        exchange: upbit,
        gateway,
        live: true,
        maxCapitalAtRisk: '1000000',
        confirmation: liveConfirmationPhrase('1000000', upbit.market.defaultQuote),
        pollIntervalMs: 20,
      })
      const before = sim.accounts.balances(sim.defaultAccount!.accessKey)
      const outcome = await executor.submit({
        id: 'e2e-1',
        decisionId: 1,
        ruleId: 'rsi-entry',
        symbol: 'KRW-BTC',
        side: 'buy',
        amount: { kind: 'quote', value: new Decimal('100000') },
        price: new Decimal(sim.market.price('KRW-BTC')),
        timestamp: sim.now(),
        fill: 'at-price',
      })
      expect(outcome.status).toBe('filled')
      const after = sim.accounts.balances(sim.defaultAccount!.accessKey)
      expect(new Decimal(after.BTC?.balance ?? '0').greaterThan(before.BTC?.balance ?? '0')).toBe(true)
      expect(new Decimal(after.KRW!.balance).lessThan(before.KRW!.balance)).toBe(true)
    } finally {
      await client.close()
      await sim.close()
    }
  })

  it('a dry-run REST client (the default) cannot be used to place orders', async () => {
    const sim = await startSim({ port: 0, seed: 8, markets: 5, speed: 0, limits: false })
    const client = createRestClient({
      adapter: upbit,
      baseUrl: sim.restUrl,
      credentials: sim.defaultAccount!,
    })
    try {
      const executor = new LiveExecutor({
        exchange: upbit,
        gateway: client,
        live: true,
        maxCapitalAtRisk: '1000000',
        confirmation: liveConfirmationPhrase('1000000', upbit.market.defaultQuote),
      })
      const outcome = await executor.submit({
        id: 'e2e-2',
        decisionId: 2,
        ruleId: 'rsi-entry',
        symbol: 'KRW-BTC',
        side: 'buy',
        amount: { kind: 'quote', value: new Decimal('100000') },
        price: new Decimal(sim.market.price('KRW-BTC')),
        timestamp: sim.now(),
        fill: 'at-price',
      })
      expect(outcome.status).toBe('rejected')
      expect(sim.stats.rest.byGroup.order ?? 0).toBe(0)
    } finally {
      await client.close()
      await sim.close()
    }
  })
})
