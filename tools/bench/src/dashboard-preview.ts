/**
 * Dashboard preview benchmark: `POST /api/preview` of the seven rules over the last 2,000
 * one-minute candles (the Strategies page's live preview), against the real dashboard server on
 * the embedded simulator. Each run changes rule 1's RSI threshold (as typing does), so the
 * composed strategy is new every time; the saved version's report and the candles come from the
 * server's caches, as in use. Prints the first (cold) preview and p50/p95/max of the rest
 * (budget: 300 ms). PREVIEW_RUNS changes the count (default 40).
 * Run: pnpm --filter @bb/bench bench:dashboard-preview
 */
import { startDashboard } from '@bb/dashboard'
import { sevenRules } from '@bb/rules'

const RUNS = Number(process.env.PREVIEW_RUNS ?? 40)
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0

const dashboard = await startDashboard({ symbols: ['KRW-BTC'] })
try {
  const login = await fetch(dashboard.url, { redirect: 'manual' })
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const preview = async (rsi: number) => {
    const strategy = sevenRules({ rsiThreshold: rsi })
    const started = performance.now()
    const response = await fetch(`${dashboard.origin}/api/preview`, {
      method: 'POST',
      headers: { cookie, origin: dashboard.origin, 'content-type': 'application/json' },
      body: JSON.stringify({ strategy }),
    })
    if (response.status !== 200)
      throw new Error(`preview answered ${response.status}: ${await response.text()}`)
    await response.json()
    return performance.now() - started
  }
  const cold = await preview(30)
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) times.push(await preview(20 + (i % 20)))
  times.sort((a, b) => a - b)
  const ms = (v: number) => `${v.toFixed(1)} ms`
  console.log(`preview, 2,000 × 1m candles × 7 rules, ${RUNS} runs`)
  console.log(`  first (cold cache): ${ms(cold)}`)
  console.log(
    `  p50 ${ms(quantile(times, 0.5))}  p95 ${ms(quantile(times, 0.95))}  max ${ms(times.at(-1) ?? 0)}  (budget 300 ms)`,
  )
} finally {
  await dashboard.close()
}
