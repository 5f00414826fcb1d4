import type { Trade } from '@bb/models'
import { type CoinoneSim, type CoinoneSimOptions, startSim } from '@bb/sim'
import { afterEach, expect } from 'vitest'
import { createBackbone } from '../src/index.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type BackboneOptions = NonNullable<Parameters<typeof createBackbone>[0]>

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
  const backbone = createBackbone({
    exchange: 'coinone',
    restUrl: sim.restUrl,
    wsUrl: sim.wsUrl,
    ...options,
  })
  cleanups.push(async () => {
    await backbone.close()
    await sim.close()
  })
  return { sim, backbone }
}

/**
 * Checks `got` against the simulator's own tape (Coinone ids are epoch ms + a counter, not
 * consecutive, so the tape itself is the reference): from the first to the last trade received,
 * every trade the simulator emitted was delivered exactly once, in order. Returns how many.
 */
export function expectExactlyOnceCoinone(
  sim: CoinoneSim,
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
