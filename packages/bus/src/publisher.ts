import { createHash, randomUUID } from 'node:crypto'
import { describeValue, InvalidRequestError, toBackboneError, UnknownSymbolError } from '@bb/errors'
import { compareIds, type Trade } from '@bb/models'
import type { MarketDataBackbone } from '@bb/router'
import { backgroundClock, type Clock } from '@bb/utils'
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs'
import { DemandPlan, minSpacing } from './demand.js'
import { BUS_CHANNELS, type BusChannel, type BusRecordInput, streamKey } from './envelope.js'
import type { BusTransport, LeaseToken } from './transport.js'

/** Options of {@link createPublisher}. */
export interface PublisherOptions {
  /** The bus to publish to. */
  transport: BusTransport
  /**
   * The local backbone (`createBackbone` of `@bb/router`): the only thing that talks to the
   * exchange. One per channel (`{ trade, ticker, orderbook }`) splits the channels over one
   * WebSocket connection each, which `bb serve` does.
   */
  backbone: MarketDataBackbone | Readonly<Partial<Record<BusChannel, MarketDataBackbone>>>
  /** The markets always published (demand adds more; may be empty when demand is on). */
  markets: readonly string[]
  /**
   * Consumers' demand drives the subscriptions too: the publisher polls the bus's live demand and
   * subscribes to `markets` ∪ demand, in batches debounced by `debounceMs` and spaced within the
   * exchange's WebSocket message limits, dropping a market `graceMs` after its last demand lapsed.
   * `false`: only `markets`. @default { pollMs: 500, debounceMs: 250, graceMs: 5000 }
   */
  demand?: false | { pollMs?: number; debounceMs?: number; graceMs?: number }
  /** The clock of the demand timers (poll, debounce, grace). @default the real clock */
  clock?: Clock
  /** The channels to publish. @default all: trade, ticker, orderbook */
  channels?: readonly BusChannel[]
  /** This instance's id (in the lease and the heartbeat). @default a random UUID */
  instance?: string
  /** The lease name: one leader per name. @default the exchange id */
  leaseName?: string
  /** Lease TTL the transport was configured with, ms (renewals run every third of it). @default 3000 */
  leaseTtlMs?: number
  /** How often a standby tries to take the lease, ms. @default 500 */
  retryMs?: number
  /** Heartbeat interval, ms. @default 1000 */
  heartbeatMs?: number
  /** REST pages read back per trade stream when taking over. @default 20 */
  backfillPages?: number
}

/** What a publisher is doing. */
export interface PublisherState {
  /** `standby` (waiting for the lease), `leader` (publishing) or `closed`. */
  readonly role: 'standby' | 'leader' | 'closed'
  /** The held lease's epoch (leader only). */
  readonly epoch: number | undefined
  /** Why the role last changed. */
  readonly reason: string
}

/** Counters of a publisher. */
export interface PublisherStats {
  /** Records appended. */
  published: number
  /** Records the bus refused as duplicates. */
  duplicates: number
  /** Times this instance's writes were fenced. */
  fenced: number
  /** Times this instance became leader. */
  leaderships: number
  /** Trades read back from REST when taking over. */
  backfilled: number
  /** Publish failures (bus errors). */
  errors: number
  /** Subscription changes applied because demand moved. */
  resubscribes: number
  /** Demanded streams refused (a market the exchange does not list). */
  refused: number
  /** Streams subscribed now (channel × market). */
  streams: number
}

