import type { Balance, Decimal, Order, OrderType, TimeInForce } from '@bb/models'

/**
 * The parameters of a new order, with Upbit's semantics (UPBIT.md §6.3):
 *
 * | type | side | volume | price |
 * |---|---|---|---|
 * | `limit` | buy/sell | required | unit price |
 * | `price` | buy only | — | total to spend (market buy) |
 * | `market` | sell only | required | — (market sell) |
 * | `best` | buy: — / sell: required | buy: total / sell: — | `timeInForce` `ioc`/`fok` required |
 */
export interface CreateOrderParams {
  /** The market, e.g. `KRW-BTC`. */
  readonly symbol: string
  /** `buy` (Upbit `bid`) or `sell` (`ask`). */
  readonly side: 'buy' | 'sell'
  /** Upbit `ord_type`. */
  readonly type: OrderType
  /** Base quantity, for `limit`, `market` and `best` sells. */
  readonly volume?: Decimal
  /** Unit price for `limit`; the total to spend for `price` and `best` buys. */
  readonly price?: Decimal
  /** Time in force (`best` requires `ioc` or `fok`). */
  readonly timeInForce?: TimeInForce
  /** Client id (Upbit `identifier`, ≤ 64 characters, unique per account forever). */
  readonly clientOrderId?: string
}

/** Identifies one order: by the exchange's id (uuid) or by the client id. */
export type OrderRef = { readonly id: string } | { readonly clientOrderId: string }

/** Options every gateway call accepts. */
export interface GatewayCallOptions {
  /** Aborts the call. */
  readonly signal?: AbortSignal
}

/**
 * The private order API the {@link LiveExecutor} (and, for `testOrder`, the
 * {@link DryRunExecutor}) needs, shaped after Upbit's exchange REST (UPBIT.md §6). `@bb/rules`
 * does not depend on `@bb/rest`: the REST client satisfies this interface, and a test or an app can
 * pass any object that does. Methods throw `@bb/errors` classes (`InsufficientFundsError`,
 * `InvalidOrderError`, `AuthenticationError`, `PermissionError`, `OrderNotFoundError`…).
 *
 * @example
 * ```ts
 * import type { OrderGateway } from '@bb/rules'
 * import { upbit } from '@bb/upbit'
 * import { createRestClient } from '@bb/rest'
 * const credentials = { accessKey: process.env.UPBIT_ACCESS_KEY ?? '', secretKey: process.env.UPBIT_SECRET_KEY ?? '' }
 * const gateway: OrderGateway = createRestClient({ adapter: upbit, credentials })
 * ```
 */
export interface OrderGateway {
  /** True when credentials with trade permission are configured (the live executor refuses to start otherwise). */
  hasCredentials(): boolean
  /** `POST /orders`: places an order; resolves with the order as accepted. */
  createOrder(params: CreateOrderParams, options?: GatewayCallOptions): Promise<Order>
  /** `POST /orders/test`: validates an order without creating it; same answer shape as `createOrder`. */
  testOrder(params: CreateOrderParams, options?: GatewayCallOptions): Promise<Order>
  /** `DELETE /order`: cancels an order; resolves with the order as accepted (the cancel is asynchronous). */
  cancelOrder(ref: OrderRef, options?: GatewayCallOptions): Promise<Order>
  /** `GET /order`: one order, with its fills. */
  getOrder(ref: OrderRef, options?: GatewayCallOptions): Promise<Order>
  /** `GET /accounts`: every balance of the account. */
  getBalances(options?: GatewayCallOptions): Promise<readonly Balance[]>
}
