// Smoke test of the memory soak: a few seconds, 5 markets, through the real processes (the feed,
// raw ws, ccxt.pro upbit, the backbone). It checks that each consumer got all three kinds for every market and
// that the table is printed, not what the memory figures are: no timing or size is asserted.
import { describe, expect, it } from 'vitest'
import { runScript } from './run-script.js'

const run = (env: Record<string, string>) => runScript('src/memory.ts', env, 150_000)

/** The cells of the line starting with `| label |` whose cells match `pattern`. */
const row = (out: string, label: string, pattern: RegExp) =>
  out
    .split('\n')
    .find((l) => l.startsWith(`| ${label} |`) && pattern.test(l))
    ?.split('|')
    .slice(2, -1)
    .map((c) => c.trim())

describe('bench:memory', () => {
  it('soaks raw ws, ccxt.pro upbit and the backbone on all three kinds of every market and prints the table', async () => {
    const { code, out } = await run({
      SOAK_SECONDS: '8',
      WARMUP_SECONDS: '2',
      SAMPLE_SECONDS: '1',
      MARKETS: '5',
      PEERS: 'raw,ccxt,backbone',
    })
    expect(code, out).toBe(0)
    expect(out, out).toContain('| consumer | RSS at warm-up end (MB) |')
    for (const label of ['raw ws + JSON.parse', 'ccxt.pro upbit', 'Backbone']) {
      // memory row: nine figures, each a number
      const memory = row(out, label, /^\| [^|]+ \| [\d.,]+ \|/)
      expect(memory, out).toHaveLength(9)
      for (const cell of memory ?? [])
        expect(Number(cell.replace(/,/g, '')), `${label}: ${out}`).not.toBeNaN()
      // flow row: trades, tickers, books, each "values / frames (n mkts)"
      const flow = row(out, label, /mkts\)/)
      expect(flow, out).toBeDefined()
      for (const cell of (flow ?? []).slice(0, 3)) {
        const [, values, , markets] = /^([\d,]+) \/ ([\d,]+) \((\d+) mkts\)$/.exec(cell) ?? []
        expect(Number(values?.replace(/,/g, '')), `${label} "${cell}": ${out}`).toBeGreaterThan(0)
        expect(Number(markets), `${label} "${cell}": ${out}`).toBe(5)
      }
      expect(flow?.[4], `${label}: watch errors in ${out}`).toBe('0')
    }
    // the feed was asked only for routes it serves
    expect(out, out).not.toContain('no route')
  })
})
