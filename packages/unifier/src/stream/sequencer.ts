import { checkFunction, checkNumber, checkObject } from '../check.js'

/** Options of {@link createSnapshotSequencer}. */
export interface SnapshotSequencerOptions<T> {
  /** The stream key of a value (e.g. its symbol). */
  readonly key: (value: T) => string
  /** The value's position in its stream (the exchange's `timestamp`, or a sequence number where one exists). */
  readonly version: (value: T) => number
  /** Most realtime values held per key while its snapshot is awaited; the oldest are dropped. Default 1000. */
  readonly maxBuffered?: number
}

/**
 * Orders a REST snapshot and WS realtime values of the same stream: while a snapshot is awaited
 * for a key, realtime values are held; the snapshot is then emitted first, followed by the held
 * values that are newer than it. From then on a value is emitted only if it is newer than the last
 * one emitted (older or equal versions are stale and dropped).
 */
export interface SnapshotSequencer<T> {
  /** Starts holding realtime values of `key` until {@link SnapshotSequencer.snapshot} delivers one. */
  expectSnapshot(key: string): void
  /** A snapshot value: returns what to emit now (the snapshot, then newer held values), or `[]` if it is stale. */
  snapshot(value: T): T[]
  /** A realtime value: returns `[value]` to emit, or `[]` when held or stale. */
  realtime(value: T): T[]
  /** Whether `key` is waiting for its snapshot. */
  isWaiting(key: string): boolean
  /** Forgets a key (or everything), e.g. after a reconnect. */
  reset(key?: string): void
}

/**
 * Creates a {@link SnapshotSequencer}.
 *
 * @example
 * ```ts
 * import { createSnapshotSequencer } from '@bb/unifier'
 * const seq = createSnapshotSequencer<{ symbol: string; timestamp: number }>({ key: (v) => v.symbol, version: (v) => v.timestamp })
 * seq.expectSnapshot('BTC/USDT')
 * seq.realtime({ symbol: 'BTC/USDT', timestamp: 5 }) // [] (held)
 * seq.snapshot({ symbol: 'BTC/USDT', timestamp: 3 }) // [snapshot@3, realtime@5]
 * ```
 */
export function createSnapshotSequencer<T>(options: SnapshotSequencerOptions<T>): SnapshotSequencer<T> {
  checkObject('options', options, 'an object { key, version }')
  checkFunction('key', options.key, false)
  checkFunction('version', options.version, false)
  checkNumber('maxBuffered', options.maxBuffered, 1, true)
  const maxBuffered = Math.max(1, options.maxBuffered ?? 1000)
  const held = new Map<string, T[]>()
  const lastVersion = new Map<string, number>()

  function emitIfNewer(key: string, value: T): T[] {
    const version = options.version(value)
    const last = lastVersion.get(key)
    if (last !== undefined && version <= last) return []
    lastVersion.set(key, version)
    return [value]
  }

  return {
    expectSnapshot(key) {
      if (!held.has(key)) held.set(key, [])
    },
    snapshot(value) {
      const key = options.key(value)
      const buffer = held.get(key)
      held.delete(key)
      const out = emitIfNewer(key, value)
      if (buffer) {
        buffer.sort((a, b) => options.version(a) - options.version(b))
        for (const item of buffer) out.push(...emitIfNewer(key, item))
      }
      return out
    },
    realtime(value) {
      const key = options.key(value)
      const buffer = held.get(key)
      if (buffer !== undefined) {
        buffer.push(value)
        if (buffer.length > maxBuffered) buffer.shift()
        return []
      }
      return emitIfNewer(key, value)
    },
    isWaiting(key) {
      return held.has(key)
    },
    reset(key) {
      if (key === undefined) {
        held.clear()
        lastVersion.clear()
      } else {
        held.delete(key)
        lastVersion.delete(key)
      }
    },
  }
}
