/**
 * The consumer-level benchmark: what a user's program sees, with the peer in the same run.
 *
 * A feed that is not @bb/sim (src/consumer/feed.ts: a plain Upbit-format server with its own id
 * scheme) runs in one process; each consumer — raw `ws` + `JSON.parse` (the ceiling), ccxt.pro's
 * `upbit` (the peer) and the backbone's streams (the library) — runs alone in another, written the
 * way its user would write it (src/consumer/peers.ts). Each scenario runs ROUNDS rounds with the
 * consumers in a rotating order and a fresh feed and consumer process each time; the table shows
 * medians, and every ratio compares figures of the same round.
 *
 * Scenarios: trades through 1 and 10 markets, order books, tickers (throughput: the whole burst is
 * written into the socket at once, so only the consumer limits the rate; "delivered" is the share
 * of the frames on the wire that reached user code), and latency at a paced trade rate (feed send
 * → user code, p50 / p99 / max). CPU is the consumer process's user + system time during the
 * measurement; RSS its peak.
 *
 * EXCHANGE=binance runs the same harness on Binance frames (src/consumer/binance-feed.ts: combined
 * streams, per-symbol contiguous trade ids, depth@100ms diffs with U/u and a /api/v3/depth
 * snapshot) against ccxt.pro's `binance` and `createBackbone({ exchange: 'binance' })`; its
 * scenarios are trades (1 and 10 markets), book diffs (1 market) and latency.
 *
 * EXCHANGE=coinone runs it on Coinone frames (src/consumer/coinone-feed.ts: one-topic SUBSCRIBE
 * frames, whole 16-level books with asks worst-first, 16-digit trade ids of the feed's own scheme)
 * against ccxt.pro's `coinone` (one watchTrades / watchOrderBook / watchTicker loop per pair: it has
 * no watchTradesForSymbols or watchTickers) and `createBackbone({ exchange: 'coinone' })`, with
 * Upbit's scenarios.
 *
 * Run: pnpm --filter @bb/bench bench:consumer   (EXCHANGE=binance or coinone for their frames)
 *   ROUNDS=3 TRADES=200000 BOOKS=30000 TICKERS=50000 RATE=2000 LATENCY_SECONDS=20 SCENARIOS=…
 *   PROFILE=backbone PROFILE_DIR=profiles (a CPU profile of each backbone consumer process)
 *   TRACE_GC=1 (with PROFILE: V8's --trace-gc for the profiled consumer)
 *   PEERS=raw,backbone (leave ccxt.pro out of a quick A/B run)
 *   LATENCY_TOP=20 (the 20 slowest deliveries of each latency run, with their time in the run, on stderr)
 *   TRACE_EVENTS=1 (the backbone consumer writes its events$ — gaps, failovers, back-fills — to stderr)
 *   STEP_TIMEOUT_MS=180000 (each step — started, subscribed, burst, done — must come within it)
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { binanceFeedSymbols } from './consumer/binance-feed.js'
import { coinoneFeedSymbols } from './consumer/coinone-feed.js'
import { type FeedKind, feedCodes } from './consumer/feed.js'
import { nextMessage } from './consumer/ipc.js'
import type { BenchExchange, PeerName } from './consumer/peers.js'

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
// EXCHANGE=binance: the Binance-format feed (src/consumer/binance-feed.ts) and ccxt.pro's `binance`;
// EXCHANGE=coinone: the Coinone-format feed (src/consumer/coinone-feed.ts) and ccxt.pro's `coinone`.
const EXCHANGES: readonly BenchExchange[] = ['upbit', 'binance', 'coinone']
const EXCHANGE = (process.env.EXCHANGE ?? 'upbit') as BenchExchange
if (!EXCHANGES.includes(EXCHANGE))
  throw new Error(`EXCHANGE must be upbit, binance or coinone (got ${JSON.stringify(process.env.EXCHANGE)})`)
const ROUNDS = env('ROUNDS', 3)
const RATE = env('RATE', 2000)
const LATENCY_SECONDS = env('LATENCY_SECONDS', 20)
// LATENCY_TOP=N prints the N slowest deliveries of each latency run, with their time in the run.
const LATENCY_TOP = env('LATENCY_TOP', 0)
// Each step of a measurement (a child's 'started', 'subscribed', 'burst', 'done'…) must come within
// STEP_TIMEOUT_MS, so that a hung consumer or feed fails the run with the step it hung at.
const STEP_TIMEOUT_MS = env('STEP_TIMEOUT_MS', 180_000)
// PEERS=raw,backbone leaves ccxt.pro out (for quick A/B runs while profiling): no ccxt.pro column.
const PEER_NAMES: readonly PeerName[] = (['raw', 'ccxt', 'backbone'] as const).filter(
  (p) => !process.env.PEERS || process.env.PEERS.split(',').includes(p),
)
const LABEL: Record<PeerName, string> = {
  raw: 'raw ws + JSON.parse',
  ccxt: `ccxt.pro ${EXCHANGE}`,
  backbone: 'Backbone',
}

interface Scenario {
  readonly name: string
  readonly kind: FeedKind
  readonly markets: number
  /** Frames in the burst (throughput), or undefined for the paced latency run. */
  readonly burst?: number
}

