import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { UsageError } from './common.js'

/** How a flag's text is checked and what it means; `undefined` = free text. */
type Check =
  | 'seconds'
  | 'positive'
  | 'count'
  | 'depth'
  | 'port'
  | 'seed'
  | 'amount'
  | 'markets'
  | 'exchange'
  | 'percent'
  | 'premium'
  | 'simExchange'

/** One flag of a command, as its help shows it. */
interface OptionSpec {
  readonly name: string
  readonly type: 'string' | 'boolean'
  /** Placeholder of the value in the help (`SECONDS`). */
  readonly value?: string
  readonly description: string
  readonly check?: Check
}

/** One command: its synopsis, its summary and the flags it accepts. */
export interface CommandSpec {
  readonly name: string
  readonly synopsis: string
  readonly summary: string
  readonly options: readonly OptionSpec[]
  /** Flags that cannot be given together, with the reason shown. */
  readonly conflicts?: readonly (readonly [string, string, string])[]
}

const ENDPOINT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'live',
    type: 'boolean',
    description: 'use the real api.upbit.com instead of the embedded simulator',
  },
  {
    name: 'rest-url',
    type: 'string',
    value: 'URL',
    description: 'REST base URL of an Upbit-compatible server (e.g. a running `bb sim`)',
  },
  { name: 'ws-url', type: 'string', value: 'URL', description: 'WebSocket URL of that server' },
  {
    name: 'seed',
    type: 'string',
    value: 'N',
    description: 'seed of the embedded simulator (default 42)',
    check: 'seed',
  },
]
/** `--exchange`: the market-data commands, the demo and `bb sim` speak Upbit (default) or Binance. */
const EXCHANGE_OPTION: OptionSpec = {
  name: 'exchange',
  type: 'string',
  value: 'ID',
  description:
    'upbit (default) or binance: the exchange of --live and of the embedded simulator, or the API that --rest-url/--ws-url speak (e.g. a `bb sim --exchange binance`)',
  check: 'exchange',
}
const MARKET_OPTIONS: readonly OptionSpec[] = [EXCHANGE_OPTION, ...ENDPOINT_OPTIONS]
const LIVE_OR_URLS = '--live means api.upbit.com: give either --live or --rest-url/--ws-url'
const ENDPOINT_CONFLICTS = [
  ['live', 'rest-url', LIVE_OR_URLS],
  ['live', 'ws-url', LIVE_OR_URLS],
] as const
/** Options of `bb arbitrage` and `bb depth`: endpoints, staleness and how long the live view runs. */
const CROSS_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'live',
    type: 'boolean',
    description: 'read the real exchanges instead of embedded simulators',
  },
  ENDPOINT_OPTIONS[3] as OptionSpec,
  {
    name: 'max-age',
    type: 'string',
    value: 'MS',
    description: 'an input older than this (exchange time) is refused, not used (default 5000)',
    check: 'count',
  },
  {
    name: 'interval',
    type: 'string',
    value: 'SECONDS',
    description: 'at most one update per this long (default 0.5)',
    check: 'seconds',
  },
  {
    name: 'updates',
    type: 'string',
    value: 'N',
    description: 'stop after N updates',
    check: 'count',
  },
  { name: 'once', type: 'boolean', description: 'print one update and stop' },
  { name: 'json', type: 'boolean', description: 'one JSON object per update (decimals as exact text)' },
  {
    name: 'duration',
    type: 'string',
    value: 'SECONDS',
    description: 'stop after this long (default: until Ctrl-C)',
    check: 'seconds',
  },
]
const HELP: OptionSpec = { name: 'help', type: 'boolean', description: 'show this help' }

