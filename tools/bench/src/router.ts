/**
 * Benchmarks of @bb/router against @bb/sim, each with its baseline measured in the same run:
 *  1. trades$ throughput: normalized, exactly-once trades delivered to a subscriber vs raw `ws`
 *     + `JSON.parse` of the same feed (the ceiling). The sim runs in a worker thread and the
 *     whole feed is already waiting in the socket when the clock starts.
 *  2. trades$ latency at ~2,000 msg/s: sim send time (worker) → delivery (here), p50/p99.
 *  3. getTicker from the live cache: calls per second, vs a REST getTicker.
 *  4. Memory: RSS and heap of this process with 100 markets × 3 streams (ticker, trades, order
 *     book) flowing for 10 s; the sim runs in a separate process so only the client is measured.
 * Run: pnpm bench (all benchmarks) or pnpm --filter @bb/bench bench
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createBackbone } from '@bb/router'
import { startSimWorker } from '@bb/sim/worker'
import WebSocket from 'ws'

const MARKETS = 30
const FEED_MS = Number(process.env.FEED_MS ?? 40_000) // simulated ms of trades for the throughput run
const RATE = 2000
const LATENCY_SECONDS = 5
const now = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
const DAY = 86_400_000
const simOptions = {
  speed: 0,
  markets: MARKETS,
  limits: false as const,
  tradesPerSecond: 2500,
  scheduledEvents: false,
  startTime: Math.floor(Date.now() / DAY) * DAY + 1000,
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end) return false
    await sleep(2)
  }
  return true
}

interface Contender {
  name: string
  start(
    wsUrl: string,
    restUrl: string,
    codes: readonly string[],
    onTrade: (symbol: string, id: string) => void,
  ): Promise<() => Promise<void>>
}

const raw: Contender = {
  name: 'raw ws + JSON.parse',
  async start(wsUrl, _restUrl, codes, onTrade) {
    const socket = new WebSocket(wsUrl)
    const decoder = new TextDecoder()
    await new Promise((resolve) => socket.once('open', resolve))
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(decoder.decode(data)) as { code?: string; sequential_id?: number }
      if (frame.code) onTrade(frame.code, String(frame.sequential_id))
    })
    socket.send(JSON.stringify([{ ticket: 'bench' }, { type: 'trade', codes, is_only_realtime: true }]))
    return async () => {
      socket.close()
    }
  },
}

const backboneContender: Contender = {
  name: '@bb/router trades$',
  async start(wsUrl, restUrl, codes, onTrade) {
    // The sim's worker generates the whole feed synchronously (advanceBlocking) and answers no
    // PING meanwhile: with the default 2 s probe the client would rightly declare the socket dead
    // and drop the feed waiting in it. Measured here is decoding, so liveness is relaxed.
    const backbone = createBackbone({
      exchange: 'upbit',
      wsUrl,
      restUrl,
      ws: { heartbeat: { idleMs: 60_000, probeTimeoutMs: 60_000, silenceMs: 90_000, staleAfterMs: 120_000 } },
    })
    const subscription = backbone.trades$(codes).subscribe((t) => onTrade(t.symbol, t.id))
    await sleep(500) // subscribed, snapshot received
    return async () => {
      subscription.unsubscribe()
      await backbone.close()
    }
  },
}

async function throughput(contender: Contender) {
  const sim = await startSimWorker(simOptions)
  let count = 0
  const stop = await contender.start(sim.wsUrl, sim.restUrl, sim.codes, () => count++)
  await sleep(300)
  const before = count
  const { sent } = sim.advanceBlocking(FEED_MS) // the whole feed is now waiting in the socket
  const started = performance.now()
  await until(() => count >= before + sent, 60_000)
  const seconds = (performance.now() - started) / 1000
  const delivered = count - before
  await stop()
  await sim.close()
  return { name: contender.name, delivered, perSecond: delivered / seconds }
}

async function latency(contender: Contender) {
  global.gc?.() // the throughput runs leave garbage behind: collect it before timing single frames
  const sim = await startSimWorker(simOptions)
  const arrivals = new Map<string, number>()
  const stop = await contender.start(sim.wsUrl, sim.restUrl, sim.codes, (symbol, id) =>
    arrivals.set(`${symbol}:${id}`, now()),
  )
  await sim.advance(1000) // calibrates the pace (trades per simulated ms) before anything is timed
  await sleep(300)
  await sim.recordSends(true)
  await sim.pace(RATE)
  await sleep(LATENCY_SECONDS * 1000)
  await sim.pace(0)
  await sleep(200)
  const sends = await sim.recordSends(false)
  const samples: number[] = []
  for (const [key, sent] of sends) {
    const got = arrivals.get(key)
    if (got !== undefined) samples.push(got - sent)
  }
  samples.sort((a, b) => a - b)
  await stop()
  await sim.close()
  return {
    name: contender.name,
    rate: sends.size / LATENCY_SECONDS,
    matched: samples.length,
    p50: quantile(samples, 0.5),
    p99: quantile(samples, 0.99),
  }
}

async function cache() {
  const sim = await startSimWorker({ ...simOptions, speed: 1, tradesPerSecond: 2 })
  const backbone = createBackbone({
    exchange: 'upbit',
    wsUrl: sim.wsUrl,
    restUrl: sim.restUrl,
    policy: { promoteAfterCount: 1, freshnessMs: 60_000 },
  })
  await backbone.getTicker('KRW-BTC') // promotes KRW-BTC to a WebSocket subscription
  await until(() => backbone.explain({ kind: 'ticker', symbol: 'KRW-BTC' }).channel === 'cache', 10_000)
  const N = 200_000
  let t = performance.now()
  for (let i = 0; i < N; i++) await backbone.getTicker('KRW-BTC')
  const cachedPerSecond = N / ((performance.now() - t) / 1000)
  const restBackbone = createBackbone({
    exchange: 'upbit',
    wsUrl: sim.wsUrl,
    restUrl: sim.restUrl,
    policy: { promoteAfterCount: 1e9 },
  })
  const M = 500
  t = performance.now()
  for (let i = 0; i < M; i++) await restBackbone.getTicker('KRW-ETH')
  const restPerSecond = M / ((performance.now() - t) / 1000)
  const source = (await backbone.getTicker('KRW-BTC')).source
  await backbone.close()
  await restBackbone.close()
  await sim.close()
  return { cachedPerSecond, restPerSecond, source }
}

async function memory() {
  const require = createRequire(import.meta.url)
  const simBin = join(dirname(require.resolve('@bb/sim/package.json')), 'dist', 'bin.js')
  const child = spawn(
    process.execPath,
    [simBin, '--port', '0', '--markets', '100', '--no-limits', '--seed', '5'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const wsUrl = await new Promise<string>((resolve) => {
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      const match = /WebSocket\s+(ws:\/\/\S+)/.exec(text)
      if (match) resolve(match[1]!)
    })
  })
  const restUrl = wsUrl.replace('ws://', 'http://').replace('/websocket/v1', '')
  global.gc?.()
  await sleep(200)
  const base = process.memoryUsage()
  const backbone = createBackbone({ exchange: 'upbit', wsUrl, restUrl })
  const codes = Array.from({ length: 100 }, (_, i) => i)
  const markets = (await backbone.getMarkets()).map((m) => m.symbol).slice(0, codes.length)
  let values = 0
  const subscriptions = [
    backbone.ticker$(markets).subscribe(() => values++),
    backbone.trades$(markets).subscribe(() => values++),
    backbone.orderbook$(markets).subscribe(() => values++),
  ]
  await sleep(10_000)
  global.gc?.()
  const after = process.memoryUsage()
  for (const s of subscriptions) s.unsubscribe()
  await backbone.close()
  child.kill()
  return {
    markets: markets.length,
    values,
    rssMb: (after.rss - base.rss) / 2 ** 20,
    heapMb: (after.heapUsed - base.heapUsed) / 2 ** 20,
    totalRssMb: after.rss / 2 ** 20,
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const parts = new Set((process.env.PARTS ?? '1,2,3,4').split(','))

if (parts.has('1')) {
  const t1 = [await throughput(raw), await throughput(backboneContender)]
  console.log(
    `\n1. trades$ throughput, ${MARKETS} markets, one connection, ${fmt(t1[0]!.delivered)} trades waiting in the socket`,
  )
  for (const r of t1) console.log(`   ${r.name.padEnd(24)} ${fmt(r.perSecond).padStart(9)} trades/s`)
  console.log(
    `   ratio: ${((t1[1]!.perSecond / t1[0]!.perSecond) * 100).toFixed(1)} % of raw (target ≥ 50 %)`,
  )
}

if (parts.has('2')) {
  const t2 = [await latency(raw), await latency(backboneContender)]
  console.log(`\n2. trades$ latency, sim send → delivery, at ~${fmt(t2[0]!.rate)} msg/s`)
  for (const r of t2) {
    console.log(
      `   ${r.name.padEnd(24)} p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms   (${fmt(r.matched)} samples)`,
    )
  }
}

if (parts.has('3')) {
  const t3 = await cache()
  console.log(
    `\n3. getTicker('KRW-BTC') from the live cache: ${fmt(t3.cachedPerSecond)} calls/s (source ${t3.source}); over REST (sim, loopback, Upbit's 10/s ticker budget): ${fmt(t3.restPerSecond)} calls/s`,
  )
}

if (parts.has('4')) {
  const t4 = await memory()
  console.log(
    `\n4. memory, ${t4.markets} markets × 3 streams (ticker, trades, order book) for 10 s, ${fmt(t4.values)} values delivered:`,
  )
  console.log(
    `   RSS +${t4.rssMb.toFixed(1)} MB (process ${t4.totalRssMb.toFixed(0)} MB), heap +${t4.heapMb.toFixed(1)} MB`,
  )
}
