// Smoke test of the consumer-level harness on Binance frames: one round with tiny counts, every
// consumer, through the real processes (feed, raw ws, ccxt.pro binance, the backbone). It checks
// that each path delivers what its user would rely on, not how fast: no timing is asserted.
import { describe, expect, it } from 'vitest'
import { runScript } from './run-script.js'

const run = (env: Record<string, string>) => runScript('src/consumer.ts', env, 200_000)

/** The cells of the first table's row named `scenario`. */
function row(out: string, scenario: string): string[] | undefined {
  const line = out.split('\n').find((l) => l.startsWith(`| ${scenario}`) && l.includes('/s ('))
  const latency = out.split('\n').find((l) => l.startsWith(`| ${scenario}`) && l.includes('p50'))
  return (line ?? latency)
    ?.split('|')
    .slice(2, 5)
    .map((c) => c.trim())
}

const delivered = (cell: string | undefined) => Number(/\(([\d.]+) %\)/.exec(cell ?? '')?.[1] ?? Number.NaN)

describe('bench:consumer with EXCHANGE=binance', () => {
  it('runs trades, book diffs and latency for raw ws, ccxt.pro binance and the backbone', async () => {
    const { code, out } = await run({
      EXCHANGE: 'binance',
      ROUNDS: '1',
      TRADES: '300',
      BOOKS: '200',
      RATE: '200',
      LATENCY_SECONDS: '1',
      SCENARIOS: '1,3,4',
    })
    expect(code, out).toBe(0)
    expect(out, out).toContain('ccxt.pro binance')
    for (const scenario of ['trades, 1 market', 'book diffs, 1 market', 'trade latency at 200/s']) {
      const cells = row(out, scenario)
      expect(cells, `no row "${scenario}" in:\n${out}`).toHaveLength(3)
      const [raw, ccxt, backbone] = cells as [string, string, string]
      // raw sees every frame; the backbone hands every trade, and one book state per diff, to user code
      expect(delivered(raw), out).toBe(100)
      expect(delivered(backbone), out).toBe(100)
      // ccxt.pro conflates books (its watch loop sees the latest), but it does get values
      expect(delivered(ccxt), out).toBeGreaterThan(0)
    }
    // binance feed: a client asked for a route the feed does not serve
    expect(out, out).not.toContain('no route')
  })
})
