// The operations files load, and every metric they query is one that is exported: bb serve's
// (from the CLI's /metrics) or the router's counters as @bb/router/prometheus names them (bb_<name>).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { COUNTER_NAMES } from '@bb/router'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const ops = join(import.meta.dirname, '..', 'ops')
const SERVE = [
  'bb_serve_leader',
  'bb_serve_epoch',
  'bb_serve_leaderships_total',
  'bb_serve_published_total',
  'bb_serve_duplicates_total',
  'bb_serve_fenced_total',
  'bb_serve_backfilled_total',
  'bb_serve_errors_total',
]
const known = new Set([...SERVE, ...COUNTER_NAMES.map((n) => `bb_${n}`)])
const metricsIn = (expr: string) => [...expr.matchAll(/\bbb_[a-z_]+\b/g)].map((m) => m[0])
const balanced = (expr: string) => {
  let depth = 0
  for (const c of expr) {
    if (c === '(' || c === '[' || c === '{') depth++
    if (c === ')' || c === ']' || c === '}') depth--
    if (depth < 0) return false
  }
  return depth === 0
}

describe('ops files', () => {
  it('Prometheus rules: groups of alerts with expr, severity and summary, on exported metrics only', () => {
    const doc = parse(readFileSync(join(ops, 'prometheus-bus-rules.yml'), 'utf8')) as {
      groups: {
        name: string
        rules: {
          alert: string
          expr: string
          labels: { severity: string }
          annotations: { summary: string }
        }[]
      }[]
    }
    const rules = doc.groups.flatMap((g) => g.rules)
    expect(rules.length).toBeGreaterThanOrEqual(8)
    const names = rules.map((r) => r.alert)
    expect(new Set(names).size).toBe(names.length)
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^[A-Za-z][A-Za-z0-9]*$/)
      expect(['warning', 'critical']).toContain(rule.labels.severity)
      expect(rule.annotations.summary.length).toBeGreaterThan(10)
      expect(balanced(rule.expr)).toBe(true)
      const used = metricsIn(rule.expr)
      expect(used.length).toBeGreaterThan(0)
      expect(used.filter((m) => !known.has(m))).toEqual([])
    }
    // The list: leader changes, lag (stalled), gaps, 429s, reconnects.
    for (const m of [
      'bb_serve_leaderships_total',
      'bb_serve_published_total',
      'bb_gaps_total',
      'bb_rest_errors_total',
      'bb_ws_reconnects_total',
    ])
      expect(rules.some((r) => r.expr.includes(m))).toBe(true)
  })

  it('Grafana dashboard: valid JSON, unique panel ids, every target on an exported metric', () => {
    const dash = JSON.parse(readFileSync(join(ops, 'grafana-bus.json'), 'utf8')) as {
      uid: string
      title: string
      panels: { id: number; title: string; targets: { expr: string }[] }[]
    }
    expect(dash.uid).toBe('bb-bus')
    const ids = dash.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const panel of dash.panels) {
      expect(panel.targets.length).toBeGreaterThan(0)
      for (const target of panel.targets) {
        expect(balanced(target.expr)).toBe(true)
        expect(metricsIn(target.expr).filter((m) => !known.has(m))).toEqual([])
      }
    }
    for (const m of SERVE)
      expect(dash.panels.some((p) => p.targets.some((t) => t.expr.includes(m)))).toBe(true)
  })
})
