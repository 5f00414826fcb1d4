import { type Account, decText, type Engine, ExchangeError, type Order } from '../exchange/engine.js'
import type { MarketModel } from '../market/model.js'
import { FEE_RATE, MIN_TOTAL } from '../market/ticks.js'
import { arr, num, obj, type Raw, str } from '../market/views.js'
import { DAY, kstIso, kstIsoMicros, parseCandleTo } from '../util/time.js'

/** Exchange request context. */
export interface ExchangeRequest {
  readonly account: Account
  /** Decoded query parameters. */
  readonly query: URLSearchParams
  /** Parsed JSON body (POST). */
  readonly body: Record<string, unknown> | undefined
}

function accountJson(engine: Engine, account: Account, currency: string): Raw {
  const b = engine.balance(account, currency)
  return obj([
    ['currency', str(currency)],
    ['balance', str(decText(b.balance))],
    ['locked', str(decText(b.locked))],
    ['avg_buy_price', str(decText(b.avgBuyPrice))],
    ['avg_buy_price_modified', 'false'],
    ['unit_currency', '"KRW"'],
  ])
}

/** `GET /v1/accounts`. */
export function accounts(engine: Engine, req: ExchangeRequest): Raw {
  const currencies = [...req.account.balances.entries()]
    .filter(([, b]) => !b.balance.isZero() || !b.locked.isZero())
    .map(([c]) => c)
  currencies.sort((a, b) => (a === 'KRW' ? -1 : b === 'KRW' ? 1 : 0))
  return arr(currencies.map((c) => accountJson(engine, req.account, c)))
}

function validation(message: string): ExchangeError {
  return new ExchangeError(400, 'validation_error', message)
}

/** `GET /v1/orders/chance`. */
export function chance(engine: Engine, model: MarketModel, req: ExchangeRequest): Raw {
  const code = req.query.get('market')
  if (!code) throw validation('market is missing')
  const m = model.market(code)
  if (!m) throw new ExchangeError(404, 'market_does_not_exist', '마켓 정보를 찾지 못했습니다.')
  const fee = FEE_RATE[m.quote]
  const min = MIN_TOTAL[m.quote]
  return obj([
    ['bid_fee', str(fee)],
    ['ask_fee', str(fee)],
    ['maker_bid_fee', str(fee)],
    ['maker_ask_fee', str(fee)],
    [
      'market',
      obj([
        ['id', str(m.def.code)],
        ['name', str(`${m.def.base}/${m.quote}`)],
        ['order_types', arr(['"limit"'])],
        ['order_sides', arr(['"ask"', '"bid"'])],
        ['bid_types', arr(['"best_fok"', '"best_ioc"', '"limit"', '"limit_fok"', '"limit_ioc"', '"price"'])],
        ['ask_types', arr(['"best_fok"', '"best_ioc"', '"limit"', '"limit_fok"', '"limit_ioc"', '"market"'])],
        [
          'bid',
          obj([
            ['currency', str(m.quote)],
            ['min_total', str(min)],
            ['price_unit', 'null'],
          ]),
        ],
        [
          'ask',
          obj([
            ['currency', str(m.def.base)],
            ['min_total', str(min)],
            ['price_unit', 'null'],
          ]),
        ],
        ['max_total', '"1000000000"'],
        ['state', '"active"'],
      ]),
    ],
    ['bid_account', accountJson(engine, req.account, m.quote)],
    ['ask_account', accountJson(engine, req.account, m.def.base)],
  ])
}

/** The Order object (§6.9). `withTrades` adds `trades[]` (GET /v1/order). */
function orderJson(o: Order, withTrades: boolean): Raw {
  const pairs: [string, Raw][] = [
    ['uuid', str(o.uuid)],
    ['side', str(o.side)],
    ['ord_type', str(o.ordType)],
  ]
  if (o.price) pairs.push(['price', str(decText(o.price))])
  pairs.push(['state', str(o.state)], ['market', str(o.market)], ['created_at', str(kstIso(o.createdAt))])
  if (o.volume) pairs.push(['volume', str(decText(o.volume))])
  if (o.remaining) pairs.push(['remaining_volume', str(decText(o.remaining))])
  pairs.push(
    ['prevented_volume', '"0"'],
    ['reserved_fee', str(decText(o.reservedFee))],
    ['remaining_fee', str(decText(o.remainingFee))],
    ['paid_fee', str(decText(o.paidFee))],
    ['locked', str(decText(o.locked))],
    ['prevented_locked', '"0"'],
    ['executed_volume', str(decText(o.executedVolume))],
    ['executed_funds', str(decText(o.executedFunds))],
    ['trades_count', num(o.tradesCount)],
  )
  if (o.timeInForce) pairs.push(['time_in_force', str(o.timeInForce)])
  if (o.identifier) pairs.push(['identifier', str(o.identifier)])
  if (o.smpType) pairs.push(['smp_type', str(o.smpType)])
  if (withTrades) {
    pairs.push([
      'trades',
      arr(
        o.trades.map((f) =>
          obj([
            ['market', str(o.market)],
            ['uuid', str(f.uuid)],
            ['price', str(decText(f.price))],
            ['volume', str(decText(f.volume))],
            ['funds', str(decText(f.funds))],
            ['trend', o.side === 'bid' ? '"up"' : '"down"'],
            ['created_at', str(kstIsoMicros(f.ts))],
            ['side', str(o.side)],
          ]),
        ),
      ),
    ])
  }
  return obj(pairs)
}

/** `POST /v1/orders` (and `/v1/orders/test` with `test`). */
export function createOrder(engine: Engine, req: ExchangeRequest, test: boolean): Raw {
  const body = req.body
  if (!body) throw validation('market is missing, side is missing, ord_type is missing')
  if (test) return orderJson(engine.prepare(req.account, body).order, false)
  return orderJson(engine.place(req.account, body), false)
}

