import { useState } from 'preact/hooks'
import { formatDecimal } from '../format.js'
import { useStore } from '../hooks.js'
import { command, type LiveJson, refreshLive } from '../store.js'

/** Live trading: off by default; a preflight checklist, then two typed confirmations; an audit log. */
export function LivePage() {
  const s = useStore()
  const live = s.live
  const [phrase, setPhrase] = useState('')
  const [amount, setAmount] = useState('')
  const [message, setMessage] = useState('')
  if (!live) return <h1>Live</h1>
  const phraseOk = live.phrase !== null && phrase === live.phrase
  const arm = async () => {
    const r = await command<LiveJson & { message?: string }>('/api/live/arm', { phrase, amount })
    setMessage(r.ok ? 'Armed.' : (r.body.message ?? 'Refused.'))
    await refreshLive()
  }
  return (
    <>
      <h1>Live</h1>
      <p data-testid="live-state">
        Live trading is <strong>{live.armed ? 'ARMED' : 'off'}</strong>
        {live.armed && live.armedUntil
          ? ` until ${new Date(live.armedUntil).toISOString()} (expires by itself)`
          : ''}
        .
      </p>
      <p class="note" data-testid="routing">
        Dry-run until armed. While armed, the engine's buys are sent to the exchange's private REST (
        {live.exchange}), signed with the stored key; a position bought live is also sold there. When the
        arming expires or is disarmed, new buys are paper again. Emergency stop all disarms, stops every
        strategy and cancels every open order of the account on the exchange.
      </p>
      <section class="panel" aria-label="preflight">
        <h2>Preflight</h2>
        <ul data-testid="preflight">
          {live.preflight.map((p) => (
            <li key={p.id} class={p.ok ? 'ok' : 'bad'} data-check={p.id} data-ok={String(p.ok)}>
              {p.ok ? '✓' : '✗'} {p.label} — {p.detail}
            </li>
          ))}
        </ul>
      </section>
      <section class="panel" aria-label="arming">
        <h2>Step 1: type the phrase naming the account</h2>
        {live.phrase ? (
          <p>
            Type exactly: <code data-testid="phrase">{live.phrase}</code>
          </p>
        ) : (
          <p class="bad" data-testid="no-keys">
            No trade keys on the server: store them with <code>bb keys add NAME</code> first.
          </p>
        )}
        <label for="live-phrase">
          Phrase
          <input
            id="live-phrase"
            value={phrase}
            disabled={!live.ready || live.armed}
            autocomplete="off"
            onInput={(e) => setPhrase((e.target as HTMLInputElement).value)}
          />
        </label>
        <h2>Step 2: type back the maximum capital at risk</h2>
        <p>
          Markets {live.symbols.join(', ')}; buy rules {live.rules.join(', ')}: at most{' '}
          <strong data-testid="capital">
            {formatDecimal(live.maxCapitalAtRisk)} {s.quote}
          </strong>{' '}
          (every entry and every possible add).
        </p>
        <label for="live-amount">
          Amount ({s.quote})
          <input
            id="live-amount"
            value={amount}
            disabled={!phraseOk || live.armed}
            autocomplete="off"
            onInput={(e) => setAmount((e.target as HTMLInputElement).value)}
          />
        </label>
        <button
          type="button"
          disabled={!live.ready || !phraseOk || amount === '' || live.armed}
          onClick={arm}
        >
          Arm live trading
        </button>{' '}
        <button
          type="button"
          disabled={!live.armed}
          onClick={async () => {
            await command('/api/live/disarm', {})
            await refreshLive()
          }}
        >
          Disarm
        </button>
        <p data-testid="arm-message" role="status">
          {/* "Armed." is stale once the arming expired, was disarmed or stopped: the state line says so. */}
          {message === 'Armed.' && !live.armed ? '' : message}
        </p>
      </section>
      <section class="panel" aria-label="audit log">
        <h2>Audit log</h2>
        <ul data-testid="audit">
          {live.audit
            .slice()
            .reverse()
            .map((a) => (
              <li key={`${a.at}-${a.event}`}>
                {new Date(a.at).toISOString().slice(11, 19)} {a.event}: {a.detail}
              </li>
            ))}
        </ul>
      </section>
    </>
  )
}
