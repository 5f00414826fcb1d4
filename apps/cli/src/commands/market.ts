import { writeFileSync } from 'node:fs'
import { UnknownSymbolError } from '@bb/errors'
import { type Candle, parseCandleInterval } from '@bb/models'
import { createBackbone, type MarketDataBackbone } from '@bb/router'
import type { Subscription } from 'rxjs'
import {
  type EndpointFlags,
  formatDecimal,
  formatPct,
  marketEndpoints,
  paintMarketCell,
  palette,
  parseTime,
  progressBar,
  runFor,
  table,
  UsageError,
} from '../common.js'

/**
 * Checks markets against the exchange's list before anything else is asked, so that one unknown
 * market is named on its own (the exchange fails a whole batch for it) and a stream of a market
 * that does not exist fails at once instead of staying silent. Unreachable endpoints fail here too.
 */
export async function checkMarkets(
  backbone: MarketDataBackbone,
  symbols: readonly string[],
): Promise<string[]> {
  const normalized = symbols.map((s) => backbone.adapter.symbols.normalize(s))
  const listed = new Set((await backbone.getMarkets()).map((m) => m.marketId))
  const unknown = normalized.filter((s) => !listed.has(s))
  if (unknown.length > 0)
    throw new UnknownSymbolError({ symbol: unknown.join(', '), exchange: backbone.adapter.id })
  return normalized
}

async function withBackbone<T>(
  flags: EndpointFlags,
  run: (backbone: MarketDataBackbone) => Promise<T>,
  simOptions = {},
): Promise<T> {
  const where = await marketEndpoints(flags, simOptions)
  const backbone = createBackbone({ exchange: where.exchange, restUrl: where.restUrl, wsUrl: where.wsUrl })
  try {
    return await run(backbone)
  } finally {
    await backbone.close()
    await where.close()
  }
}

/** `bb ticker KRW-BTC [KRW-ETH …]`: one table of tickers. */
export async function ticker(symbols: string[], flags: EndpointFlags, out = process.stdout): Promise<number> {
  if (symbols.length === 0)
    throw new UsageError('bb ticker needs at least one market, e.g. bb ticker KRW-BTC')
  const colors = palette(out)
  return withBackbone(flags, async (backbone) => {
    const tickers = await backbone.getTickers(await checkMarkets(backbone, symbols))
    out.write(
      `${table(
        [
          ['market', 'last', 'change', 'high', 'low', 'volume 24h', 'turnover 24h', 'source'],
          ...tickers.map((t) => [
            t.symbol,
            formatDecimal(t.last),
            formatPct(t.changeRate),
            formatDecimal(t.high),
            formatDecimal(t.low),
            formatDecimal(t.volume24h, 4),
            formatDecimal(t.quoteVolume24h, 0),
            t.source,
          ]),
        ],
        [1, 2, 3, 4, 5, 6],
        (padded, cell, row) => (row === 0 ? colors.bold(padded) : paintMarketCell(colors, padded, cell)),
      )}\n`,
    )
    return 0
  })
}

/** `bb orderbook KRW-BTC [--depth 10]`: asks above bids. */
export async function orderbook(
  symbol: string | undefined,
  flags: EndpointFlags & { depth?: string },
  out = process.stdout,
) {
  if (!symbol) throw new UsageError('bb orderbook needs a market, e.g. bb orderbook KRW-BTC')
  const depth = Number(flags.depth ?? 10)
  return withBackbone(flags, async (backbone) => {
    const [market] = await checkMarkets(backbone, [symbol])
    const book = await backbone.getOrderbook(market!)
    const asks = book.asks.slice(0, depth).reverse()
    const bids = book.bids.slice(0, depth)
    out.write(
      `${book.symbol} order book (${new Date(book.timestamp).toISOString()}, source ${book.source})\n${table(
        [
          ['side', 'price', 'size'],
          ...asks.map((l) => ['ask', formatDecimal(l.price), formatDecimal(l.size)]),
          ...bids.map((l) => ['bid', formatDecimal(l.price), formatDecimal(l.size)]),
        ],
        [1, 2],
      )}\n`,
    )
    return 0
  })
}

