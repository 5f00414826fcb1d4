import { describe, expect, it } from 'vitest'
import { EventHub } from './hub.js'

describe('EventHub: ids and replay', () => {
  it('numbers events 1, 2, 3… and replays exactly what came after an id', () => {
    const hub = new EventHub(100)
    for (let i = 0; i < 10; i++) hub.publish('decision', { i })
    expect(hub.lastId).toBe(10)
    const replay = hub.since(6)
    expect(replay.kind).toBe('events')
    expect(replay.kind === 'events' && replay.events.map((e) => e.id)).toEqual([7, 8, 9, 10])
    expect(hub.since(10)).toEqual({ kind: 'events', events: [] })
  })

  it('says resync when the missed events fell out of the ring buffer', () => {
    const hub = new EventHub(5)
    for (let i = 0; i < 12; i++) hub.publish('trade', { i })
    // Buffer holds 8–12: after 7 is complete, after 6 is not.
    expect(hub.since(7).kind).toBe('events')
    expect(hub.since(6)).toEqual({ kind: 'resync' })
  })

  it('serializes decimals as strings', () => {
    const hub = new EventHub()
    const event = hub.publish('market', { price: { toJSON: () => '0.1000000000000000000001' } })
    expect(event.data).toBe('{"price":"0.1000000000000000000001"}')
  })
})
