/**
 * Bus benchmark: 2,000 msg/s from one publisher to 10 consumer processes, for Redis Streams and
 * NATS JetStream, side by side with the in-process path (one rxjs Subject, 10 subscribers, the
 * same JSON decode). Each message is a normalized trade (decimals and ids as strings) carrying its
 * send time; consumers report p50/p99 latency (send → decoded) and what they received.
 * Needs redis-server and nats-server on PATH (started here on free ports). BUS_CONSUMERS and
 * BUS_SECONDS change the defaults (10 consumers, 8 s after a 2 s warm-up).
 * Run: pnpm --filter @bb/bench bench:bus
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { type BusTransport, connectBus, streamKey } from '@bb/bus'
import { Subject } from 'rxjs'

// Installed by the system (apt), not by npm.
const SERVERS = { redis: 'redis-server', nats: 'nats-server' } as const
const RATE = 2000
const SECONDS = Number(process.env.BUS_SECONDS ?? 8)
const WARMUP_SECONDS = 2
const CONSUMERS = Number(process.env.BUS_CONSUMERS ?? 10)
const key = streamKey('upbit', 'trade', 'KRW-BTC')
const now = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0

const body = (i: number) =>
  JSON.stringify({
    exchange: 'upbit',
    symbol: 'KRW-BTC',
    base: 'BTC',
    quote: 'KRW',
    timestamp: Date.now(),
    receivedAt: Date.now(),
    source: 'ws',
    id: String(17877285547970001n + BigInt(i)),
    price: '95123000.00000001',
    size: '0.01234567',
    side: 'buy',
    sentAt: now(),
  })

/** Consumer mode: reads the stream from its end, decodes, records latency, prints a summary. */
async function consume(url: string, total: number) {
  process.stdout.on('error', () => {}) // the parent may be gone when a late line is written
  const transport = await connectBus(url)
  const controller = new AbortController()
  const latencies: number[] = []
  let received = 0
  process.stdout.write('ready\n')
  const timer = setTimeout(() => controller.abort(), (SECONDS + WARMUP_SECONDS + 20) * 1000)
  for await (const entry of transport.read(key, 'end', { signal: controller.signal })) {
    const trade = JSON.parse(entry.record.body) as { sentAt: number; n: number }
    received++
    if (received > RATE * WARMUP_SECONDS) latencies.push(now() - trade.sentAt)
    if (received >= total) break
  }
  clearTimeout(timer)
  controller.abort()
  latencies.sort((a, b) => a - b)
  process.stdout.write(
    `${JSON.stringify({ received, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) })}\n`,
  )
  await transport.close()
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0))
    })
  })
}

async function server(kind: 'redis' | 'nats') {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'bb-bench-'))
  const child =
    kind === 'redis'
      ? spawn(
          SERVERS.redis,
          ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
          { stdio: 'ignore' },
        )
      : spawn(SERVERS.nats, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' })
  await sleep(700)
  return {
    url: `${kind}://127.0.0.1:${port}`,
    stop: () => {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Publishes RATE msg/s for WARMUP + SECONDS, in batches every 5 ms. */
async function publish(send: (batch: string[]) => Promise<void> | void, total: number) {
  const started = now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((now() - started) / 1000) * RATE))
    const batch: string[] = []
    while (sent < due) batch.push(body(sent++))
    if (batch.length > 0) await send(batch)
    await sleep(5)
  }
  return (now() - started) / 1000
}

async function busRun(kind: 'redis' | 'nats') {
  const srv = await server(kind)
  const total = RATE * (SECONDS + WARMUP_SECONDS)
  const transport: BusTransport = await connectBus(srv.url, { maxLen: total + 1000, leaseTtlMs: 60_000 })
  const children = Array.from({ length: CONSUMERS }, () =>
    spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'consume', srv.url, String(total)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  )
  const results: { received: number; p50: number; p99: number }[] = []
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          createInterface({ input: child.stdout! }).on('line', (line) => {
            if (line === 'ready') resolve()
            else if (line.startsWith('{')) results.push(JSON.parse(line))
          })
        }),
    ),
  )
  await sleep(500)
  // Taken once the consumers are up (their start can outlast a lease TTL); renewed while publishing.
  const lease = await transport.acquire('upbit', 'bench')
  if (!lease) throw new Error('no lease')
  let i = 0
  const statuses: Record<string, number> = {}
  let lastRenew = now()
  const seconds = await publish(async (batch) => {
    if (now() - lastRenew > 1000) {
      lastRenew = now()
      await transport.renew(lease)
    }
    const results = await transport.publish(
      batch.map((b) => ({ key, did: String(i++), body: b })),
      lease,
    )
    for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1
  }, total)
  if (statuses.ok !== total) throw new Error(`published ${JSON.stringify(statuses)} of ${total}`)
  await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))))
  await transport.close()
  srv.stop()
  return { seconds, results }
}

async function inProcessRun() {
  const total = RATE * (SECONDS + WARMUP_SECONDS)
  const subject = new Subject<string>()
  const results = Array.from({ length: CONSUMERS }, () => ({ received: 0, latencies: [] as number[] }))
  for (const r of results) {
    subject.subscribe((text) => {
      const trade = JSON.parse(text) as { sentAt: number }
      r.received++
      if (r.received > RATE * WARMUP_SECONDS) r.latencies.push(now() - trade.sentAt)
    })
  }
  const seconds = await publish((batch) => {
    for (const b of batch) subject.next(b)
  }, total)
  return {
    seconds,
    results: results.map((r) => {
      const sorted = r.latencies.sort((a, b) => a - b)
      return { received: r.received, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) }
    }),
  }
}

if (process.argv[2] === 'consume') {
  await consume(process.argv[3]!, Number(process.argv[4]))
} else {
  const rows: string[][] = [
    ['path', 'consumers', 'msg/s in', 'received each (min)', 'p50 ms (median)', 'p99 ms (worst)'],
  ]
  for (const [name, run] of [
    ['in-process (rxjs)', inProcessRun],
    ['Redis Streams', () => busRun('redis')],
    ['NATS JetStream', () => busRun('nats')],
  ] as const) {
    const { seconds, results } = await run()
    const total = RATE * (SECONDS + WARMUP_SECONDS)
    const p50s = results.map((r) => r.p50).sort((a, b) => a - b)
    rows.push([
      name,
      String(results.length),
      (total / seconds).toFixed(0),
      `${Math.min(...results.map((r) => r.received))}/${total}`,
      quantile(p50s, 0.5).toFixed(2),
      Math.max(...results.map((r) => r.p99)).toFixed(2),
    ])
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '))
}
