import { createHmac, timingSafeEqual } from 'node:crypto'
import {
  type Account,
  D,
  type Dec,
  decText,
  type Engine,
  ExchangeError,
  type Order,
} from '../exchange/engine.js'
import { CoinoneError } from './catalog.js'
import type { CoMarket } from './views.js'

/** A Coinone API key's secret and starting balances (decimal strings per currency). */
export interface CoinoneAccountSpec {
  /** The Secret Key: HMAC-SHA512 key, used as issued (no case change). */
  readonly secretKey: string
  /** Starting available balances, e.g. `{ KRW: '100000000', BTC: '1' }`. */
  readonly balances: Readonly<Record<string, string>>
}

type Body = Record<string, unknown>
type Run = (account: Account, body: Body) => unknown

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i
const USER_ORDER_ID = /^[a-z0-9._-]{1,150}$/
const DEC_RE = /^(?:\d+(?:\.\d*)?|\.\d+)$/
const ok = (fields: Record<string, unknown>) => ({ result: 'success', error_code: '0', ...fields })
const err = (code: string, msg: string) => new CoinoneError(code, msg)

function decimal(body: Body, name: string, missing: string): Dec {
  const v = body[name]
  if (v === undefined || v === null || v === '') throw err(missing, `${name} is required`)
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : ''
  if (!DEC_RE.test(text) || Number(text) <= 0) throw err('107', 'Parameter value is wrong')
  return new D(text)
}

/** Coinone's REST status of an engine order (COINONE.md §4.2). */
function statusOf(o: Order): string {
  if (o.state === 'wait' || o.state === 'watch')
    return o.executedVolume.isZero() ? 'LIVE' : 'PARTIALLY_FILLED'
  if (o.state === 'done') return 'FILLED'
  return o.executedVolume.isZero() ? 'CANCELED' : 'PARTIALLY_CANCELED'
}

/**
 * Coinone's private REST v2.1 on the simulator's matching engine: the request object travels
 * Base64-encoded in `X-COINONE-PAYLOAD`, signed by `X-COINONE-SIGNATURE` = HMAC-SHA512 hex with
 * the secret as issued, a UUID v4 `nonce` used once. Errors are HTTP 200 bodies with `error_code`.
 */
export class CoinonePrivate {
  readonly routes = new Map<string, Run>()
  private readonly byTarget: Map<string, CoMarket>
  private readonly userIds = new Map<string, Map<string, string>>()

  constructor(
    private readonly engine: Engine,
    markets: readonly CoMarket[],
    private readonly now: () => number,
  ) {
    this.byTarget = new Map(markets.map((cm) => [cm.pair.target, cm]))
    const r = this.routes
    r.set('/v2.1/account/balance/all', (a) => ok({ balances: this.balances(a, undefined) }))
    r.set('/v2.1/account/balance', (a, b) => {
      const list = b.currencies
      if (!Array.isArray(list) || list.some((c) => typeof c !== 'string'))
        throw err('107', 'Parameter value is wrong')
      return ok({
        balances: this.balances(
          a,
          list.map((c) => (c as string).toUpperCase()),
        ),
      })
    })
    r.set('/v2.1/account/trade_fee', () =>
      ok({
        fee_rates: markets.map((cm) => ({
          quote_currency: cm.pair.quote,
          target_currency: cm.pair.target,
          maker: '0.0005',
          taker: '0.0005',
        })),
      }),
    )
    r.set('/v2.1/order', (a, b) => this.place(a, b))
    r.set('/v2.1/order/cancel', (a, b) => this.cancel(a, b))
    r.set('/v2.1/order/detail', (a, b) => ok({ order: this.detail(this.find(a, b)) }))
    r.set('/v2.1/order/active_orders', (a, b) => this.active(a, b))
    r.set('/v2.1/order/completed_orders', (a, b) => this.completed(a, b, true))
    r.set('/v2.1/order/completed_orders/all', (a, b) => this.completed(a, b, false))
  }

