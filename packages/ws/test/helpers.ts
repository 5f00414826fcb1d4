import { upbit } from '@bb/exchange-adapter'
import type { Sim } from '@bb/sim'
import { startSim } from '@bb/sim'
import { createWsClient, type WsClient, type WsClientOptions } from '../src/index.js'

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
