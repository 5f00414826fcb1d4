// The @bb/unifier README example (packages/unifier/README.md, the first block).
import { createUnifier } from '@bb/unifier'
import { upbit } from '@bb/upbit'

const unifier = createUnifier(upbit, { validate: 'fast' })

// @bb/ws: every frame (Buffer or text), format detected (DEFAULT, SIMPLE, JSON_LIST, SIMPLE_LIST).
const frame = Buffer.from(
  '{"ty":"trade","cd":"KRW-BTC","tp":116539000,"tv":0.0007772,"ab":"BID","ttms":1750000000000,"tms":1750000000004,"sid":17877285547970000123,"st":"REALTIME"}',
)
const result = unifier.normalizeFrame(frame, { receivedAt: Date.now() })
if (result.kind === 'trade') {
  const [trade] = result.values // Trade[] (result.value is the first)
  console.log(trade?.id, trade?.price.toString(), trade?.side) // 17877285547970000123 116539000 buy
}

// @bb/rest: the body text (parsed exactly) and the request's context.
const request = upbit.rest.endpoints.candles({ symbol: 'KRW-BTC', interval: '1d', count: 200 })
const bodyText =
  '[{"market":"KRW-BTC","candle_date_time_utc":"2025-06-24T00:00:00","candle_date_time_kst":"2025-06-24T09:00:00","opening_price":145000000,"high_price":146500000,"low_price":144100000,"trade_price":146000000,"timestamp":1750809599000,"candle_acc_trade_price":201234567890.12345678,"candle_acc_trade_volume":1380.12345678}]'
const candles = unifier.normalizeAll('candle', bodyText, { source: 'rest', ...request.context })
console.log(candles[0]?.interval, candles[0]?.close.toString(), candles[0]?.quoteVolume.toString())
// 1d 146000000 201234567890.12345678
