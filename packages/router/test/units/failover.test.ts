import { describe, expect, it } from 'vitest'
import { followLink } from '../../src/context.js'
import { status, unitContext } from './context.js'

describe('REST failover: followLink', () => {
  it('one failover and one switch-back per outage, counted and reported, whatever the reconnect attempts', async () => {
    const { ctx, link, clock, metrics, events } = unitContext({ holdDownMs: 3000 })
    const calls: string[] = []
    const sub = followLink(ctx, 'trades', ['KRW-BTC'], {
      onFailover: () => calls.push(`failover@${clock.now()}`),
      onSwitchback: () => calls.push(`switchback@${clock.now()}`),
    })
    const t0 = clock.now()
    link.onStatus(status.connecting)
    link.onStatus(status.open)
    link.onStatus(status.closed)
    link.onStatus(status.reconnecting)
    for (let i = 0; i < 4; i++) {
      link.onStatus(status.connecting)
      link.onStatus(status.closed)
      link.onStatus(status.reconnecting)
    }
    await Promise.resolve()
    link.onStatus(status.connecting)
    link.onStatus(status.open)
    link.onValue()
    clock.advance(2999)
    expect(calls).toEqual([`failover@${t0}`]) // still inside the hold-down
    clock.advance(1)
    link.onValue()
    expect(calls).toEqual([`failover@${t0}`, `switchback@${t0 + 3000}`])
    expect(metrics.snapshot().counters.failovers_total).toBe(1)
    expect(metrics.snapshot().counters.switchbacks_total).toBe(1)
    expect(events.map((e) => e.type)).toEqual(['failover', 'switchback'])
    sub.unsubscribe()
  })
})
