import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// `bb arbitrage` and `bb depth`: the built binary against its embedded simulators (one per
// exchange, on one price path), bounded by a count of updates (`--once`, `--updates N`).
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

interface PairJson {
  refused: boolean
  reason?: string
  sell: { exchange: string; symbol: string; marketId: string }
  buy: { exchange: string; symbol: string }
  fx?: { name: string; rate: string; from: string; to: string }
  fees: { sell: string; buy: string }
  netSpreadBps: string
  size: string
  profit: string
  premium?: string
  ageMs: number
}

/** One `bb arbitrage BTC --json --once` update over `exchanges` at a 5 % premium: its pairs. */
async function arbitrageOnce(exchanges: string): Promise<PairJson[]> {
  const { code, stdout, stderr } = await run(
    'arbitrage',
    'BTC',
    '--exchanges',
    exchanges,
    '--premium',
    '5',
    '--json',
    '--once',
    '--max-age',
    '60000',
  )
  expect(code, stderr).toBe(0)
  const [update] = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { pairs: PairJson[] })
  return update!.pairs
}

describe('bb arbitrage', () => {
  it('--json: every update holds both ordered pairs, net of fees, through the named FX source, at the configured premium', async () => {
    const { code, stdout, stderr } = await run(
      'arbitrage',
      'BTC',
      '--exchanges',
      'upbit,binance',
      '--premium',
      '5',
      '--json',
      '--updates',
      '3',
      '--interval',
      '0.1',
      '--max-age',
      '60000',
    )
    expect(code, stderr).toBe(0)
    const updates = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { base: string; pairs: PairJson[] })
    expect(updates).toHaveLength(3)
    for (const u of updates) {
      expect(u.base).toBe('BTC')
      expect(u.pairs.map((p) => `${p.sell.exchange}>${p.buy.exchange}`)).toEqual([
        'upbit>binance',
        'binance>upbit',
      ])
      const [krw, usdt] = u.pairs as [PairJson, PairJson]
      expect(krw.refused, JSON.stringify(krw)).toBe(false)
      expect(usdt.refused, JSON.stringify(usdt)).toBe(false)
      expect([krw.sell.marketId, krw.fx?.name, krw.fx?.from, krw.fx?.to]).toEqual([
        'KRW-BTC',
        'upbit USDT/KRW',
        'USDT',
        'KRW',
      ])
      expect([krw.fees.sell, krw.fees.buy]).toEqual(['0.0005', '0.001'])
      // The KRW market runs 5 % over BTCUSDT × FX: selling in KRW and buying in USDT pays.
      const premium = Number(krw.premium)
      expect(premium, JSON.stringify(krw)).toBeGreaterThan(0.04)
      expect(premium, JSON.stringify(krw)).toBeLessThan(0.06)
      expect(Number(krw.netSpreadBps)).toBeGreaterThan(300)
      expect(Number(krw.size)).toBeGreaterThan(0)
      expect(Number(krw.profit)).toBeGreaterThan(0)
      expect(Number(usdt.netSpreadBps)).toBeLessThan(0)
      expect(Number(usdt.size)).toBe(0)
      expect(krw.ageMs).toBeGreaterThanOrEqual(0)
    }
  }, 90_000)

  it('three exchanges: the two KRW markets (Upbit, Coinone) sit at the same premium over Binance, so only KRW → USDT pays', async () => {
    const listed = await arbitrageOnce('upbit,binance,coinone')
    const pairs = new Map(listed.map((p) => [`${p.sell.exchange}>${p.buy.exchange}`, p]))
    expect([...pairs.keys()].sort()).toEqual([
      'binance>coinone',
      'binance>upbit',
      'coinone>binance',
      'coinone>upbit',
      'upbit>binance',
      'upbit>coinone',
    ])
    for (const p of pairs.values()) expect(p.refused, JSON.stringify(p)).toBe(false)
    const krwOverUsdt = pairs.get('coinone>binance')!
    expect(krwOverUsdt.sell.symbol).toBe('BTC/KRW')
    expect(krwOverUsdt.fx?.name).toBe('upbit USDT/KRW')
    expect(Number(krwOverUsdt.premium), JSON.stringify(krwOverUsdt)).toBeGreaterThan(0.04)
    expect(Number(krwOverUsdt.premium), JSON.stringify(krwOverUsdt)).toBeLessThan(0.06)
    expect(Number(krwOverUsdt.netSpreadBps)).toBeGreaterThan(300)
    // Between the two KRW markets there is no FX and no premium: fees make it a loss both ways.
    for (const key of ['upbit>coinone', 'coinone>upbit']) {
      const p = pairs.get(key)!
      expect(p.fx, JSON.stringify(p)).toBeUndefined()
      expect(Number(p.netSpreadBps), JSON.stringify(p)).toBeLessThan(0)
      expect(Number(p.size)).toBe(0)
    }
  }, 90_000)

  it('coinone and binance (no FX market between them): the FX comes from upbit USDT/KRW, opened for it alone, and is named', async () => {
    const listed = await arbitrageOnce('coinone,binance')
    // Only the two listed exchanges are compared; upbit appears as the FX source, never as a pair.
    expect(listed.map((p) => `${p.sell.exchange}>${p.buy.exchange}`)).toEqual([
      'coinone>binance',
      'binance>coinone',
    ])
    const [krw, usdt] = listed as [PairJson, PairJson]
    for (const p of [krw, usdt]) expect(p.refused, JSON.stringify(p)).toBe(false)
    expect([krw.fx?.name, krw.fx?.from, krw.fx?.to]).toEqual(['upbit USDT/KRW', 'USDT', 'KRW'])
    expect([usdt.fx?.name, usdt.fx?.from, usdt.fx?.to]).toEqual(['upbit USDT/KRW', 'KRW', 'USDT'])
    // The simulators' FX is 1400 KRW per USDT (calm): the rate applied is that, and its inverse.
    expect(Math.abs(Number(krw.fx?.rate) / 1400 - 1)).toBeLessThan(0.01)
    expect(Math.abs(Number(usdt.fx?.rate) * 1400 - 1)).toBeLessThan(0.01)
    expect(Number(krw.premium), JSON.stringify(krw)).toBeGreaterThan(0.04)
    expect(Number(krw.premium), JSON.stringify(krw)).toBeLessThan(0.06)
  }, 90_000)

  it('--once: one table with a row per ordered pair', async () => {
    const { code, stdout, stderr } = await run('arbitrage', 'eth', '--once', '--max-age', '60000')
    expect(code, stderr).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^ETH arbitrage — embedded simulators \(premium 2 %, FX 1400 KRW\/USDT\)/)
    expect(lines[1]).toMatch(
      /^sell\s+buy\s+net bps\s+size ETH\s+profit\s+profit bps\s+premium\s+fx\s+age ms$/,
    )
    expect(lines[2]).toMatch(
      /^upbit ETH\/KRW\s+binance ETH\/USDT\s+-?[\d.]+\s+[\d.]+\s+[\d,.]+ KRW\s+.*%\s+upbit USDT\/KRW [\d.]+\s+\d+$/,
    )
    expect(lines[3]).toMatch(/^binance ETH\/USDT\s+upbit ETH\/KRW\s/)
    expect(lines).toHaveLength(4)
  }, 90_000)

  it('bad input: an unknown exchange, one exchange, an unknown base, a bad premium — each one sentence, no stack', async () => {
    const cases: [string[], number, RegExp][] = [
      [
        ['arbitrage', 'BTC', '--exchanges', 'upbit,kraken'],
        2,
        /unknown exchange "kraken": use one of upbit, binance/,
      ],
      [['arbitrage', 'BTC', '--exchanges', 'upbit'], 2, /needs at least two exchanges/],
      [['arbitrage', 'BTC', '--exchanges', 'upbit,upbit'], 2, /names upbit twice/],
      [['arbitrage', 'B-TC'], 2, /base asset must be letters and digits/],
      [['arbitrage', 'NOPE', '--once'], 1, /Unknown symbol "NOPE\/KRW" on upbit/],
      [['arbitrage', 'BTC', '--premium', '-100'], 2, /--premium must be a percent/],
      [['arbitrage', 'BTC', '--live', '--fx', '1300'], 2, /--live and --fx conflict/],
      [['arbitrage'], 2, /needs a base asset/],
    ]
    for (const [args, exit, message] of cases) {
      const { code, stderr } = await run(...args)
      expect(stderr, args.join(' ')).toMatch(message)
      expect(stderr, args.join(' ')).not.toMatch(/\n\s+at /)
      expect(code, args.join(' ')).toBe(exit)
    }
  }, 120_000)
})

