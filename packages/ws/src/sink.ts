import { SubscriptionError } from '@bb/errors'
import type { Subscriber } from 'rxjs'
import type { GapEvent, OverflowPolicy, StreamEvent, StreamKind, StreamMode } from './types.js'

/** A FIFO with O(1) push and shift that compacts itself. */
class Queue<T> {
  private items: (T | undefined)[] = []
  private head = 0

  /** Number of items. */
  get size(): number {
    return this.items.length - this.head
  }

  /** Appends an item. */
  push(item: T): void {
    this.items.push(item)
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head]
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }

  /** Drops everything. */
  clear(): void {
    this.items = []
    this.head = 0
  }
}

/** A subscriber whose `next` takes longer than this (ms) is served from its buffer, in time slices. */
const SLOW_MS = 1
/**
 * On the synchronous path one value in this many is timed: reading the clock costs as much as
 * delivering a value, and a subscriber that is slow on every value is still caught within a
 * few values.
 */
const TIME_EVERY = 8
/**
 * A subscriber is judged by the cheapest of its last this-many timed values, not by one: a
 * descheduled (CPU-starved) process makes one value look slow, a slow subscriber is slow on
 * every value. One fast value clears it.
 */
const SLOW_SAMPLES = 3

interface DropRange {
  count: number
  from: number
  to: number
  /** Trades: the id offered before the first dropped one (back-fill after it). */
  lastId: string | undefined
}

/** Counters a sink reports into (the client's). */
export interface SinkCounters {
  buffered: number
  delivered: number
  dropped: number
}

/**
 * One subscriber of one stream: a bounded buffer between the shared upstream and the
 * subscriber's `next`. A subscriber that keeps up gets every value synchronously (no queue); one
 * whose `next` takes longer than `SLOW_MS` is served from its buffer by the client's scheduler,
 * in time slices between socket reads, so it only slows (and, with `drop-oldest`, loses data
 * for) itself.
 */
export class Sink {
  /** The values buffered for the subscriber. */
  readonly queue = new Queue<StreamEvent<unknown>>()
  /** In step with {@link queue}: the id of the trade offered before each value (overflow gaps' `lastId`). */
  private readonly prevIds = new Queue<string | undefined>()
  /** Gap markers that must survive a drop-oldest (they describe older losses). */
  private readonly keptGaps: GapEvent[] = []
  private readonly drops = new Map<string | undefined, DropRange>()
  /** Symbols still waiting for their snapshot (`snapshot` mode). */
  private readonly waiting: Set<string | undefined> | undefined
  /** True once completed or errored. */
  done = false
  /** Set when the sink should complete once its buffer is empty. */
  private completeWhenDrained = false
  /** Set when the subscriber took longer than `SLOW_MS` for a value: values queue until it catches up. */
  private slow = false
  /** Values delivered on the synchronous path, to time one in {@link TIME_EVERY}. */
  private emitted = 0
  /** The durations (ms) of the last {@link SLOW_SAMPLES} timed values, a ring. */
  private readonly samples: number[] = new Array<number>(SLOW_SAMPLES).fill(0)
  private sampleAt = 0

