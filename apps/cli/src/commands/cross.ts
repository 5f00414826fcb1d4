import {
  type Arbitrage,
  type BookLiquidity,
  depth as depthOperator,
  isRefusal,
  type Refusal,
  spread$,
  topOfBook,
} from '@bb/analytics'
import { binance } from '@bb/binance'
import { coinone } from '@bb/coinone'
import { UnknownSymbolError } from '@bb/errors'
import type { ExchangeAdapter } from '@bb/exchange-adapter'
import type { Decimal, OrderbookSnapshot } from '@bb/models'
import { createMultiBackbone, type ExchangeBackboneOptions, type MultiBackbone } from '@bb/router'
import type { SimReferenceOptions } from '@bb/sim'
import { upbit } from '@bb/upbit'
import { type Observable, type Subscription, tap } from 'rxjs'
import { formatDecimal, palette, runFor, table, UsageError } from '../common.js'

/**
 * The exchanges `bb arbitrage` and `bb depth` know: the adapter, the quote currency its base is
 * traded against here, and how to start its embedded simulator. A new exchange is one entry.
 */
interface ExchangeEntry {
  readonly adapter: ExchangeAdapter
  /** The quote of the market `bb arbitrage BASE` uses on this exchange. */
  readonly quote: string
  /** The FX market this exchange lists (unified `BASE/QUOTE`), if any: the FX source of the table. */
  readonly fx?: string
  /** Starts the embedded simulator; `reference` makes it follow the shared price path. */
  startSim(options: SimSetup): Promise<{ restUrl: string; wsUrl: string; close(): Promise<void> }>
}

/** What every embedded simulator of one command run shares. */
interface SimSetup {
  readonly seed: number
  readonly startTime: number
  readonly reference: SimReferenceOptions
}

/** Trades per second of the busiest embedded market: books must stay fresher than `--max-age`. */
const SIM_TRADES_PER_SECOND = 4

const EXCHANGES: Readonly<Record<string, ExchangeEntry>> = {
  upbit: {
    adapter: upbit,
    quote: 'KRW',
    fx: 'USDT/KRW',
    async startSim({ seed, startTime, reference }) {
      const { startSim } = await import('@bb/sim')
      // The whole built-in list (its last market is the FX market KRW-USDT), on the shared path.
      const sim = await startSim({
        port: 0,
        seed,
        startTime,
        markets: 48,
        tradesPerSecond: SIM_TRADES_PER_SECOND,
        reference,
      })
      return { restUrl: sim.restUrl, wsUrl: sim.wsUrl, close: () => sim.close() }
    },
  },
  binance: {
    adapter: binance,
    quote: 'USDT',
    async startSim({ seed, startTime }) {
      const { startSim } = await import('@bb/sim')
      // The reference path itself (its default listing, which `reference` of the others names).
      const sim = await startSim({
        exchange: 'binance',
        port: 0,
        seed,
        startTime,
        tradesPerSecond: SIM_TRADES_PER_SECOND,
      })
      return { restUrl: sim.restUrl, wsUrl: sim.streamUrl, close: () => sim.close() }
    },
  },
  coinone: {
    adapter: coinone,
    quote: 'KRW',
    async startSim({ seed, startTime, reference }) {
      const { startSim } = await import('@bb/sim')
      // Its KRW pairs on the shared path, at the same KRW premium as Upbit's.
      const sim = await startSim({
        exchange: 'coinone',
        port: 0,
        seed,
        startTime,
        tradesPerSecond: SIM_TRADES_PER_SECOND,
        reference,
      })
      return { restUrl: sim.restUrl, wsUrl: sim.wsUrl, close: () => sim.close() }
    },
  },
}

const KNOWN = Object.keys(EXCHANGES)

/** Flags of `bb arbitrage` and `bb depth`. */
export interface CrossFlags {
  live?: boolean | undefined
  seed?: string | undefined
  exchange?: string | undefined
  exchanges?: string | undefined
  premium?: string | undefined
  fx?: string | undefined
  band?: string | undefined
  notional?: string | undefined
  'max-age'?: string | undefined
  interval?: string | undefined
  updates?: string | undefined
  once?: boolean | undefined
  json?: boolean | undefined
  duration?: string | undefined
}

function entryOf(id: string): ExchangeEntry {
  const entry = EXCHANGES[id]
  if (!entry) throw new UsageError(`unknown exchange "${id}": use one of ${KNOWN.join(', ')}`)
  return entry
}

