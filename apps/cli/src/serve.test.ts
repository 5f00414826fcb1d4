import { execFile, spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createRemoteBackbone } from '@bb/bus'
import { firstValueFrom, timeout } from 'rxjs'
import { describe, expect, it } from 'vitest'

// `bb serve` as a user runs it, against a redis-server of its own and the embedded simulator.
const bin = join(import.meta.dirname, '..', 'dist', 'bin.js')
// Installed by the system (apt), not by npm.
const servers = { redis: 'redis-server' } as const
const hasRedis = (() => {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status === 0) return true
  if (process.env.CI === 'true') throw new Error('redis-server is not installed: CI=true needs it')
  console.warn('skipping bb serve: redis-server is not installed (apt-get install -y redis-server)')
  return false
})()
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0))
    })
  })

describe('bb serve', () => {
  it('refuses a bus that is not redis:// or nats://, and lists serve in help', async () => {
    const bad = await promisify(execFile)(process.execPath, [bin, 'serve', '--bus', 'http://x']).catch(
      (e) => e,
    )
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--bus must be a redis:// or nats:// URL, got "http://x"')
    const help = await promisify(execFile)(process.execPath, [bin, 'help', 'serve'])
    expect(help.stdout).toContain('--lease-ms')
  })

  it.runIf(hasRedis)('leads, publishes, and serves /health and /metrics', async () => {
    const redisPort = await freePort()
    const redis = spawn(
      servers.redis,
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    )
    const port = await freePort()
    await new Promise((r) => setTimeout(r, 500))
    const serve = spawn(
      process.execPath,
      [
        bin,
        'serve',
        '--bus',
        `redis://127.0.0.1:${redisPort}`,
        '--markets',
        'KRW-BTC',
        '--channels',
        'trade,orderbook',
        '--demand-grace-ms',
        '500',
        '--metrics-port',
        String(port),
        '--duration',
        '30',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    serve.stdout.on('data', (d) => {
      out += d
    })
    try {
      const deadline = Date.now() + 30_000
      let health: { role?: string; epoch?: number } = {}
      while (health.role !== 'leader' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 300))
        health = await fetch(`http://127.0.0.1:${port}/health`)
          .then((r) => r.json() as Promise<typeof health>)
          .catch(() => ({}))
      }
      expect(health.role).toBe('leader')
      expect(health.epoch).toBeGreaterThan(0)
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
      expect(metrics).toMatch(/^bb_serve_leader\{instance="[^"]+"\} 1$/m)
      for (const name of [
        'bb_serve_epoch',
        'bb_serve_published_total',
        'bb_serve_fenced_total',
        'bb_serve_leaderships_total',
      ])
        expect(metrics).toContain(`# TYPE ${name}`)
      expect(out).toContain('leader (epoch')
      expect(out).toContain('KRW-BTC + demand')
      expect(metrics).toMatch(/^bb_serve_streams\{instance="[^"]+"\} 2$/m)
      // A consumer asks for a market serve was not started with: serve subscribes to it.
      const consumer = createRemoteBackbone({
        exchange: 'upbit',
        bus: `redis://127.0.0.1:${redisPort}`,
        busOptions: { demandTtlMs: 1500 },
        restUrl: 'http://127.0.0.1:9',
        rest: { limits: 'private' },
      })
      try {
        const book = await firstValueFrom(consumer.orderbook$('KRW-ETH').pipe(timeout(20_000)))
        expect(book.asks.length).toBeGreaterThan(0)
        const during = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
        expect(during).toMatch(/^bb_serve_streams\{instance="[^"]+"\} 3$/m)
        expect(during).toMatch(/^bb_serve_resubscribes_total\{instance="[^"]+"\} 1$/m)
      } finally {
        await consumer.close()
      }
    } finally {
      serve.kill('SIGINT')
      await new Promise((r) => serve.once('exit', r))
      redis.kill('SIGKILL')
    }
  })
})
