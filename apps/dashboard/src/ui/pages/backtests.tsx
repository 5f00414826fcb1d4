import { useEffect, useState } from 'preact/hooks'
import { formatDecimal } from '../format.js'
import { useStore } from '../hooks.js'
import { command } from '../store.js'

interface CurvePoint {
  time: number
  equity: string
  buyAndHold: string
  drawdownPct: number
}
interface RuleStats {
  ruleId: string
  fires: number
  fills: number
  exits: number
  exitPnl: string
  refused: number
}
interface Run {
  id: number
  createdAt: number
  symbol: string
  strategy: string
  candles: number
  trades: number
  cycles: number
  pnl: string
  pnlPct: number
  maxDrawdownPct: number
  winRate: number | null
  fees: string
  curve: CurvePoint[]
  rules: RuleStats[]
}

const COLORS = ['#1b4f9c', '#c62828', '#1e7d32', '#6a4c93']
const W = 640
const H = 180

function Lines({ runs, value, label }: { runs: Run[]; value: (p: CurvePoint) => number; label: string }) {
  const all = runs.flatMap((r) => r.curve.map(value))
  const min = Math.min(...all)
  const max = Math.max(...all)
  const y = (v: number) => (max === min ? H / 2 : H - ((v - min) / (max - min)) * (H - 10) - 5)
  return (
    <svg width={W} height={H} role="img" aria-label={label} class="panel">
      {runs.map((run, i) => (
        <polyline
          key={run.id}
          fill="none"
          stroke={COLORS[i % COLORS.length]}
          stroke-width="1.5"
          points={run.curve
            .map(
              (p, j) =>
                `${((j / Math.max(1, run.curve.length - 1)) * W).toFixed(1)},${y(value(p)).toFixed(1)}`,
            )
            .join(' ')}
        />
      ))}
    </svg>
  )
}

/** Backtests: run the saved strategy on recent candles, store runs, compare 2–4, equity and drawdown, per-rule statistics. */
export function BacktestsPage() {
  const s = useStore()
  const [runs, setRuns] = useState<Run[]>([])
  const [selected, setSelected] = useState<number[]>([])
  const [symbol, setSymbol] = useState(s.symbols[0] ?? '')
  const [count, setCount] = useState('2000')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  useEffect(() => {
    void fetch('/api/backtests')
      .then((r) => r.json())
      .then((body: { runs: Run[] }) => setRuns(body.runs))
  }, [])
  const chosen = runs.filter((r) => selected.includes(r.id))
  const run = async () => {
    setBusy(true)
    setError('')
    const r = await command<Run & { message?: string }>('/api/backtests', { symbol, candles: Number(count) })
    setBusy(false)
    if (!r.ok) return setError(r.body.message ?? 'The run failed.')
    setRuns((list) => [...list, r.body])
    setSelected((list) => [...list.slice(-3), r.body.id])
  }
  return (
    <>
      <h1>Backtests</h1>
      <p class="note">
        The saved strategy (Strategies → Save) over the latest one-minute candles, with the dry-run fee model
        (0.05 %, Upbit tick sizes, 5,000 KRW minimum); runs are kept while the dashboard runs.
      </p>
      <section class="panel" aria-label="run a backtest">
        <label for="bt-symbol">
          Market
          <select
            id="bt-symbol"
            value={symbol}
            onChange={(e) => setSymbol((e.target as HTMLSelectElement).value)}
          >
            {s.symbols.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </label>
        <label for="bt-count">
          Candles (100–5,000)
          <input
            id="bt-count"
            type="number"
            value={count}
            onInput={(e) => setCount((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="button" disabled={busy} onClick={run}>
          {busy ? 'Running…' : 'Run'}
        </button>
        {error ? (
          <span class="error" role="alert">
            {error}
          </span>
        ) : null}
      </section>
      <section class="panel" aria-label="stored runs">
        <h2>Runs (select 2–4 to compare)</h2>
        <table data-testid="runs">
          <thead>
            <tr>
              <th scope="col">Compare</th>
              <th scope="col">Run</th>
              <th scope="col">Market</th>
              <th scope="col" class="num">
                Candles
              </th>
              <th scope="col" class="num">
                Trades
              </th>
              <th scope="col" class="num">
                PnL
              </th>
              <th scope="col" class="num">
                Max drawdown
              </th>
              <th scope="col" class="num">
                Win rate
              </th>
              <th scope="col">Export</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-run={r.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`compare run ${r.id}`}
                    checked={selected.includes(r.id)}
                    onChange={(e) =>
                      setSelected((list) =>
                        (e.target as HTMLInputElement).checked
                          ? [...list, r.id].slice(-4)
                          : list.filter((x) => x !== r.id),
                      )
                    }
                  />
                </td>
                <td>
                  #{r.id} {r.strategy}
                </td>
                <td>{r.symbol}</td>
                <td class="num">{r.candles}</td>
                <td class="num">{r.trades}</td>
                <td class="num">
                  {formatDecimal(r.pnl, 0)} {s.quote} ({r.pnlPct.toFixed(2)} %)
                </td>
                <td class="num">{r.maxDrawdownPct.toFixed(2)} %</td>
                <td class="num">{r.winRate === null ? '–' : `${(r.winRate * 100).toFixed(0)} %`}</td>
                <td>
                  <a href={`/api/backtests/${r.id}.csv`} download={`backtest-${r.id}.csv`}>
                    CSV
                  </a>{' '}
                  <a href={`/api/backtests/${r.id}.json`} download={`backtest-${r.id}.json`}>
                    JSON
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {chosen.length > 0 ? (
        <section class="panel" aria-label="comparison" data-testid="comparison">
          <h2>
            Equity ({chosen.map((r, i) => `#${r.id} ${['blue', 'red', 'green', 'purple'][i]}`).join(', ')})
          </h2>
          <Lines runs={chosen} value={(p) => Number(p.equity)} label="equity curves" />
          <h2>Buy and hold ({chosen[0]!.symbol})</h2>
          <Lines runs={[chosen[0]!]} value={(p) => Number(p.buyAndHold)} label="buy and hold" />
          <h2>Drawdown (underwater)</h2>
          <Lines runs={chosen} value={(p) => p.drawdownPct} label="drawdown curves" />
          <h2>Per-rule statistics</h2>
          {chosen.map((r) => (
            <table key={r.id} data-testid="rule-stats">
              <caption>Run #{r.id}</caption>
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col" class="num">
                    Fires
                  </th>
                  <th scope="col" class="num">
                    Fills
                  </th>
                  <th scope="col" class="num">
                    Exits
                  </th>
                  <th scope="col" class="num">
                    PnL of its exits
                  </th>
                  <th scope="col" class="num">
                    Refused
                  </th>
                </tr>
              </thead>
              <tbody>
                {r.rules.map((x) => (
                  <tr key={x.ruleId} data-rule={x.ruleId}>
                    <td>{x.ruleId}</td>
                    <td class="num">{x.fires}</td>
                    <td class="num">{x.fills}</td>
                    <td class="num">{x.exits}</td>
                    <td class="num">{formatDecimal(x.exitPnl)}</td>
                    <td class="num">{x.refused}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        </section>
      ) : null}
    </>
  )
}