  /** The `user_order_id` an order was placed with, if any. */
  userOrderIdOf(accessKey: string, orderId: string): string | undefined {
    for (const [uid, id] of this.userIds.get(accessKey) ?? []) if (id === orderId) return uid
    return undefined
  }

  /**
   * Verifies the private WebSocket's upgrade headers (COINONE.md §6): the payload
   * `{access_token, nonce, timestamp}` signed as a REST call (nonce a UUID v4 used once,
   * `timestamp` epoch ms). Throws `CoinoneError` when any check fails.
   */
  authenticateStream(payload: string | undefined, signature: string | undefined): Account {
    const { account, body } = this.authenticate(payload, signature)
    if (typeof body.timestamp !== 'number' || !Number.isFinite(body.timestamp))
      throw err('107', 'Parameter value is wrong')
    return account
  }

  /** Verifies the headers; returns the account and the request object (nonce consumed). */
  authenticate(payload: string | undefined, signature: string | undefined): { account: Account; body: Body } {
    if (payload === undefined || payload === '') throw err('120', 'V2 API payload is missing')
    if (signature === undefined || signature === '') throw err('121', 'V2 API signature is missing')
    let body: unknown
    try {
      body = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'))
    } catch {
      throw err('101', 'Invalid format')
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw err('101', 'Invalid format')
    const b = body as Body
    if (typeof b.access_token !== 'string' || b.access_token === '')
      throw err('11', 'Access token is missing')
    const account = this.engine.accounts.get(b.access_token)
    if (!account) throw err('12', 'Invalid access token')
    const expected = createHmac('sha512', account.secretKey).update(payload).digest()
    const given = /^[0-9a-f]{128}$/.test(signature) ? Buffer.from(signature, 'hex') : undefined
    if (!given || !timingSafeEqual(given, expected)) throw err('123', 'V2 API signature is not correct')
    if (b.nonce === undefined || b.nonce === null || b.nonce === '')
      throw err('122', 'V2 API Nonce is missing')
    if (typeof b.nonce !== 'string' || !UUID4.test(b.nonce))
      throw err('133', 'Nonce must be in the form of a UUID')
    if (account.nonces.has(b.nonce)) throw err('132', 'Nonce already used')
    account.nonces.add(b.nonce)
    return { account, body: b }
  }

  private balances(a: Account, only: readonly string[] | undefined) {
    const names = only ?? [...a.balances.keys()]
    return names.map((currency) => {
      const bal = this.engine.balance(a, currency)
      return {
        available: decText(bal.balance),
        limit: decText(bal.locked),
        average_price: decText(bal.avgBuyPrice),
        currency,
      }
    })
  }

  private pair(b: Body): CoMarket {
    const q = b.quote_currency
    const t = b.target_currency
    if (typeof q !== 'string' || typeof t !== 'string') throw err('107', 'Parameter value is wrong')
    const cm = q.toUpperCase() === 'KRW' ? this.byTarget.get(t.toUpperCase()) : undefined
    if (!cm) throw err('108', 'Unknown CryptoCurrency')
    return cm
  }

  private place(a: Account, b: Body): unknown {
    const cm = this.pair(b)
    const side = b.side
    if (side !== 'BUY' && side !== 'SELL') throw err('107', 'Parameter value is wrong')
    const type = b.type
    if (type !== 'LIMIT' && type !== 'MARKET') throw err('166', 'Unsupported order type')
    const uid = b.user_order_id
    if (uid !== undefined && (typeof uid !== 'string' || !USER_ORDER_ID.test(uid)))
      throw err('314', 'Invalid user_order_id')
    let ids = this.userIds.get(a.accessKey)
    if (!ids) {
      ids = new Map()
      this.userIds.set(a.accessKey, ids)
    }
    if (typeof uid === 'string' && ids.has(uid)) throw err('312', 'Duplicated user_order_id')
    let req: Record<string, unknown>
    if (type === 'LIMIT') {
      const price = decimal(b, 'price', '161')
      const qty = decimal(b, 'qty', '162').toDecimalPlaces(8, D.ROUND_DOWN)
      if (typeof b.post_only !== 'boolean') throw err('163', 'post_only is required')
      req = {
        ord_type: 'limit',
        price: decText(price),
        volume: decText(qty),
        ...(b.post_only ? { time_in_force: 'post_only' } : {}),
      }
    } else if (side === 'BUY') {
      const amount = decimal(b, 'amount', '165').toDecimalPlaces(4, D.ROUND_DOWN)
      req = { ord_type: 'price', price: decText(amount) }
    } else
      req = { ord_type: 'market', volume: decText(decimal(b, 'qty', '162').toDecimalPlaces(8, D.ROUND_DOWN)) }
    req = { ...req, market: cm.pair.def.code, side: side === 'BUY' ? 'bid' : 'ask' }
    let order: Order
    try {
      order = this.engine.place(a, req)
    } catch (e) {
      if (!(e instanceof ExchangeError)) throw e
      if (e.errorName.startsWith('insufficient_funds')) throw err('103', 'Lack of Balance')
      if (e.errorName.startsWith('invalid_price')) throw err('310', 'Invalid price unit')
      if (e.errorName.startsWith('under_min_total')) throw err('306', 'The order amount is below the minimum')
      if (e.errorName.startsWith('over_')) throw err('307', 'The order amount is above the maximum')
      throw err('107', 'Parameter value is wrong')
    }
    if (typeof uid === 'string') ids.set(uid, order.uuid)
    return ok({ order_id: order.uuid })
  }

  private find(a: Account, b: Body): Order {
    const cm = this.pair(b)
    const hasId = typeof b.order_id === 'string' && b.order_id !== ''
    const hasUid = typeof b.user_order_id === 'string' && b.user_order_id !== ''
    if (hasId === hasUid) throw err('313', 'Exactly one of order_id and user_order_id is required')
    const uuid = hasId
      ? (b.order_id as string)
      : this.userIds.get(a.accessKey)?.get(b.user_order_id as string)
    const o = uuid === undefined ? undefined : a.orders.get(uuid)
    if (!o || o.market !== cm.pair.def.code) throw err('104', 'Order id is not exist')
    return o
  }

  private cancel(a: Account, b: Body): unknown {
    const o = this.find(a, b)
    if (o.state === 'done') throw err('116', 'Already Traded')
    if (o.state === 'cancel') throw err('117', 'Already Canceled')
    this.engine.cancel(a, o.uuid, undefined)
    const v = this.detail(o)
    return ok({
      order_id: o.uuid,
      price: v.price,
      qty: v.remain_qty === '0' ? v.canceled_qty : v.remain_qty,
      remain_qty: '0',
      side: v.side,
      original_qty: v.original_qty,
      traded_qty: v.executed_qty,
      canceled_qty: v.canceled_qty,
      fee: v.fee,
      fee_rate: v.fee_rate,
      avg_price: v.average_executed_price,
      canceled_at: o.doneAt ?? this.now(),
      ordered_at: o.createdAt,
    })
  }

  private detail(o: Order) {
    const [quote, target] = o.market.split('-') as [string, string]
    const original = o.volume ?? o.executedVolume
    const remain = o.state === 'wait' || o.state === 'watch' ? (o.remaining ?? new D(0)) : new D(0)
    const canceled = o.state === 'cancel' && o.volume ? o.volume.sub(o.executedVolume) : new D(0)
    const avg = o.executedVolume.isZero() ? new D(0) : o.executedFunds.div(o.executedVolume)
    const isMarketBuy = o.ordType === 'price'
    return {
      order_id: o.uuid,
      type: o.ordType === 'limit' ? 'LIMIT' : 'MARKET',
      quote_currency: quote,
      target_currency: target,
      status: statusOf(o),
      side: o.side === 'bid' ? 'BUY' : 'SELL',
      fee: decText(o.paidFee),
      fee_rate: decText(o.feeRate),
      average_executed_price: decText(avg.toDecimalPlaces(8)),
      updated_at: o.doneAt ?? o.trades.at(-1)?.ts ?? o.createdAt,
      ordered_at: o.createdAt,
      price: isMarketBuy || !o.price ? null : decText(o.price),
      original_qty: decText(original),
      executed_qty: decText(o.executedVolume),
      canceled_qty: decText(canceled),
      remain_qty: decText(remain),
      limit_price: null,
      traded_amount: decText(o.executedFunds),
      original_amount: isMarketBuy && o.price ? decText(o.price) : null,
      canceled_amount:
        isMarketBuy && o.price && o.state !== 'wait' ? decText(o.price.sub(o.executedFunds)) : null,
      is_triggered: null,
      trigger_price: null,
    }
  }

  private active(a: Account, b: Body): unknown {
    const cm = b.quote_currency === undefined && b.target_currency === undefined ? undefined : this.pair(b)
    const out: unknown[] = []
    for (const o of a.orders.values()) {
      if (o.state !== 'wait' && o.state !== 'watch') continue
      if (cm && o.market !== cm.pair.def.code) continue
      const d = this.detail(o)
      out.push({
        order_id: d.order_id,
        type: d.type,
        side: d.side,
        quote_currency: d.quote_currency,
        target_currency: d.target_currency,
        price: d.price,
        original_qty: d.original_qty,
        remain_qty: d.remain_qty,
        executed_qty: d.executed_qty,
        canceled_qty: d.canceled_qty,
        fee: d.fee,
        fee_rate: d.fee_rate,
        average_executed_price: d.average_executed_price,
        ordered_at: d.ordered_at,
        is_triggered: null,
        trigger_price: null,
        triggered_at: null,
      })
    }
    return ok({ active_orders: out })
  }

  private completed(a: Account, b: Body, onePair: boolean): unknown {
    const cm = onePair ? this.pair(b) : undefined
    const size = b.size === undefined ? 100 : Number(b.size)
    if (!Number.isInteger(size) || size < 1 || size > 100) throw err('317', 'Invalid size')
    const from = Number(b.from_ts)
    const to = Number(b.to_ts)
    const now = this.now()
    if (
      !Number.isInteger(from) ||
      !Number.isInteger(to) ||
      from > to ||
      to > now ||
      to - from > 90 * 86_400_000
    )
      throw err('316', 'Invalid range')
    const fills: { o: Order; f: Order['trades'][number] }[] = []
    for (const o of a.orders.values()) {
      if (cm && o.market !== cm.pair.def.code) continue
      for (const f of o.trades) if (f.ts >= from && f.ts <= to) fills.push({ o, f })
    }
    fills.sort((x, y) => y.f.ts - x.f.ts)
    let start = 0
    if (typeof b.to_trade_id === 'string') {
      const k = fills.findIndex((x) => x.f.uuid === b.to_trade_id)
      if (k >= 0) start = k + 1
    }
    return ok({
      completed_orders: fills.slice(start, start + size).map(({ o, f }) => {
        const [quote, target] = o.market.split('-') as [string, string]
        return {
          trade_id: f.uuid,
          order_id: o.uuid,
          quote_currency: quote,
          target_currency: target,
          order_type: o.ordType === 'limit' ? 'LIMIT' : 'MARKET',
          is_ask: o.side === 'ask',
          is_maker: f.isMaker,
          price: decText(f.price),
          qty: decText(f.volume),
          timestamp: f.ts,
          fee_rate: decText(o.feeRate),
          fee: decText(f.fee),
          fee_currency: quote,
        }
      }),
    })
  }
}
