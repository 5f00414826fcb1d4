import type { Sub } from './protocol.js'

/** What one connection asked for on one code. */
export interface Entry {
  readonly depth: number
  readonly level: number
}

const ALL = [{ code: '*', requested: '*', depth: 0 }] as const

/**
 * The subscriptions of every connection, indexed type → code → connection, so a frame finds its
 * subscribers in two lookups. Only realtime subscriptions are indexed (a snapshot-only one is
 * answered once); a subscription without codes (`myOrder`, `myAsset`) is indexed under `*`.
 */
export class SubscriptionIndex<C> {
  private readonly index = new Map<string, Map<string, Map<C, Entry>>>()

  /** Indexes `conn`'s realtime subscriptions. */
  add(conn: C, subs: readonly Sub[]): void {
    for (const s of subs) {
      if (!s.realtime) continue
      let byCode = this.index.get(s.type)
      if (!byCode) {
        byCode = new Map()
        this.index.set(s.type, byCode)
      }
      for (const c of s.codes ?? ALL) {
        let set = byCode.get(c.code)
        if (!set) {
          set = new Map()
          byCode.set(c.code, set)
        }
        set.set(conn, { depth: c.depth, level: s.level ?? 0 })
      }
    }
  }

  /** Removes `conn` from the entries of `subs`. */
  remove(conn: C, subs: readonly Sub[]): void {
    for (const s of subs) {
      const byCode = this.index.get(s.type)
      if (!byCode) continue
      for (const c of s.codes ?? ALL) byCode.get(c.code)?.delete(conn)
    }
  }

  /** The subscribers of `type` on `code`, or `undefined` when there are none. */
  subscribers(type: string, code: string): Map<C, Entry> | undefined {
    const set = this.index.get(type)?.get(code)
    return set && set.size > 0 ? set : undefined
  }

  /** Every code subscribed for `type`, with its subscribers. */
  ofType(type: string): ReadonlyMap<string, Map<C, Entry>> | undefined {
    return this.index.get(type)
  }
}
