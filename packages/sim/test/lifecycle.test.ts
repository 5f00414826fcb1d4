import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { startSim } from '../src/index.js'
import { connect, get, type Obj, sleep } from './helpers.js'

const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url))
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))

function handles(): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1
  return out
}

describe('lifecycle', () => {
  it('close() leaves no server, socket or timer behind', async () => {
    const before = handles()
    const sim = await startSim({ seed: 3, markets: 3, speed: 50 })
    const c = await connect(sim.wsUrl)
    c.send([{ ticket: 't' }, { type: 'trade', codes: ['KRW-BTC'] }])
    c.send('PING')
    sim.faults.dropConnectionsEvery(10_000)
    sim.faults.delayWs(5)
    await get(sim, '/v1/ticker?markets=KRW-BTC')
    await sleep(100)
    expect(handles().TCPServerWrap ?? 0).toBeGreaterThan(before.TCPServerWrap ?? 0)
    await sim.close()
    await sim.close() // twice is fine
    await c.closed
    await sleep(50)
    const after = handles()
    expect(after.TCPServerWrap ?? 0).toBe(before.TCPServerWrap ?? 0)
    expect(after.TCPSocketWrap ?? 0).toBe(before.TCPSocketWrap ?? 0)
    expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0)
  })

  it('runs in real time at the given speed', async () => {
    const sim = await startSim({ seed: 3, markets: ['KRW-BTC'], speed: 60, limits: false })
    const t0 = sim.now()
    const real0 = performance.now()
    await sleep(300)
    const elapsed = sim.now() - t0
    const real = performance.now() - real0
    // 60 simulated seconds per real second, whatever the real sleep took on a loaded machine.
    expect(elapsed).toBeGreaterThan(real * 60 * 0.8)
    expect(elapsed).toBeLessThan(real * 60 * 1.25 + 1000)
    expect(sim.emittedTrades('KRW-BTC').length).toBeGreaterThan(0)
    await sim.close()
  })

  it('bb-sim prints its URLs and serves until stopped', async () => {
    const child = spawn(TSX, [BIN, '--port', '0', '--seed', '42', '--markets', '3', '--speed', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const deadline = Date.now() + 15_000
    while (!out.includes('Ctrl-C') && Date.now() < deadline) await sleep(50)
    const rest = /REST\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
    expect(out).toMatch(/WebSocket\s+ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1/)
    expect(rest).toBeDefined()
    const markets = (await (await fetch(`${rest}/v1/market/all`)).json()) as Obj[]
    expect(markets.map((m) => m.market)).toEqual(['KRW-BTC', 'KRW-ETH', 'KRW-XRP'])
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.kill('SIGINT')
    expect(await exited).toBe(0)
  }, 20_000)

  it('bb-sim --help explains the options', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(TSX, [BIN, '--help'], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    )
    expect(out).toContain('--replay')
    expect(out).toContain('--seed')
  }, 20_000)
})

describe('replay', () => {
  it('replays captured frames, byte for byte, to subscribers of their type and code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bb-sim-'))
    const file = join(dir, 'capture.jsonl')
    const lines = [
      '# captured from wss://api.upbit.com/websocket/v1',
      '{"t":0,"frame":{"type":"trade","code":"KRW-BTC","trade_price":1.16539E8,"sequential_id":17877285547970000,"stream_type":"REALTIME"}}',
      '{"t":30,"frame":{"type":"ticker","code":"KRW-BTC","trade_price":116539000,"stream_type":"REALTIME"}}',
      '{"t":60,"frame":{"ty":"trade","cd":"KRW-BTC","tp":116540000,"sid":1079953210371761700,"st":"REALTIME"}}',
      '{"t":90,"frame":{"type":"trade","code":"KRW-ETH","trade_price":5000000,"stream_type":"REALTIME"}}',
    ]
    writeFileSync(file, `${lines.join('\n')}\n`)
    const { parseCapture } = await import('../src/index.js')
    const { readFileSync } = await import('node:fs')
    const frames = parseCapture(readFileSync(file, 'utf8'))
    expect(frames).toHaveLength(4)
    // the capture starts when the sim starts: shift it by 300 ms so the client can subscribe first
    const sim2 = await startSim({
      seed: 1,
      markets: ['KRW-BTC', 'KRW-ETH'],
      speed: 0,
      limits: false,
      replay: { frames: frames.map((f) => ({ ...f, t: f.t + 300 })) },
    })
    const c = await connect(sim2.wsUrl)
    c.send([{ ticket: 't' }, { type: 'trade', codes: ['KRW-BTC'] }])
    await c.until((f) => f.length >= 2, 3000)
    await sleep(100)
    expect(c.raw.map((r) => r.text)).toEqual([
      '{"type":"trade","code":"KRW-BTC","trade_price":1.16539E8,"sequential_id":17877285547970000,"stream_type":"REALTIME"}',
      '{"ty":"trade","cd":"KRW-BTC","tp":116540000,"sid":1079953210371761700,"st":"REALTIME"}',
    ])
    c.close()
    await sim2.close()
    expect(() => parseCapture('{"t":"x","frame":{}}')).toThrow(/line 1/)
  })
})
