import type { MarketModel } from '../market/model.js'
import { tickFor } from '../market/ticks.js'
import { CoinoneError, dataId, priceText, qtyText, rangeUnits } from './catalog.js'
import {
  bookOf,
  CHART_INTERVALS,
  type ChartInterval,
  type CoMarket,
  chartOf,
  chartRow,
  tickerOf,
} from './views.js'

/** Book sizes `orderbook` accepts. */
const BOOK_SIZES = [5, 10, 15, 16] as const
/** Sizes `trades` accepts. */
const TRADE_SIZES = [10, 50, 100, 150, 200] as const
/** Quotes that exist but list nothing (`markets/USDT` → `[]`). */
const EMPTY_QUOTES = new Set(['USDT', 'BTC', 'USDC'])

const ok = (fields: Record<string, unknown>) => ({ result: 'success', error_code: '0', ...fields })
const paramError = () => new CoinoneError('107', 'Parameter value is wrong')
const unknownPair = () => new CoinoneError('108', 'Unknown CryptoCurrency')

/** A public route: the path parts after the endpoint name and the query → the reply object. */
type Run = (parts: readonly string[], q: URLSearchParams) => unknown

/**
 * Coinone's public REST v2 (`/public/v2/...`) over the shared market model: range units,
 * markets, order book, recent trades, tickers (rolling and UTC-day), currencies and chart.
 * Paths are case-insensitive; business errors are `CoinoneError` (HTTP 200).
 */
export function coinoneRoutes(
  model: MarketModel,
  markets: readonly CoMarket[],
): (path: string) => ((q: URLSearchParams) => unknown) | undefined {
  const byTarget = new Map(markets.map((cm) => [cm.pair.target, cm]))
  const quoteOf = (q: string | undefined): 'KRW' | 'empty' => {
    const u = (q ?? '').toUpperCase()
    if (u === 'KRW') return 'KRW'
    if (EMPTY_QUOTES.has(u)) return 'empty'
    throw unknownPair()
  }
  const pair = (parts: readonly string[]): CoMarket => {
    if (parts.length !== 2) throw paramError()
    if (quoteOf(parts[0]) !== 'KRW') throw unknownPair()
    const cm = byTarget.get((parts[1] as string).toUpperCase())
    if (!cm) throw unknownPair()
    return cm
  }
  const listed = (parts: readonly string[]): CoMarket[] => {
    if (parts.length === 1) return quoteOf(parts[0]) === 'KRW' ? markets.slice() : []
    return [pair(parts)]
  }
  const marketRow = (cm: CoMarket) => {
    const tick = model.book(cm.m).asks[0]?.[0] ?? cm.pair.def.referencePrice
    return {
      quote_currency: cm.pair.quote,
      target_currency: cm.pair.target,
      price_unit: tickOf(tick),
      qty_unit: '0.00000001',
      max_order_amount: '1000000000.0',
      max_price: '100000000000.0',
      max_qty: '100000000.0',
      min_order_amount: '5000.0',
      min_price: '0.00000001',
      min_qty: '0.00000001',
      order_book_units: ['0.0'],
      maintenance_status: 0,
      trade_status: 1,
      order_types: ['limit', 'market'],
    }
  }
  const routes: Record<string, Run> = {
    range_units: (parts) => {
      pair(parts)
      return ok({ range_price_units: rangeUnits() })
    },
    markets: (parts) => ok({ server_time: model.processedTime, markets: listed(parts).map(marketRow) }),
    orderbook: (parts, q) => {
      const cm = pair(parts)
      const size = q.get('size') === null ? 15 : Number(q.get('size'))
      if (!(BOOK_SIZES as readonly number[]).includes(size)) throw paramError()
      const unit = q.get('order_book_unit')
      if (unit !== null && Number(unit) !== 0) throw paramError()
      return ok({
        ...bookOf(model, cm, size),
        quote_currency: cm.pair.quote,
        target_currency: cm.pair.target,
        order_book_unit: '0.0',
      })
    },
    trades: (parts, q) => {
      const cm = pair(parts)
      const size = q.get('size') === null ? 200 : Number(q.get('size'))
      if (!(TRADE_SIZES as readonly number[]).includes(size)) throw paramError()
      const trades = model.tradesBackward(cm.m, { notBefore: 0, count: size })
      return ok({
        server_time: model.processedTime,
        quote_currency: cm.pair.quote.toLowerCase(),
        target_currency: cm.pair.target.toLowerCase(),
        transactions: trades.map((t) => ({
          id: dataId(t, t.ts),
          timestamp: t.ts,
          price: priceText(t.price),
          qty: qtyText(t.volume),
          // the docs' gloss (and ccxt): true → a sell; the taker sold when the model's `bid` is false
          is_seller_maker: !t.bid,
        })),
      })
    },
    ticker_new: (parts, q) => tickers(parts, q),
    ticker_utc_new: (parts, q) => tickers(parts, q),
    currencies: (parts) => {
      const rows = markets.map((cm) => ({
        name: cm.pair.def.englishName,
        symbol: cm.pair.target,
        deposit_status: 'normal',
        withdraw_status: 'normal',
        deposit_confirm_count: 1,
        max_precision: 8,
        deposit_fee: '0.0',
        withdrawal_min_amount: '0.0001',
        withdrawal_fee: '0.0005',
      }))
      if (parts.length === 0) return ok({ server_time: model.processedTime, currencies: rows })
      const one = rows.filter((r) => r.symbol === (parts[0] as string).toUpperCase())
      if (parts.length !== 1 || one.length === 0) throw unknownPair()
      return ok({ server_time: model.processedTime, currencies: one })
    },
    chart: (parts, q) => {
      const cm = pair(parts)
      const interval = q.get('interval')
      if (interval === null || !(CHART_INTERVALS as readonly string[]).includes(interval)) throw paramError()
      const size = q.get('size') === null ? 200 : Number(q.get('size'))
      if (!Number.isInteger(size) || size < 1 || size > 500) throw paramError()
      const ts = q.get('timestamp')
      const to = ts === null ? model.processedTime : Number(ts)
      if (!Number.isInteger(to) || to < 0) throw paramError()
      const { candles, isLast } = chartOf(model, cm, interval as ChartInterval, to, size)
      return ok({ is_last: isLast, chart: candles.map(chartRow) })
    },
  }
  const tickers = (parts: readonly string[], q: URLSearchParams) => {
    const additional = q.get('additional_data') === 'true'
    return ok({
      server_time: model.processedTime,
      tickers: listed(parts).map((cm) => {
        const row = tickerOf(model, cm, additional, false) as Record<string, unknown>
        // ticker_new spells the currencies in lower case on the wire
        return { ...row, quote_currency: 'krw', target_currency: cm.pair.target.toLowerCase() }
      }),
    })
  }
  return (path: string) => {
    const m = /^\/public\/v2\/([a-z_]+)((?:\/[^/]+)*)\/?$/i.exec(path)
    if (!m) return undefined
    const run = routes[(m[1] as string).toLowerCase()]
    if (!run) return undefined
    const parts = (m[2] as string).split('/').filter((x) => x !== '')
    if (parts.length > 2) return undefined
    return (q: URLSearchParams) => run(parts, q)
  }
}

/** The tick of a price as `markets[].price_unit` prints it (`"1000.0"`, `"0.01"`). */
function tickOf(price: number): string {
  const t = tickFor('KRW', price).text
  return t.includes('.') ? t : `${t}.0`
}
