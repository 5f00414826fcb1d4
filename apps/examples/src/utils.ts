// The @bb/utils README example (packages/utils/README.md, the first block).
import type { Trade } from '@bb/models'
import { createCandleAggregator, retry, sleep } from '@bb/utils'
import { ManualClock } from '@bb/utils/testing'
import { Decimal } from 'decimal.js'

// Time that moves only when told: a 30 s sleep is over at once.
const clock = new ManualClock(Date.UTC(2025, 5, 24))
const slept = sleep(30_000, { clock })
clock.advance(30_000)
await slept
console.log(new Date(clock.now()).toISOString()) // 2025-06-24T00:00:30.000Z

// One backoff and retry policy: full jitter under a doubling cap, on any clock.
let calls = 0
const flaky = () => (++calls < 3 ? Promise.reject(new Error('flaky')) : Promise.resolve('ok'))
const answer = retry(flaky, { clock, initialDelayMs: 100, random: () => 0.5 })
await clock.advanceAsync(1000)
console.log(await answer, calls) // ok 3

// One trade → candle aggregator (the router's candles$ and the rules engine use it).
const trade = (at: number, price: string, size: string): Trade => ({
  exchange: 'upbit',
  symbol: 'BTC/KRW',
  marketId: 'KRW-BTC',
  base: 'BTC',
  quote: 'KRW',
  timestamp: at,
  receivedAt: at,
  source: 'sim',
  id: String(at),
  price: new Decimal(price),
  size: new Decimal(size),
  side: 'buy',
})
const minutes = createCandleAggregator('1m')
const t0 = clock.now()
minutes.push(trade(t0 + 1_000, '100', '0.1'))
minutes.push(trade(t0 + 2_000, '105', '0.2'))
const { closed } = minutes.push(trade(t0 + 61_000, '104', '0.3')) ?? {}
console.log(closed?.open.toString(), closed?.high.toString(), closed?.volume.toString()) // 100 105 0.3