describe('bb depth', () => {
  it('--json: spread, depth within the band, imbalance and the slippage of the notional both ways', async () => {
    const { code, stdout, stderr } = await run(
      'depth',
      'BTC/KRW',
      '--band',
      '0.5',
      '--notional',
      '5000000',
      '--json',
      '--updates',
      '2',
      '--interval',
      '0.1',
      '--max-age',
      '60000',
    )
    expect(code, stderr).toBe(0)
    const values = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(values).toHaveLength(2)
    for (const v of values) {
      expect(v.refused, JSON.stringify(v)).toBe(false)
      expect([v.input.exchange, v.input.marketId, v.quote, v.bandPct]).toEqual([
        'upbit',
        'KRW-BTC',
        'KRW',
        '0.5',
      ])
      expect(Number(v.spreadBps)).toBeGreaterThanOrEqual(0)
      expect(Number(v.bidDepth.base)).toBeGreaterThan(0)
      expect(Number(v.askDepth.base)).toBeGreaterThan(0)
      expect(Math.abs(Number(v.imbalance))).toBeLessThanOrEqual(1)
      expect(v.slippage).toHaveLength(1)
      expect([v.slippage[0].buy.notional, v.slippage[0].sell.notional]).toEqual(['5000000', '5000000'])
      expect(Number(v.slippage[0].buy.averagePrice)).toBeGreaterThanOrEqual(Number(v.bestAsk))
      expect(Number(v.slippage[0].sell.averagePrice)).toBeLessThanOrEqual(Number(v.bestBid))
    }
  }, 90_000)

  it('--exchange binance --once: one table', async () => {
    const { code, stdout, stderr } = await run(
      'depth',
      'ETH/USDT',
      '--exchange',
      'binance',
      '--once',
      '--max-age',
      '60000',
    )
    expect(code, stderr).toBe(0)
    expect(stdout).toMatch(/^binance ETH\/USDT depth — /)
    expect(stdout).toMatch(/^spread bps\s+[\d.]+/m)
    expect(stdout).toMatch(/^bids within -1 %\s+[\d.]+ \([\d,]+ USDT\)/m)
    expect(stdout).toMatch(/^buy 10,000 USDT\s+avg [\d,.]+\s+[\d.]+ bps/m)
    expect(stdout).toMatch(/^imbalance\s+-?[\d.]+/m)
  }, 90_000)

  it('bad input: a bad percent, an unknown exchange, an unknown market', async () => {
    const cases: [string[], number, RegExp][] = [
      [['depth', 'BTC/KRW', '--band', '0'], 2, /--band must be a percent more than 0 and less than 100/],
      [['depth', 'BTC/KRW', '--band', '100'], 2, /--band must be a percent/],
      [['depth', 'BTC/KRW', '--exchange', 'kraken'], 2, /--exchange must be upbit, binance or coinone/],
      [['depth', 'NOPE/KRW', '--once'], 1, /Unknown symbol "NOPE\/KRW" on upbit/],
      [['depth'], 2, /needs a market/],
    ]
    for (const [args, exit, message] of cases) {
      const { code, stderr } = await run(...args)
      expect(stderr, args.join(' ')).toMatch(message)
      expect(code, args.join(' ')).toBe(exit)
    }
  }, 120_000)
})
