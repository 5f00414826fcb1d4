import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ExchangeAdapter } from '@bb/exchange-adapter'
import type { Decimal, Trade } from '@bb/models'
import { type BackboneEvent, type BackboneHealth, createBackbone } from '@bb/router'
import { createPrometheusMetrics } from '@bb/router/prometheus'
import type { Subscription } from 'rxjs'
import {
  type EndpointFlags,
  formatDecimal,
  formatPct,
  marketEndpoints,
  paintMarketCell,
  palette,
  table,
} from '../common.js'

/** Flags of `bb demo`. */
export interface DemoFlags extends EndpointFlags {
  duration?: string | undefined
  markets?: string | undefined
  'metrics-port'?: string | undefined
  fault?: boolean | undefined
}

interface Row {
  symbol: string
  price?: Decimal
  change?: Decimal
  tickerSource?: string
  spread?: Decimal
  bookSource?: string
  tradeTimes: number[]
  tradeSource?: string
}

const DEFAULT_MARKETS: Readonly<Record<string, readonly string[]>> = {
  upbit: ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL', 'KRW-DOGE', 'KRW-ADA'],
  binance: ['BTCUSDT', 'ETHUSDT', 'XRPUSDT', 'SOLUSDT', 'DOGEUSDT', 'ADAUSDT'],
}

/** The smallest book the exchange streams (the spread needs only the first level). */
function smallestBook(exchange: ExchangeAdapter): number {
  return Math.min(...exchange.capabilities.orderbookDepths.ws)
}

/**
 * The main job: a live terminal view of several markets through one backbone — price, change,
 * spread, trades/s, where each value came from, channel health — with a WebSocket outage
 * midway to show failover and back-fill, and a summary proving nothing was lost or duplicated.
 */
