// The @bb/analytics README example (packages/analytics/README.md, the first block).
import { depth, isRefusal, premium$, spread$ } from '@bb/analytics'
import { parseOrderbook, parseTicker } from '@bb/models'
import { of } from 'rxjs'

const now = Date.now()
// `symbol` is the unified BASE/QUOTE; `marketId` the exchange's native id (in an app the adapter fills both).
const market = (exchange: string, marketId: string, base: string, quote: string) =>
  ({
    exchange,
    symbol: `${base}/${quote}`,
    marketId,
    base,
    quote,
    timestamp: now,
    receivedAt: now,
    source: 'sim',
  }) as const
const levels = (pairs: [string, string][]) => pairs.map(([price, size]) => ({ price, size }))
const ticker = (exchange: string, marketId: string, base: string, quote: string, last: string) =>
  parseTicker({
    ...market(exchange, marketId, base, quote),
    last,
    open: last,
    high: last,
    low: last,
    prevClose: last,
    change: 'even',
    changePrice: '0',
    changeRate: '0',
    volume: '0',
    quoteVolume: '0',
    volume24h: '0',
    quoteVolume24h: '0',
  })

// Hand-built books (in an app: backbone.orderbook$(...) per exchange).
const krwBook = parseOrderbook({
  ...market('upbit', 'KRW-BTC', 'BTC', 'KRW'),
  bids: levels([
    ['105000', '1'],
    ['103000', '2'],
  ]),
  asks: levels([['106000', '1']]),
})
const usdtBook = parseOrderbook({
  ...market('binance', 'BTCUSDT', 'BTC', 'USDT'),
  bids: levels([['99', '1']]),
  asks: levels([
    ['100', '0.5'],
    ['101', '1'],
    ['104', '5'],
  ]),
})
const fx = { name: 'upbit USDT market', ticker$: of(ticker('upbit', 'KRW-USDT', 'USDT', 'KRW', '1000')) }

of(usdtBook)
  .pipe(depth({ bandPct: 5, notionals: ['150'] }))
  .subscribe((v) => {
    if (isRefusal(v)) return console.log('refused:', v.reason)
    console.log(v.spreadBps.toFixed(2), v.imbalance?.toFixed(3), v.slippage[0]?.buy.averagePrice?.toFixed(4))
    // 100.50 -0.733 100.6645
  })

spread$({ books: [of(krwBook), of(usdtBook)], fees: { upbit: '0.001', binance: '0.002' }, fx }).subscribe(
  ({ pairs }) => {
    for (const p of pairs) {
      if (isRefusal(p)) console.log('refused:', p.reason)
      else
        console.log(
          `sell ${p.sell.exchange} buy ${p.buy.exchange}: ${p.size} BTC, profit ${p.profit} ${p.quote}`,
        )
    }
    // sell upbit buy binance: 1.5 BTC, profit 5041.5 KRW
    // sell binance buy upbit: 0 BTC, profit 0 USDT
  },
)

premium$({
  a: of(ticker('upbit', 'KRW-BTC', 'BTC', 'KRW', '105000')),
  b: of(ticker('binance', 'BTCUSDT', 'BTC', 'USDT', '100')),
  fx,
}).subscribe((v) => console.log(isRefusal(v) ? v.reason : `${v.premiumPct}% via ${v.fx?.name}`))
// 5% via upbit USDT market
