import { SubscriptionError } from '@bb/errors'
import type { ExchangeAdapter } from '@bb/exchange-adapter'
import type { Trade } from '@bb/models'
import { upbit } from '@bb/upbit'
import { describe, expect, it } from 'vitest'
import { createWsClient, type WsStatus } from '../src/index.js'
import { rig, until } from './helpers.js'

// An adapter whose orderbook requests the server refuses (INVALID_PARAM), to provoke error frames.
const refusing: ExchangeAdapter = {
  ...upbit,
  ws: {
    ...upbit.ws,
    buildSubscription(options) {
      const message = upbit.ws.buildSubscription(options)
      return { ...message, text: message.text.replace('"type":"orderbook"', '"type":"nope"') }
    },
  },
}

describe('error frames', () => {
  it('surface as @bb/errors on the affected stream only; the others resubscribe', async () => {
    const r = await rig({ tradesPerSecond: 50 })
    const client = createWsClient({ adapter: refusing, url: r.sim.wsUrl, reconnect: { initialDelayMs: 50 } })
    try {
      const statuses: WsStatus[] = []
      client.status$.subscribe((s) => statuses.push(s))
      const trades: Trade[] = []
      const tradeErrors: unknown[] = []
      client.trades$('KRW-BTC').subscribe({ next: (t) => trades.push(t), error: (e) => tradeErrors.push(e) })
      await until(() => trades.length > 0, 5000, 'first trade')
      let bookError: unknown
      client.orderbook$('KRW-BTC').subscribe({ error: (e) => (bookError = e) })
      await until(() => bookError !== undefined, 5000, 'the refusal')
      expect(SubscriptionError.isInstance(bookError)).toBe(true)
      expect((bookError as SubscriptionError).exchangeCode).toBe('INVALID_PARAM')
      expect(statuses.some((s) => s.type === 'error')).toBe(true)
      // the server closes the socket after an error; trades come back on a new one
      await until(() => statuses.some((s) => s.type === 'resubscribed'), 5000, 'resubscribed')
      const count = trades.length
      await until(() => trades.length > count + 3, 5000, 'trades after the refusal')
      expect(tradeErrors).toEqual([])
      expect(client.stats().streams).toBe(1)
    } finally {
      await client.close()
      await r.close()
    }
  })
})
