import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'
import { formatDecimal, formatTime } from '../format.js'
import { useStore } from '../hooks.js'
import { settings } from '../settings.js'
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

/** Height of one log row, px: fixed, so the list can be virtualised. */
const ROW = 28
/** Height of the log's viewport, px. */
const VIEWPORT = 448
/** Rows rendered above and below the visible ones. */
const OVERSCAN = 10

function summary(d: DecisionJson): string {
  return (
    `#${d.id} ${formatTime(d.timestamp, settings.timeZone)} ${d.symbol} · rule ${d.rule.number} ` +
    `${d.rule.id} · ${d.kind} @ ${show(d.price)}` +
    (d.fill ? ` · filled ${formatDecimal(d.fill.volume)} @ ${formatDecimal(d.fill.price)}` : '') +
    (d.rejected ? ` · refused: ${d.rejected}` : '')
  )
}

function DecisionDetail({ d }: { d: DecisionJson }) {
  return (
    <div class="decision-detail" data-testid="decision-detail" id={`decision-${d.id}`}>
      <h3>{summary(d)}</h3>
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
    </div>
  )
}

/**
 * The log, newest first, virtualised: only the rows in view (plus a margin) are in the DOM, at
 * their offset inside a spacer as tall as the whole list. While scrolled down, new decisions
 * arriving at the top keep the rows in view where they are.
 */
function DecisionLog({
  list,
  selected,
  onSelect,
}: {
  list: DecisionJson[]
  selected: number | undefined
  onSelect: (id: number) => void
}) {
  const viewport = useRef<HTMLDivElement>(null)
  const [top, setTop] = useState(0)
  const count = list.length
  const previous = useRef({ count, newest: list.at(-1)?.id })
  useLayoutEffect(() => {
    const el = viewport.current
    const before = previous.current
    const newest = list.at(-1)?.id
    if (
      el &&
      el.scrollTop > 0 &&
      newest !== undefined &&
      before.newest !== undefined &&
      newest > before.newest
    ) {
      const added = list.filter((d) => d.id > before.newest!).length
      el.scrollTop += added * ROW
      setTop(el.scrollTop)
    }
    previous.current = { count, newest }
  }, [count, list.at(-1)?.id])
  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN)
  const last = Math.min(count, Math.ceil((top + VIEWPORT) / ROW) + OVERSCAN)
  const rows: preact.JSX.Element[] = []
  for (let index = first; index < last; index++) {
    const d = list[count - 1 - index]!
    rows.push(
      <li
        key={d.id}
        data-decision-id={d.id}
        data-index={index}
        style={{ top: `${index * ROW}px`, height: `${ROW}px` }}
        class={d.id === selected ? 'selected' : undefined}
      >
        <button type="button" aria-pressed={d.id === selected} onClick={() => onSelect(d.id)}>
          {summary(d)}
        </button>
      </li>,
    )
  }
  return (
    <div
      ref={viewport}
      class="vlist"
      data-testid="decision-viewport"
      style={{ height: `${VIEWPORT}px` }}
      onScroll={(e) => setTop((e.target as HTMLDivElement).scrollTop)}
    >
      <ul
        class="log"
        data-testid="decision-log"
        aria-label="decisions, newest first"
        style={{ height: `${count * ROW}px` }}
      >
        {rows}
      </ul>
    </div>
  )
}

/** Decisions: the explanation log (every decision once, in order) and the per-rule "why not" board. */
export function DecisionsPage() {
  const s = useStore()
  const [symbol, setSymbol] = useState(s.symbols[0] ?? '')
  const [rule, setRule] = useState('')
  const [kind, setKind] = useState('')
  const [selected, setSelected] = useState<number | undefined>()
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
  const list = useMemo(
    () =>
      s.decisions.filter(
        (d) =>
          (!symbol || d.symbol === symbol || symbol === '*') &&
          (!rule || d.rule.id.includes(rule)) &&
          (!kind || d.kind === kind),
      ),
    [s.decisions.length, s.decisions.at(-1)?.id, s.decisions[0]?.id, symbol, rule, kind],
  )
  const chosen = selected === undefined ? undefined : s.decisions.find((d) => d.id === selected)
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
      <label>
        Kind
        <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
          <option value="">orders and meta</option>
          <option value="order">orders</option>
          <option value="meta">meta</option>
        </select>
      </label>
      <p class="note" data-testid="decision-summary">
        {s.decisions.length} decisions received, ids {ids[0] ?? '–'}…{ids.at(-1) ?? '–'}, gaps{' '}
        <span data-testid="decision-gaps">{gaps}</span>
      </p>
      <div class="grid2">
        <section class="panel" aria-label="decision log">
          <h2>Log</h2>
          <p class="note" data-testid="decision-shown">
            {list.length} shown (of {s.decisions.length}); select one to read its explanation.
          </p>
          <DecisionLog list={list} selected={selected} onSelect={setSelected} />
          {list.length === 0 ? <p>No decision yet for this filter.</p> : null}
          {chosen ? <DecisionDetail d={chosen} /> : null}
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
