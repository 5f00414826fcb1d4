// The @bb/router README Binance example (packages/router/README.md, the third block).
import { createBackbone } from '@bb/router'
import { startSim } from '@bb/sim'

const sim = await startSim({ exchange: 'binance', port: 0, tradesPerSecond: 5 }) // no URLs: api.binance.com
const backbone = createBackbone({ exchange: 'binance', restUrl: sim.restUrl, wsUrl: sim.streamUrl })
console.log((await backbone.getTicker('BTCUSDT')).last.toString()) // or 'BTC/USDT'
const sub = backbone.trades$(['BTCUSDT', 'ETHUSDT']).subscribe((t) => console.log(t.symbol, t.id, t.source))
setTimeout(async () => {
  sub.unsubscribe()
  await backbone.close()
  await sim.close()
}, 3000)
