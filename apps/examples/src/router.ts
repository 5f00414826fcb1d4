// The @bb/router README example (packages/router/README.md, the first block).
import { createBackbone } from '@bb/router'
import { startSim } from '@bb/sim'

const sim = await startSim({ port: 0 }) // leave the URLs out to use the real api.upbit.com
const backbone = createBackbone({ exchange: 'upbit', restUrl: sim.restUrl, wsUrl: sim.wsUrl })

const ticker = await backbone.getTicker('KRW-BTC') // REST (nothing cached yet)
console.log(ticker.last.toString(), ticker.source)
console.log(backbone.explain({ kind: 'ticker', symbol: 'KRW-BTC' }).reason)

// Live trades: exactly once and in order, across reconnects and REST failover.
const subscription = backbone.trades$(['KRW-BTC', 'KRW-ETH']).subscribe((trade) => {
  console.log(trade.symbol, trade.id, trade.price.toString(), trade.side, trade.source)
})

// Async-iterator twins:
for await (const book of backbone.streamOrderbook('KRW-BTC', { depth: 5 })) {
  console.log(book.bids[0]?.price.toString(), book.asks[0]?.price.toString())
  break
}

subscription.unsubscribe()
await backbone.close()
await sim.close()
