import { describe, expect, it } from 'vitest'
import { SmartChannelRouter } from './policy.js'

function setup(policy = {}) {
  let now = 1_000_000
  const router = new SmartChannelRouter(policy, () => now)
  return { router, advance: (ms: number) => (now += ms), now: () => now }
}

const btc = { kind: 'ticker', symbol: 'KRW-BTC' } as const

describe('SmartChannelRouter', () => {
  it('answers from a fresh live cache entry, otherwise from REST, and says why', () => {
    const { router, now } = setup({ freshnessMs: 1000 })
    expect(router.decide(btc, { live: false })).toMatchObject({
      channel: 'rest',
      reason: 'Nothing cached yet. Asking REST.',
    })
    const fresh = router.decide(btc, { live: true, receivedAt: now() - 300 })
    expect(fresh).toMatchObject({ channel: 'cache', cacheAgeMs: 300 })
    expect(fresh.reason).toBe('A live WebSocket value 300 ms old is fresher than 1000 ms.')
    expect(router.decide(btc, { live: true, receivedAt: now() - 1500 }).channel).toBe('rest')
    expect(router.decide(btc, { live: false, receivedAt: now() - 10 }).reason).toContain('not kept live')
  })

  it('history, accounts and orders always use REST', () => {
    const { router } = setup()
    for (const kind of ['trades', 'candles', 'markets', 'balances', 'orders'] as const) {
      expect(router.decide({ kind, symbol: 'KRW-BTC' }, { live: true, receivedAt: 0 }).channel).toBe('rest')
    }
  })

  it('promotes a symbol asked for 3 times in 10 s, once', () => {
    const { router, advance } = setup()
    expect(router.decide(btc, { live: false }).promote).toBe(false)
    advance(4000)
    expect(router.decide(btc, { live: false }).promote).toBe(false)
    advance(4000)
    const third = router.decide(btc, { live: false })
    expect(third.promote).toBe(true)
    expect(third.reason).toContain('promoted to a WebSocket subscription')
    router.markPromoted(btc)
    expect(router.decide(btc, { live: false }).promote).toBe(false)
    expect(router.promotedSymbols('ticker')).toEqual(['KRW-BTC'])
  })

  it('does not promote requests spread wider than the window', () => {
    const { router, advance } = setup()
    for (let i = 0; i < 5; i++) {
      expect(router.decide(btc, { live: false }).promote).toBe(false)
      advance(6000)
    }
  })

  it('demotes after the idle TTL, not before', () => {
    const { router, advance } = setup({ demoteAfterMs: 60_000 })
    router.markPromoted(btc)
    advance(59_000)
    router.decide(btc, { live: true, receivedAt: 0 }) // used: the TTL restarts
    advance(59_000)
    expect(router.takeDemotions()).toEqual([])
    advance(1000)
    expect(router.takeDemotions()).toEqual([btc])
    expect(router.promotedSymbols()).toEqual([])
  })

  it('explain() does not count as a request', () => {
    const { router } = setup()
    for (let i = 0; i < 5; i++) router.explain(btc, { live: false })
    expect(router.decide(btc, { live: false }).recentRequests).toBe(1)
  })

  it('channel health drives the choice: a down or stale WebSocket is not trusted', () => {
    const { router, advance, now } = setup({ staleAfterMs: 5000, freshnessMs: 10_000 })
    router.setWsActive(true, true)
    expect(router.health('ws').state).toBe('up')
    advance(6000)
    expect(router.health('ws').state).toBe('stale')
    expect(router.decide(btc, { live: true, receivedAt: now() - 100 }).reason).toBe(
      'The WebSocket is stale. Asking REST.',
    )
    router.recordMessage()
    expect(router.health('ws').state).toBe('up')
    router.setWsActive(true, false)
    expect(router.health('ws').state).toBe('down')
    expect(router.decide(btc, { live: true, receivedAt: now() }).channel).toBe('rest')
  })

  it('tracks latency and error rate as moving averages', () => {
    const { router } = setup({ ewmaAlpha: 0.5 })
    router.recordResult('rest', { ok: true, latencyMs: 100 })
    router.recordResult('rest', { ok: true, latencyMs: 200 })
    expect(router.health('rest').latencyEwmaMs).toBe(150)
    router.recordResult('rest', { ok: false })
    expect(router.health('rest')).toMatchObject({ errorRate: 0.5, consecutiveFailures: 1, state: 'degraded' })
    router.recordResult('rest', { ok: false })
    router.recordResult('rest', { ok: false })
    expect(router.health('rest').state).toBe('down')
  })

  it('the policy can be read and tuned', () => {
    const { router, now } = setup()
    expect(router.policy.freshnessMs).toBe(2000)
    router.setPolicy({ freshnessMs: 50 })
    expect(router.policy.freshnessMs).toBe(50)
    expect(router.decide(btc, { live: true, receivedAt: now() - 100 }).channel).toBe('rest')
  })
})
