import { describe, expect, it } from 'vitest'
import {
  COUNTER_NAMES,
  combineMetrics,
  counterHandle,
  createMemoryMetrics,
  type Metrics,
} from '../src/index.js'
import { createPrometheusMetrics } from '../src/prometheus.js'

describe('@bb/router/prometheus', () => {
  it('exports every counter with its labels and the latency histogram in the Prometheus text format', async () => {
    const prometheus = createPrometheusMetrics()
    const memory = createMemoryMetrics()
    const both = combineMetrics(memory, prometheus)
    both.increment('failovers_total', { stream: 'trades' })
    both.increment('failovers_total', { stream: 'trades' })
    both.increment('late_trades_total')
    both.increment('gaps_total', { reason: 'silence' }, 3)
    both.observe('rest_latency_ms', 12, { group: 'ticker' })
    const text = await prometheus.registry.metrics()
    expect(text).toContain('bb_failovers_total{stream="trades"} 2')
    expect(text).toContain('bb_late_trades_total 1')
    expect(text).toContain('bb_gaps_total{reason="silence"} 3')
    expect(text).toMatch(/bb_rest_latency_ms_count\{group="ticker"\} 1/)
    expect(memory.snapshot().counters.gaps_total).toBe(3)
    // Every counter has a fixed label set, so any of them can be exported.
    for (const name of COUNTER_NAMES) prometheus.increment(name)
    expect((await prometheus.registry.metrics()).match(/^# TYPE bb_\w+ counter$/gm)).toHaveLength(
      COUNTER_NAMES.length,
    )
  })

  it('a counter handle counts what increment counts: the same export byte for byte, the same snapshot', async () => {
    const byIncrement = { prometheus: createPrometheusMetrics(), memory: createMemoryMetrics() }
    const byHandle = { prometheus: createPrometheusMetrics(), memory: createMemoryMetrics() }
    const a = combineMetrics(byIncrement.memory, byIncrement.prometheus)
    const b = combineMetrics(byHandle.memory, byHandle.prometheus)
    const steps: [
      Parameters<Metrics['increment']>[0],
      Record<string, string> | undefined,
      number | undefined,
    ][] = [
      ['ws_messages_total', { kind: 'trade' }, undefined],
      ['ws_messages_total', { kind: 'orderbook' }, undefined],
      ['ws_messages_total', { kind: 'trade' }, 3],
      ['late_trades_total', undefined, undefined],
      ['gaps_total', { reason: 'silence' }, 2],
    ]
    // Resolving a handle counts nothing: a counter never incremented stays out of the export.
    counterHandle(b, 'superseded_total', { stream: 'trades' })
    for (const [name, labels, value] of steps) {
      a.increment(name, labels, value)
      counterHandle(b, name, labels)(value)
    }
    // A Metrics without `counter` gets a handle over its increment.
    const plain: Metrics = { increment: byHandle.memory.increment, observe: byHandle.memory.observe }
    counterHandle(plain, 'failovers_total', { stream: 'trades' })()
    byIncrement.memory.increment('failovers_total', { stream: 'trades' })
    expect(await byHandle.prometheus.registry.metrics()).toBe(await byIncrement.prometheus.registry.metrics())
    expect(byHandle.memory.snapshot()).toEqual(byIncrement.memory.snapshot())
    expect(byHandle.memory.snapshot().labelled['ws_messages_total{kind="trade"}']).toBe(4)
    expect(await byHandle.prometheus.registry.metrics()).not.toContain('superseded')
  })

  it('the main entry does not load prom-client', async () => {
    const index = await import('../src/index.js')
    expect('createPrometheusMetrics' in index).toBe(false)
  })
})
