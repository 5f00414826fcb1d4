// The example of packages/bus/README.md (needs a Redis at BUS_URL, default redis://127.0.0.1:6379).
import { createPublisher, createRemoteBackbone, redisTransport } from '@bb/bus'
import { createBackbone } from '@bb/router'
import { startSim } from '@bb/sim'

// `bb serve` does this part: the only process that talks to the exchange.
const sim = await startSim({ markets: ['KRW-BTC'], tradesPerSecond: 5 })
const transport = await redisTransport({ url: process.env.BUS_URL ?? 'redis://127.0.0.1:6379' })
const local = createBackbone({ exchange: 'upbit', restUrl: sim.restUrl, wsUrl: sim.wsUrl })
const publisher = createPublisher({ transport, backbone: local, markets: ['KRW-BTC'], channels: ['trade'] })

// Any number of strategy processes: the same MarketDataBackbone API, streams from the bus.
const remote = createRemoteBackbone({ exchange: 'upbit', bus: transport, restUrl: sim.restUrl })
const signal = AbortSignal.timeout(3000)
for await (const trade of remote.streamTrades('KRW-BTC', { signal })) {
  console.log(trade.id, trade.price.toString(), trade.source)
}

await remote.close()
await publisher.close()
await local.close()
await transport.close()
await sim.close()
