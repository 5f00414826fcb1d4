import { randomUUID } from 'node:crypto'
import { describeValue, InvalidRequestError, toBackboneError, UnknownSymbolError } from '@bb/errors'
import {
  compareIds,
  type OrderbookSnapshot,
  parseOrderbook,
  parseTicker,
  parseTrade,
  type Source,
  type Ticker,
  type Trade,
} from '@bb/models'
import {
  type BackboneEvent,
  type BackboneHealth,
  type BackboneOptions,
  createBackbone as createLocalBackbone,
  type LatestStreamOptions,
  type MarketDataBackbone,
  type StreamOptions,
  toAsyncIterable,
} from '@bb/router'
import { backgroundClock, type Clock } from '@bb/utils'
import { combineLatest, interval, map, merge, Observable, Subject, startWith, switchMap } from 'rxjs'
import { type BusChannel, type BusEntry, keyId, type StreamKey, streamKey } from './envelope.js'
import { registerRemote } from './history.js'
import { natsTransport } from './nats.js'
import { redisTransport } from './redis.js'
import type { BusStatus, BusTransport, TransportSettings } from './transport.js'

/** Options of {@link createRemoteBackbone}: those of `createBackbone` plus the bus. */
export interface RemoteBackboneOptions extends BackboneOptions {
  /** The bus: `redis://host:port`, `nats://host:port`, or a connected {@link BusTransport}. */
  bus: string | BusTransport
  /** Transport settings when `bus` is a URL (must match `bb serve`'s). */
  busOptions?: TransportSettings
  /**
   * `getTicker`/`getOrderbook` answer from the bus's latest value while its exchange timestamp is
   * younger than this, ms; otherwise from REST. @default 5000
   */
  staleMs?: number
  /** Trade ids remembered per stream for deduplication. @default 20000 */
  dedupSize?: number
  /**
   * Announce what this backbone streams, so that `bb serve` subscribes to markets it was not
   * started with (renewed every third of the transport's `demandTtlMs`, withdrawn on
   * unsubscribe). @default true
   */
  announce?: boolean
}

