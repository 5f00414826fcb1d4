import { describeValue, InvalidRequestError, toBackboneError } from '@bb/errors'
import type { AdapterRegistry, ExchangeAdapter } from '@bb/exchange-adapter'
import type { Candle, CandleInterval, Market, OrderbookSnapshot, Ticker, Trade } from '@bb/models'
import type { GetCandlesOptions } from '@bb/rest'
import { map, merge, type Observable } from 'rxjs'
import { optionsObject } from './args.js'
import { createBackbone } from './backbone.js'
import { defaultExchanges } from './defaults.js'
import type { MetricsSnapshot } from './metrics.js'
import type { RouteDecision, RouteRequest } from './policy.js'
import type {
  BackboneEvent,
  BackboneHealth,
  BackboneOptions,
  CandleStreamOptions,
  LatestStreamOptions,
  MarketDataBackbone,
  SnapshotOptions,
  StreamOptions,
} from './types.js'

/** The options of one exchange's backbone inside a {@link MultiBackbone} (everything but the exchange itself). */
export type ExchangeBackboneOptions = Omit<BackboneOptions, 'exchange' | 'exchanges'>

/** Options of {@link createMultiBackbone}. */
export interface MultiBackboneOptions {
  /**
   * The exchanges: a list of ids (looked up in `registry`) or adapters, each with `shared` options
   * only; or a record id → that exchange's own options (URLs, credentials, policy…), laid over
   * `shared`. The first is the default exchange unless `defaultExchange` names another.
   */
  exchanges: readonly (string | ExchangeAdapter)[] | Readonly<Record<string, ExchangeBackboneOptions>>
  /** The registry that turns an id into its adapter. @default the router's default registry */
  registry?: AdapterRegistry
  /** The exchange of every call that names none. @default the first of `exchanges` */
  defaultExchange?: string
  /** Options every exchange's backbone gets (a logger, a clock, metrics…), under its own. */
  shared?: ExchangeBackboneOptions
}

/** The per-call choice of exchange of a {@link MultiBackbone} method. */
export interface ExchangeOption {
  /** The exchange id (one of {@link MultiBackbone.exchanges}). @default the default exchange */
  exchange?: string
}

/** A value of a {@link MultiBackbone} stream that has no `exchange` field of its own, tagged with it. */
export interface FromExchange<T> {
  /** The exchange id. */
  exchange: string
  /** The value that exchange's backbone emitted. */
  value: T
}

/**
 * One API over several exchanges: one {@link MarketDataBackbone} per exchange — its own REST
 * client and rate budget, its own WebSocket connections, its own router and `health$` — behind
 * methods that take the exchange per call (`{ exchange: 'binance' }`) or use the default. Market
 * values carry the exchange id in their `exchange` field; symbols (unified `BTC/KRW` or native)
 * are resolved by the chosen exchange's adapter. Create it with {@link createMultiBackbone}.
 */
export interface MultiBackbone {
  /** The exchange ids, in the order given. */
  readonly exchanges: readonly string[]
  /** The exchange of calls that name none. */
  readonly defaultExchange: string
  /** The backbone of one exchange (every single-exchange method, escape hatches included). */
  backbone(exchange?: string): MarketDataBackbone
  /** The adapter of one exchange (symbol rules, fees). */
  adapter(exchange?: string): ExchangeAdapter
  /** All markets of one exchange (REST). */
  getMarkets(options?: SnapshotOptions & ExchangeOption): Promise<Market[]>
  /** One ticker of one exchange. */
  getTicker(symbol: string, options?: SnapshotOptions & ExchangeOption): Promise<Ticker>
  /** Several tickers of one exchange. */
  getTickers(symbols: readonly string[], options?: SnapshotOptions & ExchangeOption): Promise<Ticker[]>
  /** Recent trades of one exchange, newest first. */
  getTrades(symbol: string, options?: SnapshotOptions & { count?: number } & ExchangeOption): Promise<Trade[]>
  /** One order book of one exchange. */
  getOrderbook(
    symbol: string,
    options?: SnapshotOptions & { depth?: number } & ExchangeOption,
  ): Promise<OrderbookSnapshot>
  /** Candles of one exchange. */
  getCandles(
    symbol: string,
    interval: CandleInterval | string,
    options?: GetCandlesOptions & ExchangeOption,
  ): Promise<Candle[]>
  /** Live tickers of one exchange. */
  ticker$(
    symbols: string | readonly string[],
    options?: LatestStreamOptions & ExchangeOption,
  ): Observable<Ticker>
  /** Live trades of one exchange, exactly once. */
  trades$(symbols: string | readonly string[], options?: StreamOptions & ExchangeOption): Observable<Trade>
  /** Live order books of one exchange. */
  orderbook$(
    symbols: string | readonly string[],
    options?: LatestStreamOptions & { depth?: number } & ExchangeOption,
  ): Observable<OrderbookSnapshot>
  /** One candle series of one exchange. */
  candles$(
    symbol: string,
    interval: CandleInterval | string,
    options?: CandleStreamOptions & ExchangeOption,
  ): Observable<Candle>
  /** `for await` twin of {@link MultiBackbone.ticker$}. */
  streamTicker(
    symbols: string | readonly string[],
    options?: LatestStreamOptions & ExchangeOption,
  ): AsyncIterable<Ticker>
  /** `for await` twin of {@link MultiBackbone.trades$}. */
  streamTrades(
    symbols: string | readonly string[],
    options?: StreamOptions & ExchangeOption,
  ): AsyncIterable<Trade>
  /** `for await` twin of {@link MultiBackbone.orderbook$}. */
  streamOrderbook(
    symbols: string | readonly string[],
    options?: LatestStreamOptions & { depth?: number } & ExchangeOption,
  ): AsyncIterable<OrderbookSnapshot>
  /** `for await` twin of {@link MultiBackbone.candles$}. */
  streamCandles(
    symbol: string,
    interval: CandleInterval | string,
    options?: CandleStreamOptions & ExchangeOption,
  ): AsyncIterable<Candle>
  /**
   * Channel health of one exchange (its backbone's `health$`), or, without an exchange, of every
   * exchange merged, each value tagged with its exchange.
   */
  health$(exchange?: string): Observable<FromExchange<BackboneHealth>>
  /** Every exchange's debug events, tagged with the exchange. */
  readonly events$: Observable<FromExchange<BackboneEvent>>
  /** Where a request to one exchange would be answered from now. */
  explain(request: RouteRequest, options?: ExchangeOption): RouteDecision
  /** The built-in counters, per exchange. */
  metrics(): Record<string, MetricsSnapshot>
  /** Closes every exchange's backbone (all of them, even if one fails; then rejects with the first failure). */
  close(): Promise<void>
}

