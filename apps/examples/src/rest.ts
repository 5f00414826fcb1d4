// The @bb/rest README example (packages/rest/README.md, the first block).
import { createRestClient } from '@bb/rest'
import { startSim } from '@bb/sim'
import { upbit } from '@bb/upbit'

const sim = await startSim({ port: 0 }) // or leave baseUrl out to talk to https://api.upbit.com
const credentials = sim.accounts.create({ balances: { KRW: '1000000' } }) // or your Upbit keys
const client = createRestClient({ adapter: upbit, baseUrl: sim.restUrl, credentials })

const [btc] = await client.getTickers(['KRW-BTC'])
console.log(btc?.last.toString(), btc?.changeRate.toString())

const candles = await client.getCandles('KRW-BTC', '1m', {
  count: 1000, // pages back 200 at a time, drops overlap, returns ascending
  onProgress: ({ done, total, requests }) => console.log(`${done}/${total} (${requests} requests)`),
})
console.log(candles.length, new Date(candles[0]!.timestamp).toISOString())

// Private calls work with credentials; placing orders needs trading: 'live'.
console.log((await client.getBalances()).map((b) => `${b.currency} ${b.free}`))
await client.testOrder({ symbol: 'KRW-BTC', side: 'buy', type: 'market', cost: '10000' }) // validated, not placed

await client.close()
await sim.close()
