import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import {
  type Account,
  D,
  type Dec,
  decText,
  type Engine,
  type EngineEvents,
  ExchangeError,
  type Fill,
  type Order,
} from '../exchange/engine.js'
import { DAY } from '../util/time.js'
import { BinanceError } from './format.js'
import type { BnMarket } from './market.js'
import { idParam, intParam, limitParam } from './rest.js'

/** A Binance API key's secret and starting balances (decimal strings per asset). */
export interface BinanceAccountSpec {
  /** HMAC-SHA256 secret. */
  readonly secretKey: string
  /** Starting free balances, e.g. `{ USDT: '10000' }`. */
  readonly balances: Readonly<Record<string, string>>
}

/** One fill of an account, as `GET /api/v3/myTrades` lists it. */
interface MyTrade {
  readonly bm: BnMarket
  /** Internal id of the public trade that this fill printed (or that filled the resting order). */
  readonly id: number
  readonly orderId: number
  readonly price: Dec
  readonly qty: Dec
  readonly quoteQty: Dec
  readonly commission: Dec
  readonly time: number
  readonly isBuyer: boolean
  readonly isMaker: boolean
}

/** A user data event held back during an order placement. */
interface Held {
  readonly apiKey: string
  readonly event: Record<string, unknown>
  /** The order whose report (or balance change) it is. */
  readonly uuid: string | undefined
}

/** What a new order is known by before the engine gives it a uuid. */
interface PendingOrder {
  readonly orderId: number
  readonly clientOrderId: string
  readonly bm: BnMarket
  readonly type: 'LIMIT' | 'LIMIT_MAKER' | 'MARKET'
  readonly side: 'BUY' | 'SELL'
  readonly timeInForce: 'GTC' | 'IOC' | 'FOK'
  readonly origQty: string
  readonly origQuoteOrderQty: string
  readonly time: number
}

interface BnOrder {
  readonly orderId: number
  readonly clientOrderId: string
  readonly uuid: string
  /** API key of the account. */
  readonly owner: string
  /** Fills, oldest first. */
  readonly fills: MyTrade[]
  /** The last `executionReport` built for it. */
  last: Record<string, unknown> | undefined
  readonly bm: BnMarket
  readonly type: 'LIMIT' | 'LIMIT_MAKER' | 'MARKET'
  readonly side: 'BUY' | 'SELL'
  readonly timeInForce: 'GTC' | 'IOC' | 'FOK'
  readonly origQty: string
  readonly origQuoteOrderQty: string
  readonly time: number
  canceled: boolean
  updateTime: number
}

interface Book {
  readonly byId: Map<number, BnOrder>
  readonly byClient: Map<string, number>
  /** Fills by symbol, in trade id order. */
  readonly trades: Map<string, MyTrade[]>
}

/** A signed route: weight, handler. */
interface PrivateRoute {
  weight(q: URLSearchParams): number
  run(account: Account, p: URLSearchParams): unknown
}

const ORDER_TYPES = new Set(['LIMIT', 'LIMIT_MAKER', 'MARKET'])
const KNOWN_TYPES = new Set(['STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'])

