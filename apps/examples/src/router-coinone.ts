// The @bb/router README Coinone example (packages/router/README.md, the fifth block).
import { createBackbone } from '@bb/router'
import { startSim } from '@bb/sim'

const sim = await startSim({ exchange: 'coinone', port: 0, tradesPerSecond: 5 }) // no URLs: api.coinone.co.kr
const backbone = createBackbone({ exchange: 'coinone', restUrl: sim.restUrl, wsUrl: sim.wsUrl })
console.log((await backbone.getTicker('BTC/KRW')).last.toString()) // or 'btc' (a bare target is KRW)
const sub = backbone.trades$(['BTC/KRW', 'ETH/KRW']).subscribe((t) => console.log(t.symbol, t.id, t.source))
setTimeout(async () => {
  sub.unsubscribe()
  await backbone.close()
  await sim.close()
}, 3000)
