// The @bb/binance README example (packages/binance/README.md, the fourth block).
import { createBinance } from '@bb/binance'
import { createRestClient } from '@bb/rest'
import { startSim } from '@bb/sim'

const sim = await startSim({
  exchange: 'binance',
  port: 0,
  markets: ['BTCUSDT'],
  accounts: { 'my-key': { secretKey: 'my-secret', balances: { USDT: '1000' } } },
})
const adapter = createBinance({ restUrl: sim.restUrl })
const client = createRestClient({
  adapter,
  baseUrl: sim.restUrl,
  credentials: { accessKey: 'my-key', secretKey: 'my-secret' },
  trading: 'live',
})
const usdt = (await client.getBalances()).find((b) => b.currency === 'USDT')
console.log(usdt?.free.toString()) // 1000
const order = await client.createOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'market', cost: '50' })
console.log(order.id.startsWith('BTCUSDT:'), order.state, order.cost?.toString()) // true done 50
console.log((await client.getOrder({ id: order.id })).state) // done

await client.close()
await sim.close()
