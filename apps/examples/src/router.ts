// The @bb/router README example (packages/router/README.md, the first block).
import { createBackbone } from '@bb/router'
import { startSim } from '@bb/sim'

const sim = await startSim({ port: 0 }) // leave the URLs out to use the real api.upbit.com
const backbone = createBackbone({ exchange: 'upbit', restUrl: sim.restUrl, wsUrl: sim.wsUrl })

const ticker = await backbone.getTicker('KRW-BTC') // REST (nothing cached yet)
console.log(ticker.last.toString(), ticker.source)
console.log(backbone.explain({ kind: 'ticker', symbol: 'KRW-BTC' }).reason)

// Live trades: exactly once across reconnects, silences, unreadable frames and REST failover.
const subscription = backbone.trades$(['KRW-BTC', 'KRW-ETH']).subscribe((trade) => {
  console.log(trade.symbol, trade.id, trade.price.toString(), trade.side, trade.source)
})

// Why the streams are where they are: the WebSocket channel's state changes, with the reason.
backbone.events$.subscribe((e) => {
  if (e.type === 'link') console.log('websocket', e.state, '-', e.reason)
})

// Async-iterator twins take a signal: this loop ends by itself after 2 s.
const signal = AbortSignal.timeout(2000)
for await (const book of backbone.streamOrderbook('KRW-BTC', { depth: 5, signal })) {
  console.log(book.bids[0]?.price.toString(), book.asks[0]?.price.toString())
}

subscription.unsubscribe()
await backbone.close()
await sim.close()
