// Time per tick for the seven rules (plus the hard stop) × 100 symbols: one tick = one new trade
// price for each of the 100 symbols, evaluated by one engine. Run: pnpm --filter @bb/rules bench
import { performance } from 'node:perf_hooks'
import { type Candle, Decimal, type Trade } from '@bb/models'
import { createEngine, DryRunExecutor, sevenRules } from '../src/index.js'
import { EXCHANGE } from '../test/helpers.js'

const SYMBOLS = 100
const TICKS = Number(process.env.TICKS ?? 3_000)
const T0 = Date.UTC(2025, 0, 1)
const symbols = Array.from({ length: SYMBOLS }, (_, i) => `KRW-S${i}`)

let seed = 7
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
  return seed / 2 ** 31
}

// 30 closed 1m candles per symbol so the RSI is warm and entries happen from the first tick.
const history: Candle[] = symbols.flatMap((symbol) =>
  Array.from({ length: 30 }, (_, i) => {
    const close = new Decimal(20_000 - i * 20)
    return {
      exchange: 'upbit' as const,
      symbol,
      marketId: symbol,
      base: symbol.slice(4),
      quote: 'KRW',
      timestamp: T0 - (30 - i) * 60_000,
      receivedAt: T0,
      source: 'rest' as const,
      interval: '1m' as const,
      open: close,
      high: close,
      low: close,
      close,
      volume: new Decimal(1),
      quoteVolume: close,
    }
  }),
)

function run(kind: 'price' | 'trade') {
  const engine = createEngine({
    exchange: EXCHANGE,
    strategy: sevenRules(),
    executor: new DryRunExecutor({ exchange: EXCHANGE, balances: { KRW: '1e15' } }),
    history,
    candlesFrom: 'trades',
  })
  const prices = symbols.map(() => 20_000)
  let decisions = 0
  engine.decisions$.subscribe(() => decisions++)
  // Pre-build the inputs so the bench measures the engine, not the generator.
  const ticks: (number | Trade)[][] = []
  for (let t = 0; t < TICKS; t++) {
    ticks.push(
      symbols.map((symbol, i) => {
        prices[i] = Math.max(1_000, Math.round((prices[i]! * (1 + (random() - 0.5) * 0.02)) / 10) * 10)
        if (kind === 'price') return prices[i]!
        const price = new Decimal(prices[i]!)
        return {
          exchange: 'upbit',
          symbol,
          marketId: symbol,
          base: symbol.slice(4),
          quote: 'KRW',
          timestamp: T0 + t * 1_000,
          receivedAt: T0 + t * 1_000,
          source: 'ws',
          id: String(t),
          price,
          size: new Decimal(1),
          side: 'buy',
        } satisfies Trade
      }),
    )
  }
  return { engine, ticks, decisions: () => decisions }
}

async function measure(kind: 'price' | 'trade') {
  const { engine, ticks, decisions } = run(kind)
  const samples: number[] = []
  for (let t = 0; t < ticks.length; t++) {
    const row = ticks[t]!
    const start = performance.now()
    for (let i = 0; i < SYMBOLS; i++) {
      const input = row[i]!
      if (typeof input === 'number')
        engine.process({ type: 'price', symbol: symbols[i]!, price: input, timestamp: T0 + t * 1_000 })
      else engine.process({ type: 'trade', trade: input })
    }
    samples.push(performance.now() - start)
    await engine.idle() // paper fills settle between ticks (not timed: order I/O is not evaluation)
  }
  const warm = samples.slice(Math.floor(samples.length / 10)).sort((a, b) => a - b)
  const mean = warm.reduce((a, b) => a + b, 0) / warm.length
  const p50 = warm[Math.floor(warm.length * 0.5)]!
  const p99 = warm[Math.floor(warm.length * 0.99)]!
  console.log(
    `${kind === 'price' ? 'price events' : 'Trade models'}: ${SYMBOLS} symbols × 8 rules, ${ticks.length} ticks, ` +
      `${decisions()} decisions — per tick mean ${(mean * 1000).toFixed(1)} µs, p50 ${(p50 * 1000).toFixed(1)} µs, ` +
      `p99 ${(p99 * 1000).toFixed(1)} µs (${((mean * 1000) / SYMBOLS).toFixed(2)} µs per symbol)`,
  )
}

await measure('price')
await measure('trade')
