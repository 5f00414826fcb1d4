import { randomUUID } from 'node:crypto'
import { Decimal } from 'decimal.js'
import type { Book, MarketModel, MarketState } from '../market/model.js'
import type { TradeRecord } from '../market/summary.js'
import { FEE_RATE, MIN_TOTAL, type QuoteCurrency, tickFor } from '../market/ticks.js'

/** Decimal arithmetic for balances and orders (exact, 40 significant digits). */
export const D = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -30,
  toExpPos: 40,
})
/** A decimal value. */
export type Dec = InstanceType<typeof D>

const ZERO = new D(0)
const MAX_TOTAL_KRW = new D(1_000_000_000)

/** Exact decimal text without exponent. */
export function decText(d: Dec): string {
  return d.toFixed()
}

/** An exchange error with Upbit's HTTP status, `error.name` and (Korean) message. */
export class ExchangeError extends Error {
  constructor(
    readonly status: number,
    readonly errorName: string,
    message: string,
  ) {
    super(message)
    this.name = 'ExchangeError'
  }
}

/** One balance line. */
export interface Balance {
  balance: Dec
  locked: Dec
  avgBuyPrice: Dec
}

/** A fill of an order. */
export interface Fill {
  readonly uuid: string
  readonly price: Dec
  readonly volume: Dec
  readonly funds: Dec
  readonly fee: Dec
  readonly ts: number
  readonly isMaker: boolean
}

/** Order type as on the wire. */
type OrdType = 'limit' | 'price' | 'market' | 'best'
/** Order state as on REST. */
type OrderState = 'wait' | 'watch' | 'done' | 'cancel'

/** An order. */
export interface Order {
  readonly uuid: string
  readonly accessKey: string
  readonly side: 'bid' | 'ask'
  readonly ordType: OrdType
  /** Unit price for limit orders, total for price/best-bid orders. */
  readonly price: Dec | undefined
  readonly market: string
  readonly quote: QuoteCurrency
  readonly base: string
  readonly createdAt: number
  readonly volume: Dec | undefined
  remaining: Dec | undefined
  /** Unspent total of a price/best-bid order. */
  remainingFunds: Dec
  executedVolume: Dec
  executedFunds: Dec
  reservedFee: Dec
  remainingFee: Dec
  paidFee: Dec
  locked: Dec
  tradesCount: number
  readonly timeInForce: 'ioc' | 'fok' | 'post_only' | undefined
  readonly identifier: string | undefined
  readonly smpType: string | undefined
  state: OrderState
  readonly feeRate: Dec
  readonly trades: Fill[]
  doneAt: number | undefined
}

/** An account (one API key pair). */
export interface Account {
  readonly accessKey: string
  readonly secretKey: string
  readonly balances: Map<string, Balance>
  readonly nonces: Set<string>
  readonly identifiers: Set<string>
  readonly orders: Map<string, Order>
}

/** What the engine reports to the private WebSocket. */
export interface EngineEvents {
  order(account: Account, order: Order, state: 'wait' | 'trade' | 'done' | 'cancel', fill?: Fill): void
  assets(account: Account, currencies: string[]): void
}

/** Parsed order request. */
export interface OrderRequest {
  readonly market?: unknown
  readonly side?: unknown
  readonly ord_type?: unknown
  readonly volume?: unknown
  readonly price?: unknown
  readonly time_in_force?: unknown
  readonly smp_type?: unknown
  readonly identifier?: unknown
}

const DEC_RE = /^(?:\d+(?:\.\d*)?|\.\d+)$/

function parseAmount(v: unknown, field: string): Dec | undefined {
  if (v === undefined || v === null || v === '') return undefined
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined
  if (text === undefined || !DEC_RE.test(text) || (typeof v === 'number' && !Number.isFinite(v)))
    throw new ExchangeError(400, 'validation_error', `${field} 값이 올바르지 않습니다.`)
  return new D(text)
}

const ERR = {
  notFound: () => new ExchangeError(404, 'order_not_found', '주문을 찾지 못했습니다.'),
}

/**
 * The matching engine: accounts, balances, orders. Fills take liquidity from the simulated book
 * (and print public trades); resting limit orders fill when the market trades through them.
 */
export class Engine {
  readonly accounts = new Map<string, Account>()
  private readonly resting = new Map<string, Order[]>() // market -> open limit orders
  events: EngineEvents | undefined