  constructor(
    private readonly subscriber: Subscriber<unknown>,
    /** Plain-value stream: emits the values themselves and no gap markers. */
    private readonly plain: boolean,
    readonly kind: StreamKind,
    readonly mode: StreamMode,
    symbols: readonly (string | undefined)[],
    private readonly capacity: number,
    private readonly policy: OverflowPolicy,
    private readonly counters: SinkCounters,
    private readonly schedule: (sink: Sink) => void,
    /** The clock (ms) the subscriber's cost is timed with; a manual one in tests. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.waiting = mode === 'snapshot' ? new Set(symbols) : undefined
  }

  /**
   * Offers a value of `symbol`: filtered by the sink's mode (realtime skips snapshots; snapshot
   * takes the first value per symbol, then completes), then buffered. `prevId` (trades) is the id
   * of the trade of the symbol offered before this one: an overflow gap back-fills after it.
   */
  offerData(value: unknown, symbol: string | undefined, isSnapshot: boolean, prevId?: string): void {
    if (this.done) return
    if (this.mode === 'realtime' && isSnapshot) return
    if (this.waiting !== undefined) {
      if (!this.waiting.delete(symbol)) return
      if (this.waiting.size === 0) this.completeWhenDrained = true
    }
    if (this.canEmitNow()) this.emitNow(this.plain ? value : { type: 'data', value }, true)
    else this.enqueue({ type: 'data', value }, prevId)
  }

  /** Offers a gap marker (not to plain-value streams, nor to `snapshot` mode, which has no realtime part). */
  offerGap(gap: GapEvent): void {
    if (this.done || this.plain || this.waiting !== undefined) return
    if (this.canEmitNow()) this.emitNow(gap, false)
    else this.enqueue(gap)
  }

  /** Fast path: nothing queued and the subscriber keeps up — deliver now (lowest latency). */
  private canEmitNow(): boolean {
    return !this.slow && this.queue.size === 0 && this.keptGaps.length === 0 && this.drops.size === 0
  }

  private emitNow(item: unknown, isData: boolean): void {
    const timed = this.emitted++ % TIME_EVERY === 0
    const start = timed ? this.now() : 0
    if (isData) this.counters.delivered++
    this.subscriber.next(item)
    if (timed) this.slow = this.judge(this.now() - start)
    this.completeIfDone()
  }

  private enqueue(event: StreamEvent<unknown>, prevId?: string): void {
    if (this.queue.size >= this.capacity) {
      if (this.policy === 'error') {
        this.fail(
          new SubscriptionError({
            stream: this.kind,
            channel: 'ws',
            retryable: false,
            message: `The subscriber of the ${this.kind} stream is too slow: its buffer of ${this.capacity} values overflowed.`,
            details: { capacity: this.capacity, policy: 'error' },
          }),
        )
        return
      }
      const oldest = this.queue.shift()!
      const oldestPrev = this.prevIds.shift()
      this.counters.buffered--
      if (oldest.type === 'gap') this.keptGaps.push(oldest)
      else this.recordDrop(oldest.value, oldestPrev)
    }
    this.queue.push(event)
    this.prevIds.push(prevId)
    this.counters.buffered++
    this.schedule(this)
  }

  private recordDrop(value: unknown, prevId: string | undefined): void {
    this.counters.dropped++
    const v = value as { marketId?: string; timestamp?: number }
    const time = typeof v.timestamp === 'number' ? v.timestamp : 0
    const range = this.drops.get(v.marketId)
    if (range === undefined) this.drops.set(v.marketId, { count: 1, from: time, to: time, lastId: prevId })
    else {
      range.count++
      range.from = Math.min(range.from, time)
      range.to = Math.max(range.to, time)
    }
  }

  /**
   * Delivers buffered values until the buffer is empty or `deadline` (performance.now) passes;
   * at least one value goes out per call. Returns true when values remain.
   */
  drain(deadline: number): boolean {
    if (this.done) return false
    const subscriber = this.subscriber
    for (const gap of this.keptGaps.splice(0)) subscriber.next(gap)
    if (this.plain) this.drops.clear()
    else if (this.drops.size > 0) {
      for (const [symbol, range] of this.drops) {
        const gap: GapEvent = {
          type: 'gap',
          kind: this.kind,
          symbol,
          from: range.from,
          to: range.to,
          reason: 'overflow',
          ...(range.lastId === undefined ? {} : { lastId: range.lastId }),
          dropped: range.count,
        }
        subscriber.next(gap)
      }
      this.drops.clear()
    }
    let now = this.now()
    let first = true
    while (!this.done && this.queue.size > 0) {
      if (!first && now >= deadline) return true
      first = false
      const event = this.queue.shift()!
      this.prevIds.shift()
      this.counters.buffered--
      if (event.type === 'data') {
        this.counters.delivered++
        subscriber.next(this.plain ? event.value : event)
      } else subscriber.next(event)
      const after = this.now()
      this.slow = this.judge(after - now)
      now = after
    }
    this.completeIfDone()
    return false
  }

  /** Records one timed value; slow when even the cheapest of the last few took longer than `SLOW_MS`. */
  private judge(ms: number): boolean {
    const samples = this.samples
    samples[this.sampleAt] = ms
    this.sampleAt = (this.sampleAt + 1) % SLOW_SAMPLES
    let min = samples[0]!
    for (let i = 1; i < SLOW_SAMPLES; i++) if (samples[i]! < min) min = samples[i]!
    return min > SLOW_MS
  }

  private completeIfDone(): void {
    if (!this.done && this.completeWhenDrained && this.queue.size === 0) {
      this.completeWhenDrained = false
      this.done = true
      this.subscriber.complete()
    }
  }

  /** Errors the subscriber (its teardown detaches it from every stream). */
  fail(error: unknown): void {
    if (this.done) return
    this.discard()
    this.subscriber.error(error)
  }

  /** Completes the subscriber, dropping what is buffered. */
  complete(): void {
    if (this.done) return
    this.discard()
    this.subscriber.complete()
  }

  /** Drops the buffer (on teardown). */
  discard(): void {
    this.done = true
    this.counters.buffered -= this.queue.size
    this.queue.clear()
    this.prevIds.clear()
    this.keptGaps.length = 0
    this.drops.clear()
    this.completeWhenDrained = false
  }
}
