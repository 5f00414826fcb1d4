import { Worker } from 'node:worker_threads'
import type { SimOptions, SimStats } from './types.js'

/**
 * A simulator running in a worker thread, for benchmarks: its work never shares the event loop
 * of the client being measured (as a remote exchange would not). Drive it with the manual clock
 * (`speed: 0`): `advance` generates and sends everything of a stretch of simulated time; `pace`
 * advances it in real time so that a given number of trades per second goes out; `recordSends`
 * notes the send time of every trade frame (by `code:sequential_id`) for latency measurements.
 */
export interface SimWorker {
  /** REST origin. */
  readonly restUrl: string
  /** Public WebSocket URL. */
  readonly wsUrl: string
  /** Private WebSocket URL. */
  readonly privateWsUrl: string
  /** The listed market codes. */
  readonly codes: readonly string[]
  /** Advances simulated time by `ms`; resolves with the number of trade frames sent. */
  advance(ms: number): Promise<{ sent: number }>
  /**
   * The same, but blocks the calling thread until the worker is done, so that the whole feed is
   * already waiting in the socket when the caller starts reading (throughput runs); returns the
   * number of trade frames sent.
   */
  advanceBlocking(ms: number): { sent: number }
  /** Advances the manual clock continuously so that about `tradesPerSecond` trade frames go out (0 stops). */
  pace(tradesPerSecond: number): Promise<void>
  /**
   * Starts (`true`) or stops (`false`) recording the send time of every trade frame, as
   * `performance.timeOrigin + performance.now()` in ms; stopping resolves with `code:id → time`.
   */
  recordSends(on: boolean): Promise<Map<string, number>>
  /** A copy of the simulator's counters. */
  stats(): Promise<SimStats>
  /** Closes the simulator and ends the thread. */
  close(): Promise<void>
}

/**
 * Starts a simulator in a worker thread. See {@link SimWorker}.
 *
 * @example
 * ```ts
 * import { startSimWorker } from '@bb/sim/worker'
 * const sim = await startSimWorker({ speed: 0, markets: 30, limits: false })
 * await sim.pace(2000) // ~2,000 trades per second from now on
 * await sim.close()
 * ```
 */
export async function startSimWorker(options: SimOptions = {}): Promise<SimWorker> {
  // [0]: done flag, [1]: trade frames sent by the last blocking advance
  const flagBuffer = new SharedArrayBuffer(8)
  const flag = new Int32Array(flagBuffer)
  const worker = new Worker(new URL('./worker-entry.js', import.meta.url), {
    workerData: { options: { port: 0, ...options }, flag: flagBuffer },
  })
  const pending = new Map<number, (reply: Record<string, unknown>) => void>()
  let nextId = 1
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    pending.set(0, resolve)
    worker.once('error', reject)
  })
  worker.on('message', (reply: Record<string, unknown> & { id: number }) => {
    const resolve = pending.get(reply.id)
    pending.delete(reply.id)
    resolve?.(reply)
  })
  const call = (message: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = nextId++
      pending.set(id, resolve)
      worker.postMessage({ ...message, id })
    })
  const info = await ready
  return {
    restUrl: info.restUrl as string,
    wsUrl: info.wsUrl as string,
    privateWsUrl: info.privateWsUrl as string,
    codes: info.codes as string[],
    advance: async (ms) => ({ sent: (await call({ type: 'advance', ms })).sent as number }),
    advanceBlocking(ms) {
      Atomics.store(flag, 0, 0)
      worker.postMessage({ type: 'advance', ms, id: -1 })
      Atomics.wait(flag, 0, 0)
      return { sent: Atomics.load(flag, 1) }
    },
    pace: async (tradesPerSecond) => {
      await call({ type: 'pace', rate: tradesPerSecond })
    },
    recordSends: async (on) => new Map((await call({ type: 'record', on })).sends as [string, number][]),
    stats: async () => (await call({ type: 'stats' })).stats as SimStats,
    close: async () => {
      await call({ type: 'close' })
      await worker.terminate()
    },
  }
}
