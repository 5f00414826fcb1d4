// The @bb/binance README example (packages/binance/README.md, the third block).
import { binance } from '@bb/binance'
import { createRestClient } from '@bb/rest'
import { startSim } from '@bb/sim'

// Binance counts request weight, 6000 per minute per IP: the adapter gives each request its cost.
const request = binance.rest.endpoints.orderbook({ symbols: ['BTCUSDT'], depth: 5000 })
console.log(request.group, request.cost) // weight 250

// The simulator's Binance profile answers 429 (then 418) like Binance; the client never gets there.
const sim = await startSim({ exchange: 'binance', port: 0, markets: ['BTCUSDT', 'ETHUSDT'] })
const client = createRestClient({ adapter: binance, baseUrl: sim.restUrl, limits: 'private' })
await Promise.all([client.getOrderbook(['BTCUSDT'], { depth: 5000 }), client.getMarkets()])
const { limiter, requests } = client.stats()
console.log(limiter.weight?.units, requests.weight?.status429) // 270 0

await client.close()
await sim.close()