const ALL_SCENARIOS: readonly Scenario[] =
  EXCHANGE === 'binance'
    ? [
        { name: 'trades, 1 market', kind: 'trade', markets: 1, burst: env('TRADES', 200_000) },
        { name: 'trades, 10 markets', kind: 'trade', markets: 10, burst: env('TRADES', 200_000) },
        // depth@100ms diffs; "delivered" = book states handed to user code ÷ diffs on the wire
        { name: 'book diffs, 1 market', kind: 'orderbook', markets: 1, burst: env('BOOKS', 30_000) },
        { name: `trade latency at ${RATE}/s for ${LATENCY_SECONDS} s`, kind: 'trade', markets: 1 },
      ]
    : [
        { name: 'trades, 1 market', kind: 'trade', markets: 1, burst: env('TRADES', 200_000) },
        { name: 'trades, 10 markets', kind: 'trade', markets: 10, burst: env('TRADES', 200_000) },
        { name: 'order books, 1 market', kind: 'orderbook', markets: 1, burst: env('BOOKS', 30_000) },
        { name: 'tickers, 10 markets', kind: 'ticker', markets: 10, burst: env('TICKERS', 50_000) },
        { name: `trade latency at ${RATE}/s for ${LATENCY_SECONDS} s`, kind: 'trade', markets: 1 },
      ]
const SCENARIOS = ALL_SCENARIOS.filter(
  (_, i) => !process.env.SCENARIOS || process.env.SCENARIOS.split(',').includes(String(i + 1)),
)

