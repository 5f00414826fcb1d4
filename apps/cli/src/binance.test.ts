import { execFile, spawn } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// `--exchange binance`: the built `bb` binary against the simulator's Binance profile — embedded,
// or a separate `bb sim --exchange binance` reached through --rest-url/--ws-url.
const bin = join(import.meta.dirname, '..', 'dist', 'bin.js')
const run = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: '' },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('bb --exchange binance', () => {
  it('ticker: a table of Binance tickers (native or unified symbols), from REST', async () => {
    const { code, stdout, stderr } = await run('ticker', 'BTCUSDT', 'ETH/USDT', '--exchange', 'binance')
    expect(code, stderr).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^market\s+last\s+change/)
    expect(lines[1]).toMatch(/^BTC\/USDT\s+[\d,.]+\s+[+-][\d.]+%.*\srest\s*$/)
    expect(lines[2]).toMatch(/^ETH\/USDT\s/)
  }, 60_000)

  it('watch trades: contiguous Binance trade ids from the WebSocket until the duration ends', async () => {
    const { code, stdout, stderr } = await run(
      'watch',
      'trades',
      'BTCUSDT',
      '--exchange',
      'binance',
      '--duration',
      '4',
    )
    expect(code, stderr).toBe(0)
    const ids = [...stdout.matchAll(/^.*BTC\/USDT\s+(?:BUY|SELL).* id (\d+) {2}\((ws|rest)\)$/gm)].map((m) =>
      BigInt(m[1]!),
    )
    expect(ids.length, stdout).toBeGreaterThan(0)
    for (let i = 1; i < ids.length; i++) expect(ids[i]! - ids[i - 1]!).toBe(1n)
  }, 60_000)

  it('a separate `bb sim --exchange binance`, reached with --rest-url/--ws-url', async () => {
    const sim = spawn(process.execPath, [bin, 'sim', '--exchange', 'binance', '--duration', '60'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      let out = ''
      sim.stdout.on('data', (d) => {
        out += String(d)
      })
      for (let k = 0; k < 400 && !/WS\s+ws:\/\/\S+\/stream/.test(out); k++)
        await new Promise((r) => setTimeout(r, 25))
      const restUrl = /REST (http:\/\/\S+?)\/api\/v3/.exec(out)?.[1]
      const wsUrl = /WS\s+(ws:\/\/\S+\/stream)/.exec(out)?.[1]
      expect(restUrl, out).toBeDefined()
      expect(wsUrl, out).toBeDefined()
      const flags = ['--exchange', 'binance', '--rest-url', restUrl!, '--ws-url', wsUrl!]
      const ticker = await run('ticker', 'BTCUSDT', ...flags)
      expect(ticker.code, ticker.stderr).toBe(0)
      expect(ticker.stdout).toMatch(/^BTC\/USDT\s/m)
      const unknown = await run('ticker', 'NOPEUSDT', ...flags)
      expect(unknown.code).toBe(1)
      expect(unknown.stderr).toMatch(/Unknown symbol "NOPEUSDT" on binance/)
    } finally {
      sim.kill()
    }
  }, 90_000)

  it('an exchange it does not know is a usage error', async () => {
    const { code, stderr } = await run('ticker', 'BTCUSDT', '--exchange', 'kraken')
    expect(code).toBe(2)
    expect(stderr).toMatch(/--exchange must be upbit or binance, got "kraken"/)
  })

  it('demo: the same live view on Binance, an outage midway, nothing lost or duplicated', {
    tags: ['soak'],
  }, async () => {
    const { code, stdout } = await run(
      'demo',
      '--exchange',
      'binance',
      '--duration',
      '24',
      '--markets',
      'BTCUSDT,ETHUSDT,XRPUSDT',
    )
    expect(stdout).toContain('fault injected')
    expect(stdout).toMatch(/failover to REST polling: trades/)
    expect(stdout).toMatch(/switched back to the WebSocket/)
    expect(stdout).toMatch(/^WebSocket outages\s+1\s*$/m)
    // Per outage, one per followed stream: trades and Binance's local order books follow the link
    // per market (3 + 3), the tickers as one stream (1).
    expect(stdout).toMatch(/^failovers \/ switch-backs\s+7 \/ 7 /m)
    expect(stdout).toMatch(/^lost\s+0\s*$/m)
    expect(stdout).toMatch(/^duplicated\s+0\s*$/m)
    expect(code).toBe(0)
  })
})
