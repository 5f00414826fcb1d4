import type { ExchangeAdapter } from './types.js'
import { upbit } from './upbit/index.js'

/**
 * Every adapter in this package, by exchange id. A test checks that each has the same shape;
 * add a new exchange here (see ADDING_AN_EXCHANGE.md).
 *
 * @example
 * ```ts
 * import { adapters } from '@bb/exchange-adapter'
 * Object.keys(adapters) // ['upbit']
 * ```
 */
export const adapters: Readonly<Record<string, ExchangeAdapter>> = { upbit }