interface Result {
  readonly perSecond?: number
  readonly delivered: number
  readonly p50?: number
  readonly p99?: number
  readonly max?: number
  readonly cpuMs: number
  readonly peakRssMb: number
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
// PROFILE=backbone (or raw, ccxt) writes a V8 CPU profile of that consumer's processes to
// PROFILE_DIR (default ./profiles): open it in Chrome DevTools or speedscope. TRACE_GC=1 adds
// `--trace-gc` to the profiled processes (one line per collection on stdout).
const spawnChild = (file: string, args: string[], profile = false) =>
  fork(here(file), args, {
    execArgv: [
      '--import',
      'tsx',
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR ?? 'profiles'}`] : []),
      ...(profile && process.env.TRACE_GC ? ['--trace-gc'] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })

const next = <T>(child: ChildProcess, type: string, timeoutMs = STEP_TIMEOUT_MS): Promise<T> =>
  nextMessage<T>(child, type, timeoutMs)

const sorted = (values: number[]) => [...values].sort((a, b) => a - b)
const quantile = (values: number[], q: number) =>
  values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN
const median = (values: number[]) => quantile(sorted(values), 0.5)

interface Stats {
  count: number
  first: number
  last: number
  cpuMs: number
  peakRssMb: number
}

async function once(scenario: Scenario, peer: PeerName): Promise<Result> {
  const feed = spawnChild('./consumer/feed-process.ts', [String(scenario.markets), EXCHANGE])
  const urls = await next<{ restUrl: string; wsUrl: string }>(feed, 'urls')
  const codes =
    EXCHANGE === 'binance'
      ? binanceFeedSymbols(scenario.markets)
      : EXCHANGE === 'coinone'
        ? coinoneFeedSymbols(scenario.markets)
        : feedCodes(scenario.markets)
  const target = { ...urls, exchange: EXCHANGE, kind: scenario.kind, codes }
  const consumer = spawnChild(
    './consumer/consumer-process.ts',
    [JSON.stringify({ peer, target, latency: scenario.burst === undefined })],
    process.env.PROFILE === peer,
  )
  try {
    await next(consumer, 'started')
    feed.send({ cmd: 'wait', kind: scenario.kind, count: 1 })
    await next(feed, 'subscribed')
    if (EXCHANGE === 'binance' && scenario.kind === 'orderbook') {
      // A local book takes its REST snapshot when the first diff arrives (Binance's rules): a few
      // diffs first, so that the burst meets a live book. Otherwise the snapshot, fetched while
      // the burst is in the socket, is already past every diff of it, and the whole burst is
      // rightly dropped as "at or before the snapshot" (one book state for the burst).
      feed.send({ cmd: 'burst', kind: scenario.kind, count: 20 })
      await next(feed, 'burst')
    }
    await new Promise((resolve) => setTimeout(resolve, 1000)) // snapshots and REST warm-up settle
    consumer.send({ cmd: 'reset' }) // only what the measurement sends is counted
    await next(consumer, 'reset')
    if (scenario.burst !== undefined) {
      feed.send({ cmd: 'burst', kind: scenario.kind, count: scenario.burst })
      const { sent } = await next<{ sent: number }>(feed, 'burst')
      consumer.send({ cmd: 'expect', count: sent, idleMs: 5000 })
      const s = await next<Stats>(consumer, 'done')
      const seconds = Math.max(1e-6, (s.last - s.first) / 1000)
      return {
        perSecond: s.count / seconds,
        delivered: s.count / sent,
        cpuMs: s.cpuMs,
        peakRssMb: s.peakRssMb,
      }
    }
    feed.send({ cmd: 'pace', perSecond: RATE, seconds: LATENCY_SECONDS })
    const { sends } = await next<{ sends: [string, number][] }>(
      feed,
      'paced',
      LATENCY_SECONDS * 1000 + STEP_TIMEOUT_MS,
    )
    await new Promise((resolve) => setTimeout(resolve, 1000))
    consumer.send({ cmd: 'collect' })
    const s = await next<Stats & { arrivals: [string, number][] }>(consumer, 'collected')
    const sentAt = new Map(sends)
    const samples: number[] = []
    for (const [id, at] of s.arrivals) {
      const t = sentAt.get(id)
      if (t !== undefined) samples.push(at - t)
    }
    const ordered = sorted(samples)
    if (LATENCY_TOP > 0) {
      // Where the tail sits in the run: the slowest deliveries with their time since the first send.
      const start = sends[0]?.[1] ?? 0
      const slowest = s.arrivals
        .map(([id, at]) => ({ id, at, ms: at - (sentAt.get(id) ?? at) }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, LATENCY_TOP)
      for (const x of slowest)
        console.error(
          `${peer}: +${((x.at - start) / 1000).toFixed(3)} s ${x.ms.toFixed(2)} ms (trade ${x.id})`,
        )
    }
    return {
      delivered: samples.length / sends.length,
      p50: quantile(ordered, 0.5),
      p99: quantile(ordered, 0.99),
      max: ordered.at(-1) ?? Number.NaN,
      cpuMs: s.cpuMs,
      peakRssMb: s.peakRssMb,
    }
  } finally {
    if (consumer.connected) consumer.send({ cmd: 'close' })
    if (feed.connected) feed.send({ cmd: 'close' })
    // A child that does not exit within a step (hung) is killed, so that the run ends with the error.
    await Promise.all(
      [consumer, feed].map(
        (c) =>
          new Promise((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve(null)
            const timer = setTimeout(() => c.kill('SIGKILL'), STEP_TIMEOUT_MS)
            c.once('exit', () => {
              clearTimeout(timer)
              resolve(null)
            })
          }),
      ),
    )
  }
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

const lines: string[] = []
const print = (line: string) => {
  lines.push(line)
  console.log(line)
}
print(
  `Consumer-level benchmark, ${EXCHANGE} format: ${ROUNDS} rounds, medians; Node ${process.version}; load before: ${(await import('node:os')).loadavg()[0]?.toFixed(2)}`,
)
print('')
print(`| scenario | ${PEER_NAMES.map((p) => LABEL[p]).join(' | ')} | Backbone / raw | Backbone / ccxt.pro |`)
print(`| --- | ${PEER_NAMES.map(() => '---').join(' | ')} | --- | --- |`)
const details: string[] = []
for (const scenario of SCENARIOS) {
  const rounds: Record<PeerName, Result[]> = { raw: [], ccxt: [], backbone: [] }
  const ratioRaw: number[] = []
  const ratioCcxt: number[] = []
  // raw's CPU time per delivered value over the backbone's: the throughput ratio the two would
  // reach with a core each to themselves (a loaded machine moves wall-clock rates, less so CPU time)
  const cpuRatio: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const order = PEER_NAMES.map((_, i) => PEER_NAMES[(i + round) % PEER_NAMES.length] as PeerName)
    const got: Partial<Record<PeerName, Result>> = {}
    for (const peer of order) {
      got[peer] = await once(scenario, peer)
      rounds[peer].push(got[peer])
    }
    const key = (r: Result) => (scenario.burst !== undefined ? (r.perSecond ?? 0) : (r.p99 ?? 0))
    if (got.raw !== undefined && got.backbone !== undefined) ratioRaw.push(key(got.backbone) / key(got.raw))
    if (got.ccxt !== undefined && got.backbone !== undefined)
      ratioCcxt.push(key(got.backbone) / key(got.ccxt))
    if (got.raw !== undefined && got.backbone !== undefined)
      cpuRatio.push(got.raw.cpuMs / got.raw.delivered / (got.backbone.cpuMs / got.backbone.delivered))
  }
  const cell = (peer: PeerName) => {
    const r = rounds[peer]
    const delivered = median(r.map((x) => x.delivered * 100))
    if (scenario.burst !== undefined)
      return `${fmt(median(r.map((x) => x.perSecond ?? 0)))}/s (${fmt(delivered, 1)} %)`
    return `p50 ${fmt(median(r.map((x) => x.p50 ?? 0)), 2)} · p99 ${fmt(median(r.map((x) => x.p99 ?? 0)), 2)} · max ${fmt(median(r.map((x) => x.max ?? 0)), 1)} ms (${fmt(delivered, 1)} %)`
  }
  print(
    `| ${scenario.name} | ${PEER_NAMES.map(cell).join(' | ')} | ${fmt(median(ratioRaw), 2)}× | ${fmt(median(ratioCcxt), 2)}× |`,
  )
  details.push(
    `| ${scenario.name} | ${PEER_NAMES.map((p) => `${fmt(median(rounds[p].map((x) => x.cpuMs)))} ms · ${fmt(median(rounds[p].map((x) => x.peakRssMb)))} MB`).join(' | ')} | ${fmt(median(cpuRatio), 2)}× |`,
  )
}
print('')
print('CPU time of the consumer process during the measurement · its peak RSS (medians):')
print('')
print(`| scenario | ${PEER_NAMES.map((p) => LABEL[p]).join(' | ')} | raw CPU / Backbone CPU |`)
print(`| --- | ${PEER_NAMES.map(() => '---').join(' | ')} | --- |`)
for (const line of details) print(line)
print('')
print('Throughput cells: values handed to user code per second (share of the frames on the wire). Latency')
print('cells: feed send → user code. Ratios: per round, then the median; for latency the ratio is of p99.')
print("raw CPU / Backbone CPU: raw's CPU time per value over the backbone's, per round, then the median.")
print(`Load after: ${(await import('node:os')).loadavg()[0]?.toFixed(2)}.`)