/** Connects the transport a bus URL names (`redis://…` or `nats://…`). */
export async function connectBus(url: string, settings: TransportSettings = {}): Promise<BusTransport> {
  if (typeof url === 'string' && /^rediss?:\/\//.test(url)) return redisTransport({ ...settings, url })
  if (typeof url === 'string' && /^nats:\/\//.test(url)) return natsTransport({ ...settings, url })
  throw new InvalidRequestError({
    param: 'bus',
    message: `bus must be a redis:// or nats:// URL, got ${describeValue(url)}.`,
  })
}

function checkedSymbols(symbols: unknown): string[] {
  const out = typeof symbols === 'string' ? [symbols] : Array.isArray(symbols) ? [...symbols] : undefined
  if (!out || out.length === 0 || out.some((s) => typeof s !== 'string' || s === '')) {
    throw new InvalidRequestError({
      param: 'symbols',
      message: `symbols must be a market code or a non-empty list of them, got ${describeValue(symbols)}.`,
    })
  }
  return out
}

const withSource = <T extends { source: Source }>(value: T, source: Source): T =>
  value.source === source ? value : Object.freeze({ ...value, source })

/**
 * A `MarketDataBackbone` that reads its streams from the bus `bb serve` publishes to, instead of
 * opening exchange WebSockets: the same public surface as `createBackbone`. Trades arrive
 * deduplicated by id; a gap on the bus (a consumer that fell behind the trim, a publisher whose
 * sequence jumped or restarted) is closed from REST and reported in `events$` (`gap`, then
 * `backfill`). Tickers and books start with the bus's latest value at once. `getTicker` and
 * `getOrderbook` answer from the latest value while fresh. `health$` shows the bus leader in
 * `link` (`up` while a leader's heartbeat is fresh). REST calls (history, snapshots, back-fills)
 * go through `rest.limits` — pass a shared budget (`createRedisRateLimiter`) so that every
 * process spends one budget.
 *
 * @example
 * ```ts
 * import { createRemoteBackbone } from '@bb/bus'
 *
 * const backbone = createRemoteBackbone({ exchange: 'upbit', bus: 'redis://127.0.0.1:6379' })
 * const sub = backbone.trades$('KRW-BTC').subscribe((t) => console.log(t.id, t.price.toString()))
 * setTimeout(async () => { sub.unsubscribe(); await backbone.close() }, 5000)
 * ```
 */
export function createRemoteBackbone(options: RemoteBackboneOptions): MarketDataBackbone {
  if (options === null || typeof options !== 'object') {
    throw new InvalidRequestError({
      param: 'options',
      message: `options must be an object, got ${describeValue(options)}.`,
    })
  }
  const {
    bus,
    busOptions,
    staleMs: staleOption,
    dedupSize: dedupOption,
    announce = true,
    ...localOptions
  } = options
  if (typeof bus !== 'string' && !(bus && typeof bus === 'object' && typeof bus.read === 'function')) {
    throw new InvalidRequestError({
      param: 'bus',
      message: `bus must be a redis:// or nats:// URL or a BusTransport, got ${describeValue(bus)}.`,
    })
  }
  if (typeof bus === 'string' && !/^(rediss?|nats):\/\//.test(bus)) {
    throw new InvalidRequestError({
      param: 'bus',
      message: `bus must be a redis:// or nats:// URL, got ${describeValue(bus)}.`,
    })
  }
  const staleMs = staleOption ?? 5000
  const dedupSize = dedupOption ?? 20_000
  const base = createLocalBackbone(localOptions)
  const exchange = base.adapter.id
  // Streams on the bus are keyed by the native id: `BTC/KRW` and `KRW-BTC` read the same stream.
  const symbolList = (symbols: unknown) =>
    checkedSymbols(symbols).map((s) => base.adapter.symbols.normalize(s))
  const owned = typeof bus === 'string'
  const transportReady: Promise<BusTransport> =
    typeof bus === 'string' ? connectBus(bus, busOptions) : Promise.resolve(bus)
  let transportSettled = false
  transportReady.then(
    () => {
      transportSettled = true
    },
    () => {
      transportSettled = true
    },
  )
  const events = new Subject<BackboneEvent>()
  const controllers = new Set<AbortController>()
  let closed = false
  const emit = (event: BackboneEvent) => {
    if (!closed) events.next(event)
  }

  // Demand: one registration per stream this backbone reads, shared by its subscribers.
  const consumer = randomUUID()
  const interest = new Map<
    string,
    { key: StreamKey; refs: number; refused: Set<(error: UnknownSymbolError) => void> }
  >()
  // Renewals run on the backbone's clock (`clock` option), never keeping the process alive.
  const clock: Clock = localOptions.clock ?? backgroundClock
  let renewTimer: unknown
  let renewing = false
  let renewAgain = false
  /** Registers every held stream in one call, reads refusals, and schedules the next renewal. */
  const renewDemand = async () => {
    if (renewing) {
      renewAgain = true
      return
    }
    renewing = true
    if (renewTimer !== undefined) clock.clearTimeout(renewTimer)
    renewTimer = undefined
    let ttl = 30_000
    try {
      do {
        renewAgain = false
        if (closed || interest.size === 0) break
        const transport = await transportReady
        ttl = transport.demandTtlMs
        const held = [...interest.values()]
        try {
          await transport.demand(
            consumer,
            held.map((h) => h.key),
          )
          const reasons = await Promise.all(held.map((h) => transport.refusal(h.key)))
          held.forEach((h, i) => {
            const reason = reasons[i]
            if (reason === undefined) return
            const error = new UnknownSymbolError({ symbol: h.key.symbol, exchange })
            for (const reject of h.refused) reject(error)
          })
        } catch {
          // The bus is away for a moment: the next renewal tries again (a registration outlives 3).
        }
      } while (renewAgain)
    } catch {
      // No bus at all: the streams themselves report it.
    } finally {
      renewing = false
    }
    if (!closed && interest.size > 0) {
      renewTimer = clock.setTimeout(() => void renewDemand(), Math.max(50, Math.floor(ttl / 3)))
    }
  }
  /** Holds the demand for `key` until `release`; `refused` rejects if the publisher refuses it. */
  const hold = (key: StreamKey) => {
    let entry = interest.get(keyId(key))
    if (!entry) {
      entry = { key, refs: 0, refused: new Set() }
      interest.set(keyId(key), entry)
    }
    entry.refs++
    const held = entry
    let reject: (error: UnknownSymbolError) => void = () => {}
    const refused = new Promise<never>((_, r) => {
      reject = r
    })
    refused.catch(() => {})
    held.refused.add(reject)
    // Subscribing to many symbols at once registers them in one renewal.
    queueMicrotask(() => void renewDemand())
    return {
      refused,
      release: () => {
        held.refused.delete(reject)
        if (--held.refs > 0) return
        interest.delete(keyId(key))
        transportReady.then((t) => t.withdraw(consumer, [key])).catch(() => {})
      },
    }
  }
  /** Runs `follow` while announcing demand for `key` (when `announce`); a refusal ends it with the error. */
  async function announced(key: StreamKey, follow: () => Promise<void>): Promise<void> {
    if (!announce) return follow()
    const held = hold(key)
    try {
      await Promise.race([follow(), held.refused])
    } finally {
      held.release()
    }
  }

  /** Runs `body` for each symbol until the subscriber unsubscribes or `signal` aborts. */
  function stream<T>(
    symbols: readonly string[],
    signal: AbortSignal | undefined,
    body: (symbol: string, signal: AbortSignal, next: (value: T) => void) => Promise<void>,
  ): Observable<T> {
    return new Observable<T>((subscriber) => {
      const controller = new AbortController()
      controllers.add(controller)
      const onAbort = () => {
        controller.abort()
        subscriber.complete()
      }
      if (signal?.aborted) onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      for (const symbol of symbols) {
        body(symbol, controller.signal, (value) => subscriber.next(value)).catch((error) => {
          if (!controller.signal.aborted) subscriber.error(toBackboneError(error, { exchange }))
        })
      }
      return () => {
        signal?.removeEventListener('abort', onAbort)
        controller.abort()
        controllers.delete(controller)
      }
    })
  }

  /** Trades after `fromId` and before `toId` (exclusive; `undefined`: up to the newest), ascending, from REST. */
  async function restTradesBetween(
    symbol: string,
    fromId: string,
    toId: string | undefined,
  ): Promise<Trade[]> {
    const out: Trade[] = []
    let cursor: string | undefined
    for (let page = 0; page < 20; page++) {
      const trades = await base.rest.getTrades(symbol, { count: 500, ...(cursor ? { cursor } : {}) })
      const newer = trades.filter((t) => compareIds(t.id, fromId) > 0)
      out.push(...newer.filter((t) => toId === undefined || compareIds(t.id, toId) < 0))
      if (trades.length === 0 || newer.length < trades.length) break
      cursor = trades.at(-1)?.id
    }
    return out.sort((a, b) => compareIds(a.id, b.id))
  }

  const followTrades = async (symbol: string, signal: AbortSignal, next: (trade: Trade) => void) => {
    const transport = await transportReady
    const key = streamKey(exchange, 'trade', symbol)
    const seen = new Set<string>()
    let lastPseq: number | undefined
    let maxEpoch = 0
    let lastId: string | undefined
    const deliver = (trade: Trade) => {
      if (seen.has(trade.id)) {
        options.metrics?.increment('duplicates_dropped_total')
        return
      }
      seen.add(trade.id)
      if (seen.size > dedupSize) seen.delete(seen.values().next().value as string)
      if (lastId === undefined || compareIds(trade.id, lastId) > 0) lastId = trade.id
      next(trade)
    }
    await announced(key, async () => {
      for await (const entry of transport.read(key, 'end', { signal })) {
        const record = entry.record
        if (record.epoch < maxEpoch) continue // a stale publisher's record (fenced on Redis; epoch-dropped on NATS)
        const trade = parseTrade(JSON.parse(record.body))
        if (lastPseq !== undefined && record.pseq !== lastPseq + 1 && lastId !== undefined) {
          // Entries were trimmed before we read them, or the bus lost its data: REST closes the gap.
          emit({ type: 'gap', stream: 'trades', symbol, reason: 'sequence' })
          options.metrics?.increment('gaps_total', { reason: 'sequence' })
          const missing = await restTradesBetween(symbol, lastId, trade.id)
          const fromId = lastId
          for (const t of missing) deliver(t)
          emit({ type: 'backfill', symbol, trades: missing.length, fromId })
          options.metrics?.increment('backfilled_trades_total', {}, missing.length)
        }
        lastPseq = record.pseq
        if (record.epoch > maxEpoch) maxEpoch = record.epoch
        deliver(trade)
      }
    })
  }

  const latestCache = new Map<string, { value: Ticker | OrderbookSnapshot }>()
  function followLatest<T extends Ticker | OrderbookSnapshot>(
    channel: BusChannel,
    parse: (input: unknown) => T,
  ) {
    return async (symbol: string, signal: AbortSignal, next: (value: T) => void) => {
      const transport = await transportReady
      const key: StreamKey = streamKey(exchange, channel, symbol)
      let maxEpoch = 0
      const take = (entry: BusEntry) => {
        if (entry.record.epoch < maxEpoch) return
        maxEpoch = entry.record.epoch
        const value = parse(JSON.parse(entry.record.body))
        latestCache.set(keyId(key), { value })
        next(value)
      }
      await announced(key, async () => {
        const first = (await transport.latest([key])).get(keyId(key))
        if (first) take(first)
        for await (const entry of transport.read(key, first?.cursor ?? 'start', { signal })) take(entry)
      })
    }
  }

  async function freshLatest<T extends Ticker | OrderbookSnapshot>(
    channel: BusChannel,
    symbol: string,
    parse: (input: unknown) => T,
  ) {
    const key = streamKey(exchange, channel, symbol)
    let value = latestCache.get(keyId(key))?.value as T | undefined
    if (!value || Date.now() - value.timestamp > staleMs) {
      const transport = await transportReady
      const entry = (await transport.latest([key])).get(keyId(key))
      value = entry ? parse(JSON.parse(entry.record.body)) : undefined
    }
    return value && Date.now() - value.timestamp <= staleMs ? withSource(value, 'cache') : undefined
  }

  const trim = (book: OrderbookSnapshot, depth: number | undefined) =>
    depth === undefined
      ? book
      : Object.freeze({ ...book, bids: book.bids.slice(0, depth), asks: book.asks.slice(0, depth) })

  const status$ = interval(1000).pipe(
    startWith(0),
    switchMap(async (): Promise<BusStatus | undefined> => {
      try {
        return await (await transportReady).readStatus(exchange)
      } catch {
        return undefined
      }
    }),
  )

  const remote: MarketDataBackbone = {
    adapter: base.adapter,
    router: base.router,
    rest: base.rest,
    ws: base.ws,
    getMarkets: (o) => base.getMarkets(o),
    getTicker: async (symbol, o) =>
      (await freshLatest('ticker', symbolList(symbol)[0]!, parseTicker)) ?? base.getTicker(symbol, o),
    getTickers: (symbols, o) => Promise.all(symbolList(symbols).map((s) => remote.getTicker(s, o))),
    getTrades: (symbol, o) => base.getTrades(symbol, o),
    getOrderbook: async (symbol, o) => {
      const book = await freshLatest('orderbook', symbolList(symbol)[0]!, parseOrderbook)
      return book ? trim(book, o?.depth) : base.getOrderbook(symbol, o)
    },
    getCandles: (symbol, intervalName, o) => base.getCandles(symbol, intervalName, o),
    ticker$: (symbols, o?: LatestStreamOptions) =>
      stream(symbolList(symbols), o?.signal, followLatest('ticker', parseTicker)),
    trades$: (symbols, o?: StreamOptions) => stream(symbolList(symbols), o?.signal, followTrades),
    orderbook$: (symbols, o?: LatestStreamOptions & { depth?: number }) =>
      stream(symbolList(symbols), o?.signal, followLatest('orderbook', parseOrderbook)).pipe(
        map((book) => trim(book, o?.depth)),
      ),
    candles$: (symbol, intervalName, o) => base.candles$(symbol, intervalName, o),
    myOrders$: (symbols, o) => base.myOrders$(symbols, o),
    myAssets$: (o) => base.myAssets$(o),
    health$: combineLatest([base.health$, status$]).pipe(
      map(([health, status]): BackboneHealth => {
        const fresh = status !== undefined && Date.now() - status.at < 5000
        return {
          ...health,
          wsConnected: fresh && status.connected,
          link: {
            state: fresh ? 'up' : 'down',
            reason: status
              ? `bus leader ${status.owner} (epoch ${status.epoch}), heartbeat ${Date.now() - status.at} ms ago`
              : 'no bus leader heartbeat',
            since: status?.since ?? 0,
            outages: health.link.outages,
          },
        }
      }),
    ),
    events$: merge(base.events$, events),
    streamTicker: (symbols, o) =>
      toAsyncIterable(remote.ticker$(symbols, o), o?.signal ? { signal: o.signal } : {}),
    streamTrades: (symbols, o) =>
      toAsyncIterable(remote.trades$(symbols, o), o?.signal ? { signal: o.signal } : {}),
    streamOrderbook: (symbols, o) =>
      toAsyncIterable(remote.orderbook$(symbols, o), o?.signal ? { signal: o.signal } : {}),
    streamCandles: (symbol, intervalName, o) => base.streamCandles(symbol, intervalName, o),
    explain: (request) => base.explain(request),
    metrics: () => base.metrics(),
    async close() {
      if (closed) return
      closed = true
      if (renewTimer !== undefined) clock.clearTimeout(renewTimer)
      for (const controller of controllers) controller.abort()
      controllers.clear()
      events.complete()
      // A bus that is still connecting is closed once it connects (or fails), not waited for.
      if (owned) {
        const closing = transportReady.then((t) => t.close()).catch(() => {})
        if (transportSettled) await closing
      }
      await base.close()
    },
  }
  registerRemote(remote, { exchange, transport: transportReady, backbone: base })
  return remote
}

/**
 * `createBackbone` with one more option: given `bus`, the remote backbone
 * ({@link createRemoteBackbone}); without it, `@bb/router`'s in-process backbone, unchanged.
 *
 * @example
 * ```ts
 * import { createBackbone } from '@bb/bus'
 * const backbone = createBackbone({ exchange: 'upbit', bus: 'redis://127.0.0.1:6379' })
 * await backbone.close()
 * ```
 */
export function createBackbone(
  options: BackboneOptions &
    Partial<Pick<RemoteBackboneOptions, 'bus' | 'busOptions' | 'staleMs' | 'dedupSize' | 'announce'>>,
): MarketDataBackbone {
  if (options && typeof options === 'object' && options.bus !== undefined)
    return createRemoteBackbone(options as RemoteBackboneOptions)
  return createLocalBackbone(options)
}
