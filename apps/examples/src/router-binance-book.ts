// The @bb/router README local order book example (packages/router/README.md, the fourth block).
import { createBackbone } from '@bb/router'
import { startSim } from '@bb/sim'

const sim = await startSim({ exchange: 'binance', port: 0, tradesPerSecond: 5 })
const backbone = createBackbone({ exchange: 'binance', restUrl: sim.restUrl, wsUrl: sim.streamUrl })
backbone.events$.subscribe((e) => e.type === 'resync' && console.log('resync', e.symbol, e.reason))
const sub = backbone.orderbook$('BTCUSDT', { depth: 5 }).subscribe((book) => {
  console.log(book.source, book.sequence, book.bids[0]?.price.toString(), book.asks[0]?.price.toString())
})
setTimeout(async () => {
  sub.unsubscribe()
  await backbone.close()
  await sim.close()
}, 3000)
