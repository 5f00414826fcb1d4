import { ManualClock } from '@bb/utils/testing'

/** A clock whose time moves only when the test says so; timers fire in time order. */
export function manualClock(start = 1_700_000_000_000): ManualClock {
  return new ManualClock(start)
}