/** `bb watch trades|ticker|orderbook KRW-BTC … [--duration 10]`: a line per value until the duration or Ctrl-C. */
export async function watch(
  kind: string | undefined,
  symbols: string[],
  flags: EndpointFlags & { duration?: string },
  out = process.stdout,
): Promise<number> {
  if (kind !== 'trades' && kind !== 'ticker' && kind !== 'orderbook') {
    throw new UsageError(
      'bb watch needs a stream: trades, ticker or orderbook, e.g. bb watch trades KRW-BTC KRW-ETH',
    )
  }
  if (symbols.length === 0) throw new UsageError(`bb watch ${kind} needs at least one market`)
  return withBackbone(
    flags,
    async (backbone) => {
      const markets = await checkMarkets(backbone, symbols)
      const time = (ms: number) => new Date(ms).toISOString().slice(11, 23)
      let failure: unknown
      const onError = (error: unknown) => {
        failure = error
        process.emit('SIGINT')
      }
      let subscription: Subscription
      if (kind === 'trades') {
        subscription = backbone.trades$(markets).subscribe({
          next: (t) =>
            out.write(
              `${time(t.timestamp)}  ${t.symbol.padEnd(10)} ${t.side === 'buy' ? 'BUY ' : 'SELL'} ${formatDecimal(t.price).padStart(16)} × ${formatDecimal(t.size)}  id ${t.id}  (${t.source})\n`,
            ),
          error: onError,
        })
      } else if (kind === 'ticker') {
        subscription = backbone.ticker$(markets).subscribe({
          next: (t) =>
            out.write(
              `${time(t.timestamp)}  ${t.symbol.padEnd(10)} ${formatDecimal(t.last).padStart(16)}  ${formatPct(t.changeRate)}  (${t.source})\n`,
            ),
          error: onError,
        })
      } else {
        const depth = Math.min(...backbone.adapter.capabilities.orderbookDepths.ws)
        subscription = backbone.orderbook$(markets, { depth }).subscribe({
          next: (b) =>
            out.write(
              `${time(b.timestamp)}  ${b.symbol.padEnd(10)} bid ${formatDecimal(b.bids[0]?.price).padStart(14)}  ask ${formatDecimal(b.asks[0]?.price).padStart(14)}  (${b.source})\n`,
            ),
          error: onError,
        })
      }
      await runFor(flags.duration !== undefined ? Number(flags.duration) : undefined)
      subscription.unsubscribe()
      if (failure) throw failure
      return 0
    },
    { tradesPerSecond: 3 },
  )
}

/** `bb candles KRW-BTC 1m --from … --to … [--count N] --out file.csv`, with a progress bar. */
export async function candles(
  symbol: string | undefined,
  intervalText: string | undefined,
  flags: EndpointFlags & { from?: string; to?: string; count?: string; out?: string },
  out = process.stdout,
  err = process.stderr,
): Promise<number> {
  if (!symbol || !intervalText)
    throw new UsageError('bb candles needs a market and an interval, e.g. bb candles KRW-BTC 1m --count 1000')
  const interval = parseCandleInterval(intervalText)
  const from = parseTime(flags.from, 'from')
  const to = parseTime(flags.to, 'to')
  const count = flags.count !== undefined ? Number(flags.count) : from === undefined ? 200 : undefined
  return withBackbone(flags, async (backbone) => {
    const [market] = await checkMarkets(backbone, [symbol])
    const list: Candle[] = await backbone.getCandles(market!, interval, {
      ...(count !== undefined ? { count } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      onProgress: ({ done, total, requests }) =>
        err.write(`\r${progressBar(done, total)}  ${requests} requests`),
    })
    err.write('\n')
    const header = 'time,open,high,low,close,volume,quote_volume'
    const lines = list.map((c) =>
      [new Date(c.timestamp).toISOString(), c.open, c.high, c.low, c.close, c.volume, c.quoteVolume]
        .map(String)
        .join(','),
    )
    if (flags.out) {
      writeFileSync(flags.out, `${[header, ...lines].join('\n')}\n`)
      out.write(`${list.length} ${interval} candles of ${symbol} written to ${flags.out}\n`)
    } else {
      out.write(`${[header, ...lines].join('\n')}\n`)
    }
    return 0
  })
}
