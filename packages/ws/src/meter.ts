/** One send window: at most `limit` messages per `intervalMs`. */
export interface MeterWindow {
  /** Messages allowed per window. */
  readonly limit: number
  /** Window length, ms. */
  readonly intervalMs: number
}

/**
 * A sliding-window meter over several windows at once (Upbit: 5 messages/s **and** 100/min per
 * connection; 5 connects/s). It never says "go" when any window is full, so a server counting in
 * fixed or sliding windows sees no violation. `marginMs` widens every window against jitter: the
 * server counts a message when it arrives, so a send held up (network, a busy event loop) by more
 * than the margin relative to a later one would make its window look full. 250 ms covers a loaded
 * machine (25 ms did not: the storm test saw a violation at load 12 on 2 cores; 100 ms did not
 * at load 25, once in 11 runs). The cost: when the budget is spent, the next change waits up to
 * 250 ms longer.
 */
export class SendMeter {
  private readonly stamps: number[] = []
  private readonly keep: number

  constructor(
    private readonly windows: readonly MeterWindow[],
    private readonly marginMs = 250,
  ) {
    this.keep = windows.reduce((max, w) => Math.max(max, w.limit), 0)
  }

  /** Milliseconds to wait before one more message may go out (0 = now). */
  delay(now: number): number {
    let wait = 0
    const n = this.stamps.length
    for (const w of this.windows) {
      if (n < w.limit) continue
      const oldest = this.stamps[n - w.limit]!
      wait = Math.max(wait, oldest + w.intervalMs + this.marginMs - now)
    }
    return wait
  }

  /** Records one message sent at `now`. */
  record(now: number): void {
    this.stamps.push(now)
    if (this.stamps.length > this.keep) this.stamps.splice(0, this.stamps.length - this.keep)
  }
}