/** A running publisher; see {@link createPublisher}. */
export interface Publisher {
  /** The instance id. */
  readonly instance: string
  /** Role changes. */
  readonly state$: Observable<PublisherState>
  /** The role now. */
  state(): PublisherState
  /** Counters. */
  stats(): Readonly<PublisherStats>
  /** Steps down (releasing the lease, so a standby takes over at once) and stops. */
  close(): Promise<void>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The dedup id of a latest-value model: its timestamp and a short hash of its content. */
function valueDid(body: string, timestamp: number): string {
  return `${timestamp}:${createHash('sha1').update(body).digest('hex').slice(0, 12)}`
}

/**
 * The publisher of `bb serve`: waits for the lease, then publishes the local backbone's trades,
 * tickers and books to the bus, each record fenced by the lease and deduplicated. On taking over
 * it reads each trade stream's tail from the bus and back-fills the trades after it from REST
 * (buffering live trades meanwhile), so a failover loses and repeats nothing. A refused write,
 * a failed renewal, or no renewal for a lease TTL → it steps down at once (stops publishing,
 * drops its streams) and becomes a standby again.
 *
 * @example
 * ```ts
 * import { createPublisher, redisTransport } from '@bb/bus'
 * import { createBackbone } from '@bb/router'
 * import { startSim } from '@bb/sim'
 *
 * const sim = await startSim({ markets: ['KRW-BTC'] })
 * const transport = await redisTransport({ url: 'redis://127.0.0.1:6379' })
 * const backbone = createBackbone({ exchange: 'upbit', restUrl: sim.restUrl, wsUrl: sim.wsUrl })
 * const publisher = createPublisher({ transport, backbone, markets: ['KRW-BTC'] })
 * publisher.state$.subscribe((s) => console.log(s.role, s.epoch))
 * ```
 */
export function createPublisher(options: PublisherOptions): Publisher {
  const { transport } = options
  const given = options.backbone as Partial<Record<BusChannel, MarketDataBackbone>> &
    Partial<MarketDataBackbone>
  const perChannel: Partial<Record<BusChannel, MarketDataBackbone>> =
    given && typeof given.trades$ === 'function'
      ? {
          trade: given as MarketDataBackbone,
          ticker: given as MarketDataBackbone,
          orderbook: given as MarketDataBackbone,
        }
      : (given ?? {})
  if (!transport || typeof transport.publish !== 'function') {
    throw new InvalidRequestError({
      param: 'transport',
      message: `transport must be a BusTransport, got ${describeValue(transport)}.`,
    })
  }
  const demandOn = options.demand !== false
  if (
    !Array.isArray(options.markets) ||
    (options.markets.length === 0 && !demandOn) ||
    options.markets.some((m) => typeof m !== 'string' || m === '')
  ) {
    throw new InvalidRequestError({
      param: 'markets',
      message: `markets must be a ${demandOn ? '' : 'non-empty '}list of market codes, got ${describeValue(options.markets)}.`,
    })
  }
  const demandSettings = options.demand === false ? {} : (options.demand ?? {})
  const pollMs = demandSettings.pollMs ?? 500
  const debounceMs = demandSettings.debounceMs ?? 250
  const graceMs = demandSettings.graceMs ?? 5000
  for (const [name, value] of Object.entries({ pollMs, debounceMs, graceMs })) {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidRequestError({
        param: `demand.${name}`,
        message: `demand.${name} must be a number of ms >= 0, got ${describeValue(value)}.`,
      })
    }
  }
  const clock = options.clock ?? backgroundClock
  const channels = options.channels ?? BUS_CHANNELS
  for (const channel of channels) {
    streamKey('x', channel, 'x')
    if (!perChannel[channel]) {
      throw new InvalidRequestError({
        param: 'backbone',
        message: `no backbone for channel ${describeValue(channel)}: give one backbone or one per channel.`,
      })
    }
  }
  const first = perChannel[channels[0]!]
  if (!first)
    throw new InvalidRequestError({
      param: 'channels',
      message: 'channels is an empty list: name at least one.',
    })
  const exchange = first.adapter.id
  // Streams are keyed by the exchange's native id, whatever form a market was given in
  // (`BTC/KRW` and `KRW-BTC` are one stream): a consumer and a publisher always meet.
  const native = (symbol: string) => first.adapter.symbols.normalize(symbol)
  const markets = [...new Set(options.markets.map(native))]
  const directory: MarketDataBackbone = first
  const instance = options.instance ?? randomUUID()
  const leaseName = options.leaseName ?? exchange
  const ttl = options.leaseTtlMs ?? 3000
  const retryMs = options.retryMs ?? 500
  const heartbeatMs = options.heartbeatMs ?? 1000
  const backfillPages = options.backfillPages ?? 20
  const state = new BehaviorSubject<PublisherState>({ role: 'standby', epoch: undefined, reason: 'started' })
  const stats: PublisherStats = {
    published: 0,
    duplicates: 0,
    fenced: 0,
    leaderships: 0,
    backfilled: 0,
    errors: 0,
    resubscribes: 0,
    refused: 0,
    streams: 0,
  }
  let closed = false
  let endCurrent: ((reason: string) => void) | undefined

