import { ManualClock } from '@bb/utils/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { type Sim, startSim } from '../src/index.js'

let sim: Sim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

describe('an injected clock drives every timer of the simulator', () => {
  it('at speed 1 the market moves only when the injected clock does; a REST delay follows it', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 24))
    sim = await startSim({ port: 0, seed: 3, markets: ['KRW-BTC'], speed: 1, tradesPerSecond: 5, clock })
    const start = sim.now()
    expect(start).toBe(clock.now())
    const before = sim.stats.markets['KRW-BTC']?.tradesEmitted ?? 0
    clock.advance(60_000) // one simulated minute, no real time
    expect(sim.now()).toBe(start + 60_000)
    expect(sim.stats.markets['KRW-BTC']?.tradesEmitted ?? 0).toBeGreaterThan(before + 100)
    // A REST delay is a timer on the same clock: the answer waits until the clock moves.
    sim.faults.delayRest(5_000)
    let answered = false
    const res = fetch(`${sim.restUrl}/v1/ticker?markets=KRW-BTC`).then((r) => {
      answered = true
      return r
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(answered).toBe(false)
    clock.advance(5_000)
    expect((await res).status).toBe(200)
  })
})
