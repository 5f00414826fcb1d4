import type { Account, Engine } from '../exchange/engine.js'
import type { LimitGroup } from '../limits.js'
import type { MarketModel } from '../market/model.js'
import type { Raw } from '../market/views.js'
import * as ex from './exchange.js'
import * as qt from './quotation.js'

/** What a route handler sees of a request. */
interface RouteContext {
  readonly query: URLSearchParams
  readonly path: string
  readonly account: Account | undefined
  readonly body: Record<string, unknown> | undefined
}

/** One REST endpoint: its rate-limit group, whether it needs a JWT, and its handler. */
export interface Route {
  readonly group: LimitGroup
  readonly auth: boolean
  readonly run: (ctx: RouteContext) => Raw
  readonly status?: number
}

/**
 * The REST endpoints of the simulator (quotation and exchange), as a lookup from method and path
 * (a trailing slash ignored; `/v1/candles/<unit>` resolved per unit) to its route.
 */
export function createRoutes(
  model: MarketModel,
  engine: Engine,
): (method: string, path: string) => Route | undefined {
  const q = (fn: (model: MarketModel, q: URLSearchParams) => Raw) => (ctx: RouteContext) =>
    fn(model, ctx.query)
  const exReq = (ctx: RouteContext): ex.ExchangeRequest => ({
    account: ctx.account as Account,
    query: ctx.query,
    body: ctx.body,
  })
  const routes = new Map<string, Route>([
    ['GET /v1/market/all', { group: 'market', auth: false, run: q(qt.marketAll) }],
    ['GET /v1/ticker', { group: 'ticker', auth: false, run: q(qt.ticker) }],
    ['GET /v1/ticker/all', { group: 'ticker', auth: false, run: q(qt.tickerAll) }],
    ['GET /v1/trades/ticks', { group: 'crix-trades', auth: false, run: q(qt.tradesTicks) }],
    ['GET /v1/orderbook', { group: 'orderbook', auth: false, run: q(qt.orderbook) }],
    ['GET /v1/orderbook/instruments', { group: 'orderbook', auth: false, run: q(qt.orderbookInstruments) }],
    ['GET /v1/accounts', { group: 'default', auth: true, run: (c) => ex.accounts(engine, exReq(c)) }],
    [
      'GET /v1/orders/chance',
      { group: 'default', auth: true, run: (c) => ex.chance(engine, model, exReq(c)) },
    ],
    [
      'POST /v1/orders',
      { group: 'order', auth: true, status: 201, run: (c) => ex.createOrder(engine, exReq(c), false) },
    ],
    [
      'POST /v1/orders/test',
      { group: 'order-test', auth: true, status: 201, run: (c) => ex.createOrder(engine, exReq(c), true) },
    ],
    ['GET /v1/order', { group: 'default', auth: true, run: (c) => ex.getOrder(engine, exReq(c)) }],
    ['DELETE /v1/order', { group: 'default', auth: true, run: (c) => ex.cancelOrder(engine, exReq(c)) }],
    ['GET /v1/orders/open', { group: 'default', auth: true, run: (c) => ex.openOrders(exReq(c)) }],
    [
      'GET /v1/orders/closed',
      { group: 'default', auth: true, run: (c) => ex.closedOrders(exReq(c), model.processedTime) },
    ],
    [
      'DELETE /v1/orders/open',
      { group: 'order-cancel-all', auth: true, run: (c) => ex.cancelOpenOrders(engine, exReq(c)) },
    ],
  ])
  return (method, path) => {
    const p = path.length > 1 ? path.replace(/\/+$/, '') : path
    const direct = routes.get(`${method} ${p}`)
    if (direct) return direct
    if (method === 'GET' && p.startsWith('/v1/candles/')) {
      const unit = qt.candleUnit(p)
      if (unit === undefined) return undefined
      return {
        group: 'candles',
        auth: false,
        run: (ctx) => {
          if (unit === 'bad-unit')
            throw new qt.QuotationError(400, 'Invalid parameter. Check the given value!')
          return qt.candles(model, unit, ctx.query)
        },
      }
    }
    return undefined
  }
}
