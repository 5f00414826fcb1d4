import type { Clock } from '@bb/ws'

/** A clock whose time moves only when the test says so; timers fire in time order. */
export function manualClock(start = 1_700_000_000_000) {
  let now = start
  let nextId = 1
  const timers = new Map<number, { at: number; fn: () => void }>()
  const clock: Clock & { advance(ms: number): void; pending(): number } = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++
      timers.set(id, { at: now + Math.max(0, ms), fn })
      return id
    },
    clearTimeout(handle) {
      timers.delete(handle as number)
    },
    /** Moves time forward by `ms`, firing every timer due on the way, in order. */
    advance(ms) {
      const end = now + ms
      for (;;) {
        let due: [number, { at: number; fn: () => void }] | undefined
        for (const entry of timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry
        if (!due) break
        timers.delete(due[0])
        now = Math.max(now, due[1].at)
        due[1].fn()
      }
      now = end
    },
    pending: () => timers.size,
  }
  return clock
}
