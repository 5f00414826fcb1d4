import { createHash, randomUUID } from 'node:crypto'
import { AbortedError, describeValue, InvalidRequestError, RateLimitError, toBackboneError } from '@bb/errors'
import type { ExchangeAdapter } from '@bb/exchange-adapter'
import type {
  AcquireOptions,
  ObserveOptions,
  RateLimiter,
  RateLimiterEvent,
  RateLimitGroupConfig,
  RateLimitGroupStats,
  RateLimitLaneStats,
} from '@bb/rest'
import type { RedisClientType } from 'redis'
import { Subject } from 'rxjs'
import { connectRedis, scriptRunner } from './redis.js'

/** Options of {@link createRedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** `redis://host:port`: every process that names the same server shares the budget. */
  url: string
  /** The groups and budgets; `adapter` fills them from `adapter.rest.rateLimits`. */
  groups?: Readonly<Record<string, RateLimitGroupConfig>>
  /** The exchange adapter whose groups to use (when `groups` is not given). */
  adapter?: ExchangeAdapter
  /**
   * The public IP the processes leave through: IP-scoped groups are counted per egress. Two hosts
   * with two public IPs name two egresses and get two budgets. @default 'default'
   */
  egress?: string
  /** Extra time added to every window (network jitter: the exchange counts on arrival). @default 50 */
  safetyMarginMs?: number
  /** Key prefix. @default 'bb' */
  prefix?: string
  /** The exchange id in keys and errors. @default the adapter's id, or 'exchange' */
  exchange?: string
  /** First back-off after a 429, doubled per 429 in a row up to 30 s, ms. @default 1000 */
  throttleBaseMs?: number
  /**
   * How long a granted request counts as in flight (the slot held, whatever its grant time) when
   * its answer never comes back to this limiter (a process that died mid-request), ms.
   * @default 15000
   */
  inflightMs?: number
}

// Every entry's member ends in `#<cost>`: the units the request costs (Binance's request weight);
// a member without one (a process of an older version) counts 1.
const COST = `
local function cost(member)
  local c = string.match(member, '#(%d+)$')
  if c then return tonumber(c) end
  return 1
end
`
// Sliding log of units on the server's clock. KEYS: log, block. ARGV: limit, window ms, member
// (ending in #cost), in-flight ms, poll ms, cost. A granted request is logged as in flight (scored `now + in-flight ms`, so it holds
// its slot) until its answer re-stamps it with the answer's time (RESTAMP / OBSERVE): the
// exchange counts on arrival, and the answer comes after the arrival, so however late a request
// reached the exchange after its grant, its log entry is no earlier than its arrival. A request is
// granted when its cost fits on top of the units in the window; else it waits until the oldest
// entries whose units make room have left the window.
// → { 1, 0 } granted, or { 0, wait ms }.
const ACQUIRE = `${COST}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return { 0, blocked } end
local window = tonumber(ARGV[2])
local inflight = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local limit = tonumber(ARGV[1])
local need = tonumber(ARGV[6])
if need == 0 then return { 1, 0 } end
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do used = used + cost(entries[i]) end
if used + need <= limit then
  redis.call('ZADD', KEYS[1], now + inflight, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window * 2 + inflight)
  return { 1, 0 }
end
local freed = 0
for i = 1, #entries, 2 do
  freed = freed + cost(entries[i])
  if used - freed + need <= limit then
    local score = tonumber(entries[i + 1])
    -- The entry that makes room is still in flight: its answer will re-stamp it, poll for that.
    if score > now then return { 0, tonumber(ARGV[5]) } end
    local wait = score + window - now
    if wait < 1 then wait = 1 end
    return { 0, wait }
  end
end
return { 0, tonumber(ARGV[5]) }
`
// The answer to a granted request (or its failure) came back: its entry counts from now. KEYS:
// log. ARGV: member, window, in-flight ms.
const RESTAMP = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2 + tonumber(ARGV[3]))
return 1
`
// The exchange says `remaining` units are left in its window: re-stamp the answered request's
// entry (member ARGV[5], '' for none), then, if our log holds fewer than `limit − remaining`
// units, add one phantom entry of the difference now (only ever tighten). KEYS: log. ARGV:
// limit, window, remaining, member prefix, member, in-flight ms. → phantom units added.
const OBSERVE = `${COST}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
local ttl = window * 2 + tonumber(ARGV[6])
if ARGV[5] ~= '' then
  redis.call('ZADD', KEYS[1], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = tonumber(ARGV[1]) - tonumber(ARGV[3])
local entries = redis.call('ZRANGE', KEYS[1], 0, -1)
local count = 0
for i = 1, #entries do count = count + cost(entries[i]) end
local add = used - count
if add <= 0 then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4] .. '#' .. add)
redis.call('PEXPIRE', KEYS[1], ttl)
return add
`
// A 429 / 418: block the group for everyone. KEYS: block, streak. ARGV: ms (0 = doubling from
// base), base ms. → the block ms.
const BLOCK = `
local ms = tonumber(ARGV[1])
if ms <= 0 then
  local k = redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], 60000)
  ms = math.min(tonumber(ARGV[2]) * 2 ^ (k - 1), 30000)
