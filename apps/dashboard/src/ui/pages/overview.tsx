import { addDecimals, formatAge, formatDecimal, formatTime, multiplyDecimals, startOfDay } from '../format.js'
import { useStore } from '../hooks.js'
import { settings } from '../settings.js'
import type { CycleJson, MarketRow, State } from '../store.js'

const keyOf = (r: { symbol: string; marketId?: string }) => r.marketId ?? r.symbol

/**
 * The market row quoting `currency` in the markets' quote (`s.quote`): by its unified symbol
 * (`BTC/USDT`), else by the native forms the adapters use (`QUOTE-BASE`, `BASEQUOTE`).
 */
function rowOf(s: State, currency: string): MarketRow | undefined {
  const names = [`${currency}/${s.quote}`, `${s.quote}-${currency}`, `${currency}${s.quote}`]
  for (const row of s.rows.values())
    if ([row.marketId, row.symbol].some((id) => id !== undefined && names.includes(id))) return row
  return undefined
}

/** Equity in the quote currency: its balance plus every coin at its last price, exact; `undefined` while a price is missing. */
function equity(s: State): { value: string | undefined; missing: string[] } {
  const parts: string[] = []
  const missing: string[] = []
  for (const b of s.balances) {
    if (b.currency === s.quote) parts.push(b.free)
    else if (!/^0(\.0+)?$/.test(b.free)) {
      const last = rowOf(s, b.currency)?.last?.value
      if (last) parts.push(multiplyDecimals(b.free, last))
      else missing.push(b.currency)
    }
  }
  return { value: missing.length > 0 ? undefined : addDecimals(parts), missing }
}

interface Totals {
  market: string
  decisions: number
  fills: number
  cycles: number
  wins: number
  pnl: string
}

function totals(s: State): Totals[] {
  const by = new Map<string, Totals>()
  const get = (market: string) => {
    let t = by.get(market)
    if (!t) {
      t = { market, decisions: 0, fills: 0, cycles: 0, wins: 0, pnl: '0' }
      by.set(market, t)
    }
    return t
  }
  for (const symbol of s.symbols) get(symbol)
  for (const d of s.decisions) get(d.symbol).decisions++
  for (const f of s.fills) get(f.fill.symbol).fills++
  for (const c of s.cycles) {
    const t = get(c.symbol)
    t.cycles++
    if (!c.pnl.startsWith('-') && !/^0(\.0+)?$/.test(c.pnl)) t.wins++
    t.pnl = addDecimals([t.pnl, c.pnl])
  }
  return [...by.values()]
}

const todayPnl = (cycles: readonly CycleJson[], now: number) => {
  const from = startOfDay(now, settings.timeZone)
  return addDecimals(cycles.filter((c) => c.closedAt >= from).map((c) => c.pnl))
}

