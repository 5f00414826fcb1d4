import { AbortedError, InvalidRequestError, RateLimitError } from '@bb/errors'
import { type Observable, Subject } from 'rxjs'
import { type Clock, systemClock } from './clock.js'

/**
 * The budget of one rate-limit group, in units: a request costs one unit unless it declares
 * another cost ({@link AcquireOptions.cost}, e.g. Binance's request weight).
 */
export interface RateLimitGroupConfig {
  /** Units allowed per window (requests, when every request costs 1). */
  limit: number
  /** The window, in milliseconds (Upbit: 1,000; `order-cancel-all`: 2,000). */
  windowMs: number
  /** `ip` budgets are shared by every client of the process; `account` budgets are kept per access key. */
  scope?: 'ip' | 'account'
}

/**
 * The priority lane of a request inside its rate-limit group. `live` (snapshots, polling, order
 * and account reads) is always served before `bulk` (history paging), and `bulk` leaves
 * {@link RateLimiterOptions.liveReserve} slots of every window to `live`.
 */
export type Lane = 'live' | 'bulk'

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** The groups and their budgets, e.g. from `adapter.rest.rateLimits`. */
  groups: Readonly<Record<string, RateLimitGroupConfig>>
  /**
   * Extra time added to every window so that network jitter can never put more requests into
   * one server-side window than it accepts.
   * @default 30
   */
  safetyMarginMs?: number
  /** The exchange name used in errors. */
  exchange?: string
  /** Injectable time. @default systemClock */
  clock?: Clock
  /**
   * A fresh budget — one that has heard no rate-limit header from the exchange for
   * {@link RateLimiterOptions.freshAfterMs} — lets only this share of a group's limit go out per
   * window (rounded up, at least 1) until the exchange's `Remaining-Req` says how much is left.
   * Another client or process on the same IP may already be spending the window. `1` turns it off.
   * @default 0.5
   */
  initialFraction?: number
  /**
   * How long without any rate-limit header of a group until its budget counts as fresh again, ms.
   * @default 10 × the group's window
   */
  freshAfterMs?: number
  /**
   * Slots of every window that `bulk` requests leave to `live` ones (never the whole limit), so a
   * live request does not wait for a history download's burst. @default 1
   */
  liveReserve?: number
  /**
   * How long an acquired request that was not settled yet (no {@link RateLimiter.observe} or
   * {@link RateLimiter.release}) holds its slot, ms. A settled request's slot counts one window
   * from the moment it was settled, not from its grant: the exchange counts a request when it
   * arrives, which on a busy machine can be hundreds of ms after the grant, and its answer comes
   * after that arrival — so no arrival-time window ever sees more than `limit`, whatever the delay.
   * The REST client settles every request it sends and passes 30 s. @default the group's window
   * (a limiter used without settling behaves as a plain sliding log of grants)
   */
  inflightMs?: number
}

/** Something the limiter did: observable through {@link RateLimiter.events$}. */
export type RateLimiterEvent =
  | {
      type: 'wait'
      group: string
      /** The units the waiting request costs. */
      cost: number
      /** The lane the request waits in. */
      lane: Lane
      /** Expected wait, ms. */
      waitMs: number
      /** Requests of the group now waiting, both lanes. */
      queued: number
      /** Requests now waiting in this lane. */
      queuedInLane: number
    }
  | { type: 'corrected'; group: string; remaining: number; phantom: number }
  | { type: 'throttled'; group: string; retryAfterMs: number }
  | { type: 'blocked'; group: string; untilMs: number }

/** Counters of one group. */
export interface RateLimitGroupStats {
  /** Requests let through. */
  granted: number
  /** Units (the sum of the granted requests' costs) let through. */
  units: number
  /** Requests that had to wait for a slot. */
  waited: number
  /** Total time spent waiting, ms. */
  totalWaitMs: number
  /** 429 back-offs applied. */
  throttled: number
  /** 418 blocks applied. */
  blocked: number
  /** Slots taken by requests of other processes, learned from the exchange's headers. */
  corrected: number
  /** The same counters per lane, and the longest wait of each. */
  lanes: Record<Lane, RateLimitLaneStats>
}

