// Which rule acts when several fire on one tick: a pure function of the candidates.
import { roleRank } from './compile.js'
import type { DroppedCandidate } from './engine-types.js'
import type { Rule } from './schema.js'

/** A rule whose condition held on this tick (a compiled rule is one). @internal */
export interface Candidate {
  readonly rule: Pick<Rule, 'id' | 'priority' | 'role'>
  /** 1-based rule number in the strategy. */
  readonly number: number
}

/** What {@link arbitrate} decided. @internal */
export interface Arbitration<C extends Candidate> {
  /** The one trading candidate that acts, if any fired. */
  readonly winner: C | undefined
  /** Every other candidate, best first, with why it lost. */
  readonly dropped: readonly DroppedCandidate[]
}

/** Evaluation order: lower priority number first; ties: RISK/EXIT, then buys, then MANAGEMENT; then rule number. @internal */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    a.rule.priority - b.rule.priority || roleRank(a.rule.role) - roleRank(b.rule.role) || a.number - b.number
  )
}

/**
 * Chooses the trading rule that acts among those that fired (RULES.md §B.8): the best by
 * {@link compareCandidates} wins; every other one is dropped with the reason, e.g.
 * `outranked by "crash" (priority 0 < 2)`. Pure: the order of `fired` does not matter, nothing is
 * mutated.
 * @internal
 */
export function arbitrate<C extends Candidate>(fired: readonly C[]): Arbitration<C> {
  if (fired.length === 0) return { winner: undefined, dropped: [] }
  const ranked = fired.length === 1 ? fired : [...fired].sort(compareCandidates)
  const winner = ranked[0]!
  const dropped = ranked.slice(1).map(
    ({ rule }): DroppedCandidate => ({
      ruleId: rule.id,
      priority: rule.priority,
      reason:
        rule.priority > winner.rule.priority
          ? `outranked by "${winner.rule.id}" (priority ${winner.rule.priority} < ${rule.priority})`
          : `outranked by "${winner.rule.id}" (same priority ${rule.priority}; ${winner.rule.role} before ${rule.role}, then rule order)`,
    }),
  )
  return { winner, dropped }
}