end
local left = redis.call('PTTL', KEYS[1])
if left < ms then redis.call('SET', KEYS[1], '1', 'PX', math.floor(ms)) end
return math.floor(ms)
`

const lane = (): RateLimitLaneStats => ({ granted: 0, waited: 0, totalWaitMs: 0, maxWaitMs: 0 })

/** A {@link RateLimiter} whose budget lives in Redis; `close()` ends its connection. */
export interface RedisRateLimiter extends RateLimiter {
  /** Closes the connection. */
  close(): Promise<void>
}

/**
 * The shared REST budget: the same `RateLimiter` interface as `@bb/rest`'s in-process limiter, so
 * it drops into `createRestClient({ limits })` (or `createBackbone({ rest: { limits } })`), but the
 * sliding log of every group lives in Redis, on the server's clock, so every process (on every
 * host) spends one budget. The exchange's `Remaining-Req` answers only tighten it; a 429 (or 418)
 * pauses the group for every process at once.
 *
 * @example
 * ```ts
 * import { createRedisRateLimiter } from '@bb/bus'
 * import { upbit } from '@bb/upbit'
 * import { createRestClient } from '@bb/rest'
 *
 * const limits = await createRedisRateLimiter({ url: 'redis://127.0.0.1:6379', adapter: upbit })
 * const rest = createRestClient({ adapter: upbit, limits })
 * ```
 */
export async function createRedisRateLimiter(options: RedisRateLimiterOptions): Promise<RedisRateLimiter> {
  const groups = options.groups ?? (options.adapter ? groupsOf(options.adapter) : undefined)
  if (!groups || typeof groups !== 'object') {
    throw new InvalidRequestError({
      param: 'groups',
      message: `give groups or an adapter, got ${describeValue(options.groups)}.`,
    })
  }
  const margin = options.safetyMarginMs ?? 50
  const exchange = options.exchange ?? options.adapter?.id ?? 'exchange'
  const prefix = options.prefix ?? 'bb'
  const egress = options.egress ?? 'default'
  const throttleBase = options.throttleBaseMs ?? 1000
  const inflightMs = options.inflightMs ?? 15_000
  if (!Number.isInteger(inflightMs) || inflightMs < 1) {
    throw new InvalidRequestError({
      param: 'inflightMs',
      message: `inflightMs must be a positive integer, got ${describeValue(inflightMs)}.`,
    })
  }
  /** Poll interval while every slot that could free next is still in flight, ms. */
  const pollMs = 10
  const client = (await connectRedis(options.url)) as RedisClientType
  const acquireScript = scriptRunner(client, ACQUIRE)
  const observeScript = scriptRunner(client, OBSERVE)
  const restampScript = scriptRunner(client, RESTAMP)
  /** Per log key: this process's granted requests not answered yet, oldest first. */
  const inflight = new Map<string, string[]>()
  /**
   * The entry an answer re-stamps: the oldest of this process's unanswered grants of that log.
   * Answers can come back in another order than the grants; re-stamping the oldest keeps every
   * unanswered request's slot held and each answered one counted from an answer time.
   */
  const answered = (base: string, cost = 1): string | undefined => {
    const list = inflight.get(base)
    if (!list || cost === 0) return undefined
    // The oldest of the same cost (the answered request's own entry, or one just like it).
    const suffix = `#${cost}`
    let index = list.findIndex((m) => m.endsWith(suffix))
    if (index < 0) index = 0
    const [member] = list.splice(index, 1)
    if (list.length === 0) inflight.delete(base)
    return member
  }
  const blockScript = scriptRunner(client, BLOCK)
  const events = new Subject<RateLimiterEvent>()
  const stats = new Map<string, RateLimitGroupStats>()
  const statsOf = (group: string) => {
    let s = stats.get(group)
    if (!s) {
      s = {
        granted: 0,
        units: 0,
        waited: 0,
        totalWaitMs: 0,
        throttled: 0,
        blocked: 0,
        corrected: 0,
        lanes: { live: lane(), bulk: lane() },
      }
      stats.set(group, s)
    }
    return s
  }
  const configOf = (group: string): RateLimitGroupConfig => {
    const config = groups[group]
    if (!config) {
      throw new InvalidRequestError({
        param: 'group',
        message: `unknown rate-limit group ${describeValue(group)}: known are ${Object.keys(groups).join(', ')}.`,
      })
    }
    return config
  }
  const scope = (group: string, key: string | undefined) => {
    const config = configOf(group)
    // Account budgets are keyed by a hash of the access key, never the key.
    const who =
      config.scope === 'account'
        ? `pocket:${createHash('sha256')
            .update(key ?? '')
            .digest('hex')
            .slice(0, 16)}`
        : `ip:${egress}`
    return `${prefix}:{${exchange}}:rl:${who}:${group}`
  }

  return {
    async acquire(group: string, o: AcquireOptions = {}) {
      const config = configOf(group)
      const cost = o.cost ?? 1
      if (!Number.isInteger(cost) || cost < 0 || cost > config.limit)
        throw new InvalidRequestError({
          exchange,
          channel: 'rest',
          param: 'cost',
          message: `A request of group "${group}" declared cost ${describeValue(cost)}; the shared budget takes whole units from 0 to the group's limit (${config.limit} per ${config.windowMs} ms).`,
        })
      const base = scope(group, o.key)
      const priority = o.priority ?? 'live'
      const s = statsOf(group)
      let waitedMs = 0
      let busErrors = 0
      for (;;) {
        if (o.signal?.aborted) throw new AbortedError({ exchange, channel: 'rest', cause: o.signal.reason })
        let reply: unknown
        const member = `${randomUUID()}#${cost}`
        try {
          reply = await acquireScript(
            [base, `${base}:block`],
            [
              String(config.limit),
              String(config.windowMs + margin),
              member,
              String(inflightMs),
              String(pollMs),
              String(cost),
            ],
          )
        } catch (error) {
          // A slow or restarting Redis (node-redis times a command out after 5 s): try again a few
          // times; a lost reply can only have taken a slot, which tightens the budget, never loosens it.
          if (++busErrors > 3) throw toBackboneError(error, { exchange, channel: 'rest' })
          await new Promise((r) => setTimeout(r, 100 * busErrors))
          continue
        }
        const [granted, wait] = reply as [number, number]
        if (granted === 1) {
          if (cost > 0) {
            const list = inflight.get(base)
            if (list) list.push(member)
            else inflight.set(base, [member])
          }
          s.granted++
          s.units += cost
          s.lanes[priority].granted++
          if (waitedMs > 0) {
            s.waited++
            s.totalWaitMs += waitedMs
            s.lanes[priority].waited++
            s.lanes[priority].totalWaitMs += waitedMs
            s.lanes[priority].maxWaitMs = Math.max(s.lanes[priority].maxWaitMs, waitedMs)
          }
          return
        }
        // Sleep exactly until the slot frees (with a little jitter so processes do not collide).
        const ms = Number(wait) + Math.floor(Math.random() * 5)
        events.next({ type: 'wait', group, cost, lane: priority, waitMs: ms, queued: 1, queuedInLane: 1 })
        waitedMs += ms
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(done, ms)
          function done() {
            o.signal?.removeEventListener('abort', abort)
            resolve()
          }
          function abort() {
            clearTimeout(timer)
            reject(new AbortedError({ exchange, channel: 'rest', cause: o.signal?.reason }))
          }
          o.signal?.addEventListener('abort', abort, { once: true })
        })
      }
    },
    observe(group: string, reported: number, o: ObserveOptions = {}) {
      const config = groups[group]
      if (!config) return
      const base = scope(group, o.key)
      const member = answered(base, o.cost) ?? ''
      // The server's count of the window's use, against this budget's own limit, wins when higher.
      const remaining =
        o.used !== undefined && Number.isFinite(o.used) && o.used >= 0
          ? Math.min(reported, Math.max(0, config.limit - o.used))
          : reported
      if (!Number.isFinite(remaining)) {
        if (member)
          restampScript([base], [member, String(config.windowMs + margin), String(inflightMs)]).catch(
            () => {},
          )
        return
      }
      observeScript(
        [base],
        [
          String(config.limit),
          String(config.windowMs + margin),
          String(remaining),
          `p:${randomUUID()}`,
          member,
          String(inflightMs),
        ],
      ).then(
        (added) => {
          if (Number(added) > 0) {
            statsOf(group).corrected += Number(added)
            events.next({ type: 'corrected', group, remaining, phantom: Number(added) })
          }
        },
        () => {},
      )
    },
    release(group: string, o: { key?: string; cost?: number } = {}) {
      // The log counts sends, not answers: nothing to give back. The request's entry now counts
      // from this moment (it reached the exchange before, if at all).
      const config = groups[group]
      if (!config) return
      const base = scope(group, o.key)
      const member = answered(base, o.cost)
      if (member)
        restampScript([base], [member, String(config.windowMs + margin), String(inflightMs)]).catch(() => {})
    },
    throttle(group: string, retryAfterMs: number, o: { key?: string } = {}) {
      if (!groups[group]) return
      const base = scope(group, o.key)
      statsOf(group).throttled++
      blockScript(
        [`${base}:block`, `${base}:streak`],
        ['0', String(Math.max(throttleBase, retryAfterMs || 0))],
      ).then(
        (ms) => events.next({ type: 'throttled', group, retryAfterMs: Number(ms) }),
        () => {},
      )
    },
    block(group: string, untilMs: number, o: { key?: string } = {}) {
      if (!groups[group]) return
      const base = scope(group, o.key)
      statsOf(group).blocked++
      const ms = Math.max(1, Math.round(untilMs - Date.now()))
      blockScript([`${base}:block`, `${base}:streak`], [String(ms), String(throttleBase)]).then(
        () => events.next({ type: 'blocked', group, untilMs }),
        () => {},
      )
    },
    stats: () =>
      Object.fromEntries(
        [...stats].map(([g, s]) => [
          g,
          { ...s, lanes: { live: { ...s.lanes.live }, bulk: { ...s.lanes.bulk } } },
        ]),
      ),
    events$: events.asObservable(),
    async close() {
      events.complete()
      if (client.isOpen) client.destroy()
    },
  }
}

/** The groups of an adapter, as `@bb/rest`'s `limiterFor` reads them (the strictest window). */
function groupsOf(adapter: ExchangeAdapter): Record<string, RateLimitGroupConfig> {
  return Object.fromEntries(
    Object.entries(adapter.rest.rateLimits).map(([name, group]) => {
      const window = [...group.windows].sort((a, b) => a.limit / a.intervalMs - b.limit / b.intervalMs)[0]
      if (!window)
        throw new RateLimitError({ message: `rate-limit group ${name} has no window`, exchange: adapter.id })
      return [
        name,
        {
          limit: window.limit,
          windowMs: window.intervalMs,
          scope: group.scope === 'account' ? 'account' : 'ip',
        },
      ]
    }),
  )
}