  /** One term as leader: ends when the lease is lost or the publisher closes. */
  async function lead(lease: LeaseToken): Promise<string> {
    const since = Date.now()
    let lastRenewSent = performance.now()
    let ended: string | undefined
    let wake: () => void = () => {}
    const endedPromise = new Promise<void>((resolve) => {
      wake = resolve
    })
    const end = (reason: string) => {
      if (ended === undefined) {
        ended = reason
        wake()
      }
    }
    endCurrent = end
    let queue: BusRecordInput[] = []
    let flushing: Promise<void> | undefined
    const flush = async () => {
      while (queue.length > 0 && ended === undefined) {
        const batch = queue
        queue = []
        try {
          const results = await transport.publish(batch, lease)
          for (const r of results) {
            if (r.status === 'ok') stats.published++
            else if (r.status === 'dup') stats.duplicates++
          }
          if (results.some((r) => r.status === 'fenced')) {
            stats.fenced++
            end('fenced: another instance holds the lease')
          }
        } catch (error) {
          stats.errors++
          end(`bus error: ${toBackboneError(error).shortMessage}`)
        }
      }
      flushing = undefined
    }
    const enqueue = (records: BusRecordInput[]) => {
      if (ended !== undefined) return
      queue.push(...records)
      flushing ??= Promise.resolve().then(flush)
    }
    // Streams are keyed by the market code the publisher subscribed with (the native id).
    const tradeRecord =
      (symbol: string) =>
      (trade: Trade): BusRecordInput => ({
        key: streamKey(exchange, 'trade', symbol),
        did: trade.id,
        body: JSON.stringify(trade),
      })

    const renewer = setInterval(
      () => {
        if (performance.now() - lastRenewSent > ttl - Math.min(500, ttl / 4)) {
          // No good renewal for almost a TTL (paused, partitioned): another may hold it now.
          end('lease not renewed in time')
          return
        }
        const sent = performance.now()
        transport.renew(lease).then(
          (ok) => {
            if (ok) lastRenewSent = sent
            else end('lease lost')
          },
          () => {},
        )
      },
      Math.max(50, Math.floor(ttl / 3)),
    )
    const heartbeat = () =>
      transport
        .writeStatus(exchange, {
          owner: instance,
          epoch: lease.epoch,
          since,
          at: Date.now(),
          connected: true,
          published: stats.published,
        })
        .catch(() => {})
    const heartbeats = setInterval(heartbeat, heartbeatMs)
    void heartbeat()

    // One subscription per (channel, market), so that demand can add and drop markets one by one;
    // the router merges them into one subscription set per WebSocket connection.
    const active = new Map<string, Subscription>()
    let backfills: Promise<void> = Promise.resolve()
    let listed: Promise<Set<string> | undefined> | undefined
    /** The exchange's market codes (undefined when REST cannot say: nothing is refused then). */
    const listing = () => {
      listed ??= (directory.getMarkets() as Promise<{ symbol: string; marketId?: string }[]>).then(
        (markets) => new Set(markets.flatMap((m) => [m.symbol, ...(m.marketId ? [m.marketId] : [])])),
        () => {
          listed = undefined
          return undefined
        },
      )
      return listed
    }
    const refuse = (channel: BusChannel, symbol: string, reason: string) => {
      const id = `${channel}|${symbol}`
      if (plan.isRefused(id)) return
      stats.refused++
      plan.refuse(id)
      transport.refuse(streamKey(exchange, channel, symbol), reason).catch(() => {})
    }
    const failed = (channel: BusChannel, symbol: string, what: string) => (error: unknown) => {
      if (error instanceof UnknownSymbolError) refuse(channel, symbol, error.message)
      else end(`${what} stream failed: ${toBackboneError(error).shortMessage}`)
    }
    const startTrades = (symbol: string, backfill: boolean): Subscription => {
      // Live trades are buffered until the back-fill from the bus tail is published.
      const buffered: Trade[] = []
      let live = !backfill
      let firstLive: () => void = () => {}
      const started = new Promise<void>((resolve) => {
        firstLive = resolve
      })
      const subscription = perChannel.trade!.trades$([symbol]).subscribe({
        next: (trade) => {
          if (live) enqueue([tradeRecord(symbol)(trade)])
          else {
            buffered.push(trade)
            firstLive()
          }
        },
        error: failed('trade', symbol, 'trade'),
      })
      if (backfill) {
        backfills = backfills.then(async () => {
          if (ended !== undefined || subscription.closed) return
          try {
            // REST after the first live trade, so its newest page reaches into what the
            // WebSocket delivers: nothing falls between the two (a quiet market waits 3 s).
            await Promise.race([started, sleep(3000)])
            if (ended !== undefined || subscription.closed) return
            const tail = await transport.tail(streamKey(exchange, 'trade', symbol))
            if (tail) {
              const lastId = (JSON.parse(tail.record.body) as { id: string }).id
              const missing: Trade[] = []
              let cursor: string | undefined
              for (let page = 0; page < backfillPages; page++) {
                const trades = await perChannel.trade!.rest.getTrades(symbol, {
                  count: 500,
                  ...(cursor ? { cursor } : {}),
                })
                const newer = trades.filter((t) => compareIds(t.id, lastId) > 0)
                missing.push(...newer)
                if (trades.length === 0 || newer.length < trades.length) break
                cursor = trades.at(-1)?.id
              }
              missing.sort((a, b) => compareIds(a.id, b.id))
              stats.backfilled += missing.length
              enqueue(missing.map(tradeRecord(symbol)))
            }
            live = true
            enqueue(buffered.splice(0).map(tradeRecord(symbol)))
          } catch (error) {
            if (error instanceof UnknownSymbolError) refuse('trade', symbol, error.message)
            else end(`take-over failed: ${toBackboneError(error).shortMessage}`)
          }
        })
      }
      return subscription
    }
    const startLatest = (channel: 'ticker' | 'orderbook', symbol: string): Subscription => {
      const source =
        channel === 'ticker'
          ? perChannel.ticker!.ticker$([symbol])
          : perChannel.orderbook!.orderbook$([symbol])
      return (source as Observable<{ timestamp: number }>).subscribe({
        next: (value) => {
          const body = JSON.stringify(value)
          enqueue([{ key: streamKey(exchange, channel, symbol), did: valueDid(body, value.timestamp), body }])
        },
        error: failed(channel, symbol, channel === 'ticker' ? 'ticker' : 'order book'),
      })
    }
    let takeover = true
    const apply = (wanted: ReadonlySet<string>) => {
      if (ended !== undefined) return
      if (!takeover) stats.resubscribes++
      for (const [id, subscription] of active) {
        if (wanted.has(id)) continue
        subscription.unsubscribe()
        active.delete(id)
      }
      for (const id of wanted) {
        if (active.has(id)) continue
        const [channel, symbol] = id.split('|') as [BusChannel, string]
        // A market that demand added later has nothing on the bus to continue: no back-fill.
        active.set(id, channel === 'trade' ? startTrades(symbol, takeover) : startLatest(channel, symbol))
      }
      stats.streams = active.size
    }
    const spacing = Math.max(0, ...channels.map((c) => minSpacing(perChannel[c]!.adapter.ws.limits.messages)))
    const plan = new DemandPlan({
      clock,
      configured: channels.flatMap((c) => markets.map((m) => `${c}|${m}`)),
      debounceMs,
      graceMs,
      spacingMs: spacing,
      apply,
    })
    /** Live demand as plan keys: wanted channels only; unknown markets refused, not subscribed. */
    const liveDemand = async (): Promise<string[]> => {
      if (!demandOn) return []
      const demands = await transport.demands(exchange)
      const out = new Set<string>()
      let known: Set<string> | undefined
      for (const demand of demands) {
        if (!channels.includes(demand.channel)) continue
        let symbol: string
        try {
          symbol = native(demand.symbol)
        } catch (error) {
          refuse(demand.channel, demand.symbol, (error as Error).message)
          continue
        }
        const d = { channel: demand.channel, symbol }
        const id = `${d.channel}|${d.symbol}`
        if (out.has(id) || plan.isRefused(id)) {
          out.add(id)
          continue
        }
        known ??= await listing()
        if (known && !known.has(d.symbol)) {
          refuse(d.channel, d.symbol, `${d.symbol} is not listed on ${exchange}`)
        }
        out.add(id)
      }
      return [...out]
    }
    /** The live demand, or a failure after 5 s: a slow bus never stalls the term. */
    const boundedDemand = () =>
      new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('demand read timed out')), 5000)
        liveDemand().then(
          (live) => {
            clearTimeout(timer)
            resolve(live)
          },
          (error: unknown) => {
            clearTimeout(timer)
            reject(error)
          },
        )
      })
    let pollTimer: unknown
    const poll = () => {
      pollTimer = undefined
      if (ended !== undefined) return
      boundedDemand().then(
        (live) => {
          if (ended !== undefined) return
          plan.update(live)
          pollTimer = clock.setTimeout(poll, pollMs)
        },
        () => {
          // The bus is down for a moment: keep what is subscribed, ask again.
          if (ended === undefined) pollTimer = clock.setTimeout(poll, pollMs)
        },
      )
    }

    try {
      // Configured markets start at once; demand read at the start joins them in the same set.
      plan.start(await boundedDemand().catch(() => []))
      takeover = false
      if (demandOn) pollTimer = clock.setTimeout(poll, pollMs)
    } catch (error) {
      end(`take-over failed: ${toBackboneError(error).shortMessage}`)
    }
    await endedPromise
    clearInterval(renewer)
    clearInterval(heartbeats)
    plan.stop()
    if (pollTimer !== undefined) clock.clearTimeout(pollTimer)
    for (const s of active.values()) s.unsubscribe()
    active.clear()
    stats.streams = 0
    queue = []
    await flushing
    return ended ?? 'ended'
  }

  const loop = (async () => {
    while (!closed) {
      let lease: LeaseToken | undefined
      try {
        lease = await transport.acquire(leaseName, instance)
      } catch {
        lease = undefined
      }
      if (!lease) {
        await sleep(retryMs * (0.75 + Math.random() / 2))
        continue
      }
      if (closed) {
        await transport.release(lease).catch(() => {})
        break
      }
      stats.leaderships++
      state.next({ role: 'leader', epoch: lease.epoch, reason: 'lease acquired' })
      const reason = await lead(lease)
      endCurrent = undefined
      if (closed) {
        await transport.release(lease).catch(() => {})
        break
      }
      state.next({ role: 'standby', epoch: undefined, reason })
    }
  })()

  return {
    instance,
    state$: state.asObservable(),
    state: () => state.value,
    stats: () => ({ ...stats }),
    async close() {
      if (closed) return
      closed = true
      endCurrent?.('closed')
      await loop
      state.next({ role: 'closed', epoch: undefined, reason: 'closed' })
      state.complete()
    },
  }
}
