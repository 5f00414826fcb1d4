import {
  ConnectionClosedError,
  describeValue,
  InvalidRequestError,
  redactingLogger,
  toBackboneError,
  UnknownSymbolError,
} from '@bb/errors'
import type { AdapterRegistry, ExchangeAdapter } from '@bb/exchange-adapter'
import { parseCandleInterval, type Ticker } from '@bb/models'
import { createRestClient } from '@bb/rest'
import { createWsClient } from '@bb/ws'
import { Observable, Subject, type Subscription } from 'rxjs'
import {
  historyOption,
  latestOptions,
  optionsObject,
  positiveInteger,
  signalOption,
  symbolList,
  symbolString,
} from './args.js'
import { SnapshotRoutes } from './cache.js'
import { candleStream } from './candles.js'
import { type Clock, every as everyOn, systemClock } from './clock.js'
import type { BackboneContext } from './context.js'
import { defaultExchanges } from './defaults.js'
import { health$, wireHealth, wsValueRecorder } from './health.js'
import { toAsyncIterable } from './iterate.js'
import { latestStream } from './latest.js'
import { WsLink } from './link.js'
import { MarketDirectory } from './markets.js'
import { combineMetrics, createMemoryMetrics } from './metrics.js'
import { counted, mergeStreams, untilAborted } from './operators.js'
import { SmartChannelRouter } from './policy.js'
import { Promotions } from './promotion.js'
import { tradeStream } from './trades.js'
import type {
  BackboneEvent,
  BackboneOptions,
  MarketDataBackbone,
  PollIntervals,
  SnapshotOptions,
  StreamOptions,
} from './types.js'

export type {
  BackboneEvent,
  BackboneHealth,
  BackboneOptions,
  BackfillOptions,
  CandleStreamOptions,
  LatestStreamOptions,
  MarketDataBackbone,
  OrderbookResyncReason,
  PollIntervals,
  SnapshotOptions,
  StreamOptions,
} from './types.js'

/**
 * The adapter of `exchange` (an adapter object, or an id in `exchanges`; left out: the
 * registry's first exchange). Throws `InvalidRequestError` (param `exchange` or `exchanges`).
 */
function resolveExchange(exchange: unknown, exchanges: unknown): ExchangeAdapter {
  const registry = (exchanges ?? defaultExchanges) as AdapterRegistry
  if (registry === null || typeof registry !== 'object' || typeof registry.resolve !== 'function') {
    throw new InvalidRequestError({
      param: 'exchanges',
      message: `exchanges must be an adapter registry (createAdapterRegistry from @bb/exchange-adapter), got ${describeValue(exchanges)}.`,
    })
  }
  if (exchange === undefined) {
    const [first] = registry.ids
    if (first === undefined) {
      throw new InvalidRequestError({
        param: 'exchange',
        message:
          'No exchange given and the exchanges registry is empty: pass exchange (an adapter) or register one.',
      })
    }
    return registry.get(first)
  }
  return registry.resolve(exchange as string | ExchangeAdapter)
}

/**
 * Creates a {@link MarketDataBackbone}: snapshots routed between a live cache and REST, streams
 * over WebSocket that fail over to REST polling and back without losing or repeating trades,
 * symbols promoted to WebSocket subscriptions when asked for often, metrics and health.
 * The URLs default to the real exchange.
 *
 * @example
 * ```ts
 * import { createBackbone } from '@bb/router'
 * import { startSim } from '@bb/sim'
 *
 * const sim = await startSim({ port: 0 })
 * const backbone = createBackbone({ exchange: 'upbit', restUrl: sim.restUrl, wsUrl: sim.wsUrl })
 * const ticker = await backbone.getTicker('KRW-BTC')
 * console.log(ticker.last.toString(), ticker.source) // …, 'rest'
 * const sub = backbone.trades$('KRW-BTC').subscribe((t) => console.log(t.id, t.price.toString(), t.source))
 * setTimeout(async () => { sub.unsubscribe(); await backbone.close(); await sim.close() }, 5000)
 * ```
 */