  constructor(
    private readonly model: MarketModel,
    private readonly now: () => number,
  ) {}

  /** Adds an account; balances are decimal strings. */
  addAccount(accessKey: string, secretKey: string, balances: Record<string, string>): Account {
    if (this.accounts.has(accessKey)) throw new Error(`Access key "${accessKey}" already exists`)
    const account: Account = {
      accessKey,
      secretKey,
      balances: new Map(),
      nonces: new Set(),
      identifiers: new Set(),
      orders: new Map(),
    }
    for (const [currency, amount] of Object.entries(balances)) {
      account.balances.set(currency, { balance: new D(amount), locked: ZERO, avgBuyPrice: ZERO })
    }
    this.accounts.set(accessKey, account)
    return account
  }

  /** The balance line of a currency (created empty on first use). */
  balance(account: Account, currency: string): Balance {
    let b = account.balances.get(currency)
    if (!b) {
      b = { balance: ZERO, locked: ZERO, avgBuyPrice: ZERO }
      account.balances.set(currency, b)
    }
    return b
  }

  // ------------------------------------------------------------------ validation

  /** Validates an order request and returns the order (not booked, nothing locked). */
  prepare(account: Account, req: OrderRequest): { order: Order; market: MarketState; lock: Dec } {
    const fail = (status: number, name: string, message: string): never => {
      throw new ExchangeError(status, name, message)
    }
    if (req.market === undefined || req.market === null || req.market === '')
      fail(400, 'validation_error', 'market is missing, market does not have a valid value')
    if (req.side === undefined || req.side === null || req.side === '')
      fail(400, 'validation_error', 'side is missing, side does not have a valid value')
    if (req.ord_type === undefined || req.ord_type === null || req.ord_type === '')
      fail(400, 'validation_error', 'ord_type is missing, ord_type does not have a valid value')
    const side = req.side
    if (side !== 'bid' && side !== 'ask')
      return fail(400, 'validation_error', 'side does not have a valid value')
    const ordType = req.ord_type
    if (ordType !== 'limit' && ordType !== 'price' && ordType !== 'market' && ordType !== 'best')
      return fail(400, 'validation_error', 'ord_type does not have a valid value')
    if (typeof req.market !== 'string')
      return fail(400, 'validation_error', 'market does not have a valid value')
    const market = this.model.market(req.market)
    if (!market) return fail(400, 'notfoundmarket', '마켓 정보를 찾지 못했습니다.')
    const sideErr = side === 'bid' ? 'bid' : 'ask'
    const volume = parseAmount(req.volume, 'volume')
    const price = parseAmount(req.price, 'price')
    const tif = req.time_in_force
    if (tif !== undefined && tif !== null && tif !== 'ioc' && tif !== 'fok' && tif !== 'post_only')
      fail(400, 'invalid_time_in_force', 'time_in_force 값이 올바르지 않습니다.')
    const timeInForce = (tif ?? undefined) as 'ioc' | 'fok' | 'post_only' | undefined
    const smp = req.smp_type
    if (
      smp !== undefined &&
      smp !== null &&
      smp !== 'reduce' &&
      smp !== 'cancel_maker' &&
      smp !== 'cancel_taker'
    )
      fail(400, 'validation_error', 'smp_type does not have a valid value')
    const smpType = (smp ?? undefined) as string | undefined
    const identifier = req.identifier
    if (
      identifier !== undefined &&
      identifier !== null &&
      (typeof identifier !== 'string' || identifier.length > 64)
    )
      fail(400, 'validation_error', 'identifier does not have a valid value')
    // parameter matrix (§6.3)
    const createErr = `create_${sideErr}_error`
    if (ordType === 'limit') {
      if (!volume || !price)
        fail(400, createErr, '주문 요청 정보가 올바르지 않습니다. (limit: volume, price 필수)')
    } else if (ordType === 'price') {
      if (side !== 'bid' || volume || !price)
        fail(400, createErr, '주문 요청 정보가 올바르지 않습니다. (price: bid, price 필수)')
      if (timeInForce)
        fail(400, 'invalid_time_in_force', '시장가 주문에는 time_in_force를 지정할 수 없습니다.')
    } else if (ordType === 'market') {
      if (side !== 'ask' || price || !volume)
        fail(400, createErr, '주문 요청 정보가 올바르지 않습니다. (market: ask, volume 필수)')
      if (timeInForce)
        fail(400, 'invalid_time_in_force', '시장가 주문에는 time_in_force를 지정할 수 없습니다.')
    } else {
      if (side === 'bid' && (volume || !price))
        fail(400, createErr, '주문 요청 정보가 올바르지 않습니다. (best bid: price 필수)')
      if (side === 'ask' && (price || !volume))
        fail(400, createErr, '주문 요청 정보가 올바르지 않습니다. (best ask: volume 필수)')
      if (timeInForce !== 'ioc' && timeInForce !== 'fok')
        fail(400, 'invalid_time_in_force', '최유리 지정가 주문은 ioc 또는 fok가 필요합니다.')
    }
    if (timeInForce === 'post_only' && smpType)
      fail(400, 'invalid_post_only', 'post_only는 smp_type과 함께 사용할 수 없습니다.')
    if (volume && (volume.isZero() || volume.decimalPlaces() > 8))
      fail(400, 'invalid_parameter', 'volume 값이 올바르지 않습니다.')
    if (price?.isZero()) fail(400, 'invalid_parameter', 'price 값이 올바르지 않습니다.')
    if (typeof identifier === 'string') {
      if (account.identifiers.has(identifier))
        fail(400, 'duplicated_identifier', '이미 사용된 identifier입니다.')
      account.identifiers.add(identifier)
    }
    const quote = market.quote
    if (ordType === 'limit' && price) {
      const tick = tickFor(quote, price.toNumber())
      if (!price.mod(tick.text).isZero())
        fail(400, `invalid_price_${sideErr}`, '주문 가격 단위를 잘못 입력하셨습니다. 확인 후 시도해주세요.')
    }
    // totals
    const feeRate = new D(FEE_RATE[quote])
    let total: Dec
    if (ordType === 'limit') total = (price as Dec).mul(volume as Dec)
    else if (side === 'bid') total = price as Dec
    else {
      const book = this.model.book(market)
      const ref = side === 'ask' ? book.bids[0]?.[0] : book.asks[0]?.[0]
      total = (volume as Dec).mul(ref ?? 0)
    }
    const min = new D(MIN_TOTAL[quote])
    if (total.lt(min))
      fail(
        400,
        `under_min_total_${sideErr}`,
        `최소주문금액 이상으로 주문해주세요 (${MIN_TOTAL[quote]} ${quote})`,
      )
    if (quote === 'KRW' && total.gt(MAX_TOTAL_KRW))
      fail(400, `over_krw_funds_${sideErr}`, '주문금액이 최대 주문금액을 초과합니다.')
    let lock: Dec
    let reservedFee = ZERO
    if (side === 'bid') {
      reservedFee = total.mul(feeRate)
      lock = total.add(reservedFee)
      if (lock.gt(this.balance(account, quote).balance))
        fail(400, 'insufficient_funds_bid', `주문가능한 금액(${quote})이 부족합니다.`)
    } else {
      lock = volume as Dec
      if (lock.gt(this.balance(account, market.def.base).balance))
        fail(400, 'insufficient_funds_ask', `주문가능한 금액(${market.def.base})이 부족합니다.`)
    }
    const order: Order = {
      uuid: randomUUID(),
      accessKey: account.accessKey,
      side,
      ordType,
      price,
      market: market.def.code,
      quote,
      base: market.def.base,
      createdAt: this.now(),
      volume,
      remaining: volume,
      remainingFunds: side === 'bid' && ordType !== 'limit' ? total : ZERO,
      executedVolume: ZERO,
      executedFunds: ZERO,
      reservedFee,
      remainingFee: reservedFee,
      paidFee: ZERO,
      locked: lock,
      tradesCount: 0,
      timeInForce,
      identifier: typeof identifier === 'string' ? identifier : undefined,
      smpType,
      state: 'wait',
      feeRate,
      trades: [],
      doneAt: undefined,
    }
    return { order, market, lock }
  }

