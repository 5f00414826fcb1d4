// The @bb/binance README example (packages/binance/README.md, the first block).
import { binance, binanceMarketData, binanceRequestWeight } from '@bb/binance'
import { createUnifier } from '@bb/unifier'

// A published combined-stream trade frame, normalized (no network).
const unifier = createUnifier(binance)
const frame =
  '{"stream":"bnbbtc@trade","data":{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}}'
const result = unifier.normalizeFrame(frame, { receivedAt: 1672515782200 })
if (result.kind === 'trade') {
  const trade = result.value
  console.log(trade.symbol, trade.marketId, trade.id, trade.price.toString(), trade.side) // BNB/BTC BNBBTC 12345 0.001 sell
}

// REST requests as data, with their documented weight.
const depth = binanceMarketData.depth({ symbol: 'BTC/USDT', limit: 1000 })
console.log(binance.rest.url(depth), binanceRequestWeight(depth)) // https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000 50
console.log(binance.rest.parseRateLimitHeader('2411')?.remaining) // 3589
console.log(binance.rest.mapError({ status: 400, body: '{"code":-1121,"msg":"Invalid symbol."}' }).name) // UnknownSymbolError
console.log(
  binance.ws.buildSubscription({ ticket: '1', streams: [{ kind: 'trade', symbols: ['BTCUSDT'] }] }).text,
)
// {"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}
