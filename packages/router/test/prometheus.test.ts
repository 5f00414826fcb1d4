import { describe, expect, it } from 'vitest'
import { COUNTER_NAMES, combineMetrics, createMemoryMetrics } from '../src/index.js'
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

  it('the main entry does not load prom-client', async () => {
    const index = await import('../src/index.js')
    expect('createPrometheusMetrics' in index).toBe(false)
  })
})
