import { describeValue, InvalidRequestError } from '@bb/errors'
import type { ExchangeAdapter } from './types.js'

/**
 * A set of adapters by exchange id: how a router or an app turns `exchange: '<id>'` into an
 * adapter without knowing any exchange itself. Exchange packages each export their adapter; the
 * app (or a package that picks defaults, such as `@bb/router`) builds the registry from them.
 */
export interface AdapterRegistry {
  /** The registered exchange ids, in registration order. */
  readonly ids: readonly string[]
  /** The adapters by id (a frozen, prototype-free record). */
  readonly byId: Readonly<Record<string, ExchangeAdapter>>
  /** True when an adapter with this id is registered. */
  has(id: string): boolean
  /** The adapter of an id; throws `InvalidRequestError` (param `exchange`) naming the id and the known ones. */
  get(id: string): ExchangeAdapter
  /** An id (looked up) or an adapter object (checked and returned as is). */
  resolve(exchange: string | ExchangeAdapter): ExchangeAdapter
}

function isAdapter(value: unknown): value is ExchangeAdapter {
  if (value === null || typeof value !== 'object') return false
  const v = value as Partial<ExchangeAdapter>
  return (
    typeof v.id === 'string' &&
    v.id !== '' &&
    typeof v.rest === 'object' &&
    typeof v.ws === 'object' &&
    typeof v.fieldMaps === 'object' &&
    typeof v.symbols === 'object'
  )
}

/**
 * Builds an {@link AdapterRegistry} from adapter objects. Throws `InvalidRequestError`
 * (param `adapters`) for a value that is not an adapter or for two adapters with one id.
 *
 * @example
 * ```ts
 * import { createAdapterRegistry, type ExchangeAdapter } from '@bb/exchange-adapter'
 * declare const myExchange: ExchangeAdapter
 * const registry = createAdapterRegistry([myExchange])
 * registry.get(myExchange.id) === myExchange // true
 * registry.ids // [myExchange.id]
 * ```
 */
export function createAdapterRegistry(adapters: readonly ExchangeAdapter[]): AdapterRegistry {
  if (!Array.isArray(adapters)) {
    throw new InvalidRequestError({
      param: 'adapters',
      message: `"adapters" must be an array of exchange adapters (got ${describeValue(adapters)}).`,
    })
  }
  const byId: Record<string, ExchangeAdapter> = Object.create(null)
  for (const adapter of adapters) {
    if (!isAdapter(adapter)) {
      throw new InvalidRequestError({
        param: 'adapters',
        message: `Every element of "adapters" must be an exchange adapter (got ${describeValue(adapter)}).`,
      })
    }
    if (byId[adapter.id] !== undefined) {
      throw new InvalidRequestError({
        param: 'adapters',
        message: `Two adapters share the id ${describeValue(adapter.id)}.`,
      })
    }
    byId[adapter.id] = adapter
  }
  Object.freeze(byId)
  const ids = Object.freeze(Object.keys(byId))
  const has = (id: string) => typeof id === 'string' && byId[id] !== undefined
  const get = (id: string): ExchangeAdapter => {
    const adapter = typeof id === 'string' ? byId[id] : undefined
    if (adapter === undefined) {
      throw new InvalidRequestError({
        param: 'exchange',
        message: `Unknown exchange ${describeValue(id)}: use one of ${ids.join(', ') || '(none registered)'} or pass an adapter.`,
      })
    }
    return adapter
  }
  const resolve = (exchange: string | ExchangeAdapter): ExchangeAdapter => {
    if (typeof exchange === 'string') return get(exchange)
    if (isAdapter(exchange)) return exchange
    throw new InvalidRequestError({
      param: 'exchange',
      message: `"exchange" must be an exchange id (${ids.join(', ')}) or an adapter (got ${describeValue(exchange)}).`,
    })
  }
  return Object.freeze({ ids, byId, has, get, resolve })
}
