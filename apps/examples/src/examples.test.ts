import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// The examples are the READMEs' promises: run the built files and check what they print.
const run = (file: string) =>
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'dist', file)], { encoding: 'utf8' })
    .trim()
    .split('\n')

const runAsync = async (file: string) =>
  (
    await promisify(execFile)(process.execPath, [join(import.meta.dirname, '..', 'dist', file)], {
      encoding: 'utf8',
      timeout: 60_000,
    })
  ).stdout
    .trim()
    .split('\n')

const root = join(import.meta.dirname, '..', '..', '..')
/** The `ts` code blocks of a README. */
const blocks = (readme: string) =>
  [...readFileSync(join(root, readme), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])

describe('the README shows the example file as it is', () => {
  it.each([
    ['packages/router/README.md', 0, 'router.ts'],
    ['packages/router/README.md', 2, 'router-binance.ts'],
    ['packages/router/README.md', 3, 'router-binance-book.ts'],
    ['packages/router/README.md', 4, 'router-coinone.ts'],
    ['packages/router/README.md', 5, 'router-multi.ts'],
    ['packages/rules/README.md', 0, 'rules-backtest.ts'],
    ['packages/rules/README.md', 1, 'rules-live.ts'],
    ['packages/upbit/README.md', 0, 'upbit.ts'],
    ['packages/binance/README.md', 0, 'binance.ts'],
    ['packages/binance/README.md', 1, 'binance-book.ts'],
    ['packages/binance/README.md', 2, 'binance-weight.ts'],
    ['packages/binance/README.md', 3, 'binance-private.ts'],
    ['packages/coinone/README.md', 0, 'coinone.ts'],
    ['packages/analytics/README.md', 0, 'analytics.ts'],
    ['packages/adapter-testing/README.md', 0, 'adapter-testing.ts'],
    ['packages/exchange-adapter/README.md', 0, 'exchange-adapter.ts'],
    ['packages/unifier/README.md', 0, 'unifier.ts'],
    ['packages/rest/README.md', 0, 'rest.ts'],
    ['packages/rest/README.md', 2, 'rest-weight.ts'],
    ['packages/ws/README.md', 0, 'ws.ts'],
    ['packages/utils/README.md', 0, 'utils.ts'],
    ['packages/bus/README.md', 0, 'bus.ts'],
  ])('%s block %i is src/%s', (readme, index, file) => {
    // The example file is the block plus one first line naming where it comes from.
    const source = readFileSync(join(import.meta.dirname, file), 'utf8')
    expect(source.split('\n')[0]).toContain(readme)
    expect(blocks(readme)[index]).toBe(source.slice(source.indexOf('\n') + 1))
  })
})