function isRegistry(value: unknown): value is AdapterRegistry {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as AdapterRegistry).resolve === 'function' &&
    Array.isArray((value as AdapterRegistry).ids)
  )
}

/** The `[adapter, own options]` of each entry of `exchanges`. */
function entriesOf(
  exchanges: unknown,
  registry: AdapterRegistry,
): [ExchangeAdapter, ExchangeBackboneOptions][] {
  if (Array.isArray(exchanges)) return exchanges.map((e) => [registry.resolve(e as string), {}])
  if (exchanges !== null && typeof exchanges === 'object') {
    return Object.entries(exchanges as Record<string, unknown>).map(([id, o]) => {
      const own = optionsObject(`exchanges.${id}`, o as ExchangeBackboneOptions)
      if ('exchange' in own || 'exchanges' in own) {
        throw new InvalidRequestError({
          param: `exchanges.${id}`,
          message: `exchanges.${id} must not set exchange or exchanges: the key names the exchange.`,
        })
      }
      return [registry.resolve(id), own]
    })
  }
  throw new InvalidRequestError({
    param: 'exchanges',
    message: `exchanges must be a list of exchange ids or a record id → options, got ${describeValue(exchanges)}.`,
  })
}

/**
 * Creates a {@link MultiBackbone}: one backbone per exchange (own rate budget, connections and
 * health), one API that takes the exchange per call. Throws `InvalidRequestError` for an unknown
 * exchange (the message names the known ones), an empty or repeated list, or bad options.
 * Single-exchange use stays `createBackbone()`.
 *
 * @example
 * ```ts
 * import { createMultiBackbone } from '@bb/router'
 * import { startSim } from '@bb/sim'
 *
 * const upbitSim = await startSim({ port: 0 })
 * const binanceSim = await startSim({ exchange: 'binance', port: 0 })
 * const bb = createMultiBackbone({
 *   exchanges: {
 *     upbit: { restUrl: upbitSim.restUrl, wsUrl: upbitSim.wsUrl },
 *     binance: { restUrl: binanceSim.restUrl, wsUrl: binanceSim.streamUrl },
 *   },
 * })
 * const krw = await bb.getTicker('BTC/KRW') // the default exchange (the first): upbit, KRW-BTC
 * const usdt = await bb.getTicker('BTC/USDT', { exchange: 'binance' }) // BTCUSDT
 * console.log(krw.exchange, krw.last.toString(), usdt.exchange, usdt.last.toString())
 * await bb.close()
 * await upbitSim.close()
 * await binanceSim.close()
 * ```
 */