const mandatory = (name: string): BinanceError =>
  new BinanceError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`)
const invalid = (name: string): BinanceError =>
  new BinanceError(400, -1130, `Data sent for parameter '${name}' is not valid.`)
const filter = (name: string): BinanceError => new BinanceError(400, -1013, `Filter failure: ${name}`)

/** A decimal on the wire: 8 decimals, exact (rounded half up past the 8th). */
function dx(d: Dec): string {
  return d.toFixed(8)
}

function need(p: URLSearchParams, name: string): string {
  const v = p.get(name)
  if (v === null || v === '') throw mandatory(name)
  return v
}

function decimal(p: URLSearchParams, name: string): Dec | undefined {
  const v = p.get(name)
  if (v === null || v === '') return undefined
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(v)) throw invalid(name)
  return new D(v)
}

/** Removes `signature=…` from a parameter string; returns the rest and the signature. */
function stripSignature(text: string): { rest: string; signature: string | undefined } {
  const m = /(^|&)signature=([^&]*)/.exec(text)
  if (!m) return { rest: text, signature: undefined }
  const before = text.slice(0, m.index)
  const after = text.slice(m.index + m[0].length)
  const rest = before === '' ? after.replace(/^&/, '') : `${before}${after}`
  let signature: string
  try {
    signature = decodeURIComponent(m[2] as string)
  } catch {
    signature = 'invalid'
  }
  return { rest, signature }
}

/**
 * Binance's signed (`TRADE` / `USER_DATA`) endpoints on the simulator's matching engine:
 * HMAC-SHA256 over the query string + body, `timestamp` / `recvWindow`, `X-MBX-APIKEY`.
 */
export class BinancePrivate {
  private readonly books = new Map<string, Book>()
  private readonly byUuid = new Map<string, BnOrder>()
  /** The order being placed: bound to the first engine order the engine reports during `place`. */
  private pending: PendingOrder | undefined
  /** User data events held while an order is being placed (see `place`). */
  private queue: Held[] | undefined
  /** The order the engine reported last (the balance change it reports next is that order's). */
  private lastUuid: string | undefined
  /** The cancel in progress: the order's uuid and the cancel's new client order id. */
  private canceling: { readonly uuid: string; readonly clientOrderId: string } | undefined
  /** Each account's balances as last reported (`free/locked` text by asset). */
  private readonly positions = new Map<string, Map<string, string>>()
  /** The latest transaction time reported (event times never go back). */
  private lastTime = 0
  private nextExecution = 1
  /**
   * Receives each user data event of an account (`executionReport`, `outboundAccountPosition`), in
   * order; the WS API hands them to the account's subscriptions.
   */
  onUserEvent: ((apiKey: string, event: Record<string, unknown>) => void) | undefined
  private nextOrderId = 9_800_000_000
  readonly routes = new Map<string, PrivateRoute>()
  private readonly byName: Map<string, BnMarket>

  constructor(
    private readonly engine: Engine,
    markets: readonly BnMarket[],
    private readonly now: () => number,
  ) {
    this.byName = new Map(markets.map((bm) => [bm.sym.symbol, bm]))
    for (const a of engine.accounts.values())
      this.positions.set(
        a.accessKey,
        new Map([...a.balances].map(([k, b]) => [k, `${dx(b.balance)}/${dx(b.locked)}`])),
      )
    const add = (key: string, weight: number | ((q: URLSearchParams) => number), run: PrivateRoute['run']) =>
      this.routes.set(key, { weight: typeof weight === 'number' ? () => weight : weight, run })
    add('GET /api/v3/account', 20, (a, p) => this.account(a, p))
    add('POST /api/v3/order', 1, (a, p) => this.newOrder(a, p, false))
    add('POST /api/v3/order/test', 1, (a, p) => this.newOrder(a, p, true))
    add('GET /api/v3/order', 4, (a, p) => this.view(this.find(a, p, -2013, 'Order does not exist.')))
    add('DELETE /api/v3/order', 1, (a, p) => this.cancel(a, p))
    add('GET /api/v3/allOrders', 20, (a, p) => this.allOrders(a, p))
    add(
      'GET /api/v3/myTrades',
      (q) => (q.get('orderId') ? 5 : 20),
      (a, p) => this.myTrades(a, p),
    )
    add(
      'GET /api/v3/openOrders',
      (q) => (q.get('symbol') ? 6 : 80),
      (a, p) => this.openOrders(a, p),
    )
  }

  /**
   * The engine's reports (set as the Binance profile engine's `events`): binds each engine order to
   * its Binance order and records every fill with the trade id of the public trade it belongs to.
   */
  readonly events: EngineEvents = {
    order: (account, order, state, fill) => this.onOrder(account, order, state, fill),
    assets: (account, currencies) => this.onAssets(account, currencies),
  }

  private emit(apiKey: string, event: Record<string, unknown>, uuid: string | undefined): void {
    if (this.queue) this.queue.push({ apiKey, event, uuid })
    else this.onUserEvent?.(apiKey, event)
  }

  /** `outboundAccountPosition` with the assets among `currencies` whose free or locked text changed. */
  private onAssets(account: Account, currencies: readonly string[]): void {
    let seen = this.positions.get(account.accessKey)
    if (!seen) {
      seen = new Map()
      this.positions.set(account.accessKey, seen)
    }
    const B: { a: string; f: string; l: string }[] = []
    for (const a of new Set(currencies)) {
      const b = account.balances.get(a)
      if (!b) continue
      const f = dx(b.balance)
      const l = dx(b.locked)
      if (seen.get(a) === `${f}/${l}`) continue
      seen.set(a, `${f}/${l}`)
      B.push({ a, f, l })
    }
    if (B.length === 0) return
    const t = Math.max(this.now(), this.lastTime)
    this.emit(account.accessKey, { e: 'outboundAccountPosition', E: t, u: t, B }, this.lastUuid)
  }

  /** The `executionReport` of one state transition (values as of now). */
  private report(
    bo: BnOrder,
    e: Order,
    x: string,
    X: string,
    T: number,
    fill?: { readonly t: MyTrade; readonly fee: Dec },
  ): Record<string, unknown> {
    const v = this.view(bo)
    const cancel = x === 'CANCELED' ? this.canceling : undefined
    this.lastTime = Math.max(this.lastTime, T)
    const zero = '0.00000000'
    return {
      e: 'executionReport',
      E: Math.max(this.now(), T),
      s: bo.bm.sym.symbol,
      c: cancel ? cancel.clientOrderId : bo.clientOrderId,
      S: bo.side,
      o: bo.type,
      f: bo.timeInForce,
      q: v.origQty,
      p: v.price,
      P: zero,
      F: zero,
      g: -1,
      C: cancel ? bo.clientOrderId : '',
      x,
      X,
      r: 'NONE',
      i: bo.orderId,
      l: fill ? dx(fill.t.qty) : zero,
      z: dx(e.executedVolume),
      L: fill ? dx(fill.t.price) : zero,
      n: fill ? dx(fill.fee) : '0',
      N: fill ? bo.bm.sym.quoteAsset : null,
      T,
      t: fill ? bo.bm.wire.out(fill.t.id) : -1,
      I: this.nextExecution++,
      w: X === 'NEW' || X === 'PARTIALLY_FILLED',
      m: fill ? fill.t.isMaker : false,
      M: false,
      O: bo.time,
      Z: dx(e.executedFunds),
      Y: fill ? dx(fill.t.quoteQty) : zero,
      Q: bo.origQuoteOrderQty,
      W: bo.time,
      V: 'NONE',
    }
  }

  private onOrder(account: Account, order: Order, state: string, fill: Fill | undefined): void {
    let bo = this.byUuid.get(order.uuid)
    if (!bo) {
      const p = this.pending
      if (!p) return // not placed through this profile (nothing else places orders here)
      this.pending = undefined
      bo = {
        ...p,
        uuid: order.uuid,
        owner: account.accessKey,
        fills: [],
        last: undefined,
        canceled: false,
        updateTime: p.time,
      }
      this.byUuid.set(order.uuid, bo)
    }
    this.lastUuid = order.uuid
    let report: Record<string, unknown> | undefined
    if (state === 'wait') report = this.report(bo, order, 'NEW', 'NEW', bo.time)
    else if (state === 'trade' && fill) {
      const bm = bo.bm
      const lastTs = bm.m.last?.ts ?? 0
      // a taker fill is reported before the engine prints its public trade (the next id, at the
      // time `externalTrade` uses); a maker fill after the public trade that went through it
      const id = fill.isMaker ? bm.ids.lastId() : bm.ids.lastId() + 1
      const time = fill.isMaker ? lastTs : Math.max(this.now(), lastTs)
      const t: MyTrade = {
        bm,
        id,
        orderId: bo.orderId,
        price: fill.price,
        qty: fill.volume,
        quoteQty: fill.funds,
        commission: fill.fee,
        time,
        isBuyer: bo.side === 'BUY',
        isMaker: fill.isMaker,
      }
      bo.fills.push(t)
      const trades = this.book(account).trades
      let list = trades.get(bm.sym.symbol)
      if (!list) {
        list = []
        trades.set(bm.sym.symbol, list)
      }
      list.push(t)
      bo.updateTime = Math.max(bo.updateTime, time)
      // a market buy by quote amount has no remaining quantity: FILLED is set when the engine ends it
      const filled = order.remaining?.isZero() === true
      report = this.report(bo, order, 'TRADE', filled ? 'FILLED' : 'PARTIALLY_FILLED', time, {
        t,
        fee: fill.fee,
      })
    } else if (state === 'done') {
      bo.updateTime = Math.max(bo.updateTime, order.doneAt ?? this.now())
      // the last fill completed it: that TRADE (held, see `place`) is the FILLED report
      if (bo.last && bo.last.x === 'TRADE') {
        bo.last.X = 'FILLED'
        bo.last.w = false
      }
    } else if (state === 'cancel') {
      bo.updateTime = Math.max(bo.updateTime, order.doneAt ?? this.now())
      const canceled = this.canceling?.uuid === order.uuid
      report = this.report(
        bo,
        order,
        canceled ? 'CANCELED' : 'EXPIRED',
        canceled ? 'CANCELED' : 'EXPIRED',
        bo.updateTime,
      )
    }
    if (report) {
      bo.last = report
      this.emit(account.accessKey, report, order.uuid)
    }
  }

  /** Verifies key, signature and timestamp; returns the account and the merged parameters. */
  authenticate(
    apiKey: string | undefined,
    rawQuery: string,
    rawBody: string,
  ): { account: Account; params: URLSearchParams } {
    if (apiKey === undefined || apiKey === '') throw new BinanceError(401, -2014, 'API-key format invalid.')
    const account = this.engine.accounts.get(apiKey)
    if (!account) throw new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.')
    const q = stripSignature(rawQuery)
    const b = stripSignature(rawBody)
    const signature = q.signature ?? b.signature
    if (signature === undefined || signature === '') throw mandatory('signature')
    const expected = createHmac('sha256', account.secretKey).update(`${q.rest}${b.rest}`).digest()
    const given = /^[0-9a-fA-F]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : undefined
    if (!given || !timingSafeEqual(given, expected))
      throw new BinanceError(400, -1022, 'Signature for this request is not valid.')
    const params = new URLSearchParams(b.rest)
    for (const [k, v] of new URLSearchParams(q.rest)) params.set(k, v) // the query string wins
    const ts = need(params, 'timestamp')
    if (!/^[0-9]{1,20}$/.test(ts)) throw invalid('timestamp')
    const recv = params.get('recvWindow') ?? '5000'
    const recvWindow = Number(recv)
    if (!(recvWindow > 0) || recvWindow > 60_000)
      throw new BinanceError(400, -1131, 'recvWindow must be less than 60000')
    let t = Number(ts)
    if (ts.length >= 16) t = Math.floor(t / 1000) // microseconds
    const server = this.now()
    if (t >= server + 1000)
      throw new BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.")
    if (server - t > recvWindow)
      throw new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.')
    return { account, params }
  }

  private book(account: Account): Book {
    let b = this.books.get(account.accessKey)
    if (!b) {
      b = { byId: new Map(), byClient: new Map(), trades: new Map() }
      this.books.set(account.accessKey, b)
    }
    return b
  }

  private symbol(p: URLSearchParams): BnMarket {
    const bm = this.byName.get(need(p, 'symbol'))
    if (!bm) throw new BinanceError(400, -1121, 'Invalid symbol.')
    return bm
  }

  private account(account: Account, p: URLSearchParams): unknown {
    const omitZero = p.get('omitZeroBalances') === 'true'
    const balances = [...account.balances]
      .map(([asset, b]) => ({ asset, free: dx(b.balance), locked: dx(b.locked) }))
      .filter((b) => !omitZero || Number(b.free) > 0 || Number(b.locked) > 0)
    return {
      makerCommission: 25,
      takerCommission: 25,
      buyerCommission: 0,
      sellerCommission: 0,
      commissionRates: {
        maker: '0.00250000',
        taker: '0.00250000',
        buyer: '0.00000000',
        seller: '0.00000000',
      },
      canTrade: true,
      canWithdraw: false,
      canDeposit: false,
      brokered: false,
      requireSelfTradePrevention: false,
      preventSor: false,
      updateTime: this.now(),
      accountType: 'SPOT',
      balances,
      permissions: ['SPOT'],
      uid: 354_937_868,
    }
  }

  private newOrder(account: Account, p: URLSearchParams, test: boolean): unknown {
    const bm = this.symbol(p)
    const side = need(p, 'side')
    if (side !== 'BUY' && side !== 'SELL') throw invalid('side')
    const type = need(p, 'type')
    if (!ORDER_TYPES.has(type))
      throw KNOWN_TYPES.has(type)
        ? new BinanceError(400, -1013, 'This order type is not supported by the simulator.')
        : new BinanceError(400, -1116, 'Invalid orderType.')
    const sym = bm.sym
    const quantity = decimal(p, 'quantity')
    const quoteOrderQty = decimal(p, 'quoteOrderQty')
    const price = decimal(p, 'price')
    let tif = p.get('timeInForce') ?? undefined
    if (type === 'LIMIT') {
      if (tif === undefined) throw mandatory('timeInForce')
      if (tif !== 'GTC' && tif !== 'IOC' && tif !== 'FOK') throw invalid('timeInForce')
    } else if (tif !== undefined)
      throw new BinanceError(400, -1106, "Parameter 'timeInForce' sent when not required.")
    else tif = 'GTC'
    if (type !== 'MARKET') {
      if (!price) throw mandatory('price')
      if (!quantity) throw mandatory('quantity')
    } else if (!quantity && !quoteOrderQty) throw mandatory('quantity')
    if (price && (price.isZero() || !price.mod(sym.tickSize).isZero())) throw filter('PRICE_FILTER')
    if (quantity && (quantity.lt(sym.stepSize) || !quantity.mod(sym.stepSize).isZero()))
      throw filter('LOT_SIZE')
    const { bid, ask } = bm.depth.best()
    const ref = price ?? new D(side === 'BUY' ? (ask?.[0] ?? '0') : (bid?.[0] ?? '0'))
    const notional = quoteOrderQty ?? ref.mul(quantity ?? 0)
    if (notional.lt(sym.minNotional)) throw filter('NOTIONAL')
    const clientOrderId = p.get('newClientOrderId') ?? `sim${randomBytes(10).toString('hex')}`.slice(0, 22)
    const book = this.book(account)
    const dup = book.byClient.get(clientOrderId)
    if (dup !== undefined) {
      const prev = book.byId.get(dup)
      if (prev && this.engineOrder(account, prev).state === 'wait')
        throw new BinanceError(400, -2010, 'Duplicate order sent.')
    }
    // Binance → engine request
    let req: Record<string, unknown>
    if (type === 'MARKET') {
      if (side === 'BUY')
        req = {
          ord_type: 'price',
          price: decText((quoteOrderQty ?? ref.mul(quantity ?? 0)).toDecimalPlaces(8)),
        }
      else {
        const volume = quantity ?? (quoteOrderQty as Dec).div(ref).toDecimalPlaces(sym.stepDecimals, 1)
        req = { ord_type: 'market', volume: decText(volume) }
      }
    } else
      req = {
        ord_type: 'limit',
        price: decText(price as Dec),
        volume: decText(quantity as Dec),
        ...(type === 'LIMIT_MAKER'
          ? { time_in_force: 'post_only' }
          : tif !== 'GTC'
            ? { time_in_force: tif.toLowerCase() }
            : {}),
      }
    req = { ...req, market: sym.def.code, side: side === 'BUY' ? 'bid' : 'ask' }
    if (test) {
      this.wrap(() => this.engine.prepare(account, req))
      return {}
    }
    const pending: PendingOrder = {
      orderId: this.nextOrderId++,
      clientOrderId,
      bm,
      type: type as BnOrder['type'],
      side,
      timeInForce: tif as BnOrder['timeInForce'],
      origQty: dx(quantity ?? new D(0)),
      origQuoteOrderQty: dx(quoteOrderQty ?? new D(0)),
      time: this.now(),
    }
    const order = this.place(account, pending, req)
    book.byId.set(order.orderId, order)
    book.byClient.set(clientOrderId, order.orderId)
    const respType = p.get('newOrderRespType') ?? (type === 'LIMIT_MAKER' ? 'ACK' : 'FULL')
    const ack = {
      symbol: sym.symbol,
      orderId: order.orderId,
      orderListId: -1,
      clientOrderId,
      transactTime: order.time,
    }
    if (respType === 'ACK') return ack
    const v = this.view(order)
    const result = {
      ...ack,
      price: v.price,
      origQty: v.origQty,
      executedQty: v.executedQty,
      origQuoteOrderQty: v.origQuoteOrderQty,
      cummulativeQuoteQty: v.cummulativeQuoteQty,
      status: v.status,
      timeInForce: v.timeInForce,
      type: v.type,
      side: v.side,
      workingTime: order.time,
      selfTradePreventionMode: 'NONE',
    }
    if (respType === 'RESULT') return result
    return {
      ...result,
      fills: order.fills.map((f) => ({
        price: dx(f.price),
        qty: dx(f.qty),
        commission: dx(f.commission),
        commissionAsset: sym.quoteAsset,
        tradeId: bm.wire.out(f.id),
      })),
    }
  }

  /**
   * Places the engine order and binds it to `pending`. The user data events it causes are held until
   * the engine is done, so a market order's last TRADE can say FILLED, and a LIMIT_MAKER that would
   * take (the engine books and cancels it; Binance rejects it) sends none.
   */
  private place(account: Account, pending: PendingOrder, req: Record<string, unknown>): BnOrder {
    this.pending = pending
    this.queue = []
    let rejected: string | undefined
    try {
      const placed = this.wrap(() => this.engine.place(account, req))
      const order = this.byUuid.get(placed.uuid)
      if (!order) throw new Error('the engine did not report the new order')
      const e = this.engineOrder(account, order)
      if (order.type === 'LIMIT_MAKER' && e.state === 'cancel' && e.executedVolume.isZero()) {
        rejected = order.uuid
        this.byUuid.delete(order.uuid)
        throw new BinanceError(400, -2010, 'Order would immediately match and take.')
      }
      return order
    } finally {
      this.pending = undefined
      const held = this.queue
      this.queue = undefined
      for (const h of held)
        if (rejected === undefined || h.uuid !== rejected) this.onUserEvent?.(h.apiKey, h.event)
    }
  }

  private wrap<T>(f: () => T): T {
    try {
      return f()
    } catch (err) {
      if (!(err instanceof ExchangeError)) throw err
      if (err.errorName.startsWith('insufficient_funds'))
        throw new BinanceError(400, -2010, 'Account has insufficient balance for requested action.')
      if (err.errorName.startsWith('invalid_price')) throw filter('PRICE_FILTER')
      if (err.errorName.startsWith('under_min_total')) throw filter('NOTIONAL')
      throw new BinanceError(400, -1013, 'Invalid quantity.')
    }
  }

  private engineOrder(account: Account, o: BnOrder): Order {
    return this.engine.find(account, o.uuid, undefined)
  }

  private find(account: Account, p: URLSearchParams, code: number, msg: string): BnOrder {
    const bm = this.symbol(p)
    const book = this.book(account)
    const id = p.get('orderId')
    const client = p.get('origClientOrderId')
    if ((id === null || id === '') && (client === null || client === ''))
      throw new BinanceError(
        400,
        -1102,
        "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
      )
    const orderId = id !== null && id !== '' ? Number(id) : book.byClient.get(client as string)
    const o = orderId === undefined ? undefined : book.byId.get(orderId)
    if (!o || o.bm !== bm) throw new BinanceError(400, code, msg)
    return o
  }

  private view(o: BnOrder) {
    const account = this.engine.accounts.get(o.owner) as Account
    const e = this.engineOrder(account, o)
    const status =
      e.state === 'wait'
        ? e.executedVolume.isZero()
          ? 'NEW'
          : 'PARTIALLY_FILLED'
        : e.state === 'done'
          ? 'FILLED'
          : o.canceled
            ? 'CANCELED'
            : 'EXPIRED'
    const origQty =
      o.type === 'MARKET' && o.side === 'BUY' && Number(o.origQty) === 0 ? dx(e.executedVolume) : o.origQty
    return {
      symbol: o.bm.sym.symbol,
      orderId: o.orderId,
      orderListId: -1,
      clientOrderId: o.clientOrderId,
      price: dx(e.price && o.type !== 'MARKET' ? e.price : new D(0)),
      origQty,
      executedQty: dx(e.executedVolume),
      cummulativeQuoteQty: dx(e.executedFunds),
      status,
      timeInForce: o.timeInForce,
      type: o.type,
      side: o.side,
      stopPrice: '0.00000000',
      icebergQty: '0.00000000',
      time: o.time,
      updateTime: o.updateTime,
      isWorking: true,
      workingTime: o.time,
      origQuoteOrderQty: o.origQuoteOrderQty,
      selfTradePreventionMode: 'NONE',
    }
  }

  private cancel(account: Account, p: URLSearchParams): unknown {
    const o = this.find(account, p, -2011, 'Unknown order sent.')
    if (this.engineOrder(account, o).state !== 'wait')
      throw new BinanceError(400, -2011, 'Unknown order sent.')
    const clientOrderId = p.get('newClientOrderId') ?? `sim${randomBytes(10).toString('hex')}`.slice(0, 22)
    o.canceled = true
    this.canceling = { uuid: o.uuid, clientOrderId }
    try {
      this.engine.cancel(account, o.uuid, undefined)
    } finally {
      this.canceling = undefined
    }
    const v = this.view(o)
    return {
      symbol: v.symbol,
      origClientOrderId: o.clientOrderId,
      orderId: o.orderId,
      orderListId: -1,
      clientOrderId,
      transactTime: o.updateTime,
      price: v.price,
      origQty: v.origQty,
      executedQty: v.executedQty,
      origQuoteOrderQty: v.origQuoteOrderQty,
      cummulativeQuoteQty: v.cummulativeQuoteQty,
      status: v.status,
      timeInForce: v.timeInForce,
      type: v.type,
      side: v.side,
      selfTradePreventionMode: 'NONE',
    }
  }

  /** Every order of one symbol, oldest first (`startTime`/`endTime` by creation time, `limit` ≤ 1000). */
  private allOrders(account: Account, p: URLSearchParams): unknown {
    const bm = this.symbol(p)
    const from = p.get('startTime')
    const to = p.get('endTime')
    const limit = Number(p.get('limit') ?? '500')
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit')
    const out: unknown[] = []
    for (const o of this.book(account).byId.values()) {
      if (o.bm !== bm) continue
      if (from !== null && o.time < Number(from)) continue
      if (to !== null && o.time > Number(to)) continue
      out.push(this.view(o))
    }
    return out.slice(-limit)
  }

  /**
   * The account's fills of one symbol, oldest first: all (the most recent `limit`), one order's
   * (`orderId`), from a trade id (`fromId`, inclusive) or in a time window (`startTime` / `endTime`,
   * inclusive, at most 24 h apart).
   */
  private myTrades(account: Account, p: URLSearchParams): unknown {
    const bm = this.symbol(p)
    const orderId = intParam(p, 'orderId')
    const fromId = idParam(p, 'fromId', bm)
    const startTime = intParam(p, 'startTime')
    const endTime = intParam(p, 'endTime')
    const limit = limitParam(p, 500, 1000)
    const window = startTime !== undefined || endTime !== undefined
    if (window && (fromId !== undefined || orderId !== undefined))
      throw new BinanceError(400, -1128, 'Combination of optional parameters invalid.')
    if (startTime !== undefined && endTime !== undefined && endTime - startTime > DAY)
      throw new BinanceError(400, -1127, 'More than 24 hours between startTime and endTime.')
    let rows = this.book(account).trades.get(bm.sym.symbol) ?? []
    if (orderId !== undefined) rows = rows.filter((t) => t.orderId === orderId)
    if (fromId !== undefined) rows = rows.filter((t) => t.id >= fromId).slice(0, limit)
    else if (startTime !== undefined)
      rows = rows
        .filter((t) => t.time >= startTime && (endTime === undefined || t.time <= endTime))
        .slice(0, limit)
    else rows = rows.filter((t) => endTime === undefined || t.time <= endTime).slice(-limit)
    return rows.map((t) => ({
      symbol: bm.sym.symbol,
      id: bm.wire.out(t.id),
      orderId: t.orderId,
      orderListId: -1,
      price: dx(t.price),
      qty: dx(t.qty),
      quoteQty: dx(t.quoteQty),
      commission: dx(t.commission),
      commissionAsset: bm.sym.quoteAsset,
      time: t.time,
      isBuyer: t.isBuyer,
      isMaker: t.isMaker,
      isBestMatch: true,
    }))
  }

  private openOrders(account: Account, p: URLSearchParams): unknown {
    const bm = p.get('symbol') !== null ? this.symbol(p) : undefined
    const out: unknown[] = []
    for (const o of this.book(account).byId.values()) {
      if (bm && o.bm !== bm) continue
      if (this.engineOrder(account, o).state === 'wait') out.push(this.view(o))
    }
    return out
  }
}
