import { type RuleIssue, type Strategy, sevenRules, validateStrategy } from '@bb/rules'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import type { Definitions, NodeJson } from '../conditions.js'
import { useQuote } from '../hooks.js'
import { command } from '../store.js'
import { issuesByPath, ruleSentence } from '../strategy-text.js'
import { ConditionEditor } from './condition-editor.js'

/** The preset's parameters shown as a form (the SevenRulesParamsSchema fields users tune most). */
const PRESET_FIELDS = [
  ['rsiThreshold', 'RSI entry threshold (rule 1)', 1],
  ['rsiPeriod', 'RSI period, candles (rule 1)', 1],
  ['entryPercent', 'Entry size, % of the quote balance (rule 1)', 1],
  ['pyramidTriggerPct', 'Add on profit at +% (rules 2, 3)', 0.5],
  ['pyramidMaxCount', 'Adds on profit, max (rule 2)', 1],
  ['pyramidMinOrderMultiple', 'Add on profit, × the minimum order (rule 2)', 1],
  ['trailingActivationPct', 'Trailing stop arms at +% (rule 4)', 0.5],
  ['trailingPct', 'Trailing distance % (rule 4)', 0.5],
  ['averageDownTriggerPct', 'Average down at % (rule 5)', 0.5],
  ['averageDownMaxCount', 'Average-down adds, max (rule 5)', 1],
  ['crashDropPct', 'Crash: drop % in the window (rule 6)', 0.5],
  ['surgePct', 'Surge: rise % in the window (rule 7)', 0.5],
] as const
type ParamName = (typeof PRESET_FIELDS)[number][0]
const DEFAULTS: Record<ParamName, string> = Object.fromEntries(
  PRESET_FIELDS.map(([name]) => {
    const preset = {
      rsiThreshold: 20,
      rsiPeriod: 14,
      entryPercent: 10,
      pyramidTriggerPct: 5,
      pyramidMaxCount: 3,
      pyramidMinOrderMultiple: 20,
      trailingActivationPct: 5,
      trailingPct: 3,
      averageDownTriggerPct: -5,
      averageDownMaxCount: 2,
      crashDropPct: -5,
      surgePct: 5,
    } as const
    return [name, String(preset[name])]
  }),
) as Record<ParamName, string>

interface PreviewSummary {
  ms: number
  candles: number
  trades: number
  cycles: number
  pnlPct: number
  maxDrawdownPct: number
  winRate: number | null
  firings: Record<string, number>
}
interface PreviewAnswer {
  symbol: string
  preview: PreviewSummary
  saved: PreviewSummary
  diff: { trades: number; pnlPct: number }
}

/** Composes the preset from the form: the strategy, or the error pinned to the parameter. */
function compose(values: Record<ParamName, string>): { strategy?: Strategy; errors: RuleIssue[] } {
  const params: Record<string, number> = {}
  const errors: RuleIssue[] = []
  for (const [name] of PRESET_FIELDS) {
    const text = values[name].trim()
    const number = Number(text)
    if (text === '' || !Number.isFinite(number))
      errors.push({ path: name, message: `"${text}" is not a number.` })
    else params[name] = number
  }
  if (errors.length > 0) return { errors }
  try {
    return { strategy: sevenRules(params), errors: [] }
  } catch (error) {
    const e = error as { param?: string; shortMessage?: string; message: string }
    return { errors: [{ path: e.param ?? 'params', message: e.shortMessage ?? e.message }] }
  }
}