  // ------------------------------------------------------------------ placing and matching

  /** Places an order: locks funds, answers the accepted state, then matches right away. */
  place(account: Account, req: OrderRequest): Order {
    const { order, market, lock } = this.prepare(account, req)
    const cur = order.side === 'bid' ? order.quote : order.base
    const bal = this.balance(account, cur)
    bal.balance = bal.balance.sub(lock)
    bal.locked = bal.locked.add(lock)
    account.orders.set(order.uuid, order)
    const accepted = snapshot(order)
    this.events?.order(account, order, 'wait')
    this.events?.assets(account, [cur])
    this.execute(account, order, market)
    return accepted
  }

  private execute(account: Account, order: Order, market: MarketState): void {
    const book = this.model.book(market)
    const levels = order.side === 'bid' ? book.asks : book.bids
    const fills: { price: Dec; volume: Dec }[] = []
    if (order.ordType === 'limit') {
      const limit = order.price as Dec
      const crosses = (p: number) => (order.side === 'bid' ? limit.gte(p) : limit.lte(p))
      const top = levels[0]
      if (order.timeInForce === 'post_only') {
        if (top && top[1] > 0 && crosses(top[0])) {
          this.finish(account, order, 'cancel')
          return
        }
      } else {
        let left = order.remaining as Dec
        for (const [p, size] of levels) {
          if (left.isZero() || size <= 0 || !crosses(p)) break
          const v = D.min(left, new D(size))
          fills.push({ price: new D(p), volume: v })
          left = left.sub(v)
        }
        if (order.timeInForce === 'fok' && !left.isZero()) {
          this.finish(account, order, 'cancel')
          return
        }
      }
    } else if (order.ordType === 'market' || (order.ordType === 'best' && order.side === 'ask')) {
      let left = order.remaining as Dec
      const use = order.ordType === 'best' ? levels.slice(0, 1) : levels
      for (const [p, size] of use) {
        if (left.isZero() || size <= 0) break
        const v = D.min(left, new D(size))
        fills.push({ price: new D(p), volume: v })
        left = left.sub(v)
      }
      if (order.timeInForce === 'fok' && !left.isZero()) {
        this.finish(account, order, 'cancel')
        return
      }
    } else {
      // price (market buy by total) or best bid
      let funds = order.remainingFunds
      const use = order.ordType === 'best' ? levels.slice(0, 1) : levels
      for (const [p, size] of use) {
        if (size <= 0) break
        const price = new D(p)
        const affordable = funds.div(price).toDecimalPlaces(8, Decimal.ROUND_DOWN)
        if (affordable.isZero()) break
        const v = D.min(affordable, new D(size))
        fills.push({ price, volume: v })
        funds = funds.sub(price.mul(v))
      }
      if (order.timeInForce === 'fok' && funds.gte(new D(use[0]?.[0] ?? 0).mul('0.00000001'))) {
        this.finish(account, order, 'cancel')
        return
      }
    }
    for (const f of fills) {
      this.fill(account, order, f.price, f.volume, false)
      this.model.externalTrade(market, f.price.toNumber(), f.volume.toNumber(), order.side === 'bid')
    }
    // what is left
    if (order.state !== 'wait') return
    if (order.ordType === 'limit') {
      if ((order.remaining as Dec).isZero()) this.finish(account, order, 'done')
      else if (order.timeInForce === 'ioc') this.finish(account, order, 'cancel')
      else this.rest(order)
    } else if (order.ordType === 'market' || (order.ordType === 'best' && order.side === 'ask')) {
      this.finish(account, order, (order.remaining as Dec).isZero() ? 'done' : 'cancel')
    } else {
      const p = fills[fills.length - 1]?.price ?? new D(levels[0]?.[0] ?? 1)
      const dust = order.remainingFunds.lt(p.mul('0.00000001'))
      this.finish(account, order, order.executedVolume.gt(0) && dust ? 'done' : 'cancel')
    }
  }