/** Every command of `bb`, in the order the usage lists them. */
const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'demo',
    synopsis: 'bb demo [options]',
    summary:
      'live view of several markets through one backbone, with a WebSocket outage midway; ends with a lost/duplicated summary',
    options: [
      {
        name: 'duration',
        type: 'string',
        value: 'SECONDS',
        description: 'how long to run (default 40)',
        check: 'seconds',
      },
      {
        name: 'markets',
        type: 'string',
        value: 'LIST',
        description:
          'comma-separated markets (default KRW-BTC,KRW-ETH,KRW-XRP,KRW-SOL,KRW-DOGE,KRW-ADA; with --exchange binance BTCUSDT,ETHUSDT,XRPUSDT,SOLUSDT,DOGEUSDT,ADAUSDT)',
      },
      { name: 'no-fault', type: 'boolean', description: 'do not cut the WebSocket midway' },
      {
        name: 'metrics-port',
        type: 'string',
        value: 'PORT',
        description: 'port of the Prometheus /metrics endpoint (default: any free port)',
        check: 'port',
      },
      ...MARKET_OPTIONS,
    ],
    conflicts: ENDPOINT_CONFLICTS,
  },
  {
    name: 'dashboard',
    synopsis: 'bb dashboard [options]',
    summary:
      'the web dashboard on 127.0.0.1: live markets with sources and channel health, decisions and why-not, dry-run',
    options: [
      {
        name: 'port',
        type: 'string',
        value: 'PORT',
        description: 'port on 127.0.0.1, 0 to 65535 (default 0: any free port)',
        check: 'port',
      },
      {
        name: 'markets',
        type: 'string',
        value: 'LIST',
        description: 'comma-separated markets (default KRW-BTC,KRW-ETH,KRW-XRP,KRW-SOL,KRW-DOGE,KRW-ADA)',
      },
      {
        name: 'duration',
        type: 'string',
        value: 'SECONDS',
        description: 'stop after this long (default: until Ctrl-C)',
        check: 'seconds',
      },
      ...ENDPOINT_OPTIONS,
    ],
    conflicts: ENDPOINT_CONFLICTS,
  },
  {
    name: 'keys add',
    synopsis: 'bb keys add NAME [options]',
    summary:
      'stores exchange API keys encrypted (scrypt + AES-256-GCM); keys from UPBIT_ACCESS_KEY/UPBIT_SECRET_KEY or stdin, passphrase from BB_KEYS_PASSPHRASE',
    options: [
      {
        name: 'file',
        type: 'string',
        value: 'PATH',
        description: 'the key file (default $BB_KEYS_FILE, else ~/.backbone/keys.json)',
      },
    ],
  },
  {
    name: 'keys list',
    synopsis: 'bb keys list [options]',
    summary: 'lists the stored keys (names and access-key hints, never a secret)',
    options: [
      {
        name: 'file',
        type: 'string',
        value: 'PATH',
        description: 'the key file (default $BB_KEYS_FILE, else ~/.backbone/keys.json)',
      },
    ],
  },
  {
    name: 'keys remove',
    synopsis: 'bb keys remove NAME [options]',
    summary: 'removes a stored key',
    options: [
      {
        name: 'file',
        type: 'string',
        value: 'PATH',
        description: 'the key file (default $BB_KEYS_FILE, else ~/.backbone/keys.json)',
      },
    ],
  },
  {
    name: 'ticker',
    synopsis: 'bb ticker MARKET [MARKET …] [options]',
    summary: 'a table of tickers, each marked with where it came from',
    options: MARKET_OPTIONS,
    conflicts: ENDPOINT_CONFLICTS,
  },
  {
    name: 'orderbook',
    synopsis: 'bb orderbook MARKET [options]',
    summary: 'the order book, asks above bids',
    options: [
      {
        name: 'depth',
        type: 'string',
        value: 'N',
        description: 'levels per side, 1 to 30 (default 10)',
        check: 'depth',
      },
      ...MARKET_OPTIONS,
    ],
    conflicts: ENDPOINT_CONFLICTS,
  },
  {
    name: 'watch',
    synopsis: 'bb watch trades|ticker|orderbook MARKET [MARKET …] [options]',
    summary: 'one line per value until the duration ends or Ctrl-C',
    options: [
      {
        name: 'duration',
        type: 'string',
        value: 'SECONDS',
        description: 'how long to watch (default: until Ctrl-C)',
        check: 'seconds',
      },
      ...MARKET_OPTIONS,
    ],
    conflicts: ENDPOINT_CONFLICTS,
  },
  {
    name: 'candles',
    synopsis: 'bb candles MARKET INTERVAL [options]',
    summary: 'candle history of any size as CSV, with a progress bar on stderr',
    options: [
      {
        name: 'count',
        type: 'string',
        value: 'N',
        description: 'the latest N candles (before --to, if given; default 200)',
        check: 'count',
      },
      {
        name: 'from',
        type: 'string',
        value: 'TIME',
        description: 'oldest candle to include: ISO-8601 or ms since the epoch',
      },
      {
        name: 'to',
        type: 'string',
        value: 'TIME',
        description: 'end of the range, exclusive (default now)',
      },
      { name: 'out', type: 'string', value: 'FILE', description: 'write the CSV to FILE instead of stdout' },
      ...MARKET_OPTIONS,
    ],
    conflicts: [
      ['count', 'from', 'use --count N (the latest N candles) or --from/--to (a time range), not both'],
      ...ENDPOINT_CONFLICTS,
    ],
  },
  {
    name: 'arbitrage',
    synopsis: 'bb arbitrage BASE [options]',
    summary:
      'live cross-exchange table of one base asset: sell here / buy there net of taker fees, executable size, bps, premium, FX source, staleness (embedded simulators on one price path unless --live)',
    options: [
      {
        name: 'exchanges',
        type: 'string',
        value: 'LIST',
        description:
          'comma-separated exchanges of upbit, binance and coinone, at least two (default upbit,binance)',
      },
      {
        name: 'premium',
        type: 'string',
        value: 'PCT',
        description:
          'premium of the KRW markets of the embedded simulators over USDT × FX, percent (default 2)',
        check: 'premium',
      },
      {
        name: 'fx',
        type: 'string',
        value: 'RATE',
        description: 'KRW per USDT of the embedded simulators (default 1400)',
        check: 'positive',
      },
      ...CROSS_OPTIONS,
    ],
    conflicts: [
      [
        'live',
        'premium',
        '--premium and --fx shape the embedded simulators; --live reads the real exchanges',
      ],
      ['live', 'fx', '--premium and --fx shape the embedded simulators; --live reads the real exchanges'],
      ['once', 'updates', '--once is --updates 1'],
    ],
  },
  {
    name: 'depth',
    synopsis: 'bb depth MARKET [options]',
    summary:
      'live liquidity of one order book: spread bps, depth within ±band % of mid, imbalance, slippage of a notional both ways',
    options: [
      {
        name: 'exchange',
        type: 'string',
        value: 'ID',
        description: 'upbit (default), binance or coinone',
        check: 'simExchange',
      },
      {
        name: 'band',
        type: 'string',
        value: 'PCT',
        description: 'band around mid, percent, more than 0 and less than 100 (default 1)',
        check: 'percent',
      },
      {
        name: 'notional',
        type: 'string',
        value: 'AMOUNT',
        description: 'quote notional to price the slippage of (default 10000000 KRW, 10000 USDT)',
        check: 'amount',
      },
      ...CROSS_OPTIONS,
    ],
    conflicts: [['once', 'updates', '--once is --updates 1']],
  },
  {
    name: 'sim',
    synopsis: 'bb sim [options]',
    summary: 'runs the Upbit-compatible simulator (or its Binance or Coinone profile) and prints its URLs',
    options: [
      {
        name: 'exchange',
        type: 'string',
        value: 'ID',
        description: 'upbit (default), binance or coinone: the API the simulator speaks',
        check: 'simExchange',
      },
      {
        name: 'port',
        type: 'string',
        value: 'PORT',
        description: 'port to listen on, 0 to 65535 (default 0: any free port)',
        check: 'port',
      },
      {
        name: 'seed',
        type: 'string',
        value: 'N',
        description: 'seed of the market (default 42)',
        check: 'seed',
      },
      {
        name: 'markets',
        type: 'string',
        value: 'N',
        description: 'number of markets listed (default 30)',
        check: 'markets',
      },
      {
        name: 'speed',
        type: 'string',
        value: 'X',
        description: 'simulated seconds per real second (default 1)',
        check: 'positive',
      },
      {
        name: 'duration',
        type: 'string',
        value: 'SECONDS',
        description: 'stop after this long (default: until Ctrl-C)',
        check: 'seconds',
      },
    ],
  },
  {
    name: 'serve',
    synopsis: 'bb serve [options]',
    summary:
      'the one process on the exchange WebSocket: publishes trades, tickers and books to Redis or NATS under a fenced lease (run two for failover); /metrics and /health',
    options: [
      {
        name: 'bus',
        type: 'string',
        value: 'URL',
        description: 'redis://host:port or nats://host:port (default redis://127.0.0.1:6379)',
      },
      {
        name: 'markets',
        type: 'string',
        value: 'LIST',
        description: 'comma-separated markets always published (default KRW-BTC,KRW-ETH; "" for demand only)',
      },
      {
        name: 'no-demand',
        type: 'boolean',
        description:
          "publish only --markets: ignore the markets consumers ask for (by default serve adds them, debounced within the exchange's WebSocket limits)",
      },
      {
        name: 'demand-grace-ms',
        type: 'string',
        value: 'MS',
        description:
          "how long a market stays subscribed after its last consumer's demand lapsed (default 5000)",
        check: 'positive',
      },
      {
        name: 'channels',
        type: 'string',
        value: 'LIST',
        description: 'comma-separated channels: trade, ticker, orderbook (default all)',
      },
      {
        name: 'instance',
        type: 'string',
        value: 'ID',
        description: 'this instance id (default a random UUID)',
      },
      {
        name: 'lease-ms',
        type: 'string',
        value: 'MS',
        description:
          'lease time-to-live in ms; a standby takes over this long after the leader dies (default 3000)',
        check: 'positive',
      },
      {
        name: 'metrics-port',
        type: 'string',
        value: 'PORT',
        description: 'port of /metrics and /health (default: any free port)',
        check: 'port',
      },
      {
        name: 'duration',
        type: 'string',
        value: 'SECONDS',
        description: 'stop after this long (default: until Ctrl-C)',
        check: 'seconds',
      },
      ...ENDPOINT_OPTIONS,
    ],
    conflicts: ENDPOINT_CONFLICTS,
  },
  {
    name: 'strategy run',
    synopsis: 'bb strategy run [options]',
    summary:
      'the seven rules in dry-run on live data (the simulator, sped up, with an announced crash and surge), every decision explained',
    options: [
      {
        name: 'symbols',
        type: 'string',
        value: 'LIST',
        description: 'comma-separated markets (default KRW-BTC,KRW-ETH)',
      },
      {
        name: 'duration',
        type: 'string',
        value: 'SECONDS',
        description: 'how long to run (default 60)',
        check: 'seconds',
      },
      {
        name: 'speed',
        type: 'string',
        value: 'X',
        description: 'simulated seconds per real second of the embedded simulator (default 60)',
        check: 'positive',
      },
      {
        name: 'balance',
        type: 'string',
        value: 'AMOUNT',
        description: 'paper balance in the quote currency (default 10000000)',
        check: 'amount',
      },
      ...ENDPOINT_OPTIONS,
    ],
    conflicts: ENDPOINT_CONFLICTS,
  },
  {
    name: 'backtest',
    synopsis: 'bb backtest MARKET [options]',
    summary: 'downloads history and backtests the seven rules on it',
    options: [
      {
        name: 'interval',
        type: 'string',
        value: 'INTERVAL',
        description: 'candle interval (default 1m)',
      },
      {
        name: 'count',
        type: 'string',
        value: 'N',
        description: 'number of candles (default 5000)',
        check: 'count',
      },
      {
        name: 'balance',
        type: 'string',
        value: 'AMOUNT',
        description: 'initial balance in the quote currency (default 10000000)',
        check: 'amount',
      },
      {
        name: 'out',
        type: 'string',
        value: 'FILE',
        description: 'write the report to FILE (.json, or .csv for the trades)',
      },
      ...ENDPOINT_OPTIONS,
    ],
    conflicts: ENDPOINT_CONFLICTS,
  },
]

