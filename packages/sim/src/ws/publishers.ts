import type { Account, Fill, Order } from '../exchange/engine.js'
import { decText } from '../exchange/engine.js'
import type { BookLevel } from '../market/state.js'
import { arr, type Field, num, type Raw, str } from '../market/views.js'

/** A `myOrder` frame's fields (DEFAULT and SIMPLE keys) for an order's new state. */
export function myOrderFields(
  order: Order,
  state: 'wait' | 'trade' | 'done' | 'cancel',
  fill: Fill | undefined,
  now: number,
): Field[] {
  const avg = order.executedVolume.isZero()
    ? '0'
    : decText(order.executedFunds.div(order.executedVolume).toDecimalPlaces(8))
  const isTrade = state === 'trade' && fill
  return [
    ['type', 'ty', '"myOrder"'],
    ['code', 'cd', str(order.market)],
    ['uuid', 'uid', str(order.uuid)],
    ['ask_bid', 'ab', order.side === 'bid' ? '"BID"' : '"ASK"'],
    ['order_type', 'ot', str(order.ordType)],
    ['state', 's', str(state)],
    ['trade_uuid', 'tuid', isTrade ? str(fill.uuid) : 'null'],
    ['price', 'p', isTrade ? decText(fill.price) : order.price ? decText(order.price) : 'null'],
    ['avg_price', 'ap', avg],
    ['volume', 'v', isTrade ? decText(fill.volume) : order.volume ? decText(order.volume) : 'null'],
    ['remaining_volume', 'rv', order.remaining ? decText(order.remaining) : 'null'],
    ['executed_volume', 'ev', decText(order.executedVolume)],
    ['trades_count', 'tc', num(order.tradesCount)],
    ['reserved_fee', 'rsf', decText(order.reservedFee)],
    ['remaining_fee', 'rmf', decText(order.remainingFee)],
    ['paid_fee', 'pf', decText(order.paidFee)],
    ['locked', 'l', decText(order.locked)],
    ['executed_funds', 'ef', decText(order.executedFunds)],
    ['time_in_force', 'tif', order.timeInForce ? str(order.timeInForce) : 'null'],
    ['trade_fee', 'tf', isTrade ? decText(fill.fee) : 'null'],
    ['is_maker', 'im', isTrade ? (fill.isMaker ? 'true' : 'false') : 'null'],
    ['identifier', 'id', order.identifier ? str(order.identifier) : 'null'],
    ['smp_type', 'smpt', order.smpType ? str(order.smpType) : 'null'],
    ['prevented_volume', 'pv', '0'],
    ['prevented_locked', 'pl', '0'],
    ['trade_timestamp', 'ttms', isTrade ? num(fill.ts) : 'null'],
    ['order_timestamp', 'otms', num(order.createdAt)],
    ['timestamp', 'tms', num(now)],
    ['stream_type', 'st', '"REALTIME"'],
  ]
}

/** A `myAsset` frame's fields for the balances of `currencies` (each once). */
export function myAssetFields(account: Account, currencies: string[], now: number, uuid: string): Field[] {
  const unique = [...new Set(currencies)]
  const assets = (simple: boolean): Raw =>
    arr(
      unique.map((cur) => {
        const b = account.balances.get(cur)
        const bal = b ? decText(b.balance) : '0'
        const locked = b ? decText(b.locked) : '0'
        return simple
          ? `{"cu":${str(cur)},"b":${bal},"l":${locked}}`
          : `{"currency":${str(cur)},"balance":${bal},"locked":${locked}}`
      }),
    )
  return [
    ['type', 'ty', '"myAsset"'],
    ['asset_uuid', 'astuid', str(uuid)],
    ['assets', 'ast', assets],
    ['asset_timestamp', 'asttms', num(now)],
    ['timestamp', 'tms', num(now)],
    ['stream_type', 'st', '"REALTIME"'],
  ]
}

/**
 * `count` quote updates after a trade's book, in the same millisecond: the top sizes change by
 * 7 % per update, the prices and the other levels do not.
 */
export function quoteUpdates(
  shaped: { readonly asks: readonly BookLevel[]; readonly bids: readonly BookLevel[] },
  count: number,
): { asks: BookLevel[]; bids: BookLevel[] }[] {
  const out: { asks: BookLevel[]; bids: BookLevel[] }[] = []
  for (let k = 1; k <= count; k++) {
    const top = (l: BookLevel | undefined): BookLevel | undefined =>
      l && l[1] > 0 ? [l[0], Math.round(l[1] * (1 + 0.07 * k) * 1e8) / 1e8] : l
    out.push({
      asks: shaped.asks.map((l, i) => (i === 0 ? (top(l) as BookLevel) : l)),
      bids: shaped.bids.map((l, i) => (i === 0 ? (top(l) as BookLevel) : l)),
    })
  }
  return out
}
