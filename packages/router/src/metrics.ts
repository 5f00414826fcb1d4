/** Every counter the backbone keeps. */
export const COUNTER_NAMES = [
  'rest_requests_total',
  'rest_errors_total',
  'rest_retries_total',
  'limiter_waits_total',
  'limiter_wait_ms_total',
  'cache_hits_total',
  'cache_misses_total',
  'ws_messages_total',
  'ws_reconnects_total',
  'failovers_total',
  'switchbacks_total',
  'backfilled_trades_total',
  'duplicates_dropped_total',
  'late_trades_total',
  'backfill_incomplete_total',
  'reconciled_trades_total',
  'gaps_total',
  'conflated_total',
  'superseded_total',
  'promotions_total',
  'demotions_total',
  'orderbook_resyncs_total',
] as const

/** One of {@link COUNTER_NAMES}. */
export type CounterName = (typeof COUNTER_NAMES)[number]

/** The label names of each counter (Prometheus needs one fixed set per metric). */
export const COUNTER_LABELS: Readonly<Record<CounterName, readonly string[]>> = {
  rest_requests_total: ['group'],
  rest_errors_total: ['group'],
  rest_retries_total: ['group'],
  limiter_waits_total: ['group'],
  limiter_wait_ms_total: ['group'],
  cache_hits_total: ['kind'],
  cache_misses_total: ['kind'],
  ws_messages_total: ['kind'],
  ws_reconnects_total: [],
  failovers_total: ['stream'],
  switchbacks_total: ['stream'],
  backfilled_trades_total: [],
  duplicates_dropped_total: [],
  late_trades_total: [],
  backfill_incomplete_total: [],
  reconciled_trades_total: [],
  gaps_total: ['reason'],
  conflated_total: ['stream'],
  superseded_total: ['stream'],
  promotions_total: ['kind'],
  demotions_total: ['kind'],
  orderbook_resyncs_total: ['reason'],
}

/** Every latency the backbone measures, ms. */
export const HISTOGRAM_NAMES = ['rest_latency_ms', 'ws_delivery_latency_ms'] as const

/** One of {@link HISTOGRAM_NAMES}. */
export type HistogramName = (typeof HISTOGRAM_NAMES)[number]

/** Labels of a sample: the group, kind, stream or channel it belongs to. */
export type Labels = Readonly<Record<string, string>>

/**
 * The small interface the backbone reports through. The default keeps counts in memory
 * ({@link createMemoryMetrics}); `createPrometheusMetrics` from `@bb/router/prometheus` exports them
 * with prom-client;
 * anything else (StatsD, OpenTelemetry) is one object with these two methods.
 */
export interface Metrics {
  /** Adds `value` (default 1) to a counter. */
  increment(name: CounterName, labels?: Labels, value?: number): void
  /** Records one latency sample, ms. */
  observe(name: HistogramName, value: number, labels?: Labels): void
  /**
   * Optional: a {@link CounterHandle} on one counter with one fixed label set, for a hot path.
   * Calling the handle with `value` must count exactly what `increment(name, labels, value)` would;
   * it only saves finding the label set on every call. Resolving a handle counts nothing (a
   * counter that is never incremented stays absent from an export). Leave it out and
   * {@link counterHandle} falls back to `increment`.
   */
  counter?(name: CounterName, labels?: Labels): CounterHandle
}

/** Adds `value` (default 1) to one counter with one fixed label set: see {@link Metrics.counter}. */
export type CounterHandle = (value?: number) => void

/**
 * A {@link CounterHandle} on `metrics`: its own {@link Metrics.counter} when it has one, otherwise
 * a function that calls `metrics.increment(name, labels, value)` with a copy of `labels`.
 *
 * @example
 * ```ts
 * import { counterHandle, createMemoryMetrics } from '@bb/router'
 * const metrics = createMemoryMetrics()
 * const tradeMessages = counterHandle(metrics, 'ws_messages_total', { kind: 'trade' })
 * tradeMessages() // the same as metrics.increment('ws_messages_total', { kind: 'trade' })
 * metrics.snapshot().labelled['ws_messages_total{kind="trade"}'] // 1
 * ```
 */
export function counterHandle(metrics: Metrics, name: CounterName, labels?: Labels): CounterHandle {
  if (typeof metrics.counter === 'function') return metrics.counter(name, labels)
  const fixed = labels === undefined ? undefined : Object.freeze({ ...labels })
  return (value) => metrics.increment(name, fixed, value)
}

/** A snapshot of {@link createMemoryMetrics}: totals per counter, and per label set. */
export interface MetricsSnapshot {
  /** Counter totals over all labels. */
  counters: Record<CounterName, number>
  /** Counter values per label set, keyed `name{label="value",…}`. */
  labelled: Record<string, number>
  /** Latency summaries. */
  latencies: Record<HistogramName, { count: number; meanMs: number; maxMs: number }>
}

const labelKey = (name: string, labels?: Labels) =>
  labels && Object.keys(labels).length > 0
    ? `${name}{${Object.entries(labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}="${v}"`)
        .join(',')}}`
    : name

/** In-memory metrics with a readable {@link MetricsSnapshot}: the backbone's default. */
export function createMemoryMetrics(): Metrics & { snapshot(): MetricsSnapshot } {
  const counters = Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Record<CounterName, number>
  const labelled: Record<string, number> = {}
  const latencies = Object.fromEntries(
    HISTOGRAM_NAMES.map((n) => [n, { count: 0, sum: 0, maxMs: 0 }]),
  ) as Record<HistogramName, { count: number; sum: number; maxMs: number }>
  return {
    increment(name, labels, value = 1) {
      counters[name] += value
      const key = labelKey(name, labels)
      if (key !== name) labelled[key] = (labelled[key] ?? 0) + value
    },
    counter(name, labels) {
      const key = labelKey(name, labels)
      if (key === name)
        return (value = 1) => {
          counters[name] += value
        }
      return (value = 1) => {
        counters[name] += value
        labelled[key] = (labelled[key] ?? 0) + value
      }
    },
    observe(name, value) {
      const entry = latencies[name]
      entry.count++
      entry.sum += value
      entry.maxMs = Math.max(entry.maxMs, value)
    },
    snapshot() {
      return {
        counters: { ...counters },
        labelled: { ...labelled },
        latencies: Object.fromEntries(
          HISTOGRAM_NAMES.map((n) => {
            const e = latencies[n]
            return [n, { count: e.count, meanMs: e.count ? e.sum / e.count : 0, maxMs: e.maxMs }]
          }),
        ) as MetricsSnapshot['latencies'],
      }
    },
  }
}

/** Sends every sample to several {@link Metrics} at once. */
export function combineMetrics(...targets: Metrics[]): Metrics {
  return {
    increment: (name, labels, value) => {
      for (const target of targets) target.increment(name, labels, value)
    },
    observe: (name, value, labels) => {
      for (const target of targets) target.observe(name, value, labels)
    },
    counter: (name, labels) => {
      const handles = targets.map((target) => counterHandle(target, name, labels))
      if (handles.length === 1) return handles[0] as CounterHandle
      return (value) => {
        for (const handle of handles) handle(value)
      }
    },
  }
}
