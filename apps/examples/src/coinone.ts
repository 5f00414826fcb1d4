// The @bb/coinone README example (packages/coinone/README.md, the first block).
import { coinone, coinoneBodyError, coinoneMarketData } from '@bb/coinone'
import { Decimal } from '@bb/models'
import { createUnifier } from '@bb/unifier'

// A WS order-book frame, normalized (no network): asks arrive worst-first and leave best-first.
const unifier = createUnifier(coinone)
const frame =
  '{"response_type":"DATA","channel":"ORDERBOOK","data":{"quote_currency":"KRW","target_currency":"BTC","timestamp":1790134177753,"id":"1790134177753001","asks":[{"price":"58432000","qty":"1.2"},{"price":"58422000","qty":"0.5"}],"bids":[{"price":"58412000","qty":"0.0143"}]}}'
const result = unifier.normalizeFrame(frame, { receivedAt: 1790134177840 })
if (result.kind === 'orderbook') {
  const book = result.value
  console.log(book.symbol, book.asks[0]?.price.toString(), book.bids[0]?.price.toString()) // BTC/KRW 58422000 58412000
}

// REST requests as data; errors arrive with HTTP 200 and are read from the body.
const chart = coinoneMarketData.chart({ symbol: 'BTC/KRW', interval: '1mon', size: 500 })
console.log(coinone.rest.url(chart)) // https://api.coinone.co.kr/public/v2/chart/KRW/BTC?interval=1mon&size=500
console.log(
  coinoneBodyError('{"result":"error","error_code":"108","error_msg":"Unknown CryptoCurrency"}')?.name,
) // UnknownSymbolError
console.log(coinone.market.tickSize('BTC/KRW', new Decimal('688.3')).toString()) // 0.1
console.log(
  coinone.ws.buildSubscription({ streams: [{ kind: 'trade', symbols: ['BTC/KRW'] }], format: 'short' }).text,
)
// {"request_type":"SUBSCRIBE","channel":"TRADE","topic":{"quote_currency":"KRW","target_currency":"BTC"},"format":"SHORT"}
