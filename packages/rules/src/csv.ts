import { DataValidationError } from '@bb/errors'
import { type Candle, type CandleInterval, parseCandle, parseCandleInterval, parseSymbol } from '@bb/models'
import { describeValue, invalid, optionsBag } from './check.js'

/** Options of {@link parseCandlesCsv}. */
export interface ParseCandlesCsvOptions {
  /** The market, when the CSV has no `symbol` column. */
  readonly symbol?: string
  /** The interval, when the CSV has no `interval` column. */
  readonly interval?: CandleInterval
}

// Accepted header names (case-insensitive), including Upbit's REST candle fields.
const COLUMNS: Readonly<Record<string, readonly string[]>> = {
  timestamp: ['timestamp', 'time', 'date', 'open_time', 'candle_date_time_utc'],
  open: ['open', 'opening_price'],
  high: ['high', 'high_price'],
  low: ['low', 'low_price'],
  close: ['close', 'trade_price', 'closing_price'],
  volume: ['volume', 'candle_acc_trade_volume'],
  quoteVolume: ['quote_volume', 'quotevolume', 'candle_acc_trade_price'],
  symbol: ['symbol', 'market', 'code'],
  interval: ['interval', 'unit'],
}

function splitLine(line: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"'
        i++
      } else if (char === '"') quoted = false
      else cell += char
    } else if (char === '"') quoted = true
    else if (char === ',') {
      cells.push(cell.trim())
      cell = ''
    } else cell += char
  }
  cells.push(cell.trim())
  return cells
}

function parseTime(text: string, line: number): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text)
    // Seconds or milliseconds since the epoch.
    return value < 1e11 ? value * 1000 : value
  }
  // ISO text without an offset is UTC (Upbit's candle_date_time_utc).
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`
  const value = Date.parse(iso)
  if (Number.isNaN(value))
    throw new DataValidationError({
      path: `line ${line}.timestamp`,
      expected: 'ms since epoch or ISO-8601',
      received: text,
    })
  return value
}

/**
 * Reads candles from CSV text with a header row: `timestamp` (ms, seconds or ISO-8601 UTC),
 * `open`, `high`, `low`, `close`, `volume`, optionally `quote_volume`, `symbol` and `interval`
 * (Upbit's REST field names such as `trade_price` or `candle_date_time_utc` work too). Prices stay
 * exact (Decimal). Rows are returned oldest first. A bad row throws `DataValidationError` naming
 * the line and the field.
 *
 * @example
 * ```ts
 * import { parseCandlesCsv } from '@bb/rules'
 * const candles = parseCandlesCsv(
 *   'timestamp,open,high,low,close,volume\n1735689600000,100,110,95,105,12.5\n',
 *   { symbol: 'KRW-BTC', interval: '1m' },
 * )
 * candles[0]?.close.toString() // '105'
 * ```
 */
export function parseCandlesCsv(text: string, options: ParseCandlesCsvOptions = {}): Candle[] {
  if (typeof text !== 'string') throw invalid('text', `The CSV must be text (got ${describeValue(text)}).`)
  const opts = optionsBag(options, 'options') ?? {}
  const lines = text.split(/\r?\n/)
  const headerIndex = lines.findIndex((line) => line.trim() !== '')
  if (headerIndex < 0) throw invalid('text', 'The CSV is empty: it needs a header row and candles.')
  const header = splitLine(lines[headerIndex]!).map((name) => name.toLowerCase())
  const column = (field: string): number => header.findIndex((name) => COLUMNS[field]!.includes(name))
  const at = Object.fromEntries(Object.keys(COLUMNS).map((field) => [field, column(field)])) as Record<
    string,
    number
  >
  for (const field of ['timestamp', 'open', 'high', 'low', 'close'])
    if (at[field]! < 0)
      throw new DataValidationError({
        path: `header.${field}`,
        expected: `a "${field}" column`,
        received: header.join(','),
      })
  if (at.symbol! < 0 && !opts.symbol)
    throw new DataValidationError({
      path: 'header.symbol',
      expected: 'a "symbol" column or the symbol option',
    })
  if (at.interval! < 0 && !opts.interval)
    throw new DataValidationError({
      path: 'header.interval',
      expected: 'an "interval" column or the interval option',
    })
  const candles: Candle[] = []
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i]!
    if (raw.trim() === '') continue
    const cells = splitLine(raw)
    const cell = (field: string): string | undefined => (at[field]! >= 0 ? cells[at[field]!] : undefined)
    const symbol = cell('symbol') || opts.symbol!
    const { quote, base } = parseSymbol(symbol)
    const timestamp = parseTime(cell('timestamp') ?? '', i + 1)
    const close = cell('close')
    const volume = cell('volume') || '0'
    try {
      candles.push(
        parseCandle({
          exchange: 'upbit',
          symbol,
          base,
          quote,
          timestamp,
          receivedAt: timestamp,
          source: 'rest',
          interval: cell('interval') ? parseCandleInterval(cell('interval')) : opts.interval,
          open: cell('open'),
          high: cell('high'),
          low: cell('low'),
          close,
          volume,
          quoteVolume: cell('quoteVolume') || '0',
        }),
      )
    } catch (error) {
      if (DataValidationError.isInstance(error))
        throw new DataValidationError({
          path: `line ${i + 1}.${error.path}`,
          message: `Invalid candle on CSV line ${i + 1}: ${error.shortMessage}`,
          cause: error,
        })
      throw error
    }
  }
  return candles.sort((a, b) => a.timestamp - b.timestamp)
}

/** Escapes one CSV cell. @internal */
export function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
