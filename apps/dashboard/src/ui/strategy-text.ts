import type { Action, ConditionNode, Rule, RuleIssue } from '@bb/rules'
import { conditionLabel } from '@bb/rules'

/** A condition tree in words: `RSI(14) < 20 and (A or B)`. */
function conditionText(node: ConditionNode): string {
  if ('all' in node)
    return node.all.map((c) => ('any' in c ? `(${conditionText(c)})` : conditionText(c))).join(' and ')
  if ('any' in node)
    return node.any.map((c) => ('all' in c ? `(${conditionText(c)})` : conditionText(c))).join(' or ')
  return conditionLabel(node)
}

function actionText(action: Action, quote: string): string {
  if (action.type === 'buy')
    return action.amount.kind === 'quote'
      ? `market-buy ${action.amount.value.toLocaleString('en-US')} ${quote}`
      : action.amount.kind === 'min_order_multiple'
        ? `market-buy ${action.amount.value} × the minimum order total in ${quote}`
        : `market-buy ${action.amount.value} % of the available ${quote}`
  if (action.type === 'sell')
    return action.positionPercent >= 100
      ? 'sell the whole position'
      : `sell ${action.positionPercent} % of the position`
  return `set the flag ${action.flag} to ${action.value} (no order)`
}

const STATE_TEXT = {
  READY: 'with no position',
  ACTIVE: 'while holding a position',
  ANY: 'in any state',
} as const

/**
 * "When RSI(14) < 20 with no position: market-buy 10 % of the available KRW." — amounts in
 * `quote`, the markets' quote currency the server's snapshot names.
 */
export function ruleSentence(rule: Rule, quote: string): string {
  return `When ${conditionText(rule.when)} ${STATE_TEXT[rule.activation]}: ${actionText(rule.action, quote)}.`
}

/** Issues by path, for pinning each to its input. */
export function issuesByPath(issues: readonly RuleIssue[]): Map<string, string[]> {
  const map = new Map<string, string[]>()
  for (const issue of issues) map.set(issue.path, [...(map.get(issue.path) ?? []), issue.message])
  return map
}
