// The @bb/binance README local order book example (packages/binance/README.md, the second block).
import { binance } from '@bb/binance'
import { createUnifier } from '@bb/unifier'

const frame =
  '{"stream":"bnbbtc@depth@100ms","data":{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"]],"a":[["0.0026","0"]]}}'
const result = createUnifier(binance).normalizeFrame(frame, { receivedAt: 1672515782200 })
if (result.kind === 'orderbook') {
  const diff = result.value
  console.log(diff.firstSequence, diff.sequence, diff.asks[0]?.size.toString()) // 157 160 0
}
console.log(binance.capabilities.diffBook) // { snapshotDepth: 1000 }