/** Counters of one lane of one group. */
export interface RateLimitLaneStats {
  /** Requests let through. */
  granted: number
  /** Requests that had to wait for a slot. */
  waited: number
  /** Total time spent waiting, ms. */
  totalWaitMs: number
  /** The longest wait, ms. */
  maxWaitMs: number
}

/** Per-call options of {@link RateLimiter.acquire}. */
export interface AcquireOptions {
  /** Aborts the wait; the promise rejects with `AbortedError`. */
  signal?: AbortSignal
  /** The account (access key) for `account`-scoped groups. */
  key?: string
  /** The lane: `live` (the default) goes before `bulk`. */
  priority?: Lane
  /**
   * The units this request costs in its group (Binance: its request weight). A request waits
   * until its whole cost fits; one that costs more than the group's limit is refused with
   * `InvalidRequestError`. @default 1
   */
  cost?: number
}

/** Options of {@link RateLimiter.observe}. */
export interface ObserveOptions {
  /** The account (access key) for `account`-scoped groups. */
  key?: string
  /** The cost the answered request was acquired with. @default 1 */
  cost?: number
  /**
   * The units the exchange says it counted in its current window (Binance's
   * `X-MBX-USED-WEIGHT-1M`). When given, the limiter takes `limit − used` of its own configured
   * limit as the remaining budget (or `remaining`, whichever is smaller): the server's count is the
   * floor of the window's use.
   */
  used?: number
}

/**
 * A proactive rate limiter: a request waits until the exchange would accept it, so none is ever
 * refused. One limiter can be shared by several clients in one process (pass it as `limits`).
 */
export interface RateLimiter {
  /** Resolves when a request of `group` may be sent now (the slot is taken). */
  acquire(group: string, options?: AcquireOptions): Promise<void>
  /**
   * Corrects the budget from the exchange's own count (Upbit `Remaining-Req: …; sec=N`), given
   * with the response to one request acquired earlier: until a window has passed, at most
   * `remaining` more requests go out (less the ones still in flight).
   */
  observe(group: string, remaining: number, options?: ObserveOptions): void
  /**
   * Marks one acquired request as finished without a rate-limit header (network error, no
   * header). `answered: true` says the exchange did answer, just without a header: an exchange
   * that never reports its count cannot lift a fresh budget's start, so its answers do.
   */
  release(group: string, options?: { key?: string; answered?: boolean; cost?: number }): void
  /** Backs the group off after a 429: nothing of the group is sent for `retryAfterMs`. */
  throttle(group: string, retryAfterMs: number, options?: { key?: string }): void
  /**
   * Stops the group after a 418 until `untilMs` (epoch ms); `acquire` rejects with a banned
   * `RateLimitError` meanwhile (`retryAfterMs` left, `details.bannedUntil` the end), and nothing
   * of the group is sent.
   */
  block(group: string, untilMs: number, options?: { key?: string }): void
  /** Counters per group (all keys of account-scoped groups summed). */
  stats(): Readonly<Record<string, RateLimitGroupStats>>
  /** Every wait, correction, throttle and block. */
  readonly events$: Observable<RateLimiterEvent>
}

interface Waiter {
  lane: Lane
  cost: number
  resolve: () => void
  reject: (error: unknown) => void
  enqueuedAt: number
  cleanup: () => void
}