/** The version of `bb` (its package.json). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version

const wrap = (text: string, width: number, indent: string): string => {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines.join(`\n${indent}`)
}

/** The usage of `bb`: every command with its summary. */
export function usage(): string {
  return [
    `bb ${VERSION} — Backbone market data on the command line`,
    '',
    ...COMMANDS.flatMap((c) => [`  ${c.synopsis}`, `      ${wrap(c.summary, 90, '      ')}`]),
    '',
    '  bb help COMMAND | bb COMMAND --help    the options of one command',
    '  bb --version                           the version',
    '',
    'Data comes from a simulator started in-process unless --live (the real api.upbit.com) or',
    '--rest-url/--ws-url are given. Orders are never placed: strategies run in dry-run.',
  ].join('\n')
}

/** The help of one command: synopsis, summary and an option table. */
export function commandHelp(command: CommandSpec): string {
  const rows = [...command.options, HELP].map((o) => [
    `--${o.name}${o.value ? ` ${o.value}` : ''}`,
    o.description,
  ])
  const width = Math.max(...rows.map(([flag]) => flag!.length))
  return [
    `usage: ${command.synopsis}`,
    '',
    `  ${command.summary}`,
    '',
    'options:',
    ...rows.map(([flag, text]) => `  ${flag!.padEnd(width)}  ${wrap(text!, 70, ' '.repeat(width + 4))}`),
    ...(command.conflicts?.length
      ? ['', 'not together:', ...command.conflicts.map(([a, b, why]) => `  --${a} with --${b}: ${why}`)]
      : []),
  ].join('\n')
}

