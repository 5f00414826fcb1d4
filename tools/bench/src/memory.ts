/**
 * The memory soak: RSS and heap of a program that follows trades, tickers and order books of 100
 * markets for 10 minutes, for raw `ws` + `JSON.parse` (the floor), ccxt.pro's `upbit` (the peer)
 * and the backbone (the library).
 *
 * The feed is the consumer harness's Upbit-format server (src/consumer/feed.ts, not @bb/sim) in
 * its own process, streaming every kind continuously at a paced rate (per market TRADE_RATE
 * trades/s, TICKER_RATE tickers/s, BOOK_RATE books/s). Each consumer runs alone in its own process
 * (one after the other, a fresh feed each), subscribes all MARKETS × 3 streams as its user would
 * (src/memory/consumer-process.ts) and samples process.memoryUsage() every SAMPLE_SECONDS from the first
 * streamed frame on, forcing no collection. Per consumer: RSS and heapUsed at the end of the
 * warm-up, at the end and their maximum after the warm-up; the least-squares slope of heapUsed
 * (and RSS) over the samples after the warm-up, in MB/min; the values handed to user code per kind,
 * and how many markets each kind reached.
 *
 * Run: pnpm --filter @bb/bench bench:memory
 *   SOAK_SECONDS=600 WARMUP_SECONDS=60 SAMPLE_SECONDS=10 MARKETS=100 PEERS=raw,ccxt,backbone
 *   TRADE_RATE=2 TICKER_RATE=1 BOOK_RATE=2 (per market per second: 500 frames/s with 100 markets)
 */
import { type ChildProcess, fork } from 'node:child_process'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { type FeedKind, feedCodes } from './consumer/feed.js'
import { nextMessage } from './consumer/ipc.js'
import type { SoakPeer } from './memory/consumer-process.js'

