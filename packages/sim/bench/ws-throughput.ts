/**
 * WebSocket throughput of @bb/sim: how many `trade` frames per second one client receives.
 *
 * The sim runs in this process on a manual clock and is driven as fast as it can go (every
 * trade is generated, written into the tape, rendered as an Upbit frame and sent as a binary
 * WebSocket frame). The client runs in a worker thread, decodes every frame as UTF-8 and parses
 * one in a hundred as JSON to check it is valid.
 *
 * Run: pnpm --filter @bb/sim bench   (or: pnpm exec tsx bench/ws-throughput.ts [seconds])
 */
import { Worker } from 'node:worker_threads'
import { startSim } from '../src/index.js'

const seconds = Number(process.argv[2] ?? 5)
const DAY = 86_400_000
// just after midnight UTC: the previous close is the last trade before it, found at once
const startTime = Math.floor(Date.now() / DAY) * DAY + 1000

const sim = await startSim({
  seed: 42,
  markets: 30,
  speed: 0,
  startTime,
  tradesPerSecond: 400,
  scheduledEvents: false,
  limits: false,
})

const clientCode = `
const { parentPort, workerData } = require('node:worker_threads')
const WebSocket = require('ws')
const ws = new WebSocket(workerData.url)
let count = 0, bytes = 0, bad = 0
const decoder = new TextDecoder()
ws.on('open', () => {
  ws.send(JSON.stringify([{ ticket: 'bench' }, { type: 'trade', codes: workerData.codes, is_only_realtime: true }, { format: 'SIMPLE' }]))
  parentPort.postMessage({ type: 'ready' })
})
ws.on('message', (data) => {
  count++
  bytes += data.length
  const text = decoder.decode(data)
  if (count % 100 === 0) { try { JSON.parse(text) } catch { bad++ } }
})
setInterval(() => parentPort.postMessage({ type: 'count', count, bytes, bad }), 250)
parentPort.on('message', (m) => { if (m === 'stop') { ws.close(); process.exit(0) } })
`

const worker = new Worker(clientCode, { eval: true, workerData: { url: sim.wsUrl, codes: sim.market.codes } })
let received = { count: 0, bytes: 0, bad: 0 }
await new Promise<void>((resolve) =>
  worker.on('message', (m: { type: string; count: number; bytes: number; bad: number }) => {
    if (m.type === 'ready') resolve()
    else received = m
  }),
)
await new Promise((r) => setTimeout(r, 200))

const t0 = performance.now()
const sent0 = sim.stats.ws.messagesSent
let simMs = 0
while (performance.now() - t0 < seconds * 1000) {
  sim.advance(500)
  simMs += 500
  // let the socket drain and the worker report
  await new Promise((r) => setImmediate(r))
}
const produceMs = performance.now() - t0
const sent = sim.stats.ws.messagesSent - sent0
// wait until the client has everything that was sent
const deadline = performance.now() + 30_000
while (received.count < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50))
const totalMs = performance.now() - t0
worker.postMessage('stop')
await sim.close()

const rate = Math.round((received.count / totalMs) * 1000)
console.log(
  JSON.stringify(
    {
      framesSent: sent,
      framesReceived: received.count,
      invalidJsonInSample: received.bad,
      megabytes: +(received.bytes / 1e6).toFixed(1),
      simulatedSeconds: simMs / 1000,
      produceSeconds: +(produceMs / 1000).toFixed(2),
      wallSeconds: +(totalMs / 1000).toFixed(2),
      messagesPerSecond: rate,
    },
    null,
    2,
  ),
)
console.log(
  `${rate >= 50_000 ? 'OK' : 'BELOW TARGET'}: ${rate.toLocaleString('en-US')} WS messages/s to one client (target 50,000)`,
)
process.exit(rate >= 50_000 ? 0 : 1)
