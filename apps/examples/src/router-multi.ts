// The @bb/router README several-exchanges example (packages/router/README.md, the sixth block).
import { createMultiBackbone } from '@bb/router'
import { startSim } from '@bb/sim'

const upbitSim = await startSim({ port: 0 }) // leave the URLs out for the real exchanges
const binanceSim = await startSim({ exchange: 'binance', port: 0 })
const coinoneSim = await startSim({ exchange: 'coinone', port: 0 })
const bb = createMultiBackbone({
  exchanges: {
    upbit: { restUrl: upbitSim.restUrl, wsUrl: upbitSim.wsUrl },
    binance: { restUrl: binanceSim.restUrl, wsUrl: binanceSim.streamUrl },
    coinone: { restUrl: coinoneSim.restUrl, wsUrl: coinoneSim.wsUrl },
  },
  // or exchanges: ['upbit', 'binance', 'coinone'] (real URLs); shared: { logger, clock, … } for every exchange
})

const krw = await bb.getTicker('BTC/KRW') // the default exchange (the first): upbit KRW-BTC
const usdt = await bb.getTicker('BTC/USDT', { exchange: 'binance' }) // BTCUSDT
const coinone = await bb.getTicker('BTC/KRW', { exchange: 'coinone' }) // the same symbol, on Coinone
console.log(
  krw.exchange,
  krw.last.toString(),
  usdt.exchange,
  usdt.last.toString(),
  coinone.exchange,
  coinone.last.toString(),
)

const sub = bb
  .orderbook$('BTC/USDT', { exchange: 'binance' })
  .subscribe((b) => console.log(b.exchange, b.bids[0]?.price.toString()))
bb.health$().subscribe(({ exchange, value }) => console.log(exchange, value.link.state)) // per exchange
setTimeout(async () => {
  sub.unsubscribe()
  await bb.close() // every exchange's backbone
  await upbitSim.close()
  await binanceSim.close()
  await coinoneSim.close()
}, 3000)
