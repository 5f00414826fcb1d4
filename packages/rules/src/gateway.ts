import type { CreateOrderParams, OrderRef } from '@bb/exchange-adapter'
import type { Balance, Order } from '@bb/models'

// The order parameters and order reference are the adapter contract's own (one shape for the
// REST client, the adapters and the executors).
export type { CreateOrderParams, OrderRef } from '@bb/exchange-adapter'

/** Options every gateway call accepts. */
export interface GatewayCallOptions {
  /** Aborts the call. */
  readonly signal?: AbortSignal
}

/**
 * The private order API the {@link LiveExecutor} (and, for `testOrder`, the
 * {@link DryRunExecutor}) needs: create, test, cancel and look up orders, read balances. `@bb/rules`
 * does not depend on `@bb/rest`: the REST client satisfies this interface, and a test or an app can
 * pass any object that does. Methods throw `@bb/errors` classes (`InsufficientFundsError`,
 * `InvalidOrderError`, `AuthenticationError`, `PermissionError`, `OrderNotFoundError`…).
 *
 * @example
 * ```ts
 * import type { ExchangeAdapter } from '@bb/exchange-adapter'
 * import { createRestClient } from '@bb/rest'
 * import type { OrderGateway } from '@bb/rules'
 * declare const adapter: ExchangeAdapter // from an exchange package
 * const credentials = { accessKey: process.env.ACCESS_KEY ?? '', secretKey: process.env.SECRET_KEY ?? '' }
 * const gateway: OrderGateway = createRestClient({ adapter, credentials })
 * ```
 */
export interface OrderGateway {
  /** True when credentials with trade permission are configured (the live executor refuses to start otherwise). */
  hasCredentials(): boolean
  /** Places an order; resolves with the order as accepted. */
  createOrder(params: CreateOrderParams, options?: GatewayCallOptions): Promise<Order>
  /** Validates an order without creating it; same answer shape as `createOrder`. */
  testOrder(params: CreateOrderParams, options?: GatewayCallOptions): Promise<Order>
  /** Cancels an order; resolves with the order as accepted (the cancel may be asynchronous). */
  cancelOrder(ref: OrderRef, options?: GatewayCallOptions): Promise<Order>
  /** One order, with its fills. */
  getOrder(ref: OrderRef, options?: GatewayCallOptions): Promise<Order>
  /** Every balance of the account. */
  getBalances(options?: GatewayCallOptions): Promise<readonly Balance[]>
}
