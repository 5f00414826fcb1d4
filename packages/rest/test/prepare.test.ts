import type { ExchangeAdapter, RestEndpoints } from '@bb/exchange-adapter'
import { startSim } from '@bb/sim'
import { upbit } from '@bb/upbit'
import { describe, expect, it } from 'vitest'
import { createRestClient } from '../src/index.js'

// `RestRequest.prepare`: a request turns its decoded body into what the field maps read; the
// client applies it before normalizing (and a request without one is normalized as sent).
describe('RestRequest.prepare', () => {
  it('the client normalizes what prepare returns, body by body', async () => {
    const sim = await startSim({ port: 0, seed: 3, markets: ['KRW-BTC', 'KRW-ETH', 'KRW-XRP'], speed: 0 })
    const seen: unknown[] = []
    const endpoints: RestEndpoints = {
      ...upbit.rest.endpoints,
      // Keeps the first row only, and reverses a list: visible in what the client returns.
      tickers: (params) => ({
        ...upbit.rest.endpoints.tickers(params),
        prepare: (body) => {
          seen.push(body)
          return (body as unknown[]).slice(0, 1)
        },
      }),
      trades: (params) => ({
        ...upbit.rest.endpoints.trades(params),
        prepare: (body) => [...(body as unknown[])].reverse(),
      }),
    }
    const adapter: ExchangeAdapter = { ...upbit, rest: { ...upbit.rest, endpoints } }
    const client = createRestClient({ adapter, baseUrl: sim.restUrl })
    const plain = createRestClient({ adapter: upbit, baseUrl: sim.restUrl })
    try {
      const tickers = await client.getTickers(['KRW-BTC', 'KRW-ETH'])
      expect(tickers.map((t) => t.marketId)).toEqual(['KRW-BTC'])
      expect(Array.isArray(seen[0]) && (seen[0] as unknown[]).length).toBe(2) // the body as decoded
      const asSent = await plain.getTrades('KRW-BTC', { count: 5 })
      const prepared = await client.getTrades('KRW-BTC', { count: 5 })
      expect(prepared.map((t) => t.id)).toEqual(asSent.map((t) => t.id).reverse())
    } finally {
      await client.close()
      await plain.close()
      await sim.close()
    }
  })
})
