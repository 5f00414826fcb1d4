import type { Ticker } from '@bb/models'
import { Subscription } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { SnapshotRoutes } from '../../src/cache.js'
import { SmartChannelRouter } from '../../src/policy.js'
import { Promotions } from '../../src/promotion.js'
import { unitContext } from './context.js'

function setup() {
  const unit = unitContext()
  const router = new SmartChannelRouter(
    { freshnessMs: 2000, promoteAfterCount: 2, demoteAfterMs: 5000 },
    () => unit.clock.now(),
  )
  let wsHealthy = true
  const routes = new SnapshotRoutes(router, unit.ctx, () => wsHealthy)
  const ticker = (at: number) =>
    ({
      symbol: 'BTC/KRW',
      marketId: 'KRW-BTC',
      timestamp: at,
      receivedAt: at,
      source: 'ws',
    }) as unknown as Ticker
  return { ...unit, router, routes, ticker, setWsHealthy: (v: boolean) => (wsHealthy = v) }
}

describe('cache + routing', () => {
  it('a live, fresh entry answers from the cache (marked cache); stale, not live or WS down goes to REST', () => {
    const { routes, ticker, clock, metrics, events, setWsHealthy } = setup()
    expect(routes.route('ticker', 'KRW-BTC').cached).toBeUndefined() // nothing cached
    routes.remember('ticker', ticker(clock.now()), true)
    const hit = routes.route('ticker', 'KRW-BTC')
    expect(hit.decision.channel).toBe('cache')
    expect(hit.cached?.source).toBe('cache')
    clock.advance(2500)
    expect(routes.route('ticker', 'KRW-BTC').cached).toBeUndefined() // older than freshnessMs
    routes.remember('ticker', ticker(clock.now()), false)
    expect(routes.route('ticker', 'KRW-BTC').cached?.source).toBe('cache') // stays live once live
    setWsHealthy(false)
    expect(routes.route('ticker', 'KRW-BTC').cached).toBeUndefined()
    expect(routes.explain({ kind: 'ticker', symbol: 'KRW-BTC' }).channel).toBe('rest')
    routes.markStale('ticker', 'KRW-BTC')
    setWsHealthy(true)
    expect(routes.route('ticker', 'KRW-BTC').cached).toBeUndefined()
    const counters = metrics.snapshot().counters
    expect(counters.cache_hits_total).toBe(2)
    expect(counters.cache_misses_total).toBe(4)
    expect(events.filter((e) => e.type === 'decision')).toHaveLength(6)
  })

  it('an older value never replaces a newer cached one', () => {
    const { routes, ticker } = setup()
    routes.remember('ticker', ticker(2000), false)
    routes.remember('ticker', ticker(1000), true)
    expect(routes.tickers.get('KRW-BTC')?.value.timestamp).toBe(2000)
  })
})

describe('promotion', () => {
  it('promotes once, demotes when idle on the clock, marks the entry stale, never after close', () => {
    const { router, routes, ticker, clock, events, ctx, close } = setup()
    const opened: string[] = []
    const promotions = new Promotions(router, routes, ctx, (kind, symbol) => {
      opened.push(`${kind}:${symbol}`)
      return new Subscription(() => opened.push(`closed ${kind}:${symbol}`))
    })
    routes.remember('ticker', ticker(clock.now()), true)
    promotions.promote('ticker', 'KRW-BTC')
    promotions.promote('ticker', 'KRW-BTC')
    expect(opened).toEqual(['ticker:KRW-BTC'])
    expect(promotions.has('ticker', 'KRW-BTC')).toBe(true)
    expect(router.promotedSymbols()).toEqual(['KRW-BTC'])
    clock.advance(4000)
    promotions.demoteIdle()
    expect(promotions.size).toBe(1) // not idle long enough
    clock.advance(2000)
    promotions.demoteIdle()
    expect(promotions.size).toBe(0)
    expect(opened).toEqual(['ticker:KRW-BTC', 'closed ticker:KRW-BTC'])
    expect(routes.tickers.get('KRW-BTC')?.live).toBe(false)
    expect(events.map((e) => e.type)).toEqual(['promoted', 'demoted'])
    close()
    promotions.promote('orderbook', 'KRW-ETH')
    expect(promotions.size).toBe(0)
  })
})
