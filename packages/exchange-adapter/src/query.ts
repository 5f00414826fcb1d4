import type { BodyValue, QueryParam } from './types.js'

function encodeValue(value: string): string {
  // Commas separate list values (`markets=BTC-USD,ETH-USD`) and are legal in a query: keep them.
  const encoded = encodeURIComponent(value)
  return encoded.includes('%2C') ? encoded.replaceAll('%2C', ',') : encoded
}

function encodeKey(key: string): string {
  // Array parameter names end in `[]`, and the brackets are sent unencoded.
  return key.endsWith('[]') ? `${encodeURIComponent(key.slice(0, -2))}[]` : encodeURIComponent(key)
}

/**
 * Formats query parameters for a URL, in order, values URL-encoded and the `[]` of array names
 * left as is. No leading `?`.
 *
 * @example
 * ```ts
 * import { formatQuery } from '@bb/exchange-adapter'
 * formatQuery([['market', 'BTC-USD'], ['states[]', 'wait'], ['to', '2025-06-24T13:56:53+09:00']])
 * // 'market=BTC-USD&states[]=wait&to=2025-06-24T13%3A56%3A53%2B09%3A00'
 * ```
 */
export function formatQuery(query: readonly QueryParam[]): string {
  let out = ''
  for (const [key, value] of query) out += `${out === '' ? '' : '&'}${encodeKey(key)}=${encodeValue(value)}`
  return out
}

/**
 * The query string exactly as it is hashed for a signature: same order, nothing encoded
 * (e.g. a signed query hash).
 *
 * @example
 * ```ts
 * import { rawQueryString } from '@bb/exchange-adapter'
 * rawQueryString([['market', 'BTC-USD'], ['states[]', 'wait'], ['states[]', 'watch']])
 * // 'market=BTC-USD&states[]=wait&states[]=watch'
 * ```
 */
export function rawQueryString(query: readonly QueryParam[]): string {
  let out = ''
  for (const [key, value] of query) out += `${out === '' ? '' : '&'}${key}=${value}`
  return out
}

/**
 * A JSON body rendered as the query string that is hashed for a signature: key order kept,
 * unencoded, arrays as repeated `key[]=v`, `null`/`undefined` left out.
 *
 * @example
 * ```ts
 * import { bodyQueryString } from '@bb/exchange-adapter'
 * bodyQueryString({ market: 'BTC-USD', side: 'bid', volume: '0.01', price: '100000000', ord_type: 'limit' })
 * // 'market=BTC-USD&side=bid&volume=0.01&price=100000000&ord_type=limit'
 * ```
 */
export function bodyQueryString(body: Readonly<Record<string, BodyValue | null | undefined>>): string {
  const pairs: QueryParam[] = []
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) {
      const name = key.endsWith('[]') ? key : `${key}[]`
      for (const item of value as readonly string[]) pairs.push([name, String(item)])
    } else pairs.push([key, String(value)])
  }
  return rawQueryString(pairs)
}
