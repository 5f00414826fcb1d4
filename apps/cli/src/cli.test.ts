import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

// The built `bb` binary, run as a user runs it (non-TTY), against its embedded simulator.
const bin = join(import.meta.dirname, '..', 'dist', 'bin.js')
const run = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      timeout: 60_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}
const dir = mkdtempSync(join(tmpdir(), 'bb-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('bb', () => {
  it('demo: live view with an outage midway, ending with nothing lost or duplicated', async () => {
    const { code, stdout } = await run('demo', '--duration', '12', '--markets', 'KRW-BTC,KRW-ETH,KRW-XRP')
    expect(stdout).toContain('fault injected')
    expect(stdout).toMatch(/failover to REST polling: trades/)
    expect(stdout).toMatch(/switched back to the WebSocket/)
    expect(stdout).toMatch(/^lost\s+0\s*$/m)
    expect(stdout).toMatch(/^duplicated\s+0\s*$/m)
    expect(stdout).toMatch(/^trades delivered\s+\d+ \(ws \d+, rest [1-9]\d*\)/m)
    expect(code).toBe(0)
  }, 60_000)

  it('ticker prints a table marked with its source', async () => {
    const { code, stdout } = await run('ticker', 'KRW-BTC', 'KRW-ETH')
    expect(code).toBe(0)
    expect(stdout.split('\n')[0]).toMatch(/^market\s+last\s+change/)
    expect(stdout).toMatch(/^KRW-BTC\s+[\d,]+\s+[+-]\d+\.\d\d%.*rest\s*$/m)
  })

  it('orderbook prints asks above bids', async () => {
    const { code, stdout } = await run('orderbook', 'KRW-BTC', '--depth', '3')
    expect(code).toBe(0)
    const sides = stdout
      .split('\n')
      .filter((l) => /^(ask|bid) /.test(l))
      .map((l) => l.slice(0, 3))
    expect(sides).toEqual(['ask', 'ask', 'ask', 'bid', 'bid', 'bid'])
  })

  it('candles writes a CSV with a progress bar on stderr', async () => {
    const file = join(dir, 'candles.csv')
    const { code, stdout, stderr } = await run('candles', 'KRW-BTC', '1m', '--count', '450', '--out', file)
    expect(code).toBe(0)
    expect(stdout).toContain(`450 1m candles of KRW-BTC written to ${file}`)
    expect(stderr).toMatch(/\[#{30}\] 100% 450\/450\s+3 requests/)
    const lines = readFileSync(file, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('time,open,high,low,close,volume,quote_volume')
    expect(lines).toHaveLength(451)
  })

  it('watch trades prints trades until the duration ends', async () => {
    const { code, stdout } = await run('watch', 'trades', 'KRW-BTC', '--duration', '3')
    expect(code).toBe(0)
    expect(stdout).toMatch(/KRW-BTC\s+(BUY |SELL)\s+[\d,]+ × [\d.]+\s+id \d{16,}\s+\((ws|rest)\)/)
  })

  it('backtest downloads history and prints a summary', async () => {
    const report = join(dir, 'report.json')
    const { code, stdout, stderr } = await run('backtest', 'KRW-BTC', '--count', '1500', '--out', report)
    expect(code).toBe(0)
    expect(stderr).toContain('downloading [')
    expect(stdout).toMatch(/^P&L\s+-?[\d,]+ KRW/m)
    expect(stdout).toMatch(/^firings\s+/m)
    expect(JSON.parse(readFileSync(report, 'utf8'))).toHaveProperty('trades')
  }, 60_000)

  it('strategy run prints decisions with explanations in dry-run', async () => {
    const { code, stdout } = await run(
      'strategy',
      'run',
      '--symbols',
      'KRW-BTC',
      '--duration',
      '6',
      '--speed',
      '120',
    )
    expect(code).toBe(0)
    expect(stdout).toMatch(/^Seven rules, dry-run, KRW-BTC/)
    expect(stdout).toMatch(/^Decisions per rule: /m)
    expect(stdout).toMatch(/^Paper balances: KRW /m)
  }, 60_000)

  it('bad input is one clear line and a non-zero exit', async () => {
    expect(await run('ticker', 'KRW-NOPE')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^bb: error: Unknown symbol "KRW-NOPE"/),
    })
    expect(await run('candles', 'KRW-BTC', '2m')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/Unknown candle interval "2m"/),
    })
    const network = await run('ticker', 'KRW-BTC', '--rest-url', 'http://127.0.0.1:1')
    expect(network.code).toBe(1)
    expect(network.stderr.trim()).toMatch(/^bb: error: Network failure talking to upbit\. \(unreachable: /)
    expect((await run('nope')).code).toBe(2)
  })
})
