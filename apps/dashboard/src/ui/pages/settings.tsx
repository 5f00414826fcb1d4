import { useEffect, useState } from 'preact/hooks'
import { formatAge } from '../format.js'
import { useStore } from '../hooks.js'
import { type Settings, settings, updateSettings } from '../settings.js'

interface SystemJson {
  version: string
  node: string
  platform: string
  startedAt: number
  uptimeMs: number
  source: string
  keyFile: string
  dataDirectory: string
  symbols: string[]
  strategy: string
  replayBuffer: number
  streamEvents: number
  marketIntervalMs: number
}

function Choice<K extends keyof Settings>({
  name,
  label,
  options,
}: {
  name: K
  label: string
  options: readonly [Settings[K], string][]
}) {
  return (
    <label for={`setting-${name}`}>
      {label}
      <select
        id={`setting-${name}`}
        value={settings[name]}
        onChange={(e) =>
          updateSettings({ [name]: (e.target as HTMLSelectElement).value } as Partial<Settings>)
        }
      >
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  )
}

/** Settings and system: preferences kept in this browser; what the server runs, its version and data directory. */
export function SettingsPage() {
  const s = useStore()
  const [system, setSystem] = useState<SystemJson | undefined>()
  useEffect(() => {
    void fetch('/api/system')
      .then((r) => r.json())
      .then((body: SystemJson) => setSystem(body))
  }, [])
  const audit = s.live?.audit.slice(-10).reverse() ?? []
  return (
    <>
      <h1>Settings</h1>
      <section class="panel" aria-label="preferences">
        <h2>Preferences (this browser)</h2>
        <div class="row">
          <Choice
            name="timeZone"
            label="Time zone"
            options={[
              ['KST', 'KST (UTC+9, the exchange)'],
              ['UTC', 'UTC'],
            ]}
          />
          <Choice
            name="candles"
            label="Candle colours"
            options={[
              ['kr', 'Korean: up red, down blue'],
              ['intl', 'International: up green, down red'],
            ]}
          />
          <Choice
            name="theme"
            label="Theme"
            options={[
              ['light', 'Light'],
              ['dark', 'Dark'],
            ]}
          />
          <Choice
            name="language"
            label="Language"
            options={[
              ['en', 'English'],
              ['ko', '한국어 (navigation)'],
            ]}
          />
        </div>
        <p class="note">
          Times on the Overview and Decisions pages follow the time zone; the chart's candles follow the
          colours (on its next load). 한국어 translates the navigation only so far; the pages stay in English.
        </p>
      </section>
      <section class="panel" aria-label="system">
        <h2>System</h2>
        {system ? (
          <dl class="facts" data-testid="system">
            <dt>Version</dt>
            <dd data-testid="version">@bb/dashboard {system.version}</dd>
            <dt>Runtime</dt>
            <dd>
              Node {system.node} on {system.platform}, up {formatAge(system.uptimeMs)}
            </dd>
            <dt>Market data and orders</dt>
            <dd>{system.source}</dd>
            <dt>Markets</dt>
            <dd>{system.symbols.join(', ')}</dd>
            <dt>Saved strategy</dt>
            <dd>{system.strategy}</dd>
            <dt>Data directory</dt>
            <dd>
              <code>{system.dataDirectory}</code> (encrypted keys: <code>{system.keyFile}</code>)
            </dd>
            <dt>Stream</dt>
            <dd>
              {system.streamEvents} events sent, the last {system.replayBuffer} kept for replay; market rows
              conflated to one update per {system.marketIntervalMs} ms (decisions, fills and health never)
            </dd>
            <dt>Metrics</dt>
            <dd>
              <a href="/api/metrics" target="_blank" rel="noreferrer">
                /api/metrics
              </a>{' '}
              (the backbone's counters as JSON)
            </dd>
          </dl>
        ) : (
          <p>Loading…</p>
        )}
      </section>
      <section class="panel" aria-label="recent events">
        <h2>Recent events</h2>
        <ul data-testid="events">
          <li>
            Stream {s.connected ? 'connected' : 'reconnecting'}, {s.reconnects} reconnect(s), {s.resyncs}{' '}
            resync(s)
          </li>
          {audit.map((a) => (
            <li key={`${a.at}-${a.event}`}>
              {a.event}: {a.detail}
            </li>
          ))}
        </ul>
      </section>
    </>
  )
}