  private rest(order: Order): void {
    let list = this.resting.get(order.market)
    if (!list) {
      list = []
      this.resting.set(order.market, list)
    }
    list.push(order)
  }

  private fill(account: Account, order: Order, price: Dec, volume: Dec, isMaker: boolean): void {
    const funds = price.mul(volume)
    const fee = funds.mul(order.feeRate)
    const quote = this.balance(account, order.quote)
    const base = this.balance(account, order.base)
    if (order.side === 'bid') {
      const held = base.balance.add(base.locked)
      if (order.quote === 'KRW') {
        base.avgBuyPrice = held.add(volume).isZero()
          ? ZERO
          : base.avgBuyPrice.mul(held).add(funds).div(held.add(volume)).toDecimalPlaces(8)
      }
      const cost = funds.add(fee)
      quote.locked = quote.locked.sub(cost)
      order.locked = order.locked.sub(cost)
      base.balance = base.balance.add(volume)
      order.remainingFee = D.max(ZERO, order.remainingFee.sub(fee))
      if (order.ordType !== 'limit') order.remainingFunds = order.remainingFunds.sub(funds)
    } else {
      base.locked = base.locked.sub(volume)
      order.locked = order.locked.sub(volume)
      quote.balance = quote.balance.add(funds.sub(fee))
    }
    if (order.remaining) order.remaining = order.remaining.sub(volume)
    order.paidFee = order.paidFee.add(fee)
    order.executedVolume = order.executedVolume.add(volume)
    order.executedFunds = order.executedFunds.add(funds)
    order.tradesCount++
    const f: Fill = { uuid: randomUUID(), price, volume, funds, fee, ts: this.now(), isMaker }
    order.trades.push(f)
    this.events?.order(account, order, 'trade', f)
    this.events?.assets(account, [order.quote, order.base])
  }

