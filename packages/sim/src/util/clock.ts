/**
 * The simulator's clock: real time scaled by `speed`, or manual when `speed` is 0.
 * `advance(ms)` moves it forward in either mode.
 */
export class SimClock {
  private baseSim: number
  private baseReal: number
  private speedValue: number

  constructor(
    startTime: number,
    speed: number,
    private readonly realNow: () => number = Date.now,
  ) {
    if (!(speed >= 0) || !Number.isFinite(speed)) throw new RangeError('speed must be a finite number >= 0')
    this.baseSim = startTime
    this.baseReal = realNow()
    this.speedValue = speed
  }

  /** Current simulated time (ms since epoch). */
  now(): number {
    if (this.speedValue === 0) return this.baseSim
    return Math.floor(this.baseSim + (this.realNow() - this.baseReal) * this.speedValue)
  }

  /** Current speed (0 = manual). */
  get speed(): number {
    return this.speedValue
  }

  /** Changes the speed from now on. */
  setSpeed(speed: number): void {
    if (!(speed >= 0) || !Number.isFinite(speed)) throw new RangeError('speed must be a finite number >= 0')
    this.baseSim = this.now()
    this.baseReal = this.realNow()
    this.speedValue = speed
  }

  /** Moves simulated time forward by `ms`. */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('advance(ms) needs a finite ms >= 0')
    this.baseSim = this.now() + ms
    this.baseReal = this.realNow()
  }
}
