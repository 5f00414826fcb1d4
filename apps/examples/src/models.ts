// The @bb/models README example.
import { candleOpenTime, Decimal, parseCandleInterval, parseTrade, safeParseTrade } from '@bb/models'

const trade = parseTrade({
  exchange: 'upbit',
  symbol: 'BTC/KRW', // unified BASE/QUOTE
  marketId: 'KRW-BTC', // the exchange's native id
  base: 'BTC',
  quote: 'KRW',
  timestamp: 1750000000000,
  receivedAt: 1750000000004,
  source: 'ws',
  streamType: 'realtime',
  id: '17877285547970000123', // Upbit sequential ids exceed 2^53: kept exact, as text
  price: '1.16539E8', // exponent form, as the wire prints it
  size: '0.00077720',
  side: 'buy', // the taker's side
})
console.log(trade.price.toString(), trade.size.toString(), trade.id)
console.log(trade.price.times(trade.size).toString())
console.log(JSON.stringify(trade.price))

const bad = safeParseTrade({ ...trade, price: 'twelve' })
if (!bad.success) console.log(bad.error.path)

const interval = parseCandleInterval('240m')
console.log(new Date(candleOpenTime(Date.parse('2025-06-25T13:56:53Z'), '1d')).toISOString())
console.log(new Decimal('0.1').plus('0.2').toString(), interval)