  private finish(account: Account, order: Order, state: 'done' | 'cancel'): void {
    if (order.state !== 'wait') return
    const cur = order.side === 'bid' ? order.quote : order.base
    const bal = this.balance(account, cur)
    if (order.locked.gt(0)) {
      bal.locked = bal.locked.sub(order.locked)
      bal.balance = bal.balance.add(order.locked)
    }
    if (state === 'done' && order.side === 'bid') order.remainingFee = ZERO
    order.locked = ZERO
    order.state = state
    order.doneAt = this.now()
    const list = this.resting.get(order.market)
    if (list) {
      const i = list.indexOf(order)
      if (i >= 0) list.splice(i, 1)
    }
    this.events?.order(account, order, state)
    this.events?.assets(account, [cur])
  }

  /** Called for every public trade: fills resting limit orders the market traded through. */
  onMarketTrade(market: MarketState, trade: TradeRecord): void {
    const list = this.resting.get(market.def.code)
    if (!list || list.length === 0) return
    for (const order of [...list]) {
      if (order.state !== 'wait') continue
      const limit = order.price as Dec
      const cmp = limit.cmp(trade.price)
      const through = order.side === 'bid' ? cmp > 0 : cmp < 0
      const touched = cmp === 0
      if (!through && !touched) continue
      const account = this.accounts.get(order.accessKey)
      if (!account) continue
      const remaining = order.remaining as Dec
      const v = through ? remaining : D.min(remaining, new D(trade.volume))
      this.fill(account, order, limit, v, true)
      if ((order.remaining as Dec).isZero()) this.finish(account, order, 'done')
    }
  }

  /** Cancels an open order; answers the order as it was when the cancel was accepted. */
  cancel(account: Account, uuid: string | undefined, identifier: string | undefined): Order {
    const order = this.find(account, uuid, identifier)
    if (order.state !== 'wait' && order.state !== 'watch') throw ERR.notFound()
    const accepted = snapshot(order)
    this.finish(account, order, 'cancel')
    return accepted
  }

  /** Finds an order by uuid (preferred) or identifier. */
  find(account: Account, uuid: string | undefined, identifier: string | undefined): Order {
    if (uuid !== undefined) {
      const o = account.orders.get(uuid)
      if (!o) throw ERR.notFound()
      return o
    }
    if (identifier !== undefined) {
      for (const o of account.orders.values()) if (o.identifier === identifier) return o
      throw ERR.notFound()
    }
    throw new ExchangeError(
      400,
      'validation_error',
      'uuid, identifier are missing, exactly one parameter must be provided',
    )
  }

  /** Cancels every open order of an account (optionally filtered); returns the cancelled ones. */
  cancelAll(account: Account, filter: (o: Order) => boolean, limit: number): Order[] {
    const out: Order[] = []
    for (const o of account.orders.values()) {
      if (out.length >= limit) break
      if (o.state !== 'wait' || !filter(o)) continue
      out.push(snapshot(o))
      this.finish(account, o, 'cancel')
    }
    return out
  }

  /** The book used for fills (exposed for tests of the engine). */
  book(market: MarketState): Book {
    return this.model.book(market)
  }
}

/** A frozen copy of an order's fields at this moment. */
function snapshot(o: Order): Order {
  return { ...o, trades: [...o.trades] }
}