/** Looks a command up by its words (`['strategy', 'run']`). */
function findCommand(words: readonly string[]): CommandSpec | undefined {
  const two = words.slice(0, 2).join(' ')
  return COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === words[0])
}

const CHECKS: Record<Check, { ok: (text: string) => boolean; want: string }> = {
  seconds: {
    ok: (t) => /^\d+(\.\d+)?$/.test(t) && Number(t) > 0,
    want: 'a number of seconds greater than 0',
  },
  positive: { ok: (t) => /^\d+(\.\d+)?$/.test(t) && Number(t) > 0, want: 'a number greater than 0' },
  count: {
    ok: (t) => /^\d+$/.test(t) && Number.isSafeInteger(Number(t)) && Number(t) >= 1,
    want: 'a whole number ≥ 1',
  },
  depth: {
    ok: (t) => /^\d+$/.test(t) && Number(t) >= 1 && Number(t) <= 30,
    want: 'a whole number from 1 to 30',
  },
  port: { ok: (t) => /^\d+$/.test(t) && Number(t) <= 65_535, want: 'a port number from 0 to 65535' },
  seed: { ok: (t) => /^\d+$/.test(t) && Number.isSafeInteger(Number(t)), want: 'a whole number ≥ 0' },
  markets: {
    ok: (t) => /^\d+$/.test(t) && Number(t) >= 1 && Number(t) <= 1_000,
    want: 'a whole number from 1 to 1000',
  },
  exchange: { ok: (t) => t === 'upbit' || t === 'binance', want: 'upbit or binance' },
  percent: {
    ok: (t) => /^\d+(\.\d+)?$/.test(t) && Number(t) > 0 && Number(t) < 100,
    want: 'a percent more than 0 and less than 100 (e.g. 0.5)',
  },
  premium: {
    ok: (t) => /^-?\d+(\.\d+)?$/.test(t) && Number(t) > -100 && Number(t) < 1000,
    want: 'a percent from -100 to 1000, exclusive (e.g. 2.5 or -1)',
  },
  /** The exchanges with a simulator profile: `bb sim`, and `bb depth` / `bb arbitrage` on embedded simulators. */
  simExchange: {
    ok: (t) => t === 'upbit' || t === 'binance' || t === 'coinone',
    want: 'upbit, binance or coinone',
  },
  amount: {
    ok: (t) => /^\d+(\.\d+)?$/.test(t) && Number(t) > 0,
    want: 'an amount greater than 0 (e.g. 10000000)',
  },
}

