/**
 * @bb/ws throughput and latency, against raw `ws` + `JSON.parse` on the same sim feed, same run.
 *
 * The sim runs in a worker thread (`@bb/sim/worker`, so the clients in this thread get a core of
 * their own), which records the send time of every trade frame by market and `sequential_id`.
 *
 * 1. Throughput (ROUNDS interleaved rounds, default 5, medians): the sim (manual clock)
 *    generates ~100k trades of 30 markets while this thread is blocked (Atomics.wait), so the whole feed is waiting in the socket when the clock starts;
 *    then we time how fast each client gets through it: raw = frames decoded and `JSON.parse`d;
 *    @bb/ws = normalized `Trade`s delivered to a `trades$` subscriber (exact decimals and ids,
 *    routing, dedupe, buffers); and, as the ceiling, raw `ws` + the unifier's `normalizeFrame`
 *    alone. Also reported: frames per second of event-loop busy time.
 * 2. Latency: the sim's manual clock advanced every millisecond so that ~2,000 trades/s go out
 *    (30 markets, one connection, frames written in small batches as the sim does); latency = delivery time in
 *    this thread − send time in the sim (both `performance.timeOrigin + performance.now()`).
 *
 * Run: pnpm --filter @bb/ws bench   (after `pnpm turbo run build --filter=@bb/ws...`)
 */

import { startSimWorker } from '@bb/sim/worker'
import { createUnifier } from '@bb/unifier'
import { upbit } from '@bb/upbit'
import WebSocket from 'ws'
import { createWsClient } from '../src/index.js'

// simulated seconds of the throughput feed (~3,000 trades per simulated second over 30 markets)
const FEED_SECONDS = Number(process.argv[2] ?? 50)
const LATENCY_SECONDS = Number(process.argv[3] ?? 5)
const TRADES_PER_SECOND = 2500
const MARKETS = Number(process.argv[4] ?? 30)
const RATE = 2000
const DAY = 86_400_000

const sim = await startSimWorker({
  seed: 42,
  markets: MARKETS,
  speed: 0,
  // just after midnight UTC: the previous close is found at once
  startTime: Math.floor(Date.now() / DAY) * DAY + 1000,
  tradesPerSecond: TRADES_PER_SECOND,
  scheduledEvents: false,
  limits: false,
  idleTimeoutMs: 0,
})
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const now = () => performance.timeOrigin + performance.now()
const wsUrl = sim.wsUrl
const codes = sim.codes
const url = wsUrl
const symbols = [...codes]

/** A client under test: subscribes to the trades of every market on one connection and calls `onTrade(id)` per value. */
interface Contender {
  readonly name: string
  start(onTrade: (id: string) => void): Promise<void>
  stop(): Promise<void>
}

const SID = /"code":"([^"]+)"[^}]*?"sequential_id":(\d+)/
function raw(matchIds: boolean): Contender {
  let socket: WebSocket | undefined
  return {
    name: 'raw ws + JSON.parse',
    async start(onTrade) {
      socket = new WebSocket(url, { perMessageDeflate: false })
      socket.on('message', (data: Buffer) => {
        const text = data.toString('utf8')
        const message = JSON.parse(text) as { type?: string }
        if (message.type !== 'trade') return
        if (!matchIds) return onTrade('')
        const m = SID.exec(text)!
        onTrade(`${m[1]}:${m[2]}`)
      })
      await new Promise((resolve) => socket!.once('open', resolve))
      socket.send(
        JSON.stringify([{ ticket: 'raw' }, { type: 'trade', codes: symbols, is_only_realtime: true }]),
      )
      await sleep(300)
    },
    async stop() {
      socket?.close()
      await sleep(100)
    },
  }
}

/** The ceiling: raw `ws` + the unifier's `normalizeFrame`, nothing else. */
function unifierOnly(): Contender {
  const unifier = createUnifier(upbit)
  let socket: WebSocket | undefined
  return {
    name: 'raw ws + unifier.normalizeFrame',
    async start(onTrade) {
      socket = new WebSocket(url, { perMessageDeflate: false })
      socket.on('message', (data: Buffer) => {
        const result = unifier.normalizeFrame(data, { receivedAt: Date.now() })
        if (result.kind === 'trade') onTrade('')
      })
      await new Promise((resolve) => socket!.once('open', resolve))
      socket.send(
        JSON.stringify([{ ticket: 'unifier' }, { type: 'trade', codes: symbols, is_only_realtime: true }]),
      )
      await sleep(300)
    },
    async stop() {
      socket?.close()
      await sleep(100)
    },
  }
}

