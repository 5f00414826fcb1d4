import { useEffect, useState } from 'preact/hooks'
import { formatDecimal } from '../format.js'
import { useStore } from '../hooks.js'
import type { ConditionTrace, DecisionJson } from '../store.js'

interface RuleInspection {
  rule: { id: string; name: string; role: string; priority: number; number: number }
  status: 'would-fire' | 'waiting' | 'blocked' | 'disabled'
  conditions: ConditionTrace[]
  blockers: string[]
}
interface Inspection {
  symbol: string
  state: string
  price?: number
  rules: RuleInspection[]
}

const show = (v: number | boolean | null) =>
  v === null ? 'n/a' : typeof v === 'number' ? String(Number(v.toFixed(4))) : String(v)

/** "RSI(14) 23.4, needs < 20: 3.4 away". */
function distance(c: ConditionTrace): string {
  if (c.result) return 'met'
  if (typeof c.left !== 'number' || typeof c.right !== 'number')
    return c.left === null ? 'no value yet' : 'not met'
  return `${show(Math.abs(c.left - c.right))} away`
}

function Trace({ conditions }: { conditions: ConditionTrace[] }) {
  return (
    <ul>
      {conditions.map((c, i) => (
        <li key={i} class={c.result ? 'ok' : 'bad'}>
          {c.result ? '✓' : '✗'} {c.condition}: {show(c.left)} vs {show(c.right)} ({distance(c)})
        </li>
      ))}
    </ul>
  )
}

function DecisionRow({ d }: { d: DecisionJson }) {
  return (
    <li data-decision-id={d.id} id={`decision-${d.id}`}>
      <details>
        <summary>
          #{d.id} {new Date(d.timestamp).toISOString().slice(11, 19)} {d.symbol} · rule {d.rule.number}{' '}
          {d.rule.id} · {d.kind} @ {show(d.price)}
          {d.fill ? ` · filled ${formatDecimal(d.fill.volume)} @ ${formatDecimal(d.fill.price)}` : ''}
          {d.rejected ? ` · refused: ${d.rejected}` : ''}
        </summary>
        <p>{d.explanation}</p>
        <Trace conditions={d.conditions} />
        {d.dropped.length > 0 ? (
          <p>
            Dropped:{' '}
            {d.dropped.map((x) => (
              <span key={x.ruleId}>
                {x.ruleId} ({x.reason}){' '}
              </span>
            ))}
          </p>
        ) : null}
      </details>
    </li>
  )
}

/** Decisions: the explanation log (every decision once, in order) and the per-rule "why not" board. */
export function DecisionsPage() {
  const s = useStore()
  const [symbol, setSymbol] = useState(s.symbols[0] ?? '')
  const [rule, setRule] = useState('')
  const [inspection, setInspection] = useState<Inspection | undefined>()
  useEffect(() => {
    let stop = false
    const poll = async () => {
      if (!symbol) return
      const response = await fetch(`/api/inspect?symbol=${encodeURIComponent(symbol)}`)
      if (!stop && response.ok) setInspection((await response.json()) as Inspection)
    }
    void poll()
    const timer = setInterval(() => void poll(), 1000)
    return () => {
      stop = true
      clearInterval(timer)
    }
  }, [symbol])
  const list = s.decisions.filter(
    (d) => (!symbol || d.symbol === symbol || symbol === '*') && (!rule || d.rule.id === rule),
  )
  const ids = s.decisions.map((d) => d.id)
  const gaps = ids.filter((id, i) => i > 0 && id !== ids[i - 1]! + 1).length
  return (
    <>
      <h1>Decisions</h1>
      <label>
        Market
        <select value={symbol} onChange={(e) => setSymbol((e.target as HTMLSelectElement).value)}>
          <option value="*">all markets</option>
          {s.symbols.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
      </label>
      <label>
        Rule
        <input
          value={rule}
          onInput={(e) => setRule((e.target as HTMLInputElement).value)}
          placeholder="rsi-entry"
        />
      </label>
      <p class="note" data-testid="decision-summary">
        {s.decisions.length} decisions received, ids {ids[0] ?? '–'}…{ids.at(-1) ?? '–'}, gaps{' '}
        <span data-testid="decision-gaps">{gaps}</span>
      </p>
      <div class="grid2">
        <section class="panel" aria-label="decision log">
          <h2>Log</h2>
          <ul class="log" data-testid="decision-log">
            {list
              .slice(-300)
              .reverse()
              .map((d) => (
                <DecisionRow key={d.id} d={d} />
              ))}
          </ul>
          {list.length === 0 ? <p>No decision yet for this filter.</p> : null}
        </section>
        <section class="panel" aria-label="why not board" data-testid="why-not">
          <h2>
            Why not: {inspection?.symbol ?? symbol} ({inspection?.state ?? '…'}
            {inspection?.price !== undefined ? ` @ ${show(inspection.price)}` : ''})
          </h2>
          {inspection?.rules.map((r) => (
            <div
              key={r.rule.id}
              class={`card status-${r.status}`}
              data-rule={r.rule.id}
              data-status={r.status}
            >
              <h3>
                {r.rule.number}. {r.rule.name}{' '}
                <span class="note">
                  ({r.rule.role}, priority {r.rule.priority})
                </span>
              </h3>
              <p>
                <strong>{r.status}</strong>
                {r.blockers.length > 0 ? `: ${r.blockers.join('; ')}` : ''}
              </p>
              <Trace conditions={r.conditions} />
            </div>
          ))}
        </section>
      </div>
    </>
  )
}
