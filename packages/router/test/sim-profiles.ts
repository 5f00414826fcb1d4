import type { Trade } from '@bb/models'
import { type BinanceSimOptions, type CoinoneSimOptions, startSim } from '@bb/sim'
import { afterEach, expect } from 'vitest'
import { createBackbone } from '../src/index.js'

// The Binance and Coinone profiles of the simulator with a backbone on each, for the tests that
// run the same guarantees on every exchange. Everything started here is closed after each test.
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type BackboneOptions = NonNullable<Parameters<typeof createBackbone>[0]>

async function withBackbone<S extends { restUrl: string; close(): Promise<void> }>(
  exchange: 'binance' | 'coinone',
  sim: S,
  wsUrl: string,
  options: Partial<BackboneOptions>,
) {
  const privateWsUrl = (sim as { wsApiUrl?: string }).wsApiUrl
  const backbone = createBackbone({
    exchange,
    restUrl: sim.restUrl,
    wsUrl,
    ...(privateWsUrl === undefined ? {} : { privateWsUrl }),
    ...options,
  })
  cleanups.push(async () => {
    await backbone.close()
    await sim.close()
  })
  return { sim, backbone }
}

/**
 * The Binance profile of the simulator on 127.0.0.1 and a backbone on it by name
 * (`exchange: 'binance'`, the default registry), combined streams; both closed after the test.
 */
export async function setupBinance(
  options: Partial<BackboneOptions> = {},
  simOptions: Partial<BinanceSimOptions> = {},
) {
  const sim = await startSim({
    exchange: 'binance',
    port: 0,
    seed: 21,
    markets: ['BTCUSDT', 'ETHUSDT', 'XRPUSDT'],
    tradesPerSecond: 4,
    ...simOptions,
  })
  return withBackbone('binance', sim, sim.streamUrl, options)
}

/**
 * The Coinone profile of the simulator on 127.0.0.1 and a backbone on it by name
 * (`exchange: 'coinone'`, the default registry); both closed after the test.
 */
export async function setupCoinone(
  options: Partial<BackboneOptions> = {},
  simOptions: Partial<CoinoneSimOptions> = {},
) {
  const sim = await startSim({
    exchange: 'coinone',
    port: 0,
    seed: 21,
    markets: ['BTC', 'ETH', 'XRP'],
    tradesPerSecond: 4,
    ...simOptions,
  })
  return withBackbone('coinone', sim, sim.wsUrl, options)
}

/**
 * Checks `got` against the simulator's own tape (the reference for any id scheme: Binance's are
 * contiguous, Coinone's epoch ms + a counter): from the first to the last trade received, every
 * trade the simulator emitted was delivered exactly once, in order. Returns how many that is; a
 * failure shows the first difference.
 */
export function expectExactlyOnce(
  sim: { emittedTradeIds(symbol: string): readonly string[] },
  symbol: string,
  got: readonly Trade[],
  trace?: () => string,
): number {
  const tape = sim.emittedTradeIds(symbol)
  expect(tape.length, `${symbol}: the sim emitted trades`).toBeGreaterThan(0)
  const first = BigInt(tape[0]!)
  // Trades from before the sim's live tape began (REST history at the start) are not on it.
  const ids = got.map((t) => t.id).filter((id) => BigInt(id) >= first)
  expect(ids.length, `${symbol}: trades received`).toBeGreaterThan(0)
  const lo = BigInt(ids[0]!)
  const hi = BigInt(ids.at(-1)!)
  const expected = tape.filter((id) => BigInt(id) >= lo && BigInt(id) <= hi)
  const at = ids.findIndex((id, i) => id !== expected[i])
  const around =
    at < 0
      ? ''
      : ` — first difference at ${at}: got ${JSON.stringify(
          got
            .filter((t) => BigInt(t.id) >= first)
            .slice(Math.max(0, at - 2), at + 3)
            .map((t) => `${t.id}:${t.source}`),
        )}, tape ${JSON.stringify(expected.slice(Math.max(0, at - 2), at + 3))}`
  const message = `${symbol}: lost, duplicated or out-of-order trades${around}${trace ? ` — ${trace()}` : ''}`
  expect(ids, message).toEqual(expected)
  return expected.length
}
