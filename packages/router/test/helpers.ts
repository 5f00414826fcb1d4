import type { Trade } from '@bb/models'
import { type Sim, startSim } from '@bb/sim'
import { afterEach, expect } from 'vitest'
import { createBackbone } from '../src/index.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type BackboneOptions = Parameters<typeof createBackbone>[0]

/** A simulator on 127.0.0.1 and a backbone on it, both closed after the test. */
export async function setup(
  options: Partial<BackboneOptions> = {},
  simOptions: Parameters<typeof startSim>[0] = {},
) {
  const sim = await startSim({
    port: 0,
    seed: 21,
    markets: 8,
    limits: false,
    tradesPerSecond: 4,
    ...simOptions,
  })
  const backbone = createBackbone({
    exchange: 'upbit',
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits (bounded) until `condition` holds. */
export async function until(
  condition: () => boolean,
  timeoutMs = 30_000,
  what = 'condition',
  explain?: () => string,
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end)
      throw new Error(`${what} not met in ${timeoutMs} ms${explain ? `: ${explain()}` : ''}`)
    await sleep(20)
  }
}

/**
 * Checks `got` against the simulator's own tape: from the first to the last trade received,
 * every trade the simulator emitted was delivered exactly once (and, with `ordered`, in order).
 */
export function expectExactlyOnce(sim: Sim, symbol: string, got: readonly Trade[], ordered = true): number {
  const tape = sim.emittedTrades(symbol).map((t) => t.sequentialId)
  const first = BigInt(tape[0]!)
  const ids = got.map((t) => t.id).filter((id) => BigInt(id) >= first)
  expect(ids.length, `${symbol}: trades received`).toBeGreaterThan(0)
  const lo = ids.reduce((a, b) => (BigInt(a) < BigInt(b) ? a : b))
  const hi = ids.reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b))
  const expected = tape.filter((id) => BigInt(id) >= BigInt(lo) && BigInt(id) <= BigInt(hi))
  if (ordered) expect(ids, `${symbol}: lost, duplicated or out-of-order trades`).toEqual(expected)
  else {
    expect(new Set(ids).size, `${symbol}: duplicated trades`).toBe(ids.length)
    expect(
      [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
      `${symbol}: lost trades`,
    ).toEqual(expected)
  }
  return expected.length
}

/** Records every `uncaughtException` / `unhandledRejection` while it is installed. */
export function watchProcess() {
  const seen: unknown[] = []
  const onError = (error: unknown) => seen.push(error)
  process.on('uncaughtException', onError)
  process.on('unhandledRejection', onError)
  return {
    seen,
    stop() {
      process.off('uncaughtException', onError)
      process.off('unhandledRejection', onError)
    },
  }
}
