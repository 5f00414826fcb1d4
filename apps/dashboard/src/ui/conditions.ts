// The rule card's condition editor as data: which operators and targets a variable may be
// compared with (from the rules package's definitions, as the server sends them), and the edits
// (add, remove, AND/OR, change a field) on a rule's condition tree. Pure: the page renders it.
import type { OperatorDefinition, VariableDefinition } from '@bb/rules'

/** A variable as it sits in a strategy: its kind and its parameters. */
export type VariableJson = { kind: string } & Record<string, unknown>
/** One comparison. */
export interface ConditionJson {
  left: VariableJson
  op: string
  right: number | boolean | string | VariableJson
}
/** A condition tree: a comparison or an AND / OR group. */
export type NodeJson = ConditionJson | { all: NodeJson[] } | { any: NodeJson[] }

/** The definitions the builder generates its widgets from (`GET /api/definitions`). */
export interface Definitions {
  readonly variables: readonly VariableDefinition[]
  readonly operators: readonly OperatorDefinition[]
  /** The exchange's minimum order total for the markets traded (the server's validation uses it too). */
  readonly minOrderTotal?: string
}

/** The comparison group of a variable kind (`price`, `percentage`, `count`, `flag`). */
function groupOf(defs: Definitions, kind: string): string | undefined {
  return defs.variables.find((v) => v.kind === kind)?.group
}

/** The operators offered for a left-hand variable: only those that apply to its group. */
export function operatorsFor(defs: Definitions, kind: string): OperatorDefinition[] {
  const group = groupOf(defs, kind)
  return defs.operators.filter((o) => group !== undefined && (o.groups as readonly string[]).includes(group))
}

/** Variables a right-hand side may name: those of the same comparison group (never flags). */
export function targetsFor(defs: Definitions, kind: string): VariableDefinition[] {
  const group = groupOf(defs, kind)
  return defs.variables.filter((v) => v.group === group && v.group !== 'flag')
}

/** A new variable of `kind` with its required parameters at their defaults (or a first valid value). */
export function newVariable(defs: Definitions, kind: string, ruleIds: readonly string[] = []): VariableJson {
  const def = defs.variables.find((v) => v.kind === kind)
  const variable: VariableJson = { kind }
  for (const p of def?.parameters ?? []) {
    if (p.default !== undefined) variable[p.name] = p.default
    else if (p.optional) continue
    else if (p.type === 'enum') variable[p.name] = p.options?.[0]
    else if (p.type === 'integer' || p.type === 'number') variable[p.name] = p.min ?? 1
    else variable[p.name] = p.name === 'rule' ? (ruleIds[0] ?? 'rule') : 'flag'
  }
  return variable
}

/** The condition a new row starts with: RSI(14) below 30. */
export function newCondition(defs: Definitions): ConditionJson {
  return { left: newVariable(defs, 'RSI'), op: '<', right: 30 }
}

export const isGroup = (node: NodeJson): node is { all: NodeJson[] } | { any: NodeJson[] } =>
  'all' in node || 'any' in node
export const childrenOf = (node: NodeJson): NodeJson[] =>
  'all' in node ? node.all : 'any' in node ? node.any : [node]
const join = (node: NodeJson): 'all' | 'any' => ('any' in node ? 'any' : 'all')

/**
 * The left variable changed: the operator stays when it still applies, else the first that does;
 * a right-hand side of another group becomes the default constant of the new group.
 */
export function withLeft(defs: Definitions, condition: ConditionJson, left: VariableJson): ConditionJson {
  const ops = operatorsFor(defs, left.kind).map((o) => o.op as string)
  const op = ops.includes(condition.op) ? condition.op : (ops[0] ?? condition.op)
  const group = groupOf(defs, left.kind)
  const right = condition.right
  const rightGroup =
    typeof right === 'boolean'
      ? 'flag'
      : typeof right === 'object'
        ? groupOf(defs, right.kind)
        : group === 'flag'
          ? 'number'
          : group
  return { left, op, right: rightGroup === group ? right : group === 'flag' ? false : 0 }
}

/** Replaces the node at `path` (indexes from the root: `[]` is the root, `[1, 0]` a nested child). */
export function replaceAt(root: NodeJson, path: readonly number[], node: NodeJson): NodeJson {
  if (path.length === 0) return node
  const [head, ...rest] = path as [number, ...number[]]
  const children = childrenOf(root).slice()
  children[head] = replaceAt(children[head]!, rest, node)
  return { [join(root)]: children } as NodeJson
}

/** The node at `path`. */
function nodeAt(root: NodeJson, path: readonly number[]): NodeJson {
  let node = root
  for (const i of path) node = childrenOf(node)[i]!
  return node
}

/** Adds `node` to the group at `path` (a lone comparison at the root becomes an AND of two). */
export function addTo(root: NodeJson, path: readonly number[], node: NodeJson): NodeJson {
  const group = nodeAt(root, path)
  const next = isGroup(group)
    ? ({ [join(group)]: [...childrenOf(group), node] } as NodeJson)
    : { all: [group, node] }
  return replaceAt(root, path, next)
}

/** Removes the child at `path` (the last one of a group is kept: a group needs one condition). */
export function removeAt(root: NodeJson, path: readonly number[]): NodeJson {
  if (path.length === 0) return root
  const parentPath = path.slice(0, -1)
  const parent = nodeAt(root, parentPath)
  const children = childrenOf(parent)
  if (children.length <= 1) return root
  const next = children.filter((_, i) => i !== path.at(-1))
  return replaceAt(root, parentPath, { [join(parent)]: next } as NodeJson)
}

/** Switches the group at `path` between AND (`all`) and OR (`any`). */
export function setJoin(root: NodeJson, path: readonly number[], to: 'all' | 'any'): NodeJson {
  const group = nodeAt(root, path)
  return replaceAt(root, path, { [to]: childrenOf(group) } as NodeJson)
}

/** The issue path of the node at `path` under `rules[i].when`: `rules[2].when.all[1].any[0]`. */
export function issuePath(root: NodeJson, rulePath: string, path: readonly number[]): string {
  let at = `${rulePath}.when`
  let node = root
  for (const i of path) {
    at += `.${join(node)}[${i}]`
    node = childrenOf(node)[i]!
  }
  return at
}

/** A typed input's value: a number when it is one, else the text (validation then names the field). */
export function numberOrText(text: string): number | string {
  const n = Number(text)
  return text.trim() !== '' && Number.isFinite(n) ? n : text
}
