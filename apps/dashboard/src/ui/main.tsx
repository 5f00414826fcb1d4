import { type JSX, render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { useStore } from './hooks.js'
import { DecisionsPage } from './pages/decisions.js'
import { LivePage } from './pages/live.js'
import { MarketsPage } from './pages/markets.js'
import { OverviewPage } from './pages/overview.js'
import { PortfolioPage } from './pages/portfolio.js'
import { SettingsPage } from './pages/settings.js'
import { applyTheme, onSettings, settings } from './settings.js'
import { command, refreshLive, start, state } from './store.js'
import './style.css'

/**
 * A page loaded on first visit: the chart library and the rules engine (validation, the preset)
 * stay out of the initial JavaScript.
 */
function lazyPage(load: () => Promise<() => JSX.Element>): () => JSX.Element {
  let loaded: (() => JSX.Element) | undefined
  return function LazyPage() {
    const [, setReady] = useState(false)
    useEffect(() => {
      if (!loaded)
        void load().then((page) => {
          loaded = page
          setReady(true)
        })
    }, [])
    const Page = loaded
    return Page ? <Page /> : <p>Loading…</p>
  }
}
const ChartPage = lazyPage(() => import('./pages/chart.js').then((m) => m.ChartPage))
const BacktestsPage = lazyPage(() => import('./pages/backtests.js').then((m) => m.BacktestsPage))
const StrategiesPage = lazyPage(() => import('./pages/strategies.js').then((m) => m.StrategiesPage))

const PAGES = [
  { path: '/', label: 'Overview', page: OverviewPage },
  { path: '/markets', label: 'Markets', page: MarketsPage },
  { path: '/chart', label: 'Chart', page: ChartPage },
  { path: '/decisions', label: 'Decisions', page: DecisionsPage },
  { path: '/strategies', label: 'Strategies', page: StrategiesPage },
  { path: '/backtests', label: 'Backtests', page: BacktestsPage },
  { path: '/portfolio', label: 'Portfolio', page: PortfolioPage },
  { path: '/live', label: 'Live', page: LivePage },
  { path: '/settings', label: 'Settings', page: SettingsPage },
] as const
/** The navigation in Korean (Settings → Language). */
const KO: Record<string, string> = {
  Overview: '개요',
  Markets: '시장',
  Chart: '차트',
  Decisions: '결정',
  Strategies: '전략',
  Backtests: '백테스트',
  Portfolio: '포트폴리오',
  Live: '실거래',
  Settings: '설정',
}

function usePath(): [string, (path: string) => void] {
  const [path, setPath] = useState(location.pathname)
  useEffect(() => {
    const onPop = () => setPath(location.pathname)
    addEventListener('popstate', onPop)
    return () => removeEventListener('popstate', onPop)
  }, [])
  return [
    path,
    (next) => {
      history.pushState(null, '', next)
      setPath(next)
    },
  ]
}

function healthDot(): { cls: string; label: string } {
  const h = state.health
  if (!state.connected) return { cls: 'red', label: 'dashboard stream reconnecting' }
  if (!h) return { cls: 'amber', label: 'no health yet' }
  if (h.streams.some((s) => s.mode === 'rest')) return { cls: 'amber', label: 'REST fallback' }
  return h.wsConnected
    ? { cls: 'green', label: 'WebSocket live' }
    : { cls: 'amber', label: 'WebSocket not connected' }
}

function App() {
  const [path, go] = usePath()
  useStore()
  const [, setVersion] = useState(0)
  useEffect(() => onSettings(() => setVersion((n) => n + 1)), [])
  const current = PAGES.find((p) => p.path !== '/' && path.startsWith(p.path)) ?? PAGES[0]
  const Page = current.page
  const dot = healthDot()
  const [confirmStop, setConfirmStop] = useState(false)
  const live = state.live
  const armed = live?.armed === true
  const mode = armed
    ? `LIVE – ARMED until ${new Date(live.armedUntil ?? 0).toISOString().slice(11, 16)} UTC`
    : live?.halted
      ? 'DRY-RUN – STOPPED'
      : 'DRY-RUN'
  const open = state.positions.filter((p) => p.state === 'ACTIVE').length
  useEffect(() => {
    document.title = `Backbone · ${armed ? 'LIVE' : 'DRY-RUN'} · ${open} open · ${current.label}`
  }, [current.label, armed, open])
  return (
    <>
      <header class="topbar">
        <span class={`mode ${armed ? 'live' : 'dry'}`} data-testid="mode">
          {mode}
        </span>
        <span
          class={`dot ${dot.cls}`}
          role="img"
          aria-label={`data health: ${dot.label}`}
          title={dot.label}
        />
        <nav aria-label="pages">
          {PAGES.map((p) => (
            <a
              key={p.path}
              href={p.path}
              aria-current={p === current ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault()
                go(p.path)
              }}
            >
              {settings.language === 'ko' ? KO[p.label] : p.label}
            </a>
          ))}
        </nav>
        <span class="conn" data-testid="stream-state">
          {state.connected ? 'stream live' : 'stream reconnecting…'}
        </span>
        {confirmStop ? (
          <button
            type="button"
            class="danger"
            onClick={async () => {
              setConfirmStop(false)
              await command('/api/stop-all', {})
              await refreshLive()
            }}
          >
            Confirm: stop everything
          </button>
        ) : (
          <button
            type="button"
            class="danger"
            onClick={() => setConfirmStop(true)}
            disabled={live?.halted === true}
          >
            Emergency stop all
          </button>
        )}
      </header>
      <main>{state.ready ? <Page /> : <p>Loading…</p>}</main>
    </>
  )
}

const root = document.getElementById('app')
if (root) {
  applyTheme()
  render(<App />, root)
  start().catch((error: unknown) => {
    root.textContent = `Could not load the dashboard: ${error instanceof Error ? error.message : String(error)}`
  })
}
