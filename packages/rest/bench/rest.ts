// REST client benchmark, two parts, each against @bb/sim on 127.0.0.1 in this run:
//  1. A burst of BURST (default 1,000) distinct ticker requests with Upbit's limits on: the
//     number of 429s (must be 0) and the achieved rate as a share of the allowed 10/s.
//  2. Sequential requests through the client vs raw undici with limits off, interleaved request
//     by request in ROUNDS rounds: requests/s, p50/p99 latency, overhead ratio (target ≤ 1.15×).
// Run: pnpm --filter @bb/rest bench   (BURST=200 for a shorter first part)

import { Worker } from 'node:worker_threads'
import { upbit } from '@bb/upbit'
import type * as Rest from '../src/index.js'

// The built package, as users run it (build first: pnpm turbo run build --filter=@bb/rest...);
// typed from the source, which typechecks before anything is built.
const { createRestClient } = (await import('@bb/rest' as string)) as typeof Rest

import { startSim } from '@bb/sim'
import { createUnifier } from '@bb/unifier'
import { Pool } from 'undici'

const BURST = Number(process.env.BURST ?? 1000)
const LATENCY_REQUESTS = Number(process.env.LATENCY_REQUESTS ?? 3000)
const ROUNDS = Number(process.env.ROUNDS ?? 5)

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0

