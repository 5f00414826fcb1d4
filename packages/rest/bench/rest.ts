// REST client benchmark, two parts, each against @bb/sim on 127.0.0.1 in this run:
//  1. A burst of BURST (default 1,000) distinct ticker requests with Upbit's limits on: the
//     number of 429s (must be 0) and the achieved rate as a share of the allowed 10/s.
//  2. Sequential and concurrent requests through the client vs raw undici with limits off:
//     requests/s and p50/p99 latency, and the overhead ratio (target ≤ 1.15×).
// Run: pnpm --filter @bb/rest bench   (BURST=200 for a shorter first part)

import { Worker } from 'node:worker_threads'
import { upbit } from '@bb/exchange-adapter'
import { startSim } from '@bb/sim'
import { createUnifier } from '@bb/unifier'
import { Pool } from 'undici'
import { createRestClient } from '../src/index.js'

const BURST = Number(process.env.BURST ?? 1000)
const LATENCY_REQUESTS = Number(process.env.LATENCY_REQUESTS ?? 3000)

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
  for (let i = 0; i < 200; i++) {
    await viaClient()
    await rawJson()
  }
  const measure = async (label: string, once: () => Promise<unknown>): Promise<Row> => {
    const samples: number[] = []
    const started = performance.now()
    for (let i = 0; i < LATENCY_REQUESTS; i++) {
      const t = performance.now()
      await once()
      samples.push(performance.now() - t)
    }
    const seconds = (performance.now() - started) / 1000
    samples.sort((a, b) => a - b)
    return {
      label,
      rps: LATENCY_REQUESTS / seconds,
      p50: quantile(samples, 0.5),
      p99: quantile(samples, 0.99),
    }
  }
  // Alternate so that machine noise hits all alike; keep the better of two rounds each.
  const rounds: Row[] = []
  for (let round = 0; round < 2; round++) {
    rounds.push(await measure('raw undici + JSON.parse', rawJson))
    rounds.push(await measure('raw undici + normalize', rawNormalized))
    rounds.push(
      await measure(`@bb/rest ${endpoint === 'orderbook' ? 'getOrderbook' : 'getTickers'}`, viaClient),
    )
  }
  const best = (prefix: string) =>
    rounds.filter((r) => r.label.startsWith(prefix)).sort((a, b) => b.rps - a.rps)[0]!
  const result = {
    endpoint,
    path,
    raw: best('raw undici + JSON'),
    normalized: best('raw undici + normalize'),
    client: best('@bb/rest'),
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
  console.log(
    `  client vs raw undici + JSON.parse:         ${(l.raw.rps / l.client.rps).toFixed(3)}× time per request (target ≤ 1.15×)`,
  )
  console.log(
    `  client vs raw undici + same normalization: ${(l.normalized.rps / l.client.rps).toFixed(3)}× (the client's own plumbing)`,
  )
}