/** Overview: equity, today's PnL, open positions, the last 10 decisions, health, totals per market. */
export function OverviewPage() {
  const s = useStore()
  const now = Date.now()
  const eq = equity(s)
  const open = s.positions.filter((p) => p.state === 'ACTIVE')
  const health = s.health
  const degraded = health?.streams.filter((x) => x.mode === 'rest') ?? []
  const throttled = health?.rateLimit.reduce((n, g) => n + g.throttled, 0) ?? 0
  const recent = s.decisions.slice(-10).reverse()
  const armed = s.live?.armed === true
  return (
    <>
      <h1>Overview</h1>
      <div class="tiles">
        <section class="panel tile" aria-label="equity">
          <h2>Equity ({armed ? 'live session armed; paper account shown' : 'dry-run'})</h2>
          <p class="big" data-testid="equity">
            {eq.value === undefined
              ? `waiting for ${eq.missing.join(', ')} prices`
              : `${formatDecimal(eq.value, 0)} ${s.quote}`}
          </p>
          <p class="note">{s.quote} balance plus every coin at its last traded price.</p>
        </section>
        <section class="panel tile" aria-label="today">
          <h2>Today's PnL ({settings.timeZone} day)</h2>
          <p class="big" data-testid="today-pnl">
            {formatDecimal(todayPnl(s.cycles, now), 0)} {s.quote}
          </p>
          <p class="note">
            Closed cycles since {formatTime(startOfDay(now, settings.timeZone), settings.timeZone)}.
          </p>
        </section>
        <section class="panel tile" aria-label="health summary" data-testid="health-summary">
          <h2>Data health</h2>
          <p class="big">
            {health?.wsConnected ? 'WebSocket live' : 'WebSocket down'}
            {degraded.length > 0 ? ` · ${degraded.length} stream(s) on REST` : ''}
          </p>
          <p class="note">
            {health ? health.streams.length - degraded.length : 0} of {health?.streams.length ?? 0} streams
            over WebSocket · {health?.reconnects ?? 0} reconnects · rate budget:{' '}
            {throttled > 0 ? `${throttled} throttled` : 'ok'}
          </p>
        </section>
      </div>
      <section class="panel" aria-label="open positions">
        <h2>Open positions ({open.length})</h2>
        {open.length === 0 ? (
          <p>No open position: every market is READY (waiting for an entry).</p>
        ) : (
          <table data-testid="open-positions">
            <thead>
              <tr>
                <th scope="col">Market</th>
                <th scope="col">State</th>
                <th scope="col" class="num">
                  Quantity
                </th>
                <th scope="col" class="num">
                  Cost ({s.quote})
                </th>
                <th scope="col">Adds used</th>
                <th scope="col">Trailing</th>
              </tr>
            </thead>
            <tbody>
              {open.map((p) => (
                <tr key={p.symbol} data-position={p.symbol}>
                  <td>{p.symbol}</td>
                  <td>{p.state}</td>
                  <td class="num">{formatDecimal(p.quantity)}</td>
                  <td class="num">{formatDecimal(p.cost, 0)}</td>
                  <td>
                    {Object.entries(p.execCount)
                      .map(([rule, n]) => `${rule} ${n}`)
                      .join(', ') || 'none'}
                  </td>
                  <td>{p.trailing.some((t) => t.armed) ? 'armed' : 'not armed'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="panel" aria-label="last decisions">
        <h2>Last 10 decisions</h2>
        <ol class="recent" data-testid="recent-decisions">
          {recent.map((d) => (
            <li key={d.id} data-decision-id={d.id}>
              <span class="note">
                #{d.id} {formatTime(d.timestamp, settings.timeZone)} {d.symbol}
              </span>{' '}
              {d.explanation}
            </li>
          ))}
        </ol>
        {recent.length === 0 ? <p>No decision yet.</p> : null}
      </section>
      <section class="panel" aria-label="totals per market">
        <h2>Totals per market</h2>
        <table data-testid="totals">
          <thead>
            <tr>
              <th scope="col">Market</th>
              <th scope="col" class="num">
                Decisions
              </th>
              <th scope="col" class="num">
                Fills
              </th>
              <th scope="col" class="num">
                Closed cycles
              </th>
              <th scope="col" class="num">
                Wins
              </th>
              <th scope="col" class="num">
                PnL ({s.quote})
              </th>
              <th scope="col">Last price</th>
            </tr>
          </thead>
          <tbody>
            {totals(s).map((t) => {
              const row = s.rows.get(t.market)
              return (
                <tr key={row ? keyOf(row) : t.market} data-market={t.market}>
                  <td>{t.market}</td>
                  <td class="num">{t.decisions}</td>
                  <td class="num">{t.fills}</td>
                  <td class="num">{t.cycles}</td>
                  <td class="num">{t.wins}</td>
                  <td class="num">{formatDecimal(t.pnl)}</td>
                  <td>
                    {row?.last
                      ? `${formatDecimal(row.last.value)} (${row.last.source}, ${formatAge(now - row.last.receivedAt)})`
                      : '–'}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </section>
    </>
  )
}