export function createMultiBackbone(options: MultiBackboneOptions): MultiBackbone {
  const opts = optionsObject('options', options)
  const registry = opts.registry ?? defaultExchanges
  if (!isRegistry(registry)) {
    throw new InvalidRequestError({
      param: 'registry',
      message: `registry must be an adapter registry (createAdapterRegistry from @bb/exchange-adapter), got ${describeValue(opts.registry)}.`,
    })
  }
  const shared = optionsObject('shared', opts.shared)
  const entries = entriesOf(opts.exchanges, registry)
  if (entries.length === 0) {
    throw new InvalidRequestError({
      param: 'exchanges',
      message: `exchanges is empty: name at least one (known: ${registry.ids.join(', ')}).`,
    })
  }
  const ids = entries.map(([adapter]) => adapter.id)
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i)
  if (repeated !== undefined) {
    throw new InvalidRequestError({
      param: 'exchanges',
      message: `exchanges names ${repeated} twice: one backbone per exchange.`,
    })
  }
  const known = (): string => ids.join(', ')
  const defaultExchange = opts.defaultExchange ?? (ids[0] as string)
  if (!ids.includes(defaultExchange)) {
    throw new InvalidRequestError({
      param: 'defaultExchange',
      message: `defaultExchange ${describeValue(defaultExchange)} is not one of the exchanges (${known()}).`,
    })
  }

  const backbones = new Map<string, MarketDataBackbone>()
  try {
    for (const [adapter, own] of entries)
      backbones.set(adapter.id, createBackbone({ ...shared, ...own, exchange: adapter }))
  } catch (error) {
    for (const b of backbones.values()) void b.close()
    throw error
  }

  /** The backbone of `exchange` (left out: the default); throws `InvalidRequestError` naming the known ones. */
  const pick = (exchange: unknown): MarketDataBackbone => {
    const id = exchange === undefined ? defaultExchange : exchange
    const found = typeof id === 'string' ? backbones.get(id) : undefined
    if (!found) {
      throw new InvalidRequestError({
        param: 'exchange',
        message: `Unknown exchange ${describeValue(id)}: this backbone serves ${known()}.`,
      })
    }
    return found
  }

  /** Splits a call's options into its backbone and the options without `exchange`. */
  const split = <O extends ExchangeOption>(
    o: O | undefined,
  ): [MarketDataBackbone, Omit<O, 'exchange'> | undefined] => {
    if (o === undefined) return [pick(undefined), undefined]
    const { exchange, ...rest } = optionsObject('options', o)
    return [pick(exchange), rest]
  }

  /** A snapshot call: a bad exchange or bad options reject (never throw). */
  const snapshot = <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return fn()
    } catch (error) {
      return Promise.reject(toBackboneError(error))
    }
  }

  const tag =
    (exchange: string) =>
    <T>(value: T): FromExchange<T> => ({ exchange, value })

  const multi: MultiBackbone = {
    exchanges: Object.freeze([...ids]),
    defaultExchange,
    backbone: (exchange) => pick(exchange),
    adapter: (exchange) => pick(exchange).adapter,

    getMarkets: (o) =>
      snapshot(() => {
        const [b, rest] = split(o)
        return b.getMarkets(rest)
      }),
    getTicker: (symbol, o) =>
      snapshot(() => {
        const [b, rest] = split(o)
        return b.getTicker(symbol, rest)
      }),
    getTickers: (symbols, o) =>
      snapshot(() => {
        const [b, rest] = split(o)
        return b.getTickers(symbols, rest)
      }),
    getTrades: (symbol, o) =>
      snapshot(() => {
        const [b, rest] = split(o)
        return b.getTrades(symbol, rest)
      }),
    getOrderbook: (symbol, o) =>
      snapshot(() => {
        const [b, rest] = split(o)
        return b.getOrderbook(symbol, rest)
      }),
    getCandles: (symbol, interval, o) =>
      snapshot(() => {
        const [b, rest] = split(o)
        return b.getCandles(symbol, interval, rest)
      }),

    ticker$: (symbols, o) => {
      const [b, rest] = split(o)
      return b.ticker$(symbols, rest)
    },
    trades$: (symbols, o) => {
      const [b, rest] = split(o)
      return b.trades$(symbols, rest)
    },
    orderbook$: (symbols, o) => {
      const [b, rest] = split(o)
      return b.orderbook$(symbols, rest)
    },
    candles$: (symbol, interval, o) => {
      const [b, rest] = split(o)
      return b.candles$(symbol, interval, rest)
    },
    streamTicker: (symbols, o) => {
      const [b, rest] = split(o)
      return b.streamTicker(symbols, rest)
    },
    streamTrades: (symbols, o) => {
      const [b, rest] = split(o)
      return b.streamTrades(symbols, rest)
    },
    streamOrderbook: (symbols, o) => {
      const [b, rest] = split(o)
      return b.streamOrderbook(symbols, rest)
    },

    streamCandles: (symbol, interval, o) => {
      const [b, rest] = split(o)
      return b.streamCandles(symbol, interval, rest)
    },

    health$: (exchange) => {
      if (exchange !== undefined) {
        const b = pick(exchange)
        return b.health$.pipe(map(tag(b.adapter.id)))
      }
      return merge(...[...backbones].map(([id, b]) => b.health$.pipe(map(tag(id)))))
    },
    events$: merge(...[...backbones].map(([id, b]) => b.events$.pipe(map(tag(id))))),
    explain: (request, o) => split(o)[0].explain(request),
    metrics: () => Object.fromEntries([...backbones].map(([id, b]) => [id, b.metrics()])),

    async close() {
      const results = await Promise.allSettled([...backbones.values()].map((b) => b.close()))
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) throw toBackboneError(failed.reason)
    },
  }
  return multi
}
