// The @bb/ws README example (packages/ws/README.md, the first block).
import { startSim } from '@bb/sim'
import { upbit } from '@bb/upbit'
import { createWsClient } from '@bb/ws'

const sim = await startSim({ port: 0, seed: 7, markets: ['KRW-BTC', 'KRW-ETH'], tradesPerSecond: 20 })
const client = createWsClient({ adapter: upbit, url: sim.wsUrl, format: 'SIMPLE' })

client.status$.subscribe((status) => console.log('status', status.type))

// Plain values…
const trades = client.trades$(['KRW-BTC', 'KRW-ETH']).subscribe((trade) => {
  console.log(trade.symbol, trade.id, trade.price.toString(), trade.size.toString(), trade.side)
})

// …or values plus in-band gap markers, for whoever back-fills from REST.
const books = client.orderbookEvents$('KRW-BTC', { depth: 5 }).subscribe((event) => {
  if (event.type === 'gap')
    console.log('may have missed', event.symbol, event.from, '→', event.to, event.reason)
  else console.log('book', event.value.bids[0]?.price.toString(), event.value.asks[0]?.price.toString())
})

setTimeout(async () => {
  trades.unsubscribe()
  books.unsubscribe()
  console.log(client.stats())
  await client.close()
  await sim.close()
}, 3000)
