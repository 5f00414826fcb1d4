import { binance } from '@bb/binance'
import { BackboneError, NetworkError, TimeoutError } from '@bb/errors'
import type { ExchangeAdapter } from '@bb/exchange-adapter'
import type { Decimal } from '@bb/models'
import type { BinanceSim, Sim, SimFaults, StartSimOptions } from '@bb/sim'
import { upbit } from '@bb/upbit'

/** Where a command gets its data: the embedded simulator (default) or explicit / real URLs. */
export interface Endpoints {
  restUrl: string
  wsUrl: string
  privateWsUrl: string
  sim: Sim | undefined
  label: string
  close(): Promise<void>
}

/** Options shared by the data commands. */
export interface EndpointFlags {
  live?: boolean | undefined
  'rest-url'?: string | undefined
  'ws-url'?: string | undefined
  seed?: string | undefined
  /** `upbit` (default) or `binance`: only the market-data commands, the demo and `bb sim` take it. */
  exchange?: string | undefined
}

/** The exchange of `--exchange` (`upbit` when not given). */
function exchangeOf(flags: Pick<EndpointFlags, 'exchange'>): ExchangeAdapter {
  if (flags.exchange === undefined || flags.exchange === 'upbit') return upbit
  if (flags.exchange === 'binance') return binance
  throw new UsageError(`--exchange must be upbit or binance, got "${flags.exchange}"`)
}

/** Where a market-data command gets its data, on either exchange; `sim` is the embedded one's ground truth. */
export interface MarketEndpoints {
  readonly exchange: ExchangeAdapter
  readonly restUrl: string
  readonly wsUrl: string
  readonly label: string
  /** The embedded simulator's faults and tape (trade ids as text, oldest first), if one runs. */
  readonly sim: { readonly faults: SimFaults; tradeIds(symbol: string): string[] } | undefined
  close(): Promise<void>
}

/**
 * `--exchange binance` → the Binance API (`--live`: api.binance.com; `--rest-url/--ws-url`: a
 * Binance-compatible server such as `bb sim --exchange binance`; otherwise the simulator's Binance
 * profile in-process); else as {@link endpoints}.
 */
export async function marketEndpoints(
  flags: EndpointFlags,
  simOptions: { markets?: number; tradesPerSecond?: number } = {},
): Promise<MarketEndpoints> {
  const exchange = exchangeOf(flags)
  if (exchange.id === 'upbit') {
    const where = await endpoints(flags, simOptions)
    const sim = where.sim
    return {
      exchange,
      restUrl: where.restUrl,
      wsUrl: where.wsUrl,
      label: where.label,
      sim: sim
        ? { faults: sim.faults, tradeIds: (s) => sim.emittedTrades(s).map((t) => t.sequentialId) }
        : undefined,
      close: () => where.close(),
    }
  }
  if (flags.live || flags['rest-url'] || flags['ws-url']) {
    const restUrl = flags.live ? exchange.rest.baseUrl : (flags['rest-url'] ?? exchange.rest.baseUrl)
    const wsUrl = flags.live ? exchange.ws.urls.public : (flags['ws-url'] ?? exchange.ws.urls.public)
    return {
      exchange,
      restUrl,
      wsUrl,
      label: flags.live ? `live: ${new URL(restUrl).host}` : (flags['rest-url'] ?? flags['ws-url'] ?? ''),
      sim: undefined,
      close: async () => {},
    }
  }
  const { startSim } = await import('@bb/sim')
  const sim: BinanceSim = await startSim({
    exchange: 'binance',
    port: 0,
    seed: Number(flags.seed ?? 42),
    ...(simOptions.markets !== undefined ? { markets: Math.min(10, simOptions.markets) } : {}),
    ...(simOptions.tradesPerSecond !== undefined ? { tradesPerSecond: simOptions.tradesPerSecond } : {}),
  })
  return {
    exchange,
    restUrl: sim.restUrl,
    wsUrl: sim.streamUrl,
    label: `embedded simulator (Binance) ${sim.restUrl}`,
    sim: { faults: sim.faults, tradeIds: (s) => sim.emittedTradeIds(s) },
    close: () => sim.close(),
  }
}

/** `--live` → api.upbit.com; `--rest-url/--ws-url` → those; otherwise a simulator started in-process. */
export async function endpoints(flags: EndpointFlags, simOptions: StartSimOptions = {}): Promise<Endpoints> {
  if (flags.live) {
    return {
      restUrl: upbit.rest.baseUrl,
      wsUrl: upbit.ws.urls.public,
      privateWsUrl: upbit.ws.urls.private,
      sim: undefined,
      label: 'live: api.upbit.com',
      close: async () => {},
    }
  }
  if (flags['rest-url'] || flags['ws-url']) {
    return {
      restUrl: flags['rest-url'] ?? upbit.rest.baseUrl,
      wsUrl: flags['ws-url'] ?? upbit.ws.urls.public,
      privateWsUrl: upbit.ws.urls.private,
      sim: undefined,
      label: flags['rest-url'] ?? flags['ws-url'] ?? '',
      close: async () => {},
    }
  }
  const { startSim } = await import('@bb/sim')
  const sim = await startSim({ port: 0, seed: Number(flags.seed ?? 42), ...simOptions })
  return {
    restUrl: sim.restUrl,
    wsUrl: sim.wsUrl,
    privateWsUrl: sim.privateWsUrl,
    sim,
    label: `embedded simulator ${sim.restUrl}`,
    close: () => sim.close(),
  }
}

