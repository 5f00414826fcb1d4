import { type Clock, every, systemClock } from '@bb/utils'
import type { CorruptFramesOptions, FailRestOptions, FaultState, SimFaults, SimStats } from './types.js'
import { Rng } from './util/rng.js'

/** Builds an empty fault state. */
function emptyFaultState(): FaultState {
  return {
    dropEveryMs: undefined,
    silentUntil: 0,
    restDelayMs: 0,
    wsDelayMs: 0,
    failFraction: 0,
    failStatus: 500,
    failUntil: Number.POSITIVE_INFINITY,
    failRemaining: Number.POSITIVE_INFINITY,
    corrupt: undefined,
    stormUntil: 0,
    refuseUntil: 0,
    reorderRemaining: 0,
  }
}

function nonNegative(name: string, v: number): number {
  if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a finite number >= 0`)
  return v
}

/** Fault injection state shared by the HTTP server and the WebSocket hub. */
export class Faults implements SimFaults {
  readonly state: FaultState = emptyFaultState()
  private dropTimer: (() => void) | undefined
  private readonly rng: Rng

  constructor(
    seed: number,
    private readonly stats: Pick<SimStats, 'faults'>,
    private readonly drop: () => number,
    private readonly clock: Clock = systemClock,
  ) {
    this.rng = new Rng(seed ^ 0x5eed)
  }

  dropConnections(): void {
    this.stats.faults.wsDropped += this.drop()
  }

  dropConnectionsEvery(everyMs: number): void {
    nonNegative('everyMs', everyMs)
    this.dropTimer?.()
    this.state.dropEveryMs = everyMs
    this.dropTimer = every(
      this.clock,
      Math.max(10, everyMs),
      () => this.dropConnections(),
      (error) =>
        queueMicrotask(() => {
          throw error // as from a plain interval: a bug here must not pass unnoticed
        }),
    )
  }

  silence(durationMs: number): void {
    this.state.silentUntil = this.clock.now() + nonNegative('durationMs', durationMs)
  }

  delayRest(ms: number): void {
    this.state.restDelayMs = nonNegative('ms', ms)
  }

  delayWs(ms: number): void {
    this.state.wsDelayMs = nonNegative('ms', ms)
  }

  failRest(fraction: number, options: FailRestOptions = {}): void {
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError('fraction must be between 0 and 1')
    this.state.failFraction = fraction
    this.state.failStatus = options.status ?? 500
    this.state.failUntil =
      options.durationMs === undefined
        ? Number.POSITIVE_INFINITY
        : this.clock.now() + nonNegative('durationMs', options.durationMs)
    this.state.failRemaining =
      options.count === undefined ? Number.POSITIVE_INFINITY : nonNegative('count', options.count)
  }

  corruptFrames(options: CorruptFramesOptions): void {
    if (options.mode !== 'malformed' && options.mode !== 'truncated')
      throw new RangeError("mode must be 'malformed' or 'truncated'")
    const fraction = options.fraction ?? 1
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError('fraction must be between 0 and 1')
    this.state.corrupt = {
      mode: options.mode,
      fraction,
      remaining: options.count === undefined ? Number.POSITIVE_INFINITY : nonNegative('count', options.count),
    }
  }

  storm429(durationMs: number): void {
    this.state.stormUntil = this.clock.now() + nonNegative('durationMs', durationMs)
  }

  refuseConnections(durationMs: number): void {
    this.state.refuseUntil = this.clock.now() + nonNegative('durationMs', durationMs)
  }

  reorderTrades(count: number): void {
    this.state.reorderRemaining = nonNegative('count', count)
  }

  /** Whether this trade frame is to be held back behind the next one (and counts it). */
  takeReorder(): boolean {
    if (this.state.reorderRemaining <= 0) return false
    this.state.reorderRemaining--
    this.stats.faults.tradesReordered++
    return true
  }

  clear(): void {
    this.dropTimer?.()
    this.dropTimer = undefined
    Object.assign(this.state, emptyFaultState())
  }

  // ---------------------------------------------------------------- queries used by the servers

  /** Whether WebSocket output is suppressed now. */
  silent(): boolean {
    return this.state.silentUntil > this.clock.now()
  }

  /** Counts a frame not sent because of `silence`. */
  countSilenced(): void {
    this.stats.faults.framesSilenced++
  }

  /** Whether REST calls are stormed with 429 now. */
  storming(): boolean {
    return this.state.stormUntil > this.clock.now()
  }

  /** Whether new connections are refused now. */
  refusing(): boolean {
    return this.state.refuseUntil > this.clock.now()
  }

  /** Decides whether this REST call fails; returns the status or 0. */
  failStatusNow(): number {
    const s = this.state
    if (s.failFraction <= 0 || s.failRemaining <= 0 || s.failUntil <= this.clock.now()) return 0
    if (this.rng.next() >= s.failFraction) return 0
    s.failRemaining -= 1
    return s.failStatus
  }

  /** Applies frame corruption to one outgoing frame. */
  corrupt(frame: Buffer): Buffer {
    const c = this.state.corrupt
    if (!c || c.remaining <= 0) return frame
    if (c.fraction < 1 && this.rng.next() >= c.fraction) return frame
    c.remaining--
    this.stats.faults.framesCorrupted++
    if (c.mode === 'truncated') return frame.subarray(0, Math.max(1, frame.length >> 1))
    const copy = Buffer.from(frame)
    // break the JSON syntax while keeping the length: the first quote becomes a '#'
    const q = copy.indexOf(0x22)
    copy[Math.max(q, 0)] = 0x23
    return copy
  }

  /** Stops timers. */
  dispose(): void {
    this.dropTimer?.()
    this.dropTimer = undefined
  }
}
