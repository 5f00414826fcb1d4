import {
  addTo,
  type ConditionJson,
  childrenOf,
  type Definitions,
  isGroup,
  issuePath,
  type NodeJson,
  newCondition,
  newVariable,
  numberOrText,
  operatorsFor,
  removeAt,
  replaceAt,
  setJoin,
  targetsFor,
  type VariableJson,
  withLeft,
} from '../conditions.js'

interface EditorProps {
  /** `rules[3]`: the prefix of every issue path of this rule. */
  readonly rulePath: string
  readonly when: NodeJson
  readonly defs: Definitions
  readonly ruleIds: readonly string[]
  readonly disabled: boolean
  /** Errors by exact issue path (the same `validateStrategy` the server runs). */
  readonly issues: ReadonlyMap<string, string[]>
  readonly onChange: (when: NodeJson) => void
}

/** The message(s) of issues at `path` or below it not claimed by a more exact input. */
function issuesAt(issues: ReadonlyMap<string, string[]>, path: string, exact = true): string[] {
  const out: string[] = []
  for (const [p, messages] of issues)
    if (exact ? p === path : p === path || p.startsWith(`${path}.`) || p.startsWith(`${path}[`))
      out.push(...messages)
  return out
}

const idOf = (path: string) => `c-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '')}`

function ErrorText({ id, messages }: { id: string; messages: string[] }) {
  if (messages.length === 0) return null
  return (
    <span class="error" id={`${id}-error`} role="alert" data-error-for={id}>
      {messages.join(' ')}
    </span>
  )
}

/** The condition tree of one rule: AND/OR groups (one level of nesting), rows, add and remove. */
export function ConditionEditor(props: EditorProps) {
  const { when, rulePath, onChange } = props
  const root = isGroup(when) ? when : undefined
  return (
    <fieldset class="conditions" data-testid="conditions" disabled={props.disabled}>
      <legend>Conditions</legend>
      {root ? (
        <Group {...props} node={root} path={[]} depth={0} />
      ) : (
        <>
          <Row {...props} condition={when as ConditionJson} path={[]} removable={false} />
          <button
            type="button"
            onClick={() => onChange(addTo(when, [], newCondition(props.defs)))}
            aria-label={`Add a condition to ${rulePath}`}
          >
            + condition
          </button>
        </>
      )}
    </fieldset>
  )
}

function Group(props: EditorProps & { node: NodeJson; path: number[]; depth: number }) {
  const { node, path, depth, defs, when, onChange, rulePath } = props
  const at = issuePath(when, rulePath, path)
  const join = 'any' in node ? 'any' : 'all'
  const children = childrenOf(node)
  const id = idOf(at)
  return (
    <div class={`group depth-${depth}`} data-path={at}>
      <label for={`${id}-join`}>
        Match
        <select
          id={`${id}-join`}
          value={join}
          onChange={(e) =>
            onChange(setJoin(when, path, (e.target as HTMLSelectElement).value as 'all' | 'any'))
          }
        >
          <option value="all">all of (AND)</option>
          <option value="any">any of (OR)</option>
        </select>
      </label>
      {children.map((child, i) => {
        const childPath = [...path, i]
        return isGroup(child) ? (
          <div key={i} class="nested">
            <Group {...props} node={child} path={childPath} depth={depth + 1} />
            <button
              type="button"
              disabled={children.length <= 1}
              onClick={() => onChange(removeAt(when, childPath))}
            >
              Remove group
            </button>
          </div>
        ) : (
          <Row
            key={i}
            {...props}
            condition={child as ConditionJson}
            path={childPath}
            removable={children.length > 1}
          />
        )
      })}
      <ErrorText id={id} messages={issuesAt(props.issues, at)} />
      <button
        type="button"
        aria-label={`Add a condition to ${at}`}
        onClick={() => onChange(addTo(when, path, newCondition(defs)))}
      >
        + condition
      </button>
      {depth === 0 ? (
        <button
          type="button"
          aria-label={`Add an OR group to ${at}`}
          onClick={() => onChange(addTo(when, path, { any: [newCondition(defs)] }))}
        >
          + group
        </button>
      ) : null}
    </div>
  )
}

