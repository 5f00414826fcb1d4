import {
  type Account,
  D,
  type Dec,
  decText,
  type Engine,
  type EngineEvents,
  type Fill,
  type Order,
} from '../exchange/engine.js'

/** One MYORDER or MYASSET data object, built when the engine reported the change. */
type Pending =
  | {
      readonly channel: 'MYORDER'
      readonly accessKey: string
      readonly orderId: string
      readonly target: string
      readonly state: 'wait' | 'trade' | 'done' | 'cancel'
      readonly data: Record<string, unknown>
    }
  | { readonly channel: 'MYASSET'; readonly accessKey: string; readonly data: Record<string, unknown> }

/** Where the feed sends its frames (the hub's private delivery). */
export type PrivatePublish = (
  accessKey: string,
  channel: 'MYORDER' | 'MYASSET',
  target: string | undefined,
  data: unknown,
) => void

const text = (d: Dec | undefined): string | null => (d === undefined ? null : decText(d))

/**
 * Turns the engine's order and balance events into Coinone's private WebSocket data
 * (COINONE.md §6): `MYORDER` with status `wait` (accepted), `trade` (a fill that leaves the order
 * open), `trade_done` (the fill that completes it), `cancel` (the cancelled quantity in
 * `executed_qty`) and `cancel_post_only` (`executed_timestamp` 0), side `BID`/`ASK`; `MYASSET`
 * with the changed currencies' `available`/`limit` and the cause as `type` (`order`, `trade`,
 * `cancel`, `cancel_post_only`). Times are epoch milliseconds (unverified: the docs' examples
 * show seconds). The data is captured when the engine reports, and sent once the engine's
 * synchronous work ends, so a fill followed by the order's completion is one `trade_done` frame.
 */
export class CoinoneOrderFeed implements EngineEvents {
  private queue: Pending[] = []
  private scheduled = false
  /** The cause of the next MYASSET frame per account (the last order event's). */
  private readonly cause = new Map<string, string>()
  /** Last `available`/`limit` sent per account and currency: unchanged balances are not re-sent. */
  private readonly sent = new Map<string, string>()

  constructor(
    private readonly engine: Engine,
    private readonly now: () => number,
    private readonly publish: PrivatePublish,
    private readonly userOrderId: (accessKey: string, orderId: string) => string | undefined,
  ) {}

  order(account: Account, order: Order, state: 'wait' | 'trade' | 'done' | 'cancel', fill?: Fill): void {
    const postOnly = state === 'cancel' && order.timeInForce === 'post_only' && order.executedVolume.isZero()
    this.cause.set(
      account.accessKey,
      state === 'wait' ? 'order' : state === 'cancel' ? (postOnly ? 'cancel_post_only' : 'cancel') : 'trade',
    )
    const [quote, target] = order.market.split('-') as [string, string]
    const marketBuy = order.ordType === 'price'
    const open = state === 'wait' || state === 'trade'
    const cancelled = order.volume && state === 'cancel' ? order.volume.sub(order.executedVolume) : undefined
    const remainAmount = marketBuy ? (open ? order.remainingFunds : new D(0)) : undefined
    const now = this.now()
    const data: Record<string, unknown> = {
      quote_currency: quote,
      target_currency: target,
      order_id: order.uuid,
      type: order.ordType === 'limit' ? 'LIMIT' : 'MARKET',
      status: postOnly ? 'cancel_post_only' : state === 'done' ? 'trade_done' : state,
      side: order.side === 'bid' ? 'BID' : 'ASK',
      order_price: order.ordType === 'limit' ? text(order.price) : null,
      order_qty: marketBuy ? null : text(order.volume),
      order_amount: marketBuy ? text(order.price) : null,
      trade_id: fill?.uuid ?? null,
      is_maker: fill ? fill.isMaker : null,
      executed_price: fill ? decText(fill.price) : null,
      executed_qty: fill ? decText(fill.volume) : cancelled ? decText(cancelled) : null,
      executed_fee: fill ? decText(fill.fee) : null,
      remain_qty: marketBuy ? null : open ? text(order.remaining) : '0',
      remain_amount: remainAmount === undefined ? null : decText(remainAmount),
      // filled in when sent: the REST call records the user_order_id after the engine accepted
      user_order_id: null,
      prevented_qty: '0',
      executed_timestamp: fill ? fill.ts : postOnly ? 0 : state === 'wait' ? null : (order.doneAt ?? now),
      order_timestamp: order.createdAt,
      timestamp: now,
    }
    this.push({ channel: 'MYORDER', accessKey: account.accessKey, orderId: order.uuid, target, state, data })
  }

  assets(account: Account, currencies: string[]): void {
    const assets: Record<string, string>[] = []
    for (const currency of [...new Set(currencies)]) {
      const b = this.engine.balance(account, currency)
      const row = { currency, available: decText(b.balance), limit: decText(b.locked) }
      const key = `${account.accessKey}\u0000${currency}`
      const state = `${row.available}/${row.limit}`
      if (this.sent.get(key) === state) continue
      this.sent.set(key, state)
      assets.push(row)
    }
    if (assets.length === 0) return
    const type = this.cause.get(account.accessKey) ?? 'order'
    const now = this.now()
    // One frame per change holding every asset it moved (a fill moves the quote and the base), as
    // the docs' `assets` array suggests; how many a real frame holds is not documented (unverified).
    this.push({
      channel: 'MYASSET',
      accessKey: account.accessKey,
      data: { assets, type, timestamp: now },
    })
  }

  private push(p: Pending): void {
    this.queue.push(p)
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => this.flush())
  }

  /** Sends what the engine reported, in order; a fill directly completed is one `trade_done`. */
  private flush(): void {
    this.scheduled = false
    const queue = this.queue
    this.queue = []
    for (let i = 0; i < queue.length; i++) {
      const p = queue[i] as Pending
      if (p.channel === 'MYORDER') p.data.user_order_id = this.userOrderId(p.accessKey, p.orderId) ?? null
      if (p.channel === 'MYASSET') {
        this.publish(p.accessKey, 'MYASSET', undefined, p.data)
        continue
      }
      if (p.state === 'done') {
        // Completion without a fill of its own (never produced by the engine): a bare trade_done.
        this.publish(p.accessKey, 'MYORDER', p.target, p.data)
        continue
      }
      if (p.state === 'trade') {
        const next = queue.findIndex((q, k) => k > i && q.channel === 'MYORDER' && q.orderId === p.orderId)
        const following = next < 0 ? undefined : queue[next]
        if (following?.channel === 'MYORDER' && following.state === 'done') {
          queue.splice(next, 1)
          this.publish(p.accessKey, 'MYORDER', p.target, {
            ...p.data,
            status: 'trade_done',
            remain_qty: p.data.remain_qty === null ? null : '0',
            remain_amount: following.data.remain_amount,
            timestamp: following.data.timestamp,
          })
          continue
        }
      }
      this.publish(p.accessKey, 'MYORDER', p.target, p.data)
    }
  }
}
