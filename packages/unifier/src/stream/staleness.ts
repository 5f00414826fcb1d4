import { badArgument, checkFunction, checkNumber, checkObject } from '../check.js'

/** Options of {@link createStalenessTracker}. */
export interface StalenessOptions {
  /** A key is stale when nothing arrived for this long, ms. */
  readonly staleAfterMs: number
  /** Per-key overrides (e.g. a quiet order book publishes nothing while it does not change). */
  readonly staleAfterMsFor?: (key: string) => number | undefined
  /** The clock, ms; default `Date.now`. Inject one in tests. */
  readonly clock?: () => number
}

/** Tracks when each stream last delivered, against an injected clock. Pure and synchronous. */
export interface StalenessTracker {
  /** Records a delivery for `key` (at `at`, default now). */
  touch(key: string, at?: number): void
  /** Milliseconds since the last delivery, or `undefined` if there was none. */
  age(key: string): number | undefined
  /** True when the key delivered before but not within its limit. Keys never touched are not stale. */
  isStale(key: string): boolean
  /** Every stale key. */
  staleKeys(): string[]
  /** Forgets a key. */
  forget(key: string): void
}

/**
 * Creates a {@link StalenessTracker}.
 *
 * @example
 * ```ts
 * import { createStalenessTracker } from '@bb/unifier'
 * let now = 0
 * const tracker = createStalenessTracker({ staleAfterMs: 5000, clock: () => now })
 * tracker.touch('ticker:BTC/USDT')
 * now = 6000
 * tracker.isStale('ticker:BTC/USDT') // true
 * ```
 */
export function createStalenessTracker(options: StalenessOptions): StalenessTracker {
  checkObject('options', options, 'an object { staleAfterMs }')
  if (options.staleAfterMs === undefined) badArgument('staleAfterMs', 'a number of ms >= 0', undefined)
  checkNumber('staleAfterMs', options.staleAfterMs, 0, false)
  checkFunction('staleAfterMsFor', options.staleAfterMsFor, true)
  checkFunction('clock', options.clock, true)
  const clock = options.clock ?? Date.now
  const last = new Map<string, number>()
  const limit = (key: string) => options.staleAfterMsFor?.(key) ?? options.staleAfterMs
  const isStale = (key: string) => {
    const at = last.get(key)
    return at !== undefined && clock() - at > limit(key)
  }
  return {
    touch(key, at = clock()) {
      const previous = last.get(key)
      if (previous === undefined || at >= previous) last.set(key, at)
    },
    age(key) {
      const at = last.get(key)
      return at === undefined ? undefined : clock() - at
    },
    isStale,
    staleKeys() {
      return [...last.keys()].filter(isStale)
    },
    forget(key) {
      last.delete(key)
    },
  }
}