function idParams(req: ExchangeRequest): { uuid: string | undefined; identifier: string | undefined } {
  const uuid = req.query.get('uuid') ?? undefined
  const identifier = req.query.get('identifier') ?? undefined
  return { uuid: uuid === '' ? undefined : uuid, identifier: identifier === '' ? undefined : identifier }
}

/** `GET /v1/order`. */
export function getOrder(engine: Engine, req: ExchangeRequest): Raw {
  const { uuid, identifier } = idParams(req)
  return orderJson(engine.find(req.account, uuid, identifier), true)
}

/** `DELETE /v1/order`. */
export function cancelOrder(engine: Engine, req: ExchangeRequest): Raw {
  if (req.body && Object.keys(req.body).length > 0)
    throw new ExchangeError(400, 'QUERY_PARAMETER_NOT_SUPPORTED', '쿼리 파라미터로 요청해주세요.')
  const { uuid, identifier } = idParams(req)
  return orderJson(engine.cancel(req.account, uuid, identifier), false)
}

function states(q: URLSearchParams, allowed: readonly string[], fallback: readonly string[]): Set<string> {
  const single = q.get('state')
  const many = q.getAll('states[]')
  if (single !== null && many.length > 0) throw validation('state, states are mutually exclusive')
  const list = single !== null ? [single] : many.length > 0 ? many : [...fallback]
  for (const s of list) if (!allowed.includes(s)) throw validation(`state does not have a valid value`)
  return new Set(list)
}

function intQuery(q: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const v = q.get(name)
  if (v === null || v === '') return fallback
  if (!/^\d+$/.test(v)) throw validation(`${name} is invalid`)
  const n = Number(v)
  if (n < min || n > max) throw validation(`${name} does not have a valid value`)
  return n
}

function orderBy(q: URLSearchParams): 'asc' | 'desc' {
  const v = q.get('order_by') ?? 'desc'
  if (v !== 'asc' && v !== 'desc') throw validation('order_by does not have a valid value')
  return v
}

/** `GET /v1/orders/open`. */
export function openOrders(req: ExchangeRequest): Raw {
  const q = req.query
  const wanted = states(q, ['wait', 'watch'], ['wait'])
  const market = q.get('market')
  const page = intQuery(q, 'page', 1, 1, 1_000_000)
  const limit = intQuery(q, 'limit', 100, 1, 100)
  const dir = orderBy(q)
  const list = [...req.account.orders.values()].filter(
    (o) => wanted.has(o.state) && (market === null || market === '' || o.market === market),
  )
  list.sort((a, b) => (dir === 'asc' ? a.createdAt - b.createdAt : b.createdAt - a.createdAt))
  return arr(list.slice((page - 1) * limit, page * limit).map((o) => orderJson(o, false)))
}

function timeParam(v: string | null): number | undefined {
  if (v === null || v === '') return undefined
  if (/^\d+$/.test(v)) return Number(v)
  const t = parseCandleTo(v)
  if (t === undefined) throw validation('start_time/end_time is invalid')
  return t
}

/** `GET /v1/orders/closed`. */
export function closedOrders(req: ExchangeRequest, now: number): Raw {
  const q = req.query
  const wanted = states(q, ['done', 'cancel'], ['done', 'cancel'])
  const market = q.get('market')
  const limit = intQuery(q, 'limit', 100, 1, 1000)
  const dir = orderBy(q)
  let start = timeParam(q.get('start_time'))
  let end = timeParam(q.get('end_time'))
  if (start === undefined && end === undefined) {
    end = now + 1
    start = end - 7 * DAY
  } else if (start === undefined) start = (end as number) - 7 * DAY
  else if (end === undefined) end = start + 7 * DAY
  if ((end as number) - start > 7 * DAY || (end as number) < start)
    throw validation('the time window must be within 7 days')
  const list = [...req.account.orders.values()].filter((o) => {
    if (!wanted.has(o.state)) return false
    if (market !== null && market !== '' && o.market !== market) return false
    const t = o.doneAt ?? o.createdAt
    return t >= (start as number) && t <= (end as number)
  })
  list.sort((a, b) => (dir === 'asc' ? a.createdAt - b.createdAt : b.createdAt - a.createdAt))
  return arr(list.slice(0, limit).map((o) => orderJson(o, false)))
}

/** `DELETE /v1/orders/open` (batch cancel). */
export function cancelOpenOrders(engine: Engine, req: ExchangeRequest): Raw {
  const q = req.query
  const side = q.get('cancel_side') ?? 'all'
  if (side !== 'all' && side !== 'ask' && side !== 'bid')
    throw validation('cancel_side does not have a valid value')
  const pairs = q.get('pairs')
  const wantedPairs = pairs ? new Set(pairs.split(',')) : undefined
  const count = intQuery(q, 'count', 20, 1, 300)
  const cancelled = engine.cancelAll(
    req.account,
    (o) => (side === 'all' || o.side === side) && (!wantedPairs || wantedPairs.has(o.market)),
    count,
  )
  const item = (o: Order): Raw =>
    obj([
      ['uuid', str(o.uuid)],
      ['market', str(o.market)],
      ['identifier', o.identifier ? str(o.identifier) : 'null'],
    ])
  return obj([
    [
      'success',
      obj([
        ['count', num(cancelled.length)],
        ['orders', arr(cancelled.map(item))],
      ]),
    ],
    [
      'failed',
      obj([
        ['count', '0'],
        ['orders', '[]'],
      ]),
    ],
  ])
}