/** What the command line asked for. */
export type Parsed =
  | { kind: 'usage'; code: 0 | 2 }
  | { kind: 'version' }
  | { kind: 'help'; command: CommandSpec }
  | { kind: 'run'; command: CommandSpec; args: string[]; flags: Record<string, string | boolean | undefined> }

const ALL_OPTIONS = Object.fromEntries(
  [...COMMANDS.flatMap((c) => c.options), HELP, { name: 'version', type: 'boolean' }].map((o) => [
    o.name,
    o.type === 'boolean' ? { type: 'boolean' as const } : { type: 'string' as const },
  ]),
)

/**
 * Parses and checks a command line: unknown commands and flags, missing values, numbers that are
 * not numbers and conflicting flags are `UsageError`s with one clear sentence.
 */
export function parseCommandLine(argv: readonly string[]): Parsed {
  const { positionals, tokens } = parseArgs({
    args: [...argv],
    options: {
      ...ALL_OPTIONS,
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  const options = tokens.filter((t) => t.kind === 'option')
  const given = new Set(options.map((t) => t.name))
  if (given.has('version')) return { kind: 'version' }
  const words = positionals[0] === 'help' ? positionals.slice(1) : positionals
  if (words.length === 0)
    return { kind: 'usage', code: given.has('help') || positionals[0] === 'help' ? 0 : 2 }
  const command = findCommand(words)
  if (!command) {
    const name = words[0] === 'strategy' ? `strategy ${words[1] ?? ''}`.trim() : words[0]
    throw new UsageError(
      words[0] === 'strategy'
        ? `unknown command "bb ${name}": the strategy command is \`bb strategy run\``
        : `unknown command "${name}": run \`bb help\` for the list of commands`,
    )
  }
  if (positionals[0] === 'help' || given.has('help')) return { kind: 'help', command }
  const see = `(\`bb help ${command.name}\` lists its options)`
  const flags: Record<string, string | boolean | undefined> = {}
  for (const token of options) {
    const spec = command.options.find((o) => o.name === token.name)
    if (!spec) throw new UsageError(`unknown option ${token.rawName} for \`bb ${command.name}\` ${see}`)
    if (spec.type === 'boolean') {
      if (token.value !== undefined)
        throw new UsageError(`--${spec.name} takes no value (got "${token.value}")`)
      flags[spec.name] = true
      continue
    }
    if (token.value === undefined)
      throw new UsageError(`--${spec.name} needs a value: --${spec.name} ${spec.value ?? 'VALUE'} ${see}`)
    if (spec.check && !CHECKS[spec.check].ok(token.value))
      throw new UsageError(`--${spec.name} must be ${CHECKS[spec.check].want}, got "${token.value}"`)
    flags[spec.name] = token.value
  }
  for (const [a, b, why] of command.conflicts ?? [])
    if (flags[a] !== undefined && flags[b] !== undefined)
      throw new UsageError(`--${a} and --${b} conflict: ${why}`)
  return { kind: 'run', command, args: words.slice(command.name.split(' ').length), flags }
}