const pct = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(2)} %`

function Field({
  name,
  label,
  step,
  value,
  errors,
  onInput,
}: {
  name: string
  label: string
  step: number
  value: string
  errors: string[] | undefined
  onInput: (v: string) => void
}) {
  const id = `field-${name}`
  return (
    <label for={id}>
      {label}
      <input
        id={id}
        name={name}
        data-path={name}
        type="number"
        step={step}
        value={value}
        aria-invalid={errors ? 'true' : 'false'}
        aria-describedby={errors ? `${id}-error` : undefined}
        onInput={(e) => onInput((e.target as HTMLInputElement).value)}
      />
      {errors ? (
        <span class="error" id={`${id}-error`} role="alert">
          {errors.join(' ')}
        </span>
      ) : null}
    </label>
  )
}

/** Strategies: the seven-rule preset as a form, its rules as cards with a sentence each, validation, live preview. */
export function StrategiesPage() {
  // Amounts are in the markets' quote currency, which the server's snapshot names.
  const quote = useQuote()
  const [values, setValues] = useState(DEFAULTS)
  const [custom, setCustom] = useState<Strategy | undefined>()
  const [importText, setImportText] = useState('')
  const [answer, setAnswer] = useState<PreviewAnswer | undefined>()
  const [previewState, setPreviewState] = useState<'idle' | 'running' | 'error'>('idle')
  const [savedNote, setSavedNote] = useState('')
  const composed = useMemo(() => compose(values), [values])
  const strategy = custom ?? composed.strategy
  // The variable and operator definitions of the rules package, as the server serves them.
  const [defs, setDefs] = useState<Definitions | undefined>()
  // The same validation the server runs, with the exchange's minimum order total it serves.
  const validation = useMemo(
    () =>
      strategy
        ? validateStrategy(
            custom ?? strategy,
            defs?.minOrderTotal ? { minOrderTotal: defs.minOrderTotal } : {},
          )
        : undefined,
    [strategy, custom, defs],
  )
  const errors = [...composed.errors, ...(validation && !validation.success ? validation.errors : [])]
  const warnings = validation?.warnings ?? []
  const byPath = issuesByPath(errors)
  const warningsByPath = issuesByPath(warnings)
  const controller = useRef<AbortController | undefined>(undefined)
  useEffect(() => {
    void fetch('/api/definitions')
      .then((r) => r.json())
      .then((body: Definitions) => setDefs(body))
  }, [])

  // Live preview: debounced 300 ms, the previous request cancelled.
  useEffect(() => {
    if (!strategy || errors.length > 0) return
    const timer = setTimeout(() => {
      controller.current?.abort()
      const ac = new AbortController()
      controller.current = ac
      setPreviewState('running')
      command<PreviewAnswer>('/api/preview', { strategy, candles: 2000 }, ac.signal)
        .then((r) => {
          if (ac.signal.aborted) return
          if (r.ok) {
            setAnswer(r.body)
            setPreviewState('idle')
          } else setPreviewState('error')
        })
        .catch(() => {
          if (!ac.signal.aborted) setPreviewState('error')
        })
    }, 300)
    return () => clearTimeout(timer)
  }, [JSON.stringify(strategy), errors.length])

  const setRuleField = (
    index: number,
    update: (rule: Strategy['rules'][number]) => Strategy['rules'][number],
  ) => {
    const base = structuredClone(custom ?? strategy)
    if (!base) return
    base.rules[index] = update(base.rules[index]!)
    setCustom(base)
  }

  const exportJson = () => {
    const blob = new Blob([JSON.stringify(strategy, null, 2)], { type: 'application/json' })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = `${strategy?.name ?? 'strategy'}.json`
    a.click()
    URL.revokeObjectURL(a.href)
  }

  return (
    <>
      <h1>Strategies</h1>
      <section class="panel" aria-label="preset">
        <h2>Preset: Seven rules (default)</h2>
        <p class="note">
          Buy when the RSI is oversold, add on profit and on dips a bounded number of times, take profit or
          trail the high, and leave at once on a crash or a hard stop; a surge pauses the adds. Every number
          below is a parameter of the preset, checked by the same schema the engine uses.
        </p>
        <fieldset disabled={custom !== undefined}>
          <legend class="note">{custom ? 'Customized: the preset stays as it was.' : 'Parameters'}</legend>
          {PRESET_FIELDS.map(([name, label, step]) => (
            <Field
              key={name}
              name={name}
              label={label}
              step={step}
              value={values[name]}
              errors={byPath.get(name)}
              onInput={(v) => setValues({ ...values, [name]: v })}
            />
          ))}
        </fieldset>
        <button
          type="button"
          onClick={() => setCustom(custom ? undefined : strategy && structuredClone(strategy))}
        >
          {custom ? 'Back to the preset' : 'Customize the rules'}
        </button>
      </section>

      <section class="panel" aria-label="preview" data-testid="preview">
        <h2>Live preview (last 2,000 one-minute candles of {answer?.symbol ?? '…'})</h2>
        {previewState === 'running' ? <p class="note">Running…</p> : null}
        {previewState === 'error' ? <p class="error">The preview failed.</p> : null}
        {answer ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
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
                <th scope="col">Fires per rule</th>
                <th scope="col" class="num">
                  Time
                </th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">This edit</th>
                <td class="num" data-testid="preview-trades">
                  {answer.preview.trades}
                </td>
                <td class="num">{pct(answer.preview.pnlPct)}</td>
                <td class="num">{answer.preview.maxDrawdownPct.toFixed(2)} %</td>
                <td class="num">
                  {answer.preview.winRate === null ? '–' : `${(answer.preview.winRate * 100).toFixed(0)} %`}
                </td>
                <td>
                  {Object.entries(answer.preview.firings)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(', ') || 'none'}
                </td>
                <td class="num" data-testid="preview-ms">
                  {Math.round(answer.preview.ms)} ms
                </td>
              </tr>
              <tr>
                <th scope="row">Saved</th>
                <td class="num">{answer.saved.trades}</td>
                <td class="num">{pct(answer.saved.pnlPct)}</td>
                <td class="num">{answer.saved.maxDrawdownPct.toFixed(2)} %</td>
                <td class="num">
                  {answer.saved.winRate === null ? '–' : `${(answer.saved.winRate * 100).toFixed(0)} %`}
                </td>
                <td />
                <td />
              </tr>
            </tbody>
          </table>
        ) : null}
        {answer ? (
          <p data-testid="preview-diff">
            Against the saved version: {answer.diff.trades >= 0 ? '+' : ''}
            {answer.diff.trades} trades, ΔPnL {pct(answer.diff.pnlPct)}
          </p>
        ) : null}
        <button
          type="button"
          disabled={errors.length > 0 || !strategy}
          onClick={async () => {
            const r = await command<{ saved: boolean }>('/api/strategies', { strategy })
            setSavedNote(
              r.ok ? 'Saved: previews now compare with this version.' : 'Not saved: the server found errors.',
            )
          }}
        >
          Save
        </button>{' '}
        <button type="button" disabled={!strategy} onClick={exportJson}>
          Export JSON
        </button>
        <span class="note"> {savedNote}</span>
        <details>
          <summary>Import JSON</summary>
          <label for="import-json">
            Strategy JSON
            <textarea
              id="import-json"
              rows={6}
              cols={80}
              value={importText}
              onInput={(e) => setImportText((e.target as HTMLTextAreaElement).value)}
            />
          </label>
          <button
            type="button"
            onClick={() => {
              try {
                const result = validateStrategy(JSON.parse(importText))
                if (result.success) setCustom(result.strategy)
                else
                  setSavedNote(
                    `Import refused: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
                  )
              } catch {
                setSavedNote('Import refused: not JSON.')
              }
            }}
          >
            Import
          </button>
        </details>
      </section>

      {errors.length > 0 ? (
        <p class="error" data-testid="error-count">
          {errors.length} error(s): fix them to preview and save.
        </p>
      ) : null}
      {warnings.map((w) => (
        <span key={w.path + w.message} class="warn">
          {w.path}: {w.message}
        </span>
      ))}

      <h2>Rules</h2>
      <div class="cards" data-testid="rule-cards">
        {strategy?.rules.map((rule, index) => {
          const at = `rules[${index}]`
          // Errors of the conditions are pinned to their inputs by the editor.
          const cardErrors = errors.filter(
            (e) => (e.path.startsWith(`${at}.`) || e.path === at) && !e.path.startsWith(`${at}.when`),
          )
          return (
            <div key={rule.id} class="card" data-rule={rule.id}>
              <h3>
                {index + 1}. {rule.name}{' '}
                <span class="note">
                  ({rule.role}, {rule.activation})
                </span>
              </h3>
              {quote !== '' && <p data-testid="rule-sentence">{ruleSentence(rule, quote)}</p>}
              {defs ? (
                <ConditionEditor
                  rulePath={at}
                  when={rule.when as unknown as NodeJson}
                  defs={defs}
                  ruleIds={strategy.rules.map((r) => r.id)}
                  disabled={!custom}
                  issues={byPath}
                  onChange={(when) =>
                    setRuleField(index, (r) => ({ ...r, when: when as unknown as typeof r.when }))
                  }
                />
              ) : null}
              <label for={`${at}-priority`}>
                Priority (lower wins)
                <input
                  id={`${at}-priority`}
                  data-path={`${at}.priority`}
                  type="number"
                  value={rule.priority}
                  disabled={!custom}
                  aria-invalid={byPath.has(`${at}.priority`) ? 'true' : 'false'}
                  onInput={(e) =>
                    setRuleField(index, (r) => ({
                      ...r,
                      priority: Number((e.target as HTMLInputElement).value),
                    }))
                  }
                />
              </label>
              <label for={`${at}-enabled`}>
                Enabled
                <input
                  id={`${at}-enabled`}
                  type="checkbox"
                  checked={rule.enabled}
                  disabled={!custom}
                  onChange={(e) =>
                    setRuleField(index, (r) => ({ ...r, enabled: (e.target as HTMLInputElement).checked }))
                  }
                />
              </label>
              {cardErrors.map((e) => (
                <span key={e.path + e.message} class="error" data-error-path={e.path}>
                  {e.path}: {e.message}
                </span>
              ))}
              {[...warningsByPath.entries()]
                .filter(([p]) => p.startsWith(`${at}.`))
                .map(([p, m]) => (
                  <span key={p} class="warn">
                    {m.join(' ')}
                  </span>
                ))}
            </div>
          )
        })}
      </div>
    </>
  )
}