export function createBackbone(options?: BackboneOptions): MarketDataBackbone {
  const opts = optionsObject('options', options)
  const adapter = resolveExchange(opts.exchange, opts.exchanges)
  const exchange = adapter.id
  /** How the exchange's market codes look, for the message of an unknown symbol. */
  const symbolHint = adapter.symbols?.format ? { hint: adapter.symbols.format } : {}
  const logger = redactingLogger(opts.logger)
  const memory = createMemoryMetrics()
  const metrics = opts.metrics ? combineMetrics(memory, opts.metrics) : memory
  const clock: Clock = opts.clock ?? systemClock
  const router =
    opts.policy instanceof SmartChannelRouter
      ? opts.policy
      : new SmartChannelRouter(opts.policy ?? {}, () => clock.now())
  const poll: PollIntervals = {
    ticker: 1000,
    trades: 1000,
    orderbook: 1000,
    candles: 2000,
    ...opts.pollIntervalMs,
  }
  for (const [name, ms] of Object.entries(poll)) positiveInteger(`pollIntervalMs.${name}`, ms)
  const holdDownMs = opts.switchbackHoldMs ?? 3000
  if (!(Number.isFinite(holdDownMs) && holdDownMs >= 0)) {
    throw new InvalidRequestError({
      param: 'switchbackHoldMs',
      message: `switchbackHoldMs must be a finite number >= 0, got ${describeValue(holdDownMs)}.`,
    })
  }
  const maxBackfillPages = positiveInteger('backfill.maxPages', opts.backfill?.maxPages) ?? 20
  const maxPageSize = adapter.capabilities.channels.trade.rest.maxCount ?? 500
  const backfillPageSize =
    positiveInteger('backfill.pageSize', opts.backfill?.pageSize, maxPageSize) ?? maxPageSize
  const reconcileMs = opts.tradeReconcileMs ?? 30_000
  if (reconcileMs !== 0) positiveInteger('tradeReconcileMs', reconcileMs)
  const rest = createRestClient({
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...opts.rest,
    adapter,
    ...(opts.restUrl ? { baseUrl: opts.restUrl } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    logger,
  })
  const ws = createWsClient({
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...opts.ws,
    adapter,
    ...(opts.wsUrl ? { url: opts.wsUrl } : {}),
    ...(opts.privateWsUrl ? { privateUrl: opts.privateWsUrl } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    logger,
  })
  const events = new Subject<BackboneEvent>()
  const streamCounts: Record<string, number> = {}
  const link = new WsLink(clock, holdDownMs)
  const markets = new MarketDirectory(() => rest.getMarkets(), clock)
  const timers = new Set<() => void>()
  let closed = false

  const reportError = (where: string) => (error: unknown) =>
    logger.error({ error: toBackboneError(error).shortMessage, where }, 'internal error (contained)')
  const ctx: BackboneContext = {
    adapter,
    rest,
    ws,
    link,
    metrics,
    logger,
    clock,
    poll,
    emit: (event) => {
      if (!closed) events.next(event)
    },
    every: (ms, fn) => {
      const stop = everyOn(clock, ms, fn, reportError('timer'))
      const remove = () => {
        stop()
        timers.delete(remove)
      }
      timers.add(remove)
      return remove
    },
    closed: () => closed,
    onWsValue: wsValueRecorder(metrics, link, router),
    reportError,
  }

  // ── the units, composed ─────────────────────────────────────────────────────────────────────
  const routes = new SnapshotRoutes(router, ctx, () => link.healthy && router.health('ws').state !== 'down')
  const promotions: Promotions = new Promotions(router, routes, ctx, (kind, symbol, onError) =>
    latestStream(ctx, routes, isPromoted, kind, [symbol], {}).subscribe({ error: onError }),
  )
  const isPromoted = (kind: 'ticker' | 'orderbook', symbol: string) => promotions.has(kind, symbol)
  const internal: Subscription[] = wireHealth(
    ctx,
    router,
    () => Object.values(streamCounts).some((n) => n > 0) || promotions.size > 0,
  )
  ctx.every(1000, () => promotions.demoteIdle())
  const trades = (symbol: string) =>
    tradeStream(ctx, { maxBackfillPages, pageSize: () => backfillPageSize, reconcileMs }, symbol)

  /**
   * The public face of every market stream: checks the arguments (synchronously, typed errors),
   * errors with `UnknownSymbolError` as soon as the market list shows a symbol is not listed,
   * completes on `signal`, and refuses after `close()`.
   */
  const guarded = <T>(
    kind: string,
    symbolsInput: unknown,
    optionsInput: StreamOptions | undefined,
    make: (symbols: string[]) => Observable<T>,
  ): Observable<T> => {
    const o = optionsObject('options', optionsInput)
    const signal = signalOption(o.signal)
    const symbols = symbolList(symbolsInput).map((s) => adapter.symbols.normalize(s))
    return counted(
      streamCounts,
      kind,
      new Observable<T>((subscriber) => {
        if (closed) {
          subscriber.error(
            new ConnectionClosedError({
              exchange,
              channel: 'ws',
              reason: 'the backbone is closed',
              retryable: false,
            }),
          )
          return
        }
        if (signal?.aborted) {
          subscriber.complete()
          return
        }
        const onAbort = () => subscriber.complete()
        signal?.addEventListener('abort', onAbort, { once: true })
        const inner = make(symbols).subscribe(subscriber)
        markets
          .unknown(symbols)
          .then((bad) => {
            if (bad && bad.length > 0)
              subscriber.error(new UnknownSymbolError({ symbol: bad.join(','), exchange, ...symbolHint }))
          })
          .catch(reportError('market check'))
        return () => {
          signal?.removeEventListener('abort', onAbort)
          inner.unsubscribe()
        }
      }),
    )
  }

  const symbolArg = (value: unknown): string => adapter.symbols.normalize(symbolString(value))

  const snapshotOptions = <T extends SnapshotOptions>(o: T | undefined): T => {
    const checked = optionsObject('options', o)
    signalOption(checked.signal)
    return checked
  }

  /** Runs a snapshot call; its synchronous argument errors become rejections. */
  const call = <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return fn()
    } catch (error) {
      return Promise.reject(toBackboneError(error))
    }
  }

  const backbone: MarketDataBackbone = {
    adapter,
    router,
    rest,
    ws,

    getMarkets: (o) => call(() => rest.getMarkets(snapshotOptions(o))),

    getTicker: (symbolInput, o) =>
      call(async () => {
        const symbol = symbolArg(symbolInput)
        const checked = snapshotOptions(o)
        const { decision, cached } = routes.route('ticker', symbol)
        if (cached) return cached
        const [ticker] = await rest.getTickers([symbol], checked)
        if (!ticker) throw new UnknownSymbolError({ symbol, exchange, ...symbolHint })
        // Promote only a symbol the exchange answered for (never an unknown one).
        if (decision.promote) promotions.promote('ticker', symbol)
        return ticker
      }),

    getTickers: (symbols, o) =>
      call(async () => {
        const normalized = symbolList(symbols).map((s) => adapter.symbols.normalize(s))
        const checked = snapshotOptions(o)
        const out = new Map<string, Ticker>()
        const missing: string[] = []
        const promoteAfter: string[] = []
        for (const symbol of normalized) {
          const { decision, cached } = routes.route('ticker', symbol)
          if (cached) out.set(symbol, cached)
          else {
            missing.push(symbol)
            if (decision.promote) promoteAfter.push(symbol)
          }
        }
        if (missing.length > 0)
          for (const t of await rest.getTickers(missing, checked)) out.set(t.marketId, t)
        for (const symbol of promoteAfter) if (out.has(symbol)) promotions.promote('ticker', symbol)
        return normalized.map((s) => out.get(s)).filter((t): t is Ticker => t !== undefined)
      }),

    getTrades: (symbolInput, o) =>
      call(() => {
        const symbol = symbolArg(symbolInput)
        const checked = snapshotOptions(o)
        ctx.emit({
          type: 'decision',
          request: { kind: 'trades', symbol },
          decision: router.decide({ kind: 'trades', symbol }, { live: false }),
        })
        return rest.getTrades(symbol, checked)
      }),

    getOrderbook: (symbolInput, o) =>
      call(async () => {
        const symbol = symbolArg(symbolInput)
        const checked = snapshotOptions(o)
        const depth = positiveInteger('depth', checked.depth)
        const { decision, cached } = routes.route('orderbook', symbol)
        if (cached && (depth === undefined || cached.bids.length >= depth)) {
          return depth === undefined
            ? cached
            : Object.freeze({
                ...cached,
                bids: cached.bids.slice(0, depth),
                asks: cached.asks.slice(0, depth),
              })
        }
        const [book] = await rest.getOrderbook([symbol], {
          ...(checked.signal ? { signal: checked.signal } : {}),
          ...(depth !== undefined ? { depth } : {}),
        })
        if (!book) throw new UnknownSymbolError({ symbol, exchange, ...symbolHint })
        if (decision.promote) promotions.promote('orderbook', symbol)
        return book
      }),

    getCandles: (symbolInput, interval, o) =>
      call(() => {
        const symbol = symbolArg(symbolInput)
        const parsed = parseCandleInterval(interval)
        ctx.emit({
          type: 'decision',
          request: { kind: 'candles', symbol },
          decision: router.decide({ kind: 'candles', symbol }, { live: false }),
        })
        return rest.getCandles(symbol, parsed, optionsObject('options', o))
      }),

    ticker$: (symbols, o) => {
      const checked = optionsObject('options', o)
      const latest = latestOptions(checked)
      return guarded('ticker', symbols, checked, (s) =>
        latestStream(ctx, routes, isPromoted, 'ticker', s, latest),
      ) as Observable<Ticker>
    },
    trades$: (symbols, o) => guarded('trades', symbols, o, (s) => mergeStreams(s.map((x) => trades(x)))),
    orderbook$: (symbols, o) => {
      const checked = optionsObject('options', o)
      const depth = positiveInteger('depth', checked.depth)
      const latest = latestOptions(checked)
      return guarded('orderbook', symbols, checked, (s) =>
        latestStream(ctx, routes, isPromoted, 'orderbook', s, {
          ...latest,
          ...(depth !== undefined ? { depth } : {}),
        }),
      ) as ReturnType<MarketDataBackbone['orderbook$']>
    },
    candles$: (symbol, interval, o) => {
      const checked = optionsObject('options', o)
      historyOption(checked.history)
      const parsed = parseCandleInterval(interval)
      if (typeof symbol !== 'string') symbolList(symbol) // typed error for a non-string
      return guarded('candles', symbol, checked, (s) => candleStream(ctx, trades, s[0]!, parsed, checked))
    },
    myOrders$: (symbols, o) => {
      const checked = optionsObject('options', o)
      const signal = signalOption(checked.signal)
      const source = symbols === undefined ? ws.myOrders$() : ws.myOrders$(symbolList(symbols))
      return counted(streamCounts, 'myOrders', signal ? untilAborted(source, signal) : source)
    },
    myAssets$: (o) => {
      const checked = optionsObject('options', o)
      const signal = signalOption(checked.signal)
      const source = ws.myAssets$()
      return counted(streamCounts, 'myAssets', signal ? untilAborted(source, signal) : source)
    },

    health$: health$(ctx, router, streamCounts),

    events$: events.asObservable(),

    streamTicker: (symbols, o) => toAsyncIterable(backbone.ticker$(symbols, o), iterableOptions('ticker', o)),
    streamTrades: (symbols, o) => toAsyncIterable(backbone.trades$(symbols, o), iterableOptions('trades', o)),
    streamOrderbook: (symbols, o) =>
      toAsyncIterable(backbone.orderbook$(symbols, o), iterableOptions('orderbook', o)),
    streamCandles: (symbol, interval, o) =>
      toAsyncIterable(backbone.candles$(symbol, interval, o), iterableOptions('candles', o)),

    explain: (request) => routes.explain(request),

    metrics: () => memory.snapshot(),

    async close() {
      if (closed) return
      closed = true
      for (const stop of [...timers]) stop()
      timers.clear()
      promotions.close()
      for (const subscription of internal) subscription.unsubscribe()
      events.complete()
      link.close()
      await ws.close()
      await rest.close()
    },
  }

  function iterableOptions<T extends { marketId: string }>(
    stream: string,
    o: (StreamOptions & { conflate?: 'latest' }) | undefined,
  ): Parameters<typeof toAsyncIterable<T>>[1] {
    const signal = o?.signal
    if (o?.conflate !== 'latest') return signal ? { signal } : {}
    return {
      ...(signal ? { signal } : {}),
      conflateBy: (value: T) => value.marketId,
      onConflate: () => metrics.increment('conflated_total', { stream }),
    }
  }

  return backbone
}
