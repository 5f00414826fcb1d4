import { useEffect, useState } from 'preact/hooks'
import { formatAge, formatDecimal, ratioToPercent } from '../format.js'
import { useStore } from '../hooks.js'
import type { Cell } from '../store.js'

/** A value older than this shows an amber badge (the router's default freshness limit). */
const FRESH_MS = 2000

function Value({
  cell,
  format,
  name,
}: {
  cell: Cell | undefined
  format: (v: string) => string
  name: string
}) {
  if (!cell) return <td class="num">–</td>
  const age = Date.now() - cell.receivedAt
  return (
    <td class="num" data-cell={name}>
      {format(cell.value)}
      <span
        class={`badge ${cell.source}${age > FRESH_MS ? ' stale' : ''}`}
        data-testid="source-badge"
        title={`from ${cell.source}, received ${formatAge(age)} ago`}
      >
        {cell.source}
      </span>
      <span class="age">{formatAge(age)}</span>
    </td>
  )
}

/** Markets: the live table (source badge and age on every value), the tape and channel health. */
export function MarketsPage() {
  const s = useStore()
  const [filter, setFilter] = useState('')
  const rows = [...s.rows.values()].filter((r) => r.symbol.includes(filter.toUpperCase()))
  const h = s.health
  const now = Date.now()
  // Tick → screen: this effect runs after the browser painted the render that showed the batches.
  useEffect(() => {
    if (s.unpainted.length === 0) return
    const painted = Date.now()
    for (const sentAt of s.unpainted.splice(0)) s.paintLatency.push(painted - sentAt)
    if (s.paintLatency.length > 10_000) s.paintLatency.splice(0, s.paintLatency.length - 10_000)
  })
  return (
    <>
      <h1>Markets</h1>
      <p class="note">
        Prices and order books are shown at most 10 times a second per market (display conflation only);
        trades, decisions, fills and health are never conflated or dropped.
      </p>
      <label>
        Filter
        <input
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          placeholder="KRW-BTC"
        />
      </label>
      <div class="grid2">
        <section class="panel" aria-label="markets">
          <table data-testid="markets-table">
            <thead>
              <tr>
                <th scope="col">Market</th>
                <th scope="col" class="num">
                  Last
                </th>
                <th scope="col" class="num">
                  24 h
                </th>
                <th scope="col" class="num">
                  24 h volume ({s.quote})
                </th>
                <th scope="col" class="num">
                  Bid
                </th>
                <th scope="col" class="num">
                  Ask
                </th>
                <th scope="col" class="num">
                  Spread
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.symbol} data-symbol={r.symbol}>
                  <th scope="row">{r.symbol}</th>
                  <Value name="last" cell={r.last} format={(v) => formatDecimal(v)} />
                  <Value name="change" cell={r.change} format={(v) => ratioToPercent(v)} />
                  <Value name="volume" cell={r.volume} format={(v) => formatDecimal(v, 0)} />
                  <Value name="bid" cell={r.bid} format={(v) => formatDecimal(v)} />
                  <Value name="ask" cell={r.ask} format={(v) => formatDecimal(v)} />
                  <Value name="spread" cell={r.spread} format={(v) => formatDecimal(v)} />
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Trade tape</h2>
          <table data-testid="tape">
            <thead>
              <tr>
                <th scope="col">Market</th>
                <th scope="col">Id</th>
                <th scope="col" class="num">
                  Price
                </th>
                <th scope="col" class="num">
                  Size
                </th>
                <th scope="col">Side</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {s.tape
                .slice(-12)
                .reverse()
                .map((t) => (
                  <tr key={`${t.symbol}:${t.id}`}>
                    <td>{t.symbol}</td>
                    <td>{t.id}</td>
                    <td class="num">{formatDecimal(t.price)}</td>
                    <td class="num">{formatDecimal(t.size)}</td>
                    <td>{t.side}</td>
                    <td>
                      <span class={`badge ${t.source}`}>{t.source}</span>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>
        <section class="panel" aria-label="channel health" data-testid="health">
          <h2>Channel health</h2>
          {h ? (
            <>
              <p>
                WebSocket: <strong data-testid="link-state">{h.link?.state ?? 'unknown'}</strong>
                {h.link?.reason ? <span class="note"> — {h.link.reason}</span> : null}
              </p>
              <p>
                Reconnects: <span data-testid="reconnects">{h.reconnects}</span> · REST {h.rest?.state ?? '–'}{' '}
                ({Math.round(h.rest?.latencyEwmaMs ?? 0)} ms) · WS {h.ws?.state ?? '–'}
              </p>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Stream</th>
                    <th scope="col">Channel</th>
                    <th scope="col" class="num">
                      Failovers
                    </th>
                    <th scope="col" class="num">
                      Back-filled
                    </th>
                    <th scope="col" class="num">
                      Last message
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {h.streams.map((st) => (
                    <tr key={st.kind} data-stream={st.kind}>
                      <td>{st.kind}</td>
                      <td>
                        <span class={`badge ${st.mode}`} data-testid="stream-mode">
                          {st.mode === 'rest' ? 'rest (degraded)' : 'ws'}
                        </span>
                      </td>
                      <td class="num">{st.failovers}</td>
                      <td class="num" data-testid={`backfilled-${st.kind}`}>
                        {st.backfilled}
                      </td>
                      <td class="num">{st.lastMessageAt ? formatAge(now - st.lastMessageAt) : '–'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h2>Why this channel</h2>
              <ul data-testid="routes">
                {h.routes.map((r) => (
                  <li key={r.kind}>
                    {r.kind} {r.symbol}: <strong>{r.channel}</strong> — {r.reason}
                  </li>
                ))}
              </ul>
              <h2>Rate budget (REST)</h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Group</th>
                    <th scope="col" class="num">
                      Sent
                    </th>
                    <th scope="col" class="num">
                      Waited
                    </th>
                    <th scope="col" class="num">
                      429s
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {h.rateLimit.map((g) => (
                    <tr key={g.group}>
                      <td>{g.group}</td>
                      <td class="num">{g.granted}</td>
                      <td class="num">{g.waited}</td>
                      <td class="num">{g.throttled}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : (
            <p>Waiting for the first health report…</p>
          )}
        </section>
      </div>
    </>
  )
}