async function burst() {
  const sim = await startSim({ port: 0, seed: 11, markets: 12, speed: 0 })
  const client = createRestClient({ adapter: upbit, baseUrl: sim.restUrl, batchWindowMs: 0 })
  const krw = sim.market.codes.filter((c) => c.startsWith('KRW-'))
  const sets: string[][] = []
  for (let mask = 1; sets.length < BURST; mask++) {
    const set = krw.filter((_c, bit) => (mask >> bit) & 1)
    if (set.length >= 2) sets.push(set)
    if (mask > 1 << krw.length) mask = 0 // wrap: sets repeat, but never concurrently with themselves
  }
  await client.getTickers(krw) // warm the sim's lazily built state
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const started = performance.now()
  let inflight = 0
  const results = await Promise.allSettled(
    sets.map(async (set, i) => {
      // Keep at most 20 queued at a time so identical sets never overlap (coalescing would merge them).
      while (inflight >= 20) await new Promise((resolve) => setTimeout(resolve, 5))
      inflight++
      try {
        return await client.getTickers(i % 2 ? [...set].reverse() : set)
      } finally {
        inflight--
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const failed = results.filter((r) => r.status === 'rejected').length
  const stats = client.stats()
  const sent = stats.requests.ticker?.requests ?? 0
  // The first window's 10 go at once; the rate that matters is that of the requests that waited.
  const rate = (sent - 1 - 10) / seconds
  await client.close()
  await sim.close()
  return {
    requests: sent - 1,
    failed,
    status429: stats.requests.ticker?.status429 ?? 0,
    simViolations: sim.stats.limitViolations.ticker ?? 0,
    seconds,
    rate,
    share: rate / (10 / 1.0),
  }
}

/** Runs the sim in a worker thread, as a remote exchange would be: its work does not share the client's event loop. */
async function startRemoteSim(options: object): Promise<{ restUrl: string; close(): Promise<void> }> {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads')
     import('@bb/sim').then(async ({ startSim }) => {
       const sim = await startSim(workerData)
       parentPort.on('message', async () => { await sim.close(); parentPort.postMessage('closed') })
       parentPort.postMessage(sim.restUrl)
     })`,
    { eval: true, workerData: options },
  )
  const restUrl = await new Promise<string>((resolve) => worker.once('message', resolve))
  return {
    restUrl,
    close: async () => {
      worker.postMessage('close')
      await new Promise((resolve) => worker.once('message', resolve))
      await worker.terminate()
    },
  }
}

type Row = { label: string; rps: number; p50: number; p99: number }

/** One endpoint: the client's method vs raw undici (+ JSON.parse, + the same normalization), alternated. */
async function latency(endpoint: 'orderbook' | 'ticker') {
  const sim = await startRemoteSim({ port: 0, seed: 12, markets: 5, speed: 0, limits: false })
  const client = createRestClient({ adapter: upbit, baseUrl: sim.restUrl, limits: false, connections: 8 })
  const raw = new Pool(sim.restUrl, { connections: 8 })
  const path =
    endpoint === 'orderbook' ? '/v1/orderbook?markets=KRW-BTC,KRW-ETH' : '/v1/ticker?markets=KRW-BTC'
  const unifier = createUnifier(upbit, { validate: 'fast' })
  const viaClient = () =>
    endpoint === 'orderbook'
      ? client.getOrderbook(['KRW-BTC', 'KRW-ETH'])
      : client.getTickers(['KRW-BTC', 'KRW-ETH'].slice(0, 1))
  const rawJson = async () => JSON.parse(await (await raw.request({ path, method: 'GET' })).body.text())
  const rawNormalized = async () => {
    const text = await (await raw.request({ path, method: 'GET' })).body.text()
    return (unifier.parseJson(text) as unknown[]).map((r) =>
      unifier.normalize(endpoint, r, { source: 'rest' }),
    )
  }
  for (let i = 0; i < 500; i++) {
    await viaClient()
    await rawJson()
    await rawNormalized()
  }
  // Interleaved request by request (raw, raw + normalize, client, raw, …), so that machine noise
  // — this runs on a shared VM where a sleeping core costs tens of µs to wake — hits all three
  // alike; ROUNDS rounds, and the ratio reported is the median of the rounds' ratios.
  const contenders: [string, () => Promise<unknown>][] = [
    ['raw undici + JSON.parse', rawJson],
    ['raw undici + normalize', rawNormalized],
    [`@bb/rest ${endpoint === 'orderbook' ? 'getOrderbook' : 'getTickers'}`, viaClient],
  ]
  const rounds: Row[][] = []
  for (let round = 0; round < ROUNDS; round++) {
    const samples: number[][] = contenders.map(() => [])
    for (let i = 0; i < LATENCY_REQUESTS; i++) {
      for (let c = 0; c < contenders.length; c++) {
        const t = performance.now()
        await contenders[c]![1]()
        samples[c]!.push(performance.now() - t)
      }
    }
    rounds.push(
      contenders.map(([label], c) => {
        const sorted = samples[c]!.sort((x, y) => x - y)
        const mean = sorted.reduce((x, y) => x + y, 0) / sorted.length
        return { label, rps: 1000 / mean, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) }
      }),
    )
  }
  const pick = (c: number): Row => {
    const rows = rounds.map((r) => r[c]!)
    return {
      label: rows[0]!.label,
      rps: median(rows.map((r) => r.rps)),
      p50: median(rows.map((r) => r.p50)),
      p99: median(rows.map((r) => r.p99)),
    }
  }
  const result = {
    endpoint,
    path,
    raw: pick(0),
    normalized: pick(1),
    client: pick(2),
    ratios: rounds.map((r) => r[0]!.rps / r[2]!.rps),
    ownRatios: rounds.map((r) => r[1]!.rps / r[2]!.rps),
  }
  await client.close()
  await raw.close()
  await sim.close()
  return result
}

const b = await burst()
console.log(`\nBurst of ${b.requests} distinct /ticker requests, Upbit limits on (10/s):`)
console.log(
  `  429s seen by the client: ${b.status429}   violations counted by the sim: ${b.simViolations}   failed: ${b.failed}`,
)
console.log(
  `  ${b.seconds.toFixed(1)} s → ${b.rate.toFixed(2)} req/s = ${(b.share * 100).toFixed(1)} % of the allowed rate`,
)

const row = (r: Row) =>
  `  ${r.label.padEnd(26)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms`
for (const endpoint of ['ticker', 'orderbook'] as const) {
  const l = await latency(endpoint)
  console.log(`\nSequential ${l.path}, sim in a worker thread, limits off, ${LATENCY_REQUESTS} requests:`)
  console.log(row(l.raw))
  console.log(row(l.normalized))
  console.log(row(l.client))
  const ratio = median(l.ratios)
  console.log(
    `  client vs raw undici + JSON.parse:         ${ratio.toFixed(3)}× time per request, median of rounds ${l.ratios.map((r) => r.toFixed(3)).join(' / ')} (target ≤ 1.15×) ${ratio <= 1.15 ? 'MET' : 'NOT MET'}`,
  )
  console.log(
    `  client vs raw undici + same normalization: ${median(l.ownRatios).toFixed(3)}× (the client's own plumbing)`,
  )
}