/** `--exchanges a,b`: known, distinct, at least two. */
function exchangeList(text: string | undefined): string[] {
  const ids = (text ?? 'upbit,binance').split(',').map((s) => s.trim().toLowerCase())
  for (const id of ids) entryOf(id)
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i)
  if (repeated) throw new UsageError(`--exchanges names ${repeated} twice`)
  if (ids.length < 2)
    throw new UsageError(`--exchanges needs at least two exchanges (of ${KNOWN.join(', ')}), got "${text}"`)
  return ids
}

/** A base asset: letters and digits (`BTC`). */
function baseOf(text: string | undefined): string {
  if (!text) throw new UsageError('bb arbitrage needs a base asset, e.g. bb arbitrage BTC')
  const base = text.toUpperCase()
  if (!/^[A-Z0-9]{1,15}$/.test(base))
    throw new UsageError(`the base asset must be letters and digits (e.g. BTC), got "${text}"`)
  return base
}

/** How many table updates to print before stopping (`--once` = 1, `--updates N`, else unbounded). */
function updatesOf(flags: CrossFlags): number | undefined {
  if (flags.once) return 1
  return flags.updates !== undefined ? Number(flags.updates) : undefined
}

/**
 * The multi backbone over `ids`: the real exchanges with `--live`, else one embedded simulator per
 * exchange on one shared price path (the same seed and start time, `--premium` and `--fx`).
 */
async function openBackbone(
  ids: readonly string[],
  flags: CrossFlags,
): Promise<{ bb: MultiBackbone; label: string; close(): Promise<void> }> {
  if (flags.live) {
    const bb = createMultiBackbone({ exchanges: ids.map((id) => entryOf(id).adapter) })
    return { bb, label: `live: ${ids.join(', ')}`, close: () => bb.close() }
  }
  const setup: SimSetup = {
    seed: Number(flags.seed ?? 42),
    startTime: Date.now(),
    reference: { fx: { KRW: Number(flags.fx ?? 1400) }, premiumPct: Number(flags.premium ?? 2) },
  }
  const sims: { restUrl: string; wsUrl: string; close(): Promise<void> }[] = []
  const closeSims = async () => {
    for (const sim of sims.splice(0)) await sim.close()
  }
  try {
    const exchanges: Record<string, ExchangeBackboneOptions> = {}
    for (const id of ids) {
      const sim = await entryOf(id).startSim(setup)
      sims.push(sim)
      exchanges[id] = { restUrl: sim.restUrl, wsUrl: sim.wsUrl }
    }
    const bb = createMultiBackbone({ exchanges })
    return {
      bb,
      label: `embedded simulators (premium ${setup.reference.premiumPct} %, FX ${setup.reference.fx?.KRW} KRW/USDT)`,
      close: async () => {
        await bb.close()
        await closeSims()
      },
    }
  } catch (error) {
    await closeSims()
    throw error
  }
}

/** Checks that `symbol` is listed on `exchange`; returns its native id. */
async function listed(bb: MultiBackbone, exchange: string, symbol: string): Promise<string> {
  const marketId = bb.adapter(exchange).symbols.normalize(symbol)
  const markets = await bb.getMarkets({ exchange })
  if (!markets.some((m) => m.marketId === marketId))
    throw new UnknownSymbolError({ symbol, exchange, hint: bb.adapter(exchange).symbols.format })
  return marketId
}

/**
 * Prints `values` (a table per value, or a JSON line with `--json`) until `--updates`, `--duration`
 * or Ctrl-C; the stream's error is the command's.
 */
async function present<T>(
  values: Observable<T>,
  flags: CrossFlags,
  render: (value: T) => { text: string; json: unknown },
  out: NodeJS.WritableStream & { isTTY?: boolean },
): Promise<number> {
  const limit = updatesOf(flags)
  const intervalMs = flags.interval !== undefined ? Number(flags.interval) * 1000 : 500
  const live = out.isTTY === true && !flags.json
  let failure: unknown
  let count = 0
  let last = 0
  let subscription: Subscription | undefined
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      resolve()
    }
    subscription = values.subscribe({
      next: (value) => {
        // Throttled to one update per --interval (the first at once); counted, so tests stop by count.
        const now = Date.now()
        if (count > 0 && now - last < intervalMs) return
        last = now
        count++
        const { text, json } = render(value)
        if (flags.json) out.write(`${JSON.stringify(json)}\n`)
        else out.write(live ? `\x1b[H\x1b[2J${text}\n` : `${text}\n\n`)
        if (limit !== undefined && count >= limit) stop()
      },
      error: (error) => {
        failure = error
        stop()
      },
      complete: stop,
    })
    process.once('SIGINT', stop)
    if (flags.duration !== undefined) void runFor(Number(flags.duration)).then(stop)
  })
  subscription?.unsubscribe()
  if (failure) throw failure
  return 0
}

