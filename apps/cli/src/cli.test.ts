import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

// The built `bb` binary, run as a user runs it (non-TTY), against its embedded simulator.
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
const dir = mkdtempSync(join(tmpdir(), 'bb-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('bb', () => {
  it('demo: live view with an outage midway, ending with nothing lost or duplicated', {
    tags: ['soak'],
  }, async () => {
    const { code, stdout } = await run('demo', '--duration', '24', '--markets', 'KRW-BTC,KRW-ETH,KRW-XRP')
    expect(stdout).toContain('fault injected')
    expect(stdout).toMatch(/failover to REST polling: trades/)
    expect(stdout).toMatch(/switched back to the WebSocket/)
    // One outage reads as one outage: one "down" line, one failover and one switch-back per
    // stream (ticker, book, three trade streams), however many reconnect attempts it took.
    expect(stdout.match(/websocket down:/g)).toHaveLength(1)
    expect(stdout).toMatch(/^WebSocket outages\s+1\s*$/m)
    expect(stdout).toMatch(/^failovers \/ switch-backs\s+5 \/ 5 /m)
    expect(stdout).toMatch(/^reconnects\s+([2-9]|\d\d+)\s*$/m)
    expect(stdout).toMatch(/^lost\s+0\s*$/m)
    expect(stdout).toMatch(/^duplicated\s+0\s*$/m)
    expect(stdout).toMatch(/^trades delivered\s+\d+ \(ws \d+, rest [1-9]\d*\)/m)
    expect(code).toBe(0)
  })

  it('ticker prints a table marked with its source', async () => {
    const { code, stdout } = await run('ticker', 'KRW-BTC', 'KRW-ETH')
    expect(code).toBe(0)
    expect(stdout.split('\n')[0]).toMatch(/^market\s+last\s+change/)
    expect(stdout).toMatch(/^BTC\/KRW\s+[\d,]+\s+[+-]\d+\.\d\d%.*rest\s*$/m)
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
    expect(stdout).toMatch(/BTC\/KRW\s+(BUY |SELL)\s+[\d,]+ × [\d.]+\s+id \d{16,}\s+\((ws|rest)\)/)
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

  it('strategy run announces the injected crash and surge, and the crash and surge rules fire', async () => {
    const { code, stdout } = await run('strategy', 'run', '--duration', '20', '--speed', '120')
    expect(code).toBe(0)
    expect(stdout).toMatch(/^Seven rules, dry-run, KRW-BTC, KRW-ETH/)
    expect(stdout).toMatch(/^>>> injected: a crash on KRW-BTC: −8 % within 20 s/m)
    expect(stdout).toMatch(/^>>> injected: a surge on KRW-ETH: \+8 % within 20 s/m)
    expect(stdout).toMatch(/^\S+\s+KRW-BTC\s+crash\s+order/m)
    expect(stdout).toMatch(/^\S+\s+KRW-ETH\s+surge\s+meta/m)
    expect(stdout).toMatch(/^Decisions per rule: .*crash [1-9].*$/m)
    expect(stdout).toMatch(/^Decisions per rule: .*surge [1-9].*$/m)
    expect(stdout).toMatch(/^Paper balances: KRW /m)
  }, 90_000)

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

  it('ticker blames only the unknown market of a list', async () => {
    const { code, stdout, stderr } = await run('ticker', 'KRW-BTC', 'KRW-NOPE')
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr.trim()).toMatch(/^bb: error: Unknown symbol "KRW-NOPE" on upbit/)
    expect(stderr).not.toContain('KRW-BTC"')
  })

  it('watch of an unknown market, or of an unreachable endpoint, fails with a typed error instead of staying silent', async () => {
    const unknown = await run('watch', 'trades', 'KRW-NOPE', '--duration', '2')
    expect(unknown).toMatchObject({ code: 1, stdout: '' })
    expect(unknown.stderr.trim()).toMatch(/^bb: error: Unknown symbol "KRW-NOPE" on upbit/)
    const unreachable = await run(
      'watch',
      'ticker',
      'KRW-BTC',
      '--duration',
      '2',
      '--rest-url',
      'http://127.0.0.1:1',
    )
    expect(unreachable).toMatchObject({ code: 1, stdout: '' })
    expect(unreachable.stderr.trim()).toMatch(
      /^bb: error: Network failure talking to upbit\. \(unreachable: /,
    )
  })

  it('output to a pipe has no colour codes', async () => {
    const { code, stdout } = await run('ticker', 'KRW-BTC')
    expect(code).toBe(0)
    expect(stdout).not.toContain('\x1b[')
  })
})

describe('bb command line', () => {
  const version = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')).version
  const oneLine = (text: string) => text.trimEnd().split('\n')

  it('--version and -v print the version', async () => {
    expect(await run('--version')).toMatchObject({ code: 0, stdout: `bb ${version}\n` })
    expect(await run('-v')).toMatchObject({ code: 0, stdout: `bb ${version}\n` })
  })

  it('bb help lists every command; no command at all is a usage error on stderr', async () => {
    const help = await run('help')
    expect(help.code).toBe(0)
    for (const command of [
      'demo',
      'ticker',
      'orderbook',
      'watch',
      'candles',
      'sim',
      'serve',
      'strategy run',
      'backtest',
    ])
      expect(help.stdout).toContain(`bb ${command}`)
    const none = await run()
    expect(none).toMatchObject({ code: 2, stdout: '' })
    expect(none.stderr).toContain('bb help COMMAND')
  })

  it('bb help <cmd> and bb <cmd> --help show the same option table, endpoint flags included', async () => {
    const a = await run('help', 'candles')
    const b = await run('candles', '--help')
    const c = await run('candles', '-h')
    expect(a.code).toBe(0)
    expect(b).toEqual(a)
    expect(c).toEqual(a)
    expect(a.stdout).toMatch(/^usage: bb candles MARKET INTERVAL \[options\]/)
    for (const flag of [
      '--count N',
      '--from TIME',
      '--to TIME',
      '--out FILE',
      '--live',
      '--rest-url URL',
      '--ws-url URL',
    ])
      expect(a.stdout).toMatch(new RegExp(`^  ${flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`, 'm'))
    const strategy = await run('strategy', 'run', '--help')
    expect(strategy.stdout).toMatch(/^ {2}--balance AMOUNT\s+paper balance in the quote currency/m)
  })

  it.each([
    [
      ['watch', 'trades', 'KRW-BTC', '--duration', 'abc'],
      '--duration must be a number of seconds greater than 0, got "abc"',
    ],
    [
      ['strategy', 'run', '--duration', 'abc'],
      '--duration must be a number of seconds greater than 0, got "abc"',
    ],
    [['sim', '--duration', '-1'], '--duration must be a number of seconds greater than 0, got "-1"'],
    [['orderbook', 'KRW-BTC', '--depth', 'abc'], '--depth must be a whole number from 1 to 30, got "abc"'],
    [
      ['backtest', 'KRW-BTC', '--balance=-5'],
      '--balance must be an amount greater than 0 (e.g. 10000000), got "-5"',
    ],
    [
      ['strategy', 'run', '--balance', '0'],
      '--balance must be an amount greater than 0 (e.g. 10000000), got "0"',
    ],
    [['sim', '--port', 'abc'], '--port must be a port number from 0 to 65535, got "abc"'],
    [
      ['demo', '--metrics-port', '70000'],
      '--metrics-port must be a port number from 0 to 65535, got "70000"',
    ],
    [['candles', 'KRW-BTC', '1m', '--count', '0'], '--count must be a whole number ≥ 1, got "0"'],
    [['backtest', 'KRW-BTC', '--count', '1.5'], '--count must be a whole number ≥ 1, got "1.5"'],
    [['sim', '--speed', 'fast'], '--speed must be a number greater than 0, got "fast"'],
    [['ticker', 'KRW-BTC', '--seed', 'x'], '--seed must be a whole number ≥ 0, got "x"'],
  ])('bb %j: one line naming the bad value, exit 2', async (args, message) => {
    const { code, stdout, stderr } = await run(...args)
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(oneLine(stderr)).toEqual([`bb: error: ${message}`])
  })

  it.each([
    [
      ['candles', 'KRW-BTC', '1m', '--count', '3', '--from', '2025-01-01T00:00:00Z'],
      '--count and --from conflict: use --count N (the latest N candles) or --from/--to (a time range), not both',
    ],
    [
      ['ticker', 'KRW-BTC', '--live', '--rest-url', 'http://127.0.0.1:1'],
      '--live and --rest-url conflict: --live means api.upbit.com: give either --live or --rest-url/--ws-url',
    ],
    [
      ['ticker', 'KRW-BTC', '--depth', '3'],
      'unknown option --depth for `bb ticker` (`bb help ticker` lists its options)',
    ],
    [['demo', '--bogus'], 'unknown option --bogus for `bb demo` (`bb help demo` lists its options)'],
    [
      ['orderbook', 'KRW-BTC', '-x'],
      'unknown option -x for `bb orderbook` (`bb help orderbook` lists its options)',
    ],
    [
      ['orderbook', 'KRW-BTC', '--depth'],
      '--depth needs a value: --depth N (`bb help orderbook` lists its options)',
    ],
    [['demo', '--live=yes'], '--live takes no value (got "yes")'],
    [['strategy', 'walk'], 'unknown command "bb strategy walk": the strategy command is `bb strategy run`'],
    [['nope'], 'unknown command "nope": run `bb help` for the list of commands'],
  ])('bb %j: refused in one line, exit 2', async (args, message) => {
    const { code, stdout, stderr } = await run(...args)
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(oneLine(stderr)).toEqual([`bb: error: ${message}`])
  })
})