interface Bucket {
  group: string
  config: RateLimitGroupConfig
  /** When the settled requests of the window were settled (ascending). */
  grants: number[]
  /** The cost of each entry of `grants`. */
  grantCosts: number[]
  /** Units of `grants`. */
  grantUnits: number
  /** When the requests still unsettled were granted (ascending). */
  pending: number[]
  /** The cost of each entry of `pending`. */
  pendingCosts: number[]
  /** Units of `pending`. */
  pendingUnits: number
  queues: Record<Lane, Waiter[]>
  pausedUntil: number
  blockedUntil: number
  timer: unknown
  timerAt: number
  /** Units acquired whose response has not been observed or released yet. */
  inflight: number
  /** What the exchange said is left, less the grants since; valid until `serverUntil`. */
  serverRemaining: number
  /** Until when `serverRemaining` holds (one window after the response that told it). */
  serverUntil: number
  /** When the exchange last reported this budget, or answered without a header (`-Infinity`: never). */
  observedAt: number
}

/**
 * Creates a {@link RateLimiter}: a sliding-window log of units per group (and per account for
 * account-scoped groups). A request of cost `c` (1 unless it says otherwise) is granted only while
 * the units inside the last `windowMs + safetyMarginMs` plus `c` fit the `limit`; others queue in
 * FIFO order per lane (`live` before `bulk`; a heavy request at the head is not overtaken) and are
 * released exactly when enough units free up. A fresh budget starts at `initialFraction` of the
 * limit until the exchange's header reports the real count; a 429 pauses the group for its
 * `Retry-After`; a 418 stops it until the ban ends.
 *
 * @example
 * ```ts
 * import { createRateLimiter } from '@bb/rest'
 * const limiter = createRateLimiter({ groups: { ticker: { limit: 10, windowMs: 1000 } } })
 * for (let i = 0; i < 25; i++) await limiter.acquire('ticker') // never more than 10 in any ~1 s
 * console.log(limiter.stats().ticker?.waited)
 *
 * // Units: Binance's request weight, 6000 per minute; a depth of 5000 levels costs 250.
 * const weights = createRateLimiter({ groups: { weight: { limit: 6000, windowMs: 60_000 } } })
 * await weights.acquire('weight', { cost: 250 })
 * console.log(weights.stats().weight?.units) // 250
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const clock = options.clock ?? systemClock
  const margin = options.safetyMarginMs ?? 30
  const initialFraction = options.initialFraction ?? 0.5
  const liveReserve = options.liveReserve ?? 1
  const buckets = new Map<string, Bucket>()
  const stats = new Map<string, RateLimitGroupStats>()
  const events = new Subject<RateLimiterEvent>()
  const context = options.exchange ? { exchange: options.exchange } : {}

  const statsOf = (group: string): RateLimitGroupStats => {
    let entry = stats.get(group)
    if (!entry) {
      const lane = (): RateLimitLaneStats => ({ granted: 0, waited: 0, totalWaitMs: 0, maxWaitMs: 0 })
      entry = {
        granted: 0,
        units: 0,
        waited: 0,
        totalWaitMs: 0,
        throttled: 0,
        blocked: 0,
        corrected: 0,
        lanes: { live: lane(), bulk: lane() },
      }
      stats.set(group, entry)
    }
    return entry
  }

  const bucketOf = (group: string, key: string | undefined): Bucket => {
    const config = options.groups[group] ?? options.groups.default
    if (!config) throw new RangeError(`No rate-limit group "${group}" and no "default" group configured`)
    const id = config.scope === 'account' && key ? `${group}\u0000${key}` : group
    let bucket = buckets.get(id)
    if (!bucket) {
      bucket = {
        group,
        config,
        grants: [],
        grantCosts: [],
        grantUnits: 0,
        pending: [],
        pendingCosts: [],
        pendingUnits: 0,
        queues: { live: [], bulk: [] },
        pausedUntil: 0,
        blockedUntil: 0,
        timer: undefined,
        timerAt: 0,
        inflight: 0,
        serverRemaining: 0,
        serverUntil: 0,
        observedAt: Number.NEGATIVE_INFINITY,
      }
      buckets.set(id, bucket)
    }
    return bucket
  }

  const windowOf = (bucket: Bucket) => bucket.config.windowMs + margin
  const holdOf = (bucket: Bucket) => options.inflightMs ?? windowOf(bucket)
  const used = (bucket: Bucket) => bucket.grantUnits + bucket.pendingUnits

  const queued = (bucket: Bucket) => bucket.queues.live.length + bucket.queues.bulk.length

  // Slots bulk requests leave to live ones: never the whole limit.
  const reserveOf = (bucket: Bucket) => Math.max(0, Math.min(liveReserve, bucket.config.limit - 1))

  // How many grants the lane may have inside the sliding window now.
  const capOf = (bucket: Bucket, now: number, lane: Lane) => {
    const { limit, windowMs } = bucket.config
    const fresh = now - bucket.observedAt > (options.freshAfterMs ?? 10 * windowMs)
    let cap = fresh ? Math.max(1, Math.ceil(limit * initialFraction)) : limit
    if (lane === 'bulk') cap = Math.min(cap, limit - reserveOf(bucket))
    return cap
  }

  // The units the exchange's own count leaves to the lane, while that count holds.
  const serverLeft = (bucket: Bucket, lane: Lane) =>
    bucket.serverRemaining - (lane === 'bulk' ? reserveOf(bucket) : 0)

  // Room for a request of `cost` units of the lane now: in our own sliding log, and in the budget
  // the exchange reported. A request dearer than a fresh budget's cap goes alone (nothing else in
  // the window), so it is never stuck.
  const hasRoom = (bucket: Bucket, now: number, lane: Lane, cost: number) => {
    if (cost === 0) return true
    const u = used(bucket)
    const cap = capOf(bucket, now, lane)
    if (!(u + cost <= cap || (u === 0 && cost > cap))) return false
    return now >= bucket.serverUntil || serverLeft(bucket, lane) >= cost
  }

  // When the next request of the lane (of `cost` units) may go, if it may not go now.
  const nextFreeAt = (bucket: Bucket, now: number, lane: Lane, cost: number) => {
    let at = now
    const cap = capOf(bucket, now, lane)
    const u = used(bucket)
    // Units that must free first (all of them for a request dearer than the cap: it goes alone).
    const need = cost === 0 ? 0 : cost > cap ? u : u + cost - cap
    if (need > 0) {
      // Entries free in time order: settled ones a window after their settle, unsettled ones when
      // their hold ends (or earlier, when settled: settling drains again).
      const { grants, grantCosts, pending, pendingCosts } = bucket
      const window = windowOf(bucket)
      const hold = holdOf(bucket)
      let i = 0
      let j = 0
      let freed = 0
      let freeAt = now
      while (freed < need && (i < grants.length || j < pending.length)) {
        const g = i < grants.length ? grants[i]! + window : Number.POSITIVE_INFINITY
        const p = j < pending.length ? pending[j]! + hold : Number.POSITIVE_INFINITY
        if (g <= p) {
          freeAt = g
          freed += grantCosts[i]!
          i++
        } else {
          freeAt = p
          freed += pendingCosts[j]!
          j++
        }
      }
      at = Math.max(at, freeAt)
    }
    if (cost > 0 && now < bucket.serverUntil && serverLeft(bucket, lane) < cost)
      at = Math.max(at, bucket.serverUntil)
    return Math.max(at, bucket.pausedUntil)
  }

  // The earliest time a queued request may go.
  const nextDrainAt = (bucket: Bucket, now: number) => {
    const live = bucket.queues.live[0]
    if (live) return nextFreeAt(bucket, now, 'live', live.cost)
    return nextFreeAt(bucket, now, 'bulk', bucket.queues.bulk[0]?.cost ?? 1)
  }

  const take = (bucket: Bucket, now: number, lane: Lane, cost: number) => {
    bucket.pending.push(now)
    bucket.pendingCosts.push(cost)
    bucket.pendingUnits += cost
    bucket.inflight += cost
    if (now < bucket.serverUntil) bucket.serverRemaining -= cost
    const counters = statsOf(bucket.group)
    counters.granted++
    counters.units += cost
    counters.lanes[lane].granted++
  }

  const prune = (bucket: Bucket, now: number) => {
    const horizon = now - windowOf(bucket)
    let drop = 0
    while (drop < bucket.grants.length && bucket.grants[drop]! <= horizon) {
      bucket.grantUnits -= bucket.grantCosts[drop]!
      drop++
    }
    if (drop > 0) {
      bucket.grants.splice(0, drop)
      bucket.grantCosts.splice(0, drop)
    }
    const held = now - holdOf(bucket)
    drop = 0
    while (drop < bucket.pending.length && bucket.pending[drop]! <= held) {
      bucket.pendingUnits -= bucket.pendingCosts[drop]!
      drop++
    }
    if (drop > 0) {
      bucket.pending.splice(0, drop)
      bucket.pendingCosts.splice(0, drop)
    }
  }

  // One acquired request was answered or failed: its units now count a window from now (the
  // exchange saw it at the latest now). The oldest unsettled entry of the same cost moves (which
  // one of equal cost does not matter: they all count); of another cost only if none matches.
  const settle = (bucket: Bucket, now: number, cost: number) => {
    if (bucket.pending.length === 0) return
    let index = bucket.pendingCosts.indexOf(cost)
    if (index < 0) index = 0
    const moved = bucket.pendingCosts[index]!
    bucket.pending.splice(index, 1)
    bucket.pendingCosts.splice(index, 1)
    bucket.pendingUnits -= moved
    const last = bucket.grants.at(-1)
    bucket.grants.push(last !== undefined && last > now ? last : now)
    bucket.grantCosts.push(moved)
    bucket.grantUnits += moved
  }

  // Checks a request's declared cost: a typed error for one that can never be sent.
  const costOf = (bucket: Bucket, cost: number | undefined): number => {
    if (cost === undefined) return 1
    if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0)
      throw new InvalidRequestError({
        ...context,
        channel: 'rest',
        param: 'cost',
        message: `A request of group "${bucket.group}" declared cost ${String(cost)}; a cost is a finite number of units ≥ 0.`,
      })
    if (cost > bucket.config.limit)
      throw new InvalidRequestError({
        ...context,
        channel: 'rest',
        param: 'cost',
        message: `A request of group "${bucket.group}" costs ${cost} units but the group allows ${bucket.config.limit} per ${bucket.config.windowMs} ms: it could never be sent.`,
      })
    return cost
  }

  const bannedError = (bucket: Bucket, now: number) =>
    new RateLimitError({
      ...context,
      channel: 'rest',
      group: bucket.group,
      banned: true,
      retryAfterMs: Math.max(0, bucket.blockedUntil - now),
      details: { bannedUntil: bucket.blockedUntil },
      message: `Requests of group "${bucket.group}" are blocked by ${options.exchange ?? 'the exchange'} (HTTP 418) until ${new Date(bucket.blockedUntil).toISOString()} (another ${Math.max(0, bucket.blockedUntil - now)} ms); nothing of the group is sent until the block ends.`,
    })

  const schedule = (bucket: Bucket, at: number) => {
    if (bucket.timer !== undefined) {
      if (bucket.timerAt <= at) return
      clock.clearTimeout(bucket.timer)
    }
    bucket.timerAt = at
    bucket.timer = clock.setTimeout(
      () => {
        bucket.timer = undefined
        drain(bucket)
      },
      Math.max(0, at - clock.now()),
    )
  }

  const drain = (bucket: Bucket) => {
    const now = clock.now()
    if (bucket.blockedUntil > now) {
      for (const waiter of [...bucket.queues.live.splice(0), ...bucket.queues.bulk.splice(0)]) {
        waiter.cleanup()
        waiter.reject(bannedError(bucket, now))
      }
      return
    }
    prune(bucket, now)
    if (bucket.pausedUntil > now) {
      if (queued(bucket) > 0) schedule(bucket, bucket.pausedUntil)
      return
    }
    const counters = statsOf(bucket.group)
    const grant = (waiter: Waiter, lane: Lane) => {
      take(bucket, now, lane, waiter.cost)
      const waitMs = now - waiter.enqueuedAt
      if (waitMs > 0) {
        const laneCounters = counters.lanes[lane]
        counters.waited++
        counters.totalWaitMs += waitMs
        laneCounters.waited++
        laneCounters.totalWaitMs += waitMs
        laneCounters.maxWaitMs = Math.max(laneCounters.maxWaitMs, waitMs)
      }
      waiter.cleanup()
      waiter.resolve()
    }
    // Live first; bulk only while no live request waits.
    for (const lane of ['live', 'bulk'] as const) {
      const queue = bucket.queues[lane]
      if (lane === 'bulk' && bucket.queues.live.length > 0) break
      while (queue.length > 0 && hasRoom(bucket, now, lane, queue[0]!.cost)) grant(queue.shift()!, lane)
      backfill(bucket, now, lane, grant)
    }
    if (queued(bucket) > 0) schedule(bucket, nextDrainAt(bucket, now))
  }

  // The units free at time `at` (≥ now) with what is in the window now, if nothing else is taken.
  const freeAt = (bucket: Bucket, now: number, lane: Lane, at: number) => {
    const window = windowOf(bucket)
    const hold = holdOf(bucket)
    let freed = 0
    for (let i = 0; i < bucket.grants.length && bucket.grants[i]! + window <= at; i++)
      freed += bucket.grantCosts[i]!
    for (let j = 0; j < bucket.pending.length && bucket.pending[j]! + hold <= at; j++)
      freed += bucket.pendingCosts[j]!
    return capOf(bucket, now, lane) - used(bucket) + freed
  }

  // A heavy request at the head of a lane waits for its whole cost; lighter ones behind it go
  // first only with units it will not need when its turn comes (they still count then), so the
  // head is never delayed by them — a depth snapshot of weight 250 does not idle the budget.
  const backfill = (bucket: Bucket, now: number, lane: Lane, grant: (waiter: Waiter, lane: Lane) => void) => {
    const queue = bucket.queues[lane]
    const head = queue[0]
    if (!head || queue.length < 2 || head.cost > capOf(bucket, now, lane)) return
    let slack = freeAt(bucket, now, lane, nextFreeAt(bucket, now, lane, head.cost)) - head.cost
    for (let i = 1; i < queue.length; ) {
      const waiter = queue[i]!
      if (waiter.cost === 0 || (waiter.cost <= slack && hasRoom(bucket, now, lane, waiter.cost))) {
        queue.splice(i, 1)
        slack -= waiter.cost
        grant(waiter, lane)
      } else i++
    }
  }

  return {
    events$: events.asObservable(),

    acquire(group, acquireOptions = {}) {
      const bucket = bucketOf(group, acquireOptions.key)
      const signal = acquireOptions.signal
      const lane: Lane = acquireOptions.priority === 'bulk' ? 'bulk' : 'live'
      if (signal?.aborted) return Promise.reject(new AbortedError({ ...context, cause: signal.reason }))
      let cost: number
      try {
        cost = costOf(bucket, acquireOptions.cost)
      } catch (error) {
        return Promise.reject(error)
      }
      const now = clock.now()
      if (bucket.blockedUntil > now) return Promise.reject(bannedError(bucket, now))
      prune(bucket, now)
      // Fast path: room for the cost and nobody queued ahead (for bulk: in either lane).
      const ahead = lane === 'live' ? bucket.queues.live.length : queued(bucket)
      if (ahead === 0 && bucket.pausedUntil <= now && hasRoom(bucket, now, lane, cost)) {
        take(bucket, now, lane, cost)
        return Promise.resolve()
      }
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const queue = bucket.queues[lane]
          const index = queue.indexOf(waiter)
          if (index >= 0) queue.splice(index, 1)
          reject(new AbortedError({ ...context, cause: signal?.reason }))
        }
        const waiter: Waiter = {
          lane,
          cost,
          resolve,
          reject,
          enqueuedAt: now,
          cleanup: () => signal?.removeEventListener('abort', onAbort),
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        bucket.queues[lane].push(waiter)
        if (events.observed)
          events.next({
            type: 'wait',
            group,
            cost,
            lane,
            waitMs: Math.max(0, nextFreeAt(bucket, now, lane, cost) - now),
            queued: queued(bucket),
            queuedInLane: bucket.queues[lane].length,
          })
        drain(bucket)
      })
    },

    observe(group, reported, observeOptions = {}) {
      if (!Number.isFinite(reported) || reported < 0) return
      const bucket = bucketOf(group, observeOptions.key)
      const cost = observeOptions.cost ?? 1
      const serverUsed = observeOptions.used
      // The server's count of the window's use, against this limiter's own limit, wins when higher.
      const remaining =
        serverUsed !== undefined && Number.isFinite(serverUsed) && serverUsed >= 0
          ? Math.min(reported, Math.max(0, bucket.config.limit - serverUsed))
          : reported
      const now = clock.now()
      prune(bucket, now)
      settle(bucket, now, cost)
      bucket.inflight = Math.max(0, bucket.inflight - cost)
      // Requests still in flight may not have been counted yet: keep room for them.
      bucket.serverRemaining = remaining - bucket.inflight
      bucket.serverUntil = now + bucket.config.windowMs
      bucket.observedAt = now
      // Budget spent by someone else (another process on this IP or account), for the counters.
      const spentElsewhere = bucket.config.limit - remaining - used(bucket)
      if (spentElsewhere > 0) {
        statsOf(group).corrected += spentElsewhere
        events.next({ type: 'corrected', group, remaining, phantom: spentElsewhere })
      }
      // The exchange may have said more than a fresh budget allowed: look again now.
      if (queued(bucket) > 0) drain(bucket)
    },

    release(group, releaseOptions = {}) {
      const bucket = bucketOf(group, releaseOptions.key)
      const cost = releaseOptions.cost ?? 1
      const now = clock.now()
      prune(bucket, now)
      settle(bucket, now, cost)
      bucket.inflight = Math.max(0, bucket.inflight - cost)
      if (releaseOptions.answered) bucket.observedAt = now
      // Settling may free a slot earlier (or later) than the timer thought: look again.
      if (queued(bucket) > 0) drain(bucket)
    },

    throttle(group, retryAfterMs, throttleOptions = {}) {
      const bucket = bucketOf(group, throttleOptions.key)
      bucket.pausedUntil = Math.max(bucket.pausedUntil, clock.now() + retryAfterMs)
      statsOf(group).throttled++
      events.next({ type: 'throttled', group, retryAfterMs })
      if (queued(bucket) > 0) schedule(bucket, bucket.pausedUntil)
    },

    block(group, untilMs, blockOptions = {}) {
      const bucket = bucketOf(group, blockOptions.key)
      bucket.blockedUntil = Math.max(bucket.blockedUntil, untilMs)
      statsOf(group).blocked++
      events.next({ type: 'blocked', group, untilMs: bucket.blockedUntil })
      drain(bucket)
    },

    stats() {
      return Object.fromEntries(
        [...stats].map(([group, entry]) => [
          group,
          { ...entry, lanes: { live: { ...entry.lanes.live }, bulk: { ...entry.lanes.bulk } } },
        ]),
      )
    },
  }
}