const bps = (d: { toFixed(n: number): string }) => d.toFixed(1)

/** JSON of a Decimal-bearing value: decimals as exact text. */
function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) =>
      v !== null && typeof v === 'object' && 'toFixed' in v && 'd' in v ? String(v) : v,
    ),
  )
}

/**
 * `bb arbitrage BASE --exchanges upbit,binance`: a live table of every ordered pair — sell into
 * the bids here, buy the asks there, net of taker fees — with the executable size, profit, bps,
 * the premium of mids, the FX source and the inputs' age.
 */
export async function arbitrageCommand(
  baseText: string | undefined,
  flags: CrossFlags,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Promise<number> {
  const base = baseOf(baseText)
  const ids = exchangeList(flags.exchanges)
  const maxAgeMs = flags['max-age'] !== undefined ? Number(flags['max-age']) : undefined
  // Different quotes need an FX market: the first listed exchange that has one, else the first
  // known exchange that has one, opened for its FX ticker only (`--exchanges coinone,binance`
  // converts through upbit's USDT/KRW, named in the fx column).
  const quotes = new Set(ids.map((id) => entryOf(id).quote))
  const fxExchange =
    quotes.size > 1 ? (ids.find((id) => entryOf(id).fx) ?? KNOWN.find((id) => entryOf(id).fx)) : undefined
  const where = await openBackbone(
    fxExchange && !ids.includes(fxExchange) ? [...ids, fxExchange] : ids,
    flags,
  )
  const { bb } = where
  try {
    const markets = ids.map((id) => ({ id, symbol: `${base}/${entryOf(id).quote}` }))
    // In order, so that the first exchange that does not list the market is the one named.
    const marketIds: string[] = []
    for (const m of markets) marketIds.push(await listed(bb, m.id, m.symbol))
    const fees = Object.fromEntries(
      markets.map((m, i) => [m.id, bb.adapter(m.id).market.fees(marketIds[i] as string).taker]),
    )
    const fxSymbol = fxExchange ? entryOf(fxExchange).fx : undefined
    if (fxExchange && fxSymbol) await listed(bb, fxExchange, fxSymbol)
    const fx =
      fxExchange && fxSymbol
        ? { name: `${fxExchange} ${fxSymbol}`, ticker$: bb.ticker$(fxSymbol, { exchange: fxExchange }) }
        : undefined
    const colors = palette(out)
    /** The latest mid of each exchange's book, for the premium column. */
    const mids = new Map<string, Decimal>()
    const noteMid = (book: OrderbookSnapshot) => {
      const top = topOfBook(book)
      if ('mid' in top) mids.set(book.exchange, top.mid)
      else mids.delete(book.exchange)
    }
    const snapshots = spread$({
      books: markets.map((m) => bb.orderbook$(m.symbol, { exchange: m.id }).pipe(tap(noteMid))),
      fees,
      ...(fx ? { fx } : {}),
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
    })
    return await present(
      snapshots,
      flags,
      ({ at, pairs }) => {
        const rows = pairs.map((p) => row(p, at, mids))
        const header = `${base} arbitrage — ${where.label} — ${new Date(at).toISOString()}`
        const text = `${colors.bold(header)}\n${table(
          [
            ['sell', 'buy', 'net bps', `size ${base}`, 'profit', 'profit bps', 'premium', 'fx', 'age ms'],
            ...rows.map((r) => r.cells),
          ],
          [2, 3, 4, 5, 6, 8],
        )}`
        return { text, json: { base, at, pairs: rows.map((r) => r.json) } }
      },
      out,
    )
  } finally {
    await where.close()
  }
}

/**
 * One table row of a pair. The premium is of the sell market's mid over the buy market's, converted
 * at the pair's FX rate: `mid_sell / (mid_buy × fx) − 1`.
 */
function row(
  p: Arbitrage | Refusal,
  at: number,
  mids: ReadonlyMap<string, Decimal>,
): { cells: string[]; json: unknown } {
  if (isRefusal(p)) {
    const [sell, buy] = p.inputs
    return {
      cells: [
        sell ? `${sell.exchange} ${sell.symbol}` : '-',
        buy ? `${buy.exchange} ${buy.symbol}` : '-',
        `refused${p.stale ? ' (stale)' : ''}: ${p.reason}`,
        '',
        '',
        '',
        '',
        '',
        '',
      ],
      json: { refused: true, stale: p.stale, reason: p.reason, inputs: p.inputs },
    }
  }
  const ageMs = at - Math.min(p.sell.timestamp, p.buy.timestamp, p.fx?.input.timestamp ?? Infinity)
  const sellMid = mids.get(p.sell.exchange)
  const buyMid = mids.get(p.buy.exchange)
  const premium = sellMid && buyMid ? sellMid.div(buyMid.times(p.fx?.rate ?? 1)).minus(1) : undefined
  return {
    cells: [
      `${p.sell.exchange} ${p.sell.symbol}`,
      `${p.buy.exchange} ${p.buy.symbol}`,
      bps(p.netSpreadBps),
      formatDecimal(p.size, 6),
      `${formatDecimal(p.profit, 2)} ${p.quote}`,
      bps(p.profitBps),
      premium === undefined ? '-' : `${premium.times(100).toFixed(3)}%`,
      p.fx ? `${p.fx.name} ${p.fx.rate.toSignificantDigits(8).toString()}` : 'same quote',
      String(ageMs),
    ],
    json: { ...(plain(p) as object), premium: premium?.toString(), ageMs },
  }
}

/** The `--notional` of `bb depth` when none is given, by quote currency (else 1,000 of the quote). */
const DEFAULT_NOTIONALS: Readonly<Record<string, string>> = { KRW: '10000000', USDT: '10000' }

/**
 * `bb depth BASE/QUOTE [--exchange x]`: per order book, the spread in bps, the depth within
 * ±`--band` % of mid on both sides, the imbalance, and the slippage of `--notional` both ways.
 */
export async function depthCommand(
  symbol: string | undefined,
  flags: CrossFlags,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Promise<number> {
  if (!symbol) throw new UsageError('bb depth needs a market, e.g. bb depth BTC/KRW')
  const exchange = (flags.exchange ?? 'upbit').toLowerCase()
  entryOf(exchange)
  const bandPct = flags.band ?? '1'
  const maxAgeMs = flags['max-age'] !== undefined ? Number(flags['max-age']) : undefined
  const where = await openBackbone([exchange], flags)
  const { bb } = where
  try {
    const marketId = await listed(bb, exchange, symbol)
    const quote = (await bb.getMarkets({ exchange })).find((m) => m.marketId === marketId)?.quote ?? ''
    const notional = flags.notional ?? DEFAULT_NOTIONALS[quote] ?? '1000'
    const colors = palette(out)
    const values = bb
      .orderbook$(symbol, { exchange })
      .pipe(
        depthOperator({ bandPct, notionals: [notional], ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) }),
      )
    return await present(
      values,
      flags,
      (v) => {
        if (isRefusal(v)) {
          return {
            text: `${v.inputs[0]?.exchange ?? exchange} ${symbol}: refused${v.stale ? ' (stale)' : ''}: ${v.reason}`,
            json: { refused: true, stale: v.stale, reason: v.reason, inputs: v.inputs },
          }
        }
        return { text: depthTable(v, colors.bold, where.label), json: plain(v) }
      },
      out,
    )
  } finally {
    await where.close()
  }
}

function depthTable(v: BookLiquidity, bold: (s: string) => string, label: string): string {
  const slip = v.slippage[0]
  const fill = (f: NonNullable<typeof slip>['buy']) =>
    f.averagePrice === undefined
      ? 'nothing fills'
      : `avg ${formatDecimal(f.averagePrice.toSignificantDigits(10))}  ${bps(f.slippageBps!)} bps${f.complete ? '' : ` (partial: ${formatDecimal(f.filledQuote, 2)} ${v.quote})`}`
  const age = v.input.receivedAt - v.input.timestamp
  return `${bold(`${v.input.exchange} ${v.input.symbol} depth — ${label} — ${new Date(v.input.timestamp).toISOString()} (${v.input.source})`)}\n${table(
    [
      ['', 'value'],
      ['best bid / ask', `${formatDecimal(v.bestBid)} / ${formatDecimal(v.bestAsk)}`],
      ['mid', formatDecimal(v.mid)],
      ['spread bps', bps(v.spreadBps)],
      [
        `bids within -${v.bandPct} %`,
        `${formatDecimal(v.bidDepth.base, 6)} (${formatDecimal(v.bidDepth.quote, 0)} ${v.quote})`,
      ],
      [
        `asks within +${v.bandPct} %`,
        `${formatDecimal(v.askDepth.base, 6)} (${formatDecimal(v.askDepth.quote, 0)} ${v.quote})`,
      ],
      ['imbalance', v.imbalance === undefined ? '-' : v.imbalance.toFixed(3)],
      ...(slip
        ? [
            [`buy ${formatDecimal(slip.buy.notional)} ${v.quote}`, fill(slip.buy)],
            [`sell ${formatDecimal(slip.sell.notional)} ${v.quote}`, fill(slip.sell)],
          ]
        : []),
      ['receive lag ms', String(age)],
    ],
    [],
  )}`
}
