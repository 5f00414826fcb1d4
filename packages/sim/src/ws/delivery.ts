import type { Clock } from '@bb/utils'
import type { Faults } from '../faults.js'

/** How long a trade held back by `reorderTrades` waits for the next trade before it goes out alone. */
const REORDER_HOLD_MS = 500

/** What every socket of one hub shares: the faults, the wall clock of the delays, the live timers. */
export interface DeliveryContext {
  readonly faults: Faults
  /** The real-time clock the delays and the reorder hold run on. */
  readonly clock: Clock
  /** The hub's live timers; the hub clears what is left in it when it closes. */
  readonly timers: Set<unknown>
}

/** Where one socket's frames go once they are through the faults. */
export interface FrameSink<T> {
  /** Whether the socket takes frames (it is open). */
  isOpen(): boolean
  /** Hands a frame to the socket now. */
  write(frame: T): void
  /** Called once for each frame that gets past silence and the reorder hold (for stats). */
  counted?(type: string): void
}

/**
 * The frame-level faults of one WebSocket connection, the same in every hub (Upbit, Binance
 * streams and WS API, Coinone): while `silence` lasts nothing is sent (each frame counted);
 * `reorderTrades` holds a trade frame back until the next trade frame has gone out (or for
 * 500 ms); `corruptFrames` breaks frames; `delayWs` holds frames in one queue
 * per connection, drained by one timer at a time, so frames leave in the order they were sent
 * whatever the delay is set to meanwhile: a frame sent while others wait goes out after them.
 * Frames of type `'trade'` are the ones `reorderTrades` applies to.
 */
export class SocketDelivery<T extends string | Buffer> {
  /** Frames waiting out `delayWs`, in send order (due times never decrease). */
  private readonly delayed: { readonly due: number; readonly frame: T }[] = []
  private drainTimer: unknown
  private held: { readonly frame: T; readonly timer: unknown } | undefined

  constructor(
    private readonly ctx: DeliveryContext,
    private readonly sink: FrameSink<T>,
  ) {}

  /** Frames waiting out a delay on this connection. */
  get pending(): number {
    return this.delayed.length
  }

  /**
   * Sends one frame through the faults. `force` skips silence and the reorder hold (a frame the
   * server must get out, such as the error before a close).
   */
  send(frame: T, type: string, force = false): void {
    if (!this.sink.isOpen()) return
    const f = this.ctx.faults
    if (!force && f.silent()) {
      f.countSilenced()
      return
    }
    if (type === 'trade' && !force) {
      const held = this.held
      if (held) {
        this.held = undefined
        this.stop(held.timer)
        this.send(frame, type, true)
        this.send(held.frame, type, true)
        return
      }
      if (f.takeReorder()) {
        const timer = this.later(REORDER_HOLD_MS, () => {
          const h = this.held
          this.held = undefined
          if (h) this.send(h.frame, type, true)
        })
        this.held = { frame, timer }
        return
      }
    }
    const out = f.state.corrupt ? this.corrupt(frame) : frame
    this.sink.counted?.(type)
    const delay = f.state.wsDelayMs
    if (delay <= 0 && this.delayed.length === 0) {
      this.sink.write(out)
      return
    }
    const last = this.delayed.at(-1)?.due ?? 0
    this.delayed.push({ due: Math.max(this.ctx.clock.now() + delay, last), frame: out })
    this.arm()
  }

  /** Drops what is held or delayed and stops this connection's timers (the socket closed). */
  discard(): void {
    this.delayed.length = 0
    if (this.drainTimer !== undefined) this.stop(this.drainTimer)
    this.drainTimer = undefined
    if (this.held) this.stop(this.held.timer)
    this.held = undefined
  }

  private corrupt(frame: T): T {
    const f = this.ctx.faults
    if (typeof frame === 'string') return f.corrupt(Buffer.from(frame, 'utf8')).toString('utf8') as T
    return f.corrupt(frame as Buffer) as T
  }

  /** Waits for the head of the queue, unless a drain timer is already set. */
  private arm(): void {
    if (this.drainTimer !== undefined) return
    const head = this.delayed[0]
    if (!head) return
    this.drainTimer = this.later(Math.max(0, head.due - this.ctx.clock.now()), () => {
      this.drainTimer = undefined
      const now = this.ctx.clock.now()
      while (this.delayed.length > 0 && (this.delayed[0] as { due: number }).due <= now) {
        const next = this.delayed.shift() as { frame: T }
        if (this.sink.isOpen()) this.sink.write(next.frame)
      }
      this.arm()
    })
  }

  private later(ms: number, fn: () => void): unknown {
    const timer = this.ctx.clock.setTimeout(() => {
      this.ctx.timers.delete(timer)
      fn()
    }, ms)
    this.ctx.timers.add(timer)
    return timer
  }

  private stop(timer: unknown): void {
    this.ctx.clock.clearTimeout(timer)
    this.ctx.timers.delete(timer)
  }
}