export async function demo(flags: DemoFlags, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const durationS = Number(flags.duration ?? 40)
  const where = await marketEndpoints(flags, { markets: 12, tradesPerSecond: 3 })
  const markets = flags.markets
    ? flags.markets.split(',').map((s) => where.exchange.symbols.normalize(s.trim().toUpperCase()))
    : [...(DEFAULT_MARKETS[where.exchange.id] ?? [])]
  const prometheus = createPrometheusMetrics()
  const backbone = createBackbone({
    exchange: where.exchange,
    restUrl: where.restUrl,
    wsUrl: where.wsUrl,
    metrics: prometheus,
    pollIntervalMs: { ticker: 500, trades: 500, orderbook: 500 },
    ws: { reconnect: { initialDelayMs: 200, maxDelayMs: 2000 } },
  })
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      prometheus.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': prometheus.registry.contentType })
        res.end(text)
      })
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) =>
    server.listen(Number(flags['metrics-port'] ?? 0), '127.0.0.1', resolve),
  )
  const metricsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`

  const rows = new Map<string, Row>(markets.map((symbol) => [symbol, { symbol, tradeTimes: [] }]))
  const delivered = new Map<string, Trade[]>(markets.map((s) => [s, []]))
  const log: string[] = []
  let health: BackboneHealth | undefined
  let outages = 0
  let previousLink: string | undefined
  let loggedRecovering = false
  const started = Date.now()
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`
  const note = (line: string) => {
    log.push(`${stamp()}  ${line}`)
    if (log.length > 6) log.shift()
    if (!out.isTTY) out.write(`${stamp()}  ${line}\n`)
  }

  // Events of many streams arrive together: one line per kind of event within 300 ms.
  const pending = new Map<string, string[]>()
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  const group = (text: string, items: readonly string[]) => {
    pending.set(text, [...(pending.get(text) ?? []), ...items])
    flushTimer ??= setTimeout(() => {
      flushTimer = undefined
      for (const [line, list] of pending) note(`${line} (${[...new Set(list)].join(', ')})`)
      pending.clear()
    }, 300)
  }

  const subscriptions: Subscription[] = [
    backbone.ticker$(markets).subscribe((t) => {
      const row = rows.get(t.marketId)!
      row.price = t.last
      row.change = t.changeRate
      row.tickerSource = t.source
    }),
    backbone.orderbook$(markets, { depth: smallestBook(where.exchange) }).subscribe((b) => {
      const row = rows.get(b.marketId)!
      const bid = b.bids[0]?.price
      const ask = b.asks[0]?.price
      if (bid && ask) row.spread = ask.minus(bid)
      row.bookSource = b.source
    }),
    backbone.trades$(markets).subscribe((trade) => {
      const row = rows.get(trade.marketId)!
      row.tradeTimes.push(Date.now())
      row.tradeSource = trade.source
      delivered.get(trade.marketId)!.push(trade)
    }),
    backbone.health$.subscribe((h) => {
      health = h
    }),
    backbone.events$.subscribe((event: BackboneEvent) => {
      if (event.type === 'link') {
        // One outage is one line down, one line recovering (however often it re-drops) and one up.
        const newOutage = event.state === 'down' && previousLink !== 'recovering' && previousLink !== 'down'
        if (newOutage) {
          outages++
          loggedRecovering = false
        }
        const first = event.state === 'recovering' ? !loggedRecovering : event.state !== 'down' || newOutage
        if (event.state === 'recovering') loggedRecovering = true
        previousLink = event.state
        if (first) note(`websocket ${event.state}: ${event.reason}`)
      } else if (event.type === 'failover') group(`failover to REST polling: ${event.stream}`, event.symbols)
      else if (event.type === 'switchback')
        group(`switched back to the WebSocket: ${event.stream}`, event.symbols)
      else if (event.type === 'backfill-incomplete')
        note(
          `back-fill incomplete: ${event.symbol} trades after ${event.fromId} and before ${event.toId} not read`,
        )
      else if (event.type === 'backfill')
        group('back-filled trades from REST', [`${event.symbol} ${event.trades}`])
    }),
  ]

  // On a terminal the live view is drawn in the alternate screen, each frame over the last, so
  // the scrollback keeps nothing but the final frame and the summary written after leaving it.
  const colors = palette(out)
  const tty = out.isTTY === true
  let inAltScreen = false
  const enterAltScreen = () => {
    if (!tty || inAltScreen) return
    inAltScreen = true
    out.write('\x1b[?1049h\x1b[?25l')
    process.once('exit', leaveAltScreen)
  }
  function leaveAltScreen() {
    if (!inAltScreen) return
    inAltScreen = false
    out.write('\x1b[?25h\x1b[?1049l')
    process.off('exit', leaveAltScreen)
  }
  /** The WebSocket's state as the streams see it, with why (never "up" during an outage). */
  const linkText = (h: BackboneHealth): string => {
    const { state, reason, since } = h.link
    const paint = state === 'up' ? colors.green : state === 'down' ? colors.red : colors.yellow
    const age = ((Date.now() - since) / 1000).toFixed(1)
    return `${paint(state)} for ${age} s (${reason})`
  }
  const frame = () => {
    const now = Date.now()
    const lines = [
      `Backbone demo — ${where.label} — ${((now - started) / 1000).toFixed(1)} s / ${durationS} s`,
      `channels: WebSocket ${health ? linkText(health) : '…'}   REST ${health?.rest.state ?? '…'} (latency ${health ? health.rest.latencyEwmaMs.toFixed(1) : '-'} ms)   metrics ${metricsUrl}`,
      '',
      table(
        [
          ['market', 'price', 'change', 'spread', 'trades/s', 'ticker from', 'book from', 'trades from'],
          ...[...rows.values()].map((row) => {
            row.tradeTimes = row.tradeTimes.filter((t) => now - t < 5000)
            return [
              row.symbol,
              formatDecimal(row.price),
              row.change ? formatPct(row.change) : '-',
              formatDecimal(row.spread),
              (row.tradeTimes.length / 5).toFixed(1),
              row.tickerSource ?? '-',
              row.bookSource ?? '-',
              row.tradeSource ?? '-',
            ]
          }),
        ],
        [1, 2, 3, 4],
        (padded, cell, row) => (row === 0 ? colors.bold(padded) : paintMarketCell(colors, padded, cell)),
      ),
      '',
      ...log,
    ]
    return `${lines.join('\n')}\n`
  }
  const render = () => {
    enterAltScreen()
    out.write(`\x1b[H${frame().replaceAll('\n', '\x1b[K\n')}\x1b[J`)
  }
  if (tty) render()
  const interval = setInterval(() => {
    if (tty) render()
  }, 250)

  // Midway, cut the WebSocket for a few seconds (simulator only) to show failover and back-fill.
  const faultTimer =
    where.sim && flags.fault !== false
      ? setTimeout(
          () => {
            note('fault injected: the WebSocket is cut for 4 s (every connection dropped as it opens)')
            where.sim!.faults.dropConnections()
            where.sim!.faults.dropConnectionsEvery(150)
            setTimeout(() => {
              where.sim!.faults.clear()
              note('fault cleared: the WebSocket may reconnect')
            }, 4000)
          },
          (durationS * 1000) / 3,
        )
      : undefined

  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, durationS * 1000)
    process.once('SIGINT', () => {
      clearTimeout(timer)
      resolve()
    })
  })
  clearInterval(interval)
  if (faultTimer) clearTimeout(faultTimer)
  if (flushTimer) clearTimeout(flushTimer)
  // Let an in-flight back-fill finish before the books are closed.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  for (const subscription of subscriptions) subscription.unsubscribe()
  if (tty) {
    leaveAltScreen()
    out.write(frame())
  }

  const counters = backbone.metrics().counters
  const all = [...delivered.values()].flat()
  const duplicated = all.length - new Set(all.map((t) => `${t.symbol}:${t.id}`)).size
  let lost: number | undefined
  if (where.sim) {
    lost = 0
    for (const [symbol, trades] of delivered) {
      const emitted = where.sim.tradeIds(symbol)
      if (trades.length === 0 || emitted.length === 0) continue
      // From the first trade received (the WebSocket snapshot of the latest trade when the
      // subscription went live) to the last, every trade the sim emitted must have arrived. Trades
      // the sim emitted before the subscription existed were never ours to receive.
      const got = new Set(trades.map((t) => t.id))
      const first = BigInt(trades[0]!.id)
      const last = BigInt(trades.at(-1)!.id)
      lost += emitted.filter((id) => BigInt(id) >= first && BigInt(id) <= last && !got.has(id)).length
    }
  }
  const bySource = (source: string) => all.filter((t) => t.source === source).length
  out.write(
    `\nSummary (${((Date.now() - started) / 1000).toFixed(1)} s, ${markets.length} markets)\n${table(
      [
        ['WebSocket messages', counters.ws_messages_total.toLocaleString('en-US')],
        ['REST requests', counters.rest_requests_total.toLocaleString('en-US')],
        [
          'trades delivered',
          `${all.length.toLocaleString('en-US')} (ws ${bySource('ws')}, rest ${bySource('rest')})`,
        ],
        ['back-filled trades', String(counters.backfilled_trades_total)],
        ['WebSocket outages', String(outages)],
        [
          'failovers / switch-backs',
          `${counters.failovers_total} / ${counters.switchbacks_total} (per outage: one per followed stream — trades and local books per market)`,
        ],
        ['reconnects', String(counters.ws_reconnects_total)],
        ['lost', lost === undefined ? 'n/a (live: no ground truth)' : String(lost)],
        ['duplicated', String(duplicated)],
      ],
      [],
    )}\n`,
  )
  await backbone.close()
  await new Promise((resolve) => server.close(resolve))
  await where.close()
  return lost === 0 || lost === undefined ? (duplicated === 0 ? 0 : 1) : 1
}