function Row(props: EditorProps & { condition: ConditionJson; path: number[]; removable: boolean }) {
  const { condition, path, defs, when, onChange, rulePath, issues, ruleIds } = props
  const at = issuePath(when, rulePath, path)
  const id = idOf(at)
  const set = (next: ConditionJson) => onChange(replaceAt(when, path, next))
  const left = condition.left
  const leftDef = defs.variables.find((v) => v.kind === left.kind)
  const ops = operatorsFor(defs, left.kind)
  const right = condition.right
  const rightMode = typeof right === 'boolean' ? 'flag' : typeof right === 'object' ? 'variable' : 'value'
  const targets = targetsFor(defs, left.kind)
  const describe = (field: string) =>
    issuesAt(issues, `${at}.${field}`).length > 0 ? `${id}-${field}-error` : undefined
  const invalid = (field: string) => (issuesAt(issues, `${at}.${field}`).length > 0 ? 'true' : 'false')
  return (
    <div class="condition" data-path={at} data-testid="condition-row">
      <label for={`${id}-left`}>
        Variable
        <select
          id={`${id}-left`}
          data-path={`${at}.left`}
          value={left.kind}
          aria-invalid={invalid('left')}
          onChange={(e) =>
            set(withLeft(defs, condition, newVariable(defs, (e.target as HTMLSelectElement).value, ruleIds)))
          }
        >
          {defs.variables.map((v) => (
            <option key={v.kind} value={v.kind}>
              {v.kind}
            </option>
          ))}
        </select>
      </label>
      {leftDef?.parameters.map((p) => (
        <Param
          key={p.name}
          id={`${id}-left-${p.name}`}
          path={`${at}.left.${p.name}`}
          param={p}
          variable={left}
          issues={issues}
          onChange={(v) => set({ ...condition, left: v })}
        />
      ))}
      <label for={`${id}-op`}>
        Operator
        <select
          id={`${id}-op`}
          data-path={`${at}.op`}
          value={condition.op}
          aria-invalid={invalid('op')}
          onChange={(e) => set({ ...condition, op: (e.target as HTMLSelectElement).value })}
        >
          {ops.map((o) => (
            <option key={o.op} value={o.op}>
              {o.op} ({o.label})
            </option>
          ))}
        </select>
      </label>
      {leftDef?.group === 'flag' ? (
        <label for={`${id}-right`}>
          Value
          <select
            id={`${id}-right`}
            data-path={`${at}.right`}
            value={String(right)}
            aria-invalid={invalid('right')}
            onChange={(e) => set({ ...condition, right: (e.target as HTMLSelectElement).value === 'true' })}
          >
            <option value="true">true</option>
            <option value="false">false</option>
          </select>
        </label>
      ) : (
        <>
          <label for={`${id}-right-kind`}>
            Compared with
            <select
              id={`${id}-right-kind`}
              value={rightMode === 'variable' ? (right as VariableJson).kind : ''}
              onChange={(e) => {
                const kind = (e.target as HTMLSelectElement).value
                set({ ...condition, right: kind === '' ? 0 : newVariable(defs, kind, ruleIds) })
              }}
            >
              <option value="">a value</option>
              {targets.map((v) => (
                <option key={v.kind} value={v.kind}>
                  {v.kind}
                </option>
              ))}
            </select>
          </label>
          {rightMode === 'variable' ? (
            defs.variables
              .find((v) => v.kind === (right as VariableJson).kind)
              ?.parameters.map((p) => (
                <Param
                  key={p.name}
                  id={`${id}-right-${p.name}`}
                  path={`${at}.right.${p.name}`}
                  param={p}
                  variable={right as VariableJson}
                  issues={issues}
                  onChange={(v) => set({ ...condition, right: v })}
                />
              ))
          ) : (
            <label for={`${id}-right`}>
              Value
              <input
                id={`${id}-right`}
                data-path={`${at}.right`}
                type="number"
                step="any"
                value={String(right)}
                aria-invalid={invalid('right')}
                aria-describedby={describe('right')}
                onInput={(e) =>
                  set({ ...condition, right: numberOrText((e.target as HTMLInputElement).value) })
                }
              />
            </label>
          )}
        </>
      )}
      {props.removable ? (
        <button
          type="button"
          aria-label={`Remove the condition ${at}`}
          onClick={() => onChange(removeAt(when, path))}
        >
          Remove
        </button>
      ) : null}
      <ErrorText id={`${id}-left`} messages={issuesAt(issues, `${at}.left`)} />
      <ErrorText id={`${id}-op`} messages={issuesAt(issues, `${at}.op`)} />
      <ErrorText id={`${id}-right`} messages={issuesAt(issues, `${at}.right`)} />
      <ErrorText id={id} messages={issuesAt(issues, at)} />
    </div>
  )
}

function Param({
  id,
  path,
  param,
  variable,
  issues,
  onChange,
}: {
  id: string
  path: string
  param: Definitions['variables'][number]['parameters'][number]
  variable: VariableJson
  issues: ReadonlyMap<string, string[]>
  onChange: (variable: VariableJson) => void
}) {
  const messages = issuesAt(issues, path, false)
  const value = variable[param.name]
  const update = (v: unknown) => {
    const next = { ...variable }
    if (v === '' && param.optional) delete next[param.name]
    else next[param.name] = v
    onChange(next)
  }
  return (
    <label for={id}>
      {param.name}
      {param.type === 'enum' ? (
        <select
          id={id}
          data-path={path}
          value={value === undefined ? '' : String(value)}
          aria-invalid={messages.length > 0 ? 'true' : 'false'}
          onChange={(e) => update((e.target as HTMLSelectElement).value)}
        >
          {param.optional ? <option value="">(default)</option> : null}
          {param.options?.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          data-path={path}
          type={param.type === 'string' ? 'text' : 'number'}
          value={value === undefined ? '' : String(value)}
          min={param.min}
          max={param.max}
          aria-invalid={messages.length > 0 ? 'true' : 'false'}
          aria-describedby={messages.length > 0 ? `${id}-error` : undefined}
          onInput={(e) => {
            const text = (e.target as HTMLInputElement).value
            update(param.type === 'string' || text === '' ? text : numberOrText(text))
          }}
        />
      )}
      <ErrorText id={id} messages={messages} />
    </label>
  )
}
