import { DataValidationError } from '@bb/errors'
import type { FillRow } from '@bb/exchange-adapter'

type Raw = Readonly<Record<string, unknown>>

function bad(path: string, expected: string, received: unknown): never {
  throw new DataValidationError({ path, expected, received })
}

/**
 * Where each neutral fill field is in a `GET /api/v3/myTrades` row (BINANCE.md §5.1, row
 * `symbol, id, orderId, orderListId, price, qty, quoteQty, commission, commissionAsset, time,
 * isBuyer, isMaker, isBestMatch`). `orderId` becomes `SYMBOL:orderId`, the adapter's order id;
 * `isBuyer` (the account bought) is the side. `orderListId` and `isBestMatch` have no neutral
 * field and are not read.
 */
export const BINANCE_FILL_FIELDS = {
  marketId: 'symbol',
  id: 'id',
  orderId: 'orderId',
  side: 'isBuyer',
  price: 'price',
  size: 'qty',
  funds: 'quoteQty',
  fee: 'commission',
  feeCurrency: 'commissionAsset',
  isMaker: 'isMaker',
  timestamp: 'time',
} as const satisfies Readonly<Record<keyof FillRow, string>>

const DECIMAL = /^\d+(\.\d+)?$/

/** Decimal text exactly as sent: Binance sends prices and quantities as strings, never numbers. */
function decimal(row: Raw, key: string, path: string): string {
  const value = row[key]
  return typeof value === 'string' && DECIMAL.test(value)
    ? value
    : bad(`${path}.${key}`, 'non-negative decimal text', value)
}

/** An id exactly: digit text, a bigint, or a safe integer. */
function id(row: Raw, key: string, path: string): string {
  const value = row[key]
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return value
  if (typeof value === 'bigint' && value >= 0n) return value.toString()
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value)
  return bad(`${path}.${key}`, 'a non-negative integer id', value)
}

function boolean(row: Raw, key: string, path: string): boolean {
  const value = row[key]
  return typeof value === 'boolean' ? value : bad(`${path}.${key}`, 'true or false', value)
}

/**
 * Reads a `GET /api/v3/myTrades` answer (an array of rows) into neutral {@link FillRow}s through
 * {@link BINANCE_FILL_FIELDS}, decimals and ids exact. Every row must name `symbol` (the one
 * asked for, when `symbol` is given). Throws `DataValidationError` naming the row and field of a
 * body of another shape.
 *
 * @example
 * ```ts
 * import { binanceFillRows } from '@bb/binance'
 * binanceFillRows([{ symbol: 'BNBBTC', id: 28457, orderId: 100234, orderListId: -1, price: '4.00000100',
 *   qty: '12.00000000', quoteQty: '48.000012', commission: '10.10000000', commissionAsset: 'BNB',
 *   time: 1499865549590, isBuyer: true, isMaker: false, isBestMatch: true }])
 * // [{ marketId: 'BNBBTC', id: '28457', orderId: 'BNBBTC:100234', side: 'buy', price: '4.00000100', ... }]
 * ```
 */
export function binanceFillRows(body: unknown, symbol?: string): FillRow[] {
  if (!Array.isArray(body)) bad('', 'an array of myTrades rows', body)
  const f = BINANCE_FILL_FIELDS
  return body.map((value: unknown, i): FillRow => {
    const path = `[${i}]`
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      bad(path, 'a myTrades row', value)
    const row = value as Raw
    const marketId = row[f.marketId]
    if (typeof marketId !== 'string' || marketId === '' || (symbol !== undefined && marketId !== symbol))
      bad(`${path}.${f.marketId}`, symbol === undefined ? 'a symbol' : symbol, marketId)
    const time = row[f.timestamp]
    if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0)
      bad(`${path}.${f.timestamp}`, 'a ms timestamp', time)
    const feeCurrency = row[f.feeCurrency]
    if (feeCurrency !== undefined && (typeof feeCurrency !== 'string' || feeCurrency === ''))
      bad(`${path}.${f.feeCurrency}`, 'an asset', feeCurrency)
    return {
      marketId,
      id: id(row, f.id, path),
      orderId: `${marketId}:${id(row, f.orderId, path)}`,
      side: boolean(row, f.side, path) ? 'buy' : 'sell',
      price: decimal(row, f.price, path),
      size: decimal(row, f.size, path),
      funds: decimal(row, f.funds, path),
      fee: decimal(row, f.fee, path),
      ...(feeCurrency === undefined ? {} : { feeCurrency: feeCurrency as string }),
      isMaker: boolean(row, f.isMaker, path),
      timestamp: time,
    }
  })
}
