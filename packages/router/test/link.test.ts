import type { WsStatus } from '@bb/ws'
import { describe, expect, it } from 'vitest'
import { WsLink, type WsLinkView } from '../src/link.js'
import { manualClock } from './manual-clock.js'

const base = { connection: 1, endpoint: 'public' } as const
const connecting = (attempt = 0): WsStatus => ({ ...base, type: 'connecting', url: 'ws://x', attempt })
const open: WsStatus = { ...base, type: 'open', url: 'ws://x' }
const closed: WsStatus = { ...base, type: 'closed', code: 1006, reason: '' }
const reconnecting = (attempt: number): WsStatus => ({ ...base, type: 'reconnecting', attempt, delay: 500 })
const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve))

function setup(holdDownMs = 3000) {
  const clock = manualClock()
  const link = new WsLink(clock, holdDownMs)
  const states: WsLinkView['state'][] = []
  link.changes$.subscribe((v) => states.push(v.state))
  return { clock, link, states }
}

describe('WsLink: one outage is one down and one up', () => {
  it('a first connect goes straight to up', () => {
    const { link, states } = setup()
    link.onStatus(connecting())
    link.onStatus(open)
    expect(states).toEqual(['connecting', 'up'])
    expect(link.healthy).toBe(true)
  })

  it('many reconnect attempts inside one outage read as one down, then recovering, then up after the hold-down with data', async () => {
    const { clock, link, states } = setup(3000)
    link.onStatus(connecting())
    link.onStatus(open)
    // The outage: a drop, then 5 refused attempts, each closed + reconnecting.
    link.onStatus(closed)
    link.onStatus(reconnecting(1))
    await tick()
    for (let attempt = 2; attempt <= 6; attempt++) {
      link.onStatus(connecting(attempt))
      link.onStatus(closed)
      link.onStatus(reconnecting(attempt))
      await tick()
      clock.advance(500)
    }
    expect(states).toEqual(['connecting', 'up', 'down'])
    expect(link.healthy).toBe(false)
    link.onStatus(connecting(7))
    link.onStatus(open)
    expect(states.at(-1)).toBe('recovering')
    expect(link.healthy).toBe(false)
    link.onValue()
    clock.advance(2999)
    expect(states.at(-1)).toBe('recovering') // not proved yet
    clock.advance(1)
    expect(states).toEqual(['connecting', 'up', 'down', 'recovering', 'up'])
    expect(link.view.outages).toBe(1)
    expect(link.view.reason).toMatch(/open for 3000 ms with data flowing/)
  })

  it('a hold-down timer that fires a little early (Node timers start from the loop time) still ends in up', async () => {
    // Node starts a timer from the event loop's cached time, which lags Date.now() under load:
    // the link stamps \`since\` with a clock 2 ms ahead of its timers' base, and by the time the
    // timer fires the lag is gone, so the timer fires at "since + hold - 2".
    const timers = manualClock()
    let lag = 0
    const clock = {
      now: () => timers.now() + lag,
      setTimeout: (fn: () => void, ms: number) => timers.setTimeout(fn, ms),
      clearTimeout: (handle: unknown) => timers.clearTimeout(handle),
    }
    const link = new WsLink(clock, 1500)
    const states: WsLinkView['state'][] = []
    link.changes$.subscribe((v) => states.push(v.state))
    link.onStatus(connecting())
    link.onStatus(open)
    link.onStatus(closed)
    link.onStatus(reconnecting(1))
    await tick()
    link.onStatus(connecting(2))
    lag = 2
    link.onStatus(open) // recovering, since = timers + 2
    lag = 0
    link.onValue() // data flows before the hold-down ends: the only re-check onValue makes
    timers.advance(1500) // the timer fires 2 ms short of the hold-down as the link's clock reads it
    expect(states.at(-1)).toBe('recovering')
    timers.advance(2)
    expect(states).toEqual(['connecting', 'up', 'down', 'recovering', 'up'])
  })

  it('a drop while recovering stays in the same outage; no data means no switch-back', async () => {
    const { clock, link, states } = setup(1000)
    link.onStatus(connecting())
    link.onStatus(open)
    link.onStatus(closed)
    link.onStatus(reconnecting(1))
    await tick()
    link.onStatus(open)
    clock.advance(500)
    link.onStatus(closed) // flaps while recovering
    link.onStatus(reconnecting(2))
    await tick()
    link.onStatus(open)
    clock.advance(5000)
    expect(states.at(-1)).toBe('recovering') // open, but nothing has arrived
    link.onValue()
    expect(states).toEqual(['connecting', 'up', 'down', 'recovering', 'down', 'recovering', 'up'])
    expect(link.view.outages).toBe(1)
  })

  it('a connection closed for good (its last stream left) is forgotten, not an outage', async () => {
    const { link, states } = setup()
    link.onStatus(connecting())
    link.onStatus(open)
    link.onStatus({ ...base, connection: 2, type: 'connecting', url: 'ws://x', attempt: 0 })
    link.onStatus({ ...base, connection: 2, type: 'open', url: 'ws://x' })
    link.onStatus({ ...base, connection: 2, type: 'closed', code: 1000, reason: 'idle' })
    await tick()
    expect(states).toEqual(['connecting', 'up'])
    expect(link.view.outages).toBe(0)
    // …and a later drop of connection 1 is still an outage.
    link.onStatus(closed)
    link.onStatus(reconnecting(1))
    await tick()
    expect(states).toEqual(['connecting', 'up', 'down'])
  })
})