/** A usage mistake: printed with the usage hint, exit code 2. */
export class UsageError extends Error {}

/** One line for any failure: the Backbone error's sentence, plus a hint for network trouble. */
export function describeError(error: unknown): string {
  if (error instanceof UsageError) return error.message
  if (BackboneError.isInstance(error)) {
    const hint =
      NetworkError.isInstance(error) || TimeoutError.isInstance(error)
        ? ' (unreachable: check --rest-url/--ws-url, or drop --live to use the embedded simulator)'
        : ''
    return `${error.shortMessage}${hint}`
  }
  return error instanceof Error ? error.message : String(error)
}

const grouping = new Intl.NumberFormat('en-US', { maximumFractionDigits: 8 })

/** A Decimal with thousands separators, exactly (no float conversion of the digits). */
export function formatDecimal(value: Decimal | undefined, places?: number): string {
  if (value === undefined) return '-'
  const text = places === undefined ? value.toFixed() : value.toFixed(places)
  const [int, frac] = text.split('.')
  const sign = int!.startsWith('-') ? '-' : ''
  const digits = int!.replace('-', '')
  const grouped = grouping.format(BigInt(digits))
  return `${sign}${grouped}${frac ? `.${frac}` : ''}`
}

/** `+1.23%` from a ratio. */
export function formatPct(ratio: Decimal | number): string {
  const pct = typeof ratio === 'number' ? ratio * 100 : ratio.times(100).toNumber()
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(2)}%`
}

/** A text progress bar: `[#####.....] 50% 5,000/10,000`. */
export function progressBar(done: number, total: number, width = 30): string {
  const share = total > 0 ? Math.min(1, done / total) : 0
  const filled = Math.round(share * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`
}

/** Parses a time flag: ISO-8601 text or ms since the epoch. */
export function parseTime(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
  if (!Number.isFinite(ms))
    throw new UsageError(
      `--${name} ${JSON.stringify(value)} is not a time: use ISO-8601 (2025-06-24T00:00:00Z) or ms since the epoch`,
    )
  return ms
}

/** Resolves when the duration passes or on Ctrl-C. */
export function runFor(seconds: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done)
      clearTimeout(timer)
      resolve()
    }
    const timer =
      seconds !== undefined && Number.isFinite(seconds) ? setTimeout(done, seconds * 1000) : undefined
    process.once('SIGINT', done)
  })
}

/** Pads a table of rows into aligned columns; `paint` colours a padded cell (rows counted from 0). */
export function table(
  rows: string[][],
  alignRight: number[] = [],
  paint?: (padded: string, cell: string, row: number, col: number) => string,
): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)))
  return rows
    .map((row, r) =>
      row
        .map((cell, col) => {
          const padded = alignRight.includes(col) ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)
          return paint ? paint(padded, cell, r, col) : padded
        })
        .join('  '),
    )
    .join('\n')
}

/** ANSI colours, or the identity when colour is off. */
export interface Palette {
  readonly enabled: boolean
  green(text: string): string
  red(text: string): string
  yellow(text: string): string
  cyan(text: string): string
  dim(text: string): string
  bold(text: string): string
}

/**
 * Colour only for a terminal: on when `stream` is a TTY, off when it is not (a pipe, a file, CI
 * logs) and whenever `NO_COLOR` is set to anything but the empty string (https://no-color.org).
 */
export function palette(
  stream: { isTTY?: boolean | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Palette {
  const enabled = stream.isTTY === true && !env.NO_COLOR
  const sgr = (open: number, close: number) => (text: string) =>
    enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text
  return {
    enabled,
    green: sgr(32, 39),
    red: sgr(31, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    dim: sgr(2, 22),
    bold: sgr(1, 22),
  }
}

/** Colours a signed change (`+1.23%` green, `-0.50%` red) and a source (`ws`, `rest`, `cache`). */
export function paintMarketCell(colors: Palette, padded: string, cell: string): string {
  if (/^\+\d/.test(cell) && !/^\+0\.00%$/.test(cell)) return colors.green(padded)
  if (/^-\d/.test(cell)) return colors.red(padded)
  if (cell === 'ws') return colors.green(padded)
  if (cell === 'rest') return colors.yellow(padded)
  if (cell === 'cache') return colors.cyan(padded)
  return padded
}
