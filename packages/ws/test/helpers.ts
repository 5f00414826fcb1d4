import type { Trade } from '@bb/models'
import { compareIds } from '@bb/models'
import type { Sim } from '@bb/sim'
import { startSim } from '@bb/sim'
import { upbit } from '@bb/upbit'
import { ManualClock as SharedManualClock } from '@bb/utils/testing'
import { expect } from 'vitest'
import {
  createWsClient,
  type GapEvent,
  type StreamEvent,
  type WsClient,
  type WsClientOptions,
} from '../src/index.js'

/** Waits until `predicate` holds, polling every 10 ms; throws after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A sim and a client against it, closed together. */
export interface Rig {
  readonly sim: Sim
  readonly client: WsClient
  close(): Promise<void>
}

export async function rig(
  simOptions: Parameters<typeof startSim>[0] = {},
  clientOptions: Partial<WsClientOptions> = {},
): Promise<Rig> {
  const sim = await startSim({
    port: 0,
    seed: 7,
    markets: ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'BTC-ETH'],
    ...simOptions,
  })
  const client = createWsClient({
    adapter: upbit,
    url: sim.wsUrl,
    privateUrl: sim.privateWsUrl,
    lingerMs: 50,
    ...clientOptions,
  })
  return {
    sim,
    client,
    async close() {
      await client.close()
      await sim.close()
    },
  }
}

/** Places a limit buy 20 % under the market on the sim through its REST API (signed like Upbit). */
export async function placeOrder(sim: Sim, symbol: string): Promise<string> {
  const account = sim.defaultAccount!
  const price = Math.floor((sim.market.price(symbol) * 0.8) / 1000) * 1000
  const request = upbit.rest.endpoints.createOrder({
    symbol,
    side: 'buy',
    type: 'limit',
    volume: '0.001',
    price: String(price),
  })
  const response = await fetch(upbit.rest.url(request, sim.restUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...upbit.rest.sign(request, account) },
    body: JSON.stringify(request.body),
  })
  const body = (await response.json()) as { uuid?: string }
  if (response.status !== 201 || body.uuid === undefined)
    throw new Error(`order failed: ${response.status} ${JSON.stringify(body)}`)
  return body.uuid
}

/**
 * Checks "nothing lost": every trade the sim emitted between the first and the last trade a
 * subscriber received was either received or lies inside a gap marker's back-fill range
 * (after `gap.lastId`, before the next trade received after the gap).
 */
export function checkNothingLost(events: StreamEvent<Trade>[], emitted: readonly string[], symbol: string) {
  const received: string[] = []
  const ranges: [string, string][] = []
  let openGap: GapEvent | undefined
  for (const event of events) {
    if (event.type === 'gap') {
      if (event.symbol === symbol) openGap = event
      continue
    }
    if (event.value.marketId !== symbol) continue
    if (openGap?.lastId !== undefined) ranges.push([openGap.lastId, event.value.id])
    openGap = undefined
    received.push(event.value.id)
  }
  expect(received.length).toBeGreaterThan(0)
  // strictly increasing: no duplicates, no reordering
  for (let i = 1; i < received.length; i++)
    expect(compareIds(received[i]!, received[i - 1]!)).toBeGreaterThan(0)
  const got = new Set(received)
  const first = received[0]!
  const last = received[received.length - 1]!
  let missing = 0
  let covered = 0
  for (const id of emitted) {
    if (compareIds(id, first) < 0 || compareIds(id, last) > 0 || got.has(id)) continue
    missing++
    if (ranges.some(([after, before]) => compareIds(id, after) > 0 && compareIds(id, before) < 0)) covered++
  }
  expect(covered).toBe(missing)
  return { received: received.length, missing, gaps: ranges.length }
}

/** Waits until `events` holds a trade of every one of `symbols`. */
export function untilTradesOf(events: StreamEvent<Trade>[], symbols: readonly string[], timeoutMs = 5000) {
  return until(
    () => symbols.every((s) => events.some((e) => e.type === 'data' && e.value.marketId === s)),
    timeoutMs,
    `trades of ${symbols.join(', ')}`,
  )
}

/**
 * {@link checkNothingLost} for every one of `symbols` against the sim's own trade history;
 * returns how many trades were missing in all (each one inside a gap's range).
 */
export function missingTrades(sim: Sim, events: StreamEvent<Trade>[], symbols: readonly string[]): number {
  let missing = 0
  for (const symbol of symbols) {
    const emitted = sim.emittedTrades(symbol).map((t) => t.sequentialId)
    missing += checkNothingLost(events, emitted, symbol).missing
  }
  return missing
}

/** A manual clock for the client (the one of `@bb/utils/testing`), starting at the real time by default. */
export class ManualClock extends SharedManualClock {
  constructor(start = Date.now()) {
    super(start)
  }
}