const env = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0`)
  return value
}
const SOAK_SECONDS = env('SOAK_SECONDS', 600)
const WARMUP_SECONDS = env('WARMUP_SECONDS', 60)
const SAMPLE_SECONDS = env('SAMPLE_SECONDS', 10)
const MARKETS = env('MARKETS', 100)
const RATES: Record<FeedKind, number> = {
  trade: env('TRADE_RATE', 2),
  ticker: env('TICKER_RATE', 1),
  orderbook: env('BOOK_RATE', 2),
}
const PEER_NAMES: readonly SoakPeer[] = (['raw', 'ccxt', 'backbone'] as const).filter(
  (p) => !process.env.PEERS || process.env.PEERS.split(',').includes(p),
)
const LABEL: Record<SoakPeer, string> = {
  raw: 'raw ws + JSON.parse',
  ccxt: 'ccxt.pro upbit',
  backbone: 'Backbone',
}
if (WARMUP_SECONDS >= SOAK_SECONDS) throw new Error('WARMUP_SECONDS must be less than SOAK_SECONDS')

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const spawnChild = (file: string, args: string[]) =>
  fork(here(file), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })

const next = <T>(child: ChildProcess, type: string, timeoutMs = 180_000): Promise<T> =>
  nextMessage<T>(child, type, timeoutMs)

interface Sample {
  readonly t: number
  readonly rss: number
  readonly heapUsed: number
}
interface Soak {
  readonly samples: Sample[]
  readonly counts: Record<FeedKind, number>
  readonly markets: Record<FeedKind, number>
  readonly errors: number
  readonly firstError?: string
  readonly sent: Record<FeedKind, number> & { snapshots: number; maxBufferedBytes: number }
  readonly load: string
}

async function soak(peer: SoakPeer): Promise<Soak> {
  const feed = spawnChild('./memory/feed-process.ts', [String(MARKETS)])
  const urls = await next<{ restUrl: string; wsUrl: string }>(feed, 'urls')
  const consumer = spawnChild('./memory/consumer-process.ts', [
    JSON.stringify({ peer, target: { ...urls, codes: feedCodes(MARKETS) } }),
  ])
  try {
    await next(consumer, 'started')
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')
    feed.send({ cmd: 'stream', rates: RATES })
    await next(feed, 'streaming')
    consumer.send({ cmd: 'begin', seconds: SOAK_SECONDS, sampleSeconds: SAMPLE_SECONDS })
    const result = await next<Omit<Soak, 'sent' | 'load'>>(consumer, 'samples', (SOAK_SECONDS + 120) * 1000)
    feed.send({ cmd: 'stop' })
    const { sent } = await next<{ sent: Soak['sent'] }>(feed, 'stopped')
    return { ...result, sent, load }
  } finally {
    consumer.send({ cmd: 'close' })
    feed.send({ cmd: 'close' })
    await Promise.all(
      [consumer, feed].map(
        (c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve))),
      ),
    )
  }
}

/** The least-squares slope of `y` over `x` (seconds), per minute. */
function slopePerMinute(points: readonly (readonly [number, number])[]): number {
  const n = points.length
  if (n < 2) return Number.NaN
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  let num = 0
  let den = 0
  for (const [x, y] of points) {
    num += (x - mx) * (y - my)
    den += (x - mx) ** 2
  }
  return den === 0 ? Number.NaN : (num / den) * 60
}

const mb = (bytes: number) => bytes / 2 ** 20
const fmt = (n: number, digits = 1) =>
  Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const signed = (n: number, digits = 2) => (n >= 0 ? `+${fmt(n, digits)}` : fmt(n, digits))

const print = (line: string) => console.log(line)
const perSecond = MARKETS * (RATES.trade + RATES.ticker + RATES.orderbook)
print(
  `Memory soak: ${MARKETS} markets × 3 streams (per market ${RATES.trade} trades/s, ${RATES.ticker} ticker/s, ${RATES.orderbook} books/s: ${fmt(perSecond, 0)} frames/s), ${SOAK_SECONDS} s each, warm-up ${WARMUP_SECONDS} s, a sample every ${SAMPLE_SECONDS} s, no forced GC; Node ${process.version}; ${new Date().toISOString()}`,
)
const rows: string[] = []
const flows: string[] = []
const series: string[] = []
let seriesHead: string[] | undefined
for (const peer of PEER_NAMES) {
  const s = await soak(peer)
  const after = s.samples.filter((x) => x.t >= WARMUP_SECONDS - 0.5)
  const warm = after[0]
  const end = s.samples.at(-1)
  if (warm === undefined || end === undefined) throw new Error(`${peer}: no sample after the warm-up`)
  const max = (key: 'rss' | 'heapUsed') => Math.max(...after.map((x) => x[key]))
  const heapSlope = slopePerMinute(after.map((x) => [x.t, mb(x.heapUsed)]))
  const rssSlope = slopePerMinute(after.map((x) => [x.t, mb(x.rss)]))
  rows.push(
    `| ${LABEL[peer]} | ${fmt(mb(warm.rss))} | ${fmt(mb(end.rss))} | ${fmt(mb(max('rss')))} | ${signed(rssSlope)} | ${fmt(mb(warm.heapUsed))} | ${fmt(mb(end.heapUsed))} | ${fmt(mb(max('heapUsed')))} | ${signed(heapSlope)} | ${after.length} |`,
  )
  const kinds = ['trade', 'ticker', 'orderbook'] as const
  flows.push(
    `| ${LABEL[peer]} | ${kinds.map((k) => `${fmt(s.counts[k], 0)} / ${fmt(s.sent[k], 0)} (${s.markets[k]} mkts)`).join(' | ')} | ${fmt(s.sent.snapshots, 0)} | ${s.errors}${s.firstError ? ` (${s.firstError.slice(0, 80)})` : ''} | ${fmt(s.sent.maxBufferedBytes / 1024, 0)} KiB | ${s.load} |`,
  )
  // the shape, not only the slope: the sample nearest each minute (each SAMPLE_SECONDS × 6 if shorter)
  const step = Math.min(60, SAMPLE_SECONDS * 6)
  const at = (t: number) =>
    s.samples.reduce((best, x) => (Math.abs(x.t - t) < Math.abs(best.t - t) ? x : best), warm)
  const marks = Array.from({ length: Math.floor(SOAK_SECONDS / step) + 1 }, (_, i) => at(i * step))
  series.push(
    `| ${LABEL[peer]} | ${marks.map((x) => `${fmt(mb(x.heapUsed), 0)} / ${fmt(mb(x.rss), 0)}`).join(' | ')} |`,
  )
  seriesHead ??= marks.map((_, i) => `${i * step} s`)
  process.stderr.write(`${new Date().toISOString()} ${peer} done: ${rows.at(-1)}\n`)
}
print('')
print(
  '| consumer | RSS at warm-up end (MB) | RSS at end | RSS max after warm-up | RSS slope (MB/min) | heapUsed at warm-up end (MB) | heapUsed at end | heapUsed max after warm-up | heapUsed slope (MB/min) | samples after warm-up |',
)
print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
for (const row of rows) print(row)
print('')
print(
  'Values handed to user code / REALTIME frames the feed sent to it (markets that kind reached); the SNAPSHOT ticker and book frames the feed sent answering subscribe requests (counted in the values, not in the frames); watch-loop errors; the most bytes a socket held in the feed; load when the consumer started (1 / 5 / 15 min):',
)
print('')
print(
  '| consumer | trades | tickers | order books | SNAPSHOT frames sent | errors | feed backlog max | load at start |',
)
print('| --- | --- | --- | --- | --- | --- | --- | --- |')
for (const line of flows) print(line)
print('')
print('heapUsed / RSS (MB) over time (the sample nearest each mark):')
print('')
print(`| consumer | ${(seriesHead ?? []).join(' | ')} |`)
print(`| --- | ${(seriesHead ?? []).map(() => '---').join(' | ')} |`)
for (const line of series) print(line)
print('')
print(`Load after: ${loadavg()[0]?.toFixed(2)}.`)
