// The @bb/adapter-testing README example (packages/adapter-testing/README.md, the first block).
import { fixtureExchange, runConformance } from '@bb/adapter-testing'
import { upbit } from '@bb/upbit'

// Framework-neutral: runConformance returns a report (conformanceChecks gives one check per test).
const report = runConformance({
  adapter: fixtureExchange,
  symbols: ['BTCUSDT', 'ETHBTC'],
  payloads: [
    {
      name: 'a trade frame',
      source: 'ws',
      raw: '{"e":"trade","s":"BTCUSDT","t":12345678901234567890,"p":"64000.1","q":"0.015","side":"SELL","T":1730336862047}',
      expected: [
        {
          symbol: 'BTC/USDT',
          marketId: 'BTCUSDT',
          base: 'BTC',
          quote: 'USDT',
          id: '12345678901234567890',
          side: 'sell',
        },
      ],
    },
  ],
})
console.log(report.passed, report.failures.length) // true 0

// The same kit proves any adapter; a broken one gets every failure listed.
const broken = runConformance({
  adapter: { ...upbit, market: { ...upbit.market, orderTypes: [] } },
  symbols: ['KRW-BTC'],
})
const failed = broken.failures.map((f) => f.name.split(':')[0])
console.log(broken.passed, failed.join(',')) // false market rules
