import { fillsToCsv } from '../csv.js'
import { formatDecimal } from '../format.js'
import { useStore } from '../hooks.js'

const num = (n: number | undefined) => (n === undefined ? '–' : String(Number(n.toFixed(4))))

/** Portfolio: dry-run balances, positions, fills and closed cycles, exact decimals, CSV. */
export function PortfolioPage() {
  const s = useStore()
  const download = () => {
    const blob = new Blob([fillsToCsv(s.fills)], { type: 'text/csv' })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = 'fills.csv'
    a.click()
    URL.revokeObjectURL(a.href)
  }
  return (
    <>
      <h1>Portfolio</h1>
      <p class="note">
        {s.paperRules
          ? `Dry-run: paper fills at the live best price with ${s.paperRules.exchange}'s ${s.paperRules.takerFeePercent} % taker fee, its tick sizes and its ${formatDecimal(s.paperRules.minOrderTotal)} ${s.quote} minimum order.`
          : "Dry-run: paper fills at the live best price with the exchange's fee, tick sizes and minimum order."}{' '}
        Every amount is the exact decimal the engine holds.
      </p>
      <section class="panel" aria-label="balances">
        <h2>Balances</h2>
        <table data-testid="balances">
          <thead>
            <tr>
              <th scope="col">Currency</th>
              <th scope="col" class="num">
                Available
              </th>
            </tr>
          </thead>
          <tbody>
            {s.balances.map((b) => (
              <tr key={b.currency} data-currency={b.currency}>
                <td>{b.currency}</td>
                <td class="num">{formatDecimal(b.free)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="panel" aria-label="positions">
        <h2>Positions</h2>
        <table data-testid="positions">
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
              <th scope="col" class="num">
                Average
              </th>
              <th scope="col" class="num">
                Anchor
              </th>
              <th scope="col">Fills per rule</th>
              <th scope="col">Trailing</th>
            </tr>
          </thead>
          <tbody>
            {s.positions.map((p) => (
              <tr key={p.symbol} data-symbol={p.symbol}>
                <td>{p.symbol}</td>
                <td>{p.state}</td>
                <td class="num">{formatDecimal(p.quantity)}</td>
                <td class="num">{formatDecimal(p.cost)}</td>
                <td class="num">{num(p.avgPrice)}</td>
                <td class="num">{num(p.anchor)}</td>
                <td>
                  {Object.entries(p.execCount)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(', ') || '–'}
                </td>
                <td>
                  {p.trailing
                    .map((t) => (t.armed ? `armed, high ${num(t.highWaterMark)}` : 'not armed'))
                    .join('; ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="panel" aria-label="fills">
        <h2>
          Fills ({s.fills.length}){' '}
          <button type="button" onClick={download} disabled={s.fills.length === 0}>
            Download CSV
          </button>
        </h2>
        <table data-testid="fills">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Market</th>
              <th scope="col">Side</th>
              <th scope="col" class="num">
                Price
              </th>
              <th scope="col" class="num">
                Volume
              </th>
              <th scope="col" class="num">
                Fee
              </th>
              <th scope="col">Rule</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {s.fills
              .slice(-50)
              .reverse()
              .map((f) => (
                <tr key={f.decisionId}>
                  <td>{new Date(f.fill.timestamp).toISOString().slice(11, 19)}</td>
                  <td>{f.fill.symbol}</td>
                  <td>{f.fill.side}</td>
                  <td class="num">{formatDecimal(f.fill.price)}</td>
                  <td class="num" data-testid="fill-volume">
                    {f.fill.volume}
                  </td>
                  <td class="num">{f.fill.fee}</td>
                  <td>{f.ruleId}</td>
                  <td>#{f.decisionId}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </section>
      <section class="panel" aria-label="closed cycles">
        <h2>Closed cycles ({s.cycles.length})</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Market</th>
              <th scope="col" class="num">
                Cycle
              </th>
              <th scope="col" class="num">
                Invested
              </th>
              <th scope="col" class="num">
                Proceeds
              </th>
              <th scope="col" class="num">
                PnL
              </th>
              <th scope="col">Exit rule</th>
            </tr>
          </thead>
          <tbody>
            {s.cycles
              .slice(-50)
              .reverse()
              .map((c) => (
                <tr key={`${c.symbol}:${c.cycle}`}>
                  <td>{c.symbol}</td>
                  <td class="num">{c.cycle}</td>
                  <td class="num">{formatDecimal(c.invested)}</td>
                  <td class="num">{formatDecimal(c.proceeds)}</td>
                  <td class="num">{formatDecimal(c.pnl)}</td>
                  <td>{c.exitRuleId}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </section>
    </>
  )
}
