import { DataValidationError } from '@bb/errors'
import { type Candle, type CandleInterval, parseCandle, parseCandleInterval } from '@bb/models'
import { parse } from 'csv-parse/sync'
import { describeValue, invalid, optionsBag } from './check.js'
import { type ExchangeRules, exchangeRulesOf, splitMarket } from './exchange.js'

/** Options of {@link parseCandlesCsv}. */
export interface ParseCandlesCsvOptions {
  /** The market, when the CSV has no `symbol` column: a native id or a unified `BASE/QUOTE` symbol. */
  readonly symbol?: string
  /** The interval, when the CSV has no `interval` column. */
  readonly interval?: CandleInterval
  /**
   * The exchange the candles come from (any `ExchangeAdapter`): its id stamps every candle and
   * its symbol rules split native ids into base and quote. Required: there is no default exchange.
   */
  readonly exchange: ExchangeRules
  /** The field delimiter. Default `,`. */
  readonly delimiter?: string
}

// Accepted header names (case-insensitive), including common exchange REST candle field names.
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

function parseTime(text: string, line: number): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text)
    // Seconds or milliseconds since the epoch.
    return value < 1e11 ? value * 1000 : value
  }
  // ISO text without an offset is UTC (as `candle_date_time_utc` style fields are).
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
 * Reads candles from CSV text (RFC 4180, with `csv-parse`: quoted fields may hold delimiters,
 * quotes and newlines; a byte-order mark is skipped) with a header row: `timestamp` (ms, seconds
 * or ISO-8601 UTC), `open`, `high`, `low`, `close`, `volume`, optionally `quote_volume`, `symbol`
 * and `interval` (REST field names such as `trade_price` or `candle_date_time_utc` work too).
 * Prices stay exact (Decimal). Rows are returned oldest first. A bad row throws
 * `DataValidationError` naming the line and the field.
 *
 * @example
 * ```ts
 * import { fixtureExchange } from '@bb/adapter-testing'
 * import { parseCandlesCsv } from '@bb/rules'
 * const exchange = fixtureExchange // the adapter of your exchange package
 * const candles = parseCandlesCsv(
 *   'timestamp,open,high,low,close,volume\n1735689600000,100,110,95,105,12.5\n',
 *   { exchange, symbol: 'BTC/USDT', interval: '1m' },
 * )
 * candles[0]?.close.toString() // '105'
 * ```
 */
export function parseCandlesCsv(text: string, options: ParseCandlesCsvOptions): Candle[] {
  if (typeof text !== 'string') throw invalid('text', `The CSV must be text (got ${describeValue(text)}).`)
  const opts = optionsBag(options, 'options', true)
  const exchange = exchangeRulesOf(opts.exchange, 'parseCandlesCsv')
  if (opts.delimiter !== undefined && (typeof opts.delimiter !== 'string' || opts.delimiter.length !== 1))
    throw invalid('delimiter', `"delimiter" must be one character (got ${describeValue(opts.delimiter)}).`)
  const rows = readRows(text, opts.delimiter ?? ',')
  if (rows.length === 0) throw invalid('text', 'The CSV is empty: it needs a header row and candles.')
  const header = rows[0]!.cells.map((name) => name.toLowerCase())
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
  for (const { cells, line } of rows.slice(1)) {
    const cell = (field: string): string | undefined => (at[field]! >= 0 ? cells[at[field]!] : undefined)
    const symbol = cell('symbol') || opts.symbol!
    let parts: { native: string; base: string; quote: string }
    try {
      parts = splitMarket(exchange, symbol)
    } catch (error) {
      throw new DataValidationError({
        path: `line ${line}.symbol`,
        expected: `a market of ${exchange.id} (${exchange.symbols.format}) or BASE/QUOTE`,
        received: symbol,
        cause: error,
      })
    }
    const { native, quote, base } = parts
    const timestamp = parseTime(cell('timestamp') ?? '', line)
    const close = cell('close')
    const volume = cell('volume') || '0'
    try {
      candles.push(
        parseCandle({
          exchange: exchange.id,
          symbol: `${base}/${quote}`,
          marketId: native,
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
          path: `line ${line}.${error.path}`,
          message: `Invalid candle on CSV line ${line}: ${error.shortMessage}`,
          cause: error,
        })
      throw error
    }
  }
  return candles.sort((a, b) => a.timestamp - b.timestamp)
}

/** The non-empty records of a CSV text, with the line each starts on (1-based). */
function readRows(text: string, delimiter: string): { cells: string[]; line: number }[] {
  try {
    const records = parse(text, {
      bom: true,
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[]
    // `info.lines` is the line a record ends on; quoted newlines inside it moved it down.
    return records.map(({ record, info }) => ({
      cells: record,
      line: info.lines - record.reduce((n, cell) => n + (cell.match(/\r\n|\n|\r/g)?.length ?? 0), 0),
    }))
  } catch (error) {
    const line = (error as { lines?: number }).lines
    throw new DataValidationError({
      path: line === undefined ? 'csv' : `line ${line}`,
      message: `The CSV cannot be read${line === undefined ? '' : ` at line ${line}`}: ${(error as Error).message}`,
      cause: error,
    })
  }
}

/** Escapes one CSV cell. @internal */
export function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
