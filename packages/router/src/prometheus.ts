/**
 * The Prometheus exporter of the backbone's metrics, on its own subpath so that `@bb/router`
 * does not load prom-client: install `prom-client` (an optional peer dependency) to use it.
 *
 * @packageDocumentation
 */
import { Counter, Histogram, Registry } from 'prom-client'
import { COUNTER_LABELS, type CounterHandle, type CounterName, type Labels, type Metrics } from './metrics.js'

/**
 * Prometheus metrics with prom-client: every counter as `bb_<name>` and every latency as a
 * histogram, with labels. Serve `await metrics.registry.metrics()` on `/metrics`.
 *
 * @example
 * ```ts
 * import { createBackbone } from '@bb/router'
 * import { createPrometheusMetrics } from '@bb/router/prometheus'
 * const prometheus = createPrometheusMetrics()
 * const backbone = createBackbone({ exchange: 'upbit', metrics: prometheus })
 * // http handler: res.end(await prometheus.registry.metrics())
 * ```
 */
export function createPrometheusMetrics(options: { registry?: Registry; prefix?: string } = {}): Metrics & {
  registry: Registry
} {
  const registry = options.registry ?? new Registry()
  const prefix = options.prefix ?? 'bb_'
  const counters = new Map<string, Counter>()
  const histograms = new Map<string, Histogram>()
  const counterOf = (name: CounterName) => {
    let counter = counters.get(name)
    if (!counter) {
      counter = new Counter({
        name: `${prefix}${name}`,
        help: `Backbone ${name.replaceAll('_', ' ')}`,
        labelNames: [...COUNTER_LABELS[name]],
        registers: [registry],
      })
      counters.set(name, counter)
    }
    return counter
  }
  const labelsOf = (name: CounterName, labels: Labels | undefined) =>
    Object.fromEntries(COUNTER_LABELS[name].map((n) => [n, labels?.[n] ?? '']))
  return {
    registry,
    increment(name, labels, value = 1) {
      const counter = counterOf(name)
      if (COUNTER_LABELS[name].length > 0) counter.inc(labelsOf(name, labels), value)
      else counter.inc(value)
    },
    counter(name, labels): CounterHandle {
      const fixed = COUNTER_LABELS[name].length > 0 ? labelsOf(name, labels) : undefined
      // The counter is registered at the first increment, as `increment` does: a handle alone
      // changes nothing in the export.
      let counter: Counter | undefined
      return (value = 1) => {
        counter ??= counterOf(name)
        if (fixed === undefined) counter.inc(value)
        else counter.inc(fixed, value)
      }
    },
    observe(name, value, labels) {
      let histogram = histograms.get(name)
      if (!histogram) {
        histogram = new Histogram({
          name: `${prefix}${name}`,
          help: `Backbone ${name.replaceAll('_', ' ')}`,
          labelNames: ['group'],
          buckets: [0.1, 0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
          registers: [registry],
        })
        histograms.set(name, histogram)
      }
      histogram.observe({ group: labels?.group ?? '' }, value)
    },
  }
}