function bbws(): Contender {
  const client = createWsClient({ adapter: upbit, url, lingerMs: 0 })
  let subscription: { unsubscribe(): void } | undefined
  return {
    name: '@bb/ws trades$ (normalized)',
    async start(onTrade) {
      subscription = client
        .trades$(symbols, { mode: 'realtime' })
        .subscribe((trade) => onTrade(`${trade.symbol}:${trade.id}`))
      await sleep(300)
    },
    async stop() {
      subscription?.unsubscribe()
      await client.close()
    },
  }
}

async function throughput(contender: Contender, feedSeconds: number) {
  let count = 0
  let t0 = 0
  let t1 = 0
  let target = Number.POSITIVE_INFINITY
  let done: () => void = () => {}
  const finished = new Promise<void>((resolve) => {
    done = resolve
  })
  await contender.start(() => {
    count++
    if (count === target) {
      t1 = performance.now()
      done()
    }
  })
  // block this thread until the sim has generated (and queued) every frame
  const { sent } = sim.advanceBlocking(feedSeconds * 1000)
  const elu0 = performance.eventLoopUtilization()
  t0 = performance.now()
  target = sent
  if (count >= target) t1 = performance.now()
  else {
    await Promise.race([finished, sleep(120_000)])
    if (t1 === 0) t1 = performance.now()
  }
  const elu = performance.eventLoopUtilization(elu0)
  await contender.stop()
  const seconds = (t1 - t0) / 1000
  return {
    name: contender.name,
    trades: count,
    perSecond: Math.round(count / seconds),
    perBusySecond: Math.round(count / (elu.active / 1000)),
  }
}

async function latency(contender: Contender) {
  const delivered = new Map<string, number>()
  await contender.start((id) => {
    delivered.set(id, now())
  })
  await sleep(1000) // let the pacer settle
  await sim.recordSends(true)
  await sleep(LATENCY_SECONDS * 1000)
  const sends = await sim.recordSends(false)
  await contender.stop()
  const samples: number[] = []
  for (const [id, sentAt] of sends) {
    const at = delivered.get(id)
    if (at !== undefined) samples.push(at - sentAt)
  }
  samples.sort((a, b) => a - b)
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? Number.NaN
  return {
    name: contender.name,
    samples: samples.length,
    ratePerSecond: Math.round(sends.size / LATENCY_SECONDS),
    p50Ms: +q(0.5).toFixed(3),
    p99Ms: +q(0.99).toFixed(3),
    maxMs: +(samples.at(-1) ?? Number.NaN).toFixed(3),
  }
}

// warm-up (JIT) on a small feed, then the measured runs: interleaved rounds (raw, @bb/ws,
// unifier, raw, …) and medians, so that a burst of load on a shared machine hits all alike
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const T = performance.now()
const log = (m: string) =>
  process.env.BENCH_DEBUG && console.error(((performance.now() - T) / 1000).toFixed(1), m)
const makers = [() => raw(false), () => bbws(), () => unifierOnly()]
for (const make of makers) {
  log('warm-up')
  await throughput(make(), 5)
}
type Run = Awaited<ReturnType<typeof throughput>>
const runs: Run[][] = makers.map(() => [])
const ratios: number[] = []
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < makers.length; i++) {
    log(`round ${round} ${i}`)
    runs[i]!.push(await throughput(makers[i]!(), FEED_SECONDS))
  }
  ratios.push(runs[1]![round]!.perSecond / runs[0]![round]!.perSecond)
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const results = runs.map((list) => ({
  name: list[0]!.name,
  trades: list[0]!.trades,
  perSecond: median(list.map((r) => r.perSecond)),
  perBusySecond: median(list.map((r) => r.perBusySecond)),
  rounds: list.map((r) => r.perSecond).join(' / '),
}))
await sim.pace(RATE)
log('latency')
const latencies = [await latency(raw(true)), await latency(bbws())]
log('done')
await sim.pace(0)
await sim.close()

const ratio = median(ratios)
const p99 = latencies[1]!.p99Ms
console.table(results)
console.table(latencies)
console.log(
  `throughput: ${(ratio * 100).toFixed(0)} % of raw (median of rounds ${ratios.map((r) => `${(r * 100).toFixed(0)} %`).join(', ')}; target >= 50 %) ${ratio >= 0.5 ? 'MET' : 'NOT MET'}; ` +
    `latency p99 at ${latencies[1]!.ratePerSecond} msg/s: ${p99} ms (target <= 0.5 ms) ${p99 <= 0.5 ? 'MET' : 'NOT MET'}`,
)
process.exit(0)