describe('README examples', () => {
  // The bus example needs a Redis: one started on a free port (with CI=true a missing
  // redis-server fails; otherwise this example skips with the reason).
  const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0
  if (!hasRedis) {
    if (process.env.CI === 'true') throw new Error('redis-server is not installed: CI=true needs it')
    console.warn('skipping the bus example: redis-server is not installed')
  }
  it.runIf(hasRedis)('bus: trades from a publisher through Redis to a remote backbone', async () => {
    const redis = await startRedis()
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(import.meta.dirname, '..', 'dist', 'bus.js')],
        {
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, BUS_URL: redis.url },
        },
      )
      const lines = stdout.trim().split('\n')
      expect(lines.length).toBeGreaterThan(0)
      expect(lines.filter((l) => !/^\d{16,} \d+ ws$/.test(l))).toEqual([])
    } finally {
      redis.stop()
    }
  })

  it('router: a ticker from REST, live trades from the WebSocket, a book from the async iterator', async () => {
    const lines = await runAsync('router.js')
    expect(lines[0]).toMatch(/^\d+ rest$/)
    expect(lines[1]).toBe('Nothing cached yet. Asking REST.')
    const rest = lines.slice(2)
    const trade = /^(BTC|ETH)\/KRW \d{16,} \d+ (buy|sell) ws$/
    const book = /^\d+ \d+$/
    const link = /^websocket (up|down|recovering) - \S.*$/
    expect(rest.filter((l) => !trade.test(l) && !book.test(l) && !link.test(l))).toEqual([])
    expect(rest.some((l) => trade.test(l))).toBe(true)
    expect(rest.some((l) => book.test(l))).toBe(true) // the loop ran, and ended on its signal
    expect(rest).toContain('websocket up - The WebSocket is open.')
  })

  it('router on Binance: a ticker from REST, live trades of two markets from the WebSocket', async () => {
    const lines = await runAsync('router-binance.js')
    expect(lines[0]).toMatch(/^\d+(\.\d+)?$/)
    const trade = /^(BTC|ETH)\/USDT \d+ (ws|rest)$/
    // Every line a trade as the README prints it (how many arrive in 3 s depends on the machine).
    expect(lines.slice(1).filter((l) => !trade.test(l))).toEqual([])
  })

  it('router over several exchanges: a ticker of each, a Binance book stream, health per exchange', async () => {
    const lines = await runAsync('router-multi.js')
    expect(lines[0]).toMatch(/^upbit \d+ binance \d+(\.\d+)? coinone \d+$/)
    const book = /^binance \d+(\.\d+)?$/
    const health = /^(upbit|binance|coinone) (connecting|up|down|recovering)$/
    expect(lines.slice(1).filter((l) => !book.test(l) && !health.test(l))).toEqual([])
    expect(lines.some((l) => book.test(l))).toBe(true)
    expect(lines.some((l) => /^upbit /.test(l) && health.test(l))).toBe(true)
    expect(lines.some((l) => /^binance /.test(l) && health.test(l))).toBe(true)
  })

  it('router on Binance: the local order book — the REST snapshot first, then one book per diff', async () => {
    const lines = await runAsync('router-binance-book.js')
    const book = /^(rest|ws) \d+ \d+(\.\d+)? \d+(\.\d+)?$/
    expect(lines[0]).toMatch(/^rest /)
    expect(lines.filter((l) => !book.test(l) && !/^resync BTCUSDT \S+$/.test(l))).toEqual([])
    // Sequences never go backwards (a REST preview and the book's snapshot may share an id).
    const seqs = lines.filter((l) => book.test(l)).map((l) => BigInt(l.split(' ')[1]!))
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]! >= seqs[i - 1]!).toBe(true)
  })

  it('router on Coinone: a ticker from REST, live trades of two markets from the WebSocket', async () => {
    const lines = await runAsync('router-coinone.js')
    expect(lines[0]).toMatch(/^\d+(\.\d+)?$/)
    const trade = /^(BTC|ETH)\/KRW \d{16} (ws|rest)$/
    expect(lines.slice(1).filter((l) => !trade.test(l))).toEqual([])
  })

  it('rest: tickers, 1,000 candles in pages of 200, balances and a test order against the sim', async () => {
    const lines = await runAsync('rest.js')
    expect(lines[0]).toMatch(/^\d+ -?\d+(\.\d+)?$/)
    expect(lines.slice(1, 6)).toEqual([
      '200/1000 (1 requests)',
      '400/1000 (2 requests)',
      '600/1000 (3 requests)',
      '800/1000 (4 requests)',
      '1000/1000 (5 requests)',
    ])
    expect(lines[6]).toMatch(/^1000 \d{4}-\d\d-\d\dT/)
    expect(lines[7]).toBe("[ 'KRW 1000000' ]")
  })

  it('ws: status, trades and books from the sim, then the client stats', async () => {
    const text = (await runAsync('ws.js')).join('\n')
    expect(text).toMatch(/^status open$/m)
    expect(text).toMatch(/^(BTC|ETH)\/KRW \d{16,} \d+ [\d.]+ (buy|sell)$/m)
    expect(text).toMatch(/^book \d+ \d+$/m)
    expect(text).toMatch(/dropped: 0,/)
  })

  it('rules: the live dry-run warms up on 200 candles from the backbone', async () => {
    expect(await runAsync('rules-live.js')).toContain('warmed up on 200 candles')
  })

  it('rules: the backtest reports trades, firings and explanations', async () => {
    const text = (await runAsync('rules-backtest.js')).join('\n')
    expect(text).toMatch(/firings: \{ 'rsi-entry': \d+/)
    expect(text).toMatch(/^KRW-ABC @ \d+: rule 1 "rsi-entry" \(ENTRY, priority 10\)/m)
    expect(text).toMatch(/^symbol,/m)
  })

  it('exchange-adapter: a registry of adapters, shapes and market rules declared by the adapter', () => {
    expect(run('exchange-adapter.js')).toEqual([
      "[ 'upbit' ]",
      'rest ws,wsSimple',
      '5000 0.0005 1000',
      'InvalidRequestError exchange',
    ])
  })

  it('adapter-testing: the kit proves the fixture exchange and lists what a broken adapter fails', () => {
    expect(run('adapter-testing.js')).toEqual(['true 0', 'false market rules'])
  })

  it('upbit: requests, URLs, signing, rate-limit headers, errors and WS subscriptions', () => {
    expect(run('upbit.js')).toEqual([
      'GET /v1/ticker ticker false',
      'https://api.upbit.com/v1/ticker?markets=KRW-BTC,KRW-ETH',
      'true',
      '{"group":"trade","wireGroup":"crix-trades","remaining":9,"intervalMs":1000}',
      'RateLimitError true',
      'wss://api.upbit.com/websocket/v1',
      'true',
      'PING 60000',
      "{ type: 'status', status: 'UP' }",
    ])
  })

  it('binance: a published trade frame normalized, a request with its weight, header, error, SUBSCRIBE', () => {
    expect(run('binance.js')).toEqual([
      'BNB/BTC BNBBTC 12345 0.001 sell',
      'https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000 50',
      '3589',
      'UnknownSymbolError',
      '{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}',
    ])
  })

  it('rest weight: costs in units sum in the limiter', () => {
    expect(run('rest-weight.js')).toEqual(['270'])
  })

  it('binance weight: a request with its cost, and a client on the sim spending weight without a 429', async () => {
    expect(await runAsync('binance-weight.js')).toEqual(['weight 250', '270 0'])
  })

  it('binance private: balances, a market buy by cost and its lookup on the sim', async () => {
    expect(await runAsync('binance-private.js')).toEqual(['1000', 'true done 50', 'done'])
  })

  it('binance: a diff-depth frame normalized with its update ids; the diff-book capability', () => {
    expect(run('binance-book.js')).toEqual(['157 160 0', '{ snapshotDepth: 1000 }'])
  })

  it('coinone: a WS book frame normalized best-first, a chart request, an HTTP-200 error, a tick, SUBSCRIBE', () => {
    expect(run('coinone.js')).toEqual([
      'BTC/KRW 58422000 58412000',
      'https://api.coinone.co.kr/public/v2/chart/KRW/BTC?interval=1mon&size=500',
      'UnknownSymbolError',
      '0.1',
      '{"request_type":"SUBSCRIBE","channel":"TRADE","topic":{"quote_currency":"KRW","target_currency":"BTC"},"format":"SHORT"}',
    ])
  })

  it('analytics: depth and slippage of one book, a cross-exchange spread, a premium through an FX ticker', () => {
    // What the README's comments promise, line for line.
    expect(run('analytics.js')).toEqual([
      '100.50 -0.733 100.6645',
      'sell upbit buy binance: 1.5 BTC, profit 5041.5 KRW',
      'sell binance buy upbit: 0 BTC, profit 0 USDT',
      '5% via upbit USDT market',
    ])
  })

  it('unifier: a SIMPLE trade frame and a REST candle body, with every digit kept', () => {
    expect(run('unifier.js')).toEqual([
      '17877285547970000123 116539000 buy',
      '1d 146000000 201234567890.12345678',
    ])
  })

  it('utils: a manual sleep, a retry with backoff and a candle from trades', () => {
    expect(run('utils.js')).toEqual(['2025-06-24T00:00:30.000Z', 'ok 3', '100 105 0.3'])
  })

  it('models: exact prices, ids, paths and interval helpers', () => {
    expect(run('models.js')).toEqual([
      '116539000 0.0007772 17877285547970000123',
      '90574.1108',
      '"116539000"',
      'price',
      '2025-06-25T00:00:00.000Z',
      '0.3 4h',
    ])
  })

  it('errors: classes, retryability and redaction', () => {
    const lines = run('errors.js')
    expect(lines.slice(0, 3)).toEqual([
      'rate_limit 250 false',
      'true',
      'Rate limit exceeded for group "ticker" on upbit.',
    ])
    expect(lines).toContain('network true')
    expect(lines.at(-1)).toBe('{"headers":{"Authorization":"[REDACTED]"}}')
  })
})

/** A redis-server on a free 127.0.0.1 port, once it accepts connections. */
async function startRedis(): Promise<{ url: string; stop(): void }> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  const listening = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
  for (let i = 0; i < 400 && !(await listening()); i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') }
}
