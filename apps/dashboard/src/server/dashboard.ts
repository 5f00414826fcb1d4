import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InvalidRequestError, toBackboneError } from '@bb/errors'
import { type Candle, CandleIntervalSchema } from '@bb/models'
import { type BackboneHealth, createBackbone, type MarketDataBackbone } from '@bb/router'
import {
  type BacktestReport,
  backtest,
  createEngine,
  type Decision,
  DryRunExecutor,
  type Engine,
  type ExecutionEvent,
  LiveExecutor,
  liveConfirmationPhrase,
  maxCapitalAtRisk,
  OPERATOR_DEFINITIONS,
  reportToCsv,
  reportToJson,
  type Strategy,
  sevenRules,
  VARIABLE_DEFINITIONS,
  validateStrategy,
} from '@bb/rules'
import type { Sim, StartSimOptions } from '@bb/sim'
import { map, merge, type Subscription, tap } from 'rxjs'
import { z } from 'zod'
import { curves, ruleStats } from './backtests.js'
import { EventHub, type HubEvent } from './hub.js'
import { type Credentials, defaultKeyFile, listKeys, loadKey, PASSPHRASE_ENV } from './keys.js'
import { applyOrderbook, applyTicker, type MarketRow, type TapeTrade, tapeTrade } from './market.js'
import { RoutingExecutor } from './routing.js'

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** Port on 127.0.0.1; `0` picks a free one. @default 0 */
  readonly port?: number
  /** Markets shown and traded (dry-run). @default six KRW markets of the simulator */
  readonly symbols?: readonly string[]
  /** REST base URL of the exchange; with `wsUrl` it replaces the embedded simulator. */
  readonly restUrl?: string
  /** WebSocket URL of the exchange. */
  readonly wsUrl?: string
  /** Options of the embedded simulator (used when no `restUrl` is given). */
  readonly sim?: StartSimOptions
  /** The strategy run in dry-run. @default sevenRules() */
  readonly strategy?: Strategy
  /** Paper balance, in the markets' quote currency (the adapter's symbol rules tell it). @default '10000000' */
  readonly balance?: string
  /** Events the stream keeps for replay after a reconnect. @default 10000 */
  readonly replayBuffer?: number
  /** How often conflated market rows are pushed, ms (decisions, fills, trades, health: never conflated). @default 100 */
  readonly marketIntervalMs?: number
  /** A fixed access token (tests); a random one by default. */
  readonly token?: string
  /** The encrypted key file the Live page checks for trade keys. @default defaultKeyFile() */
  readonly keyFile?: string
  /** How long arming lasts, ms. @default 900000 (15 min) */
  readonly armForMs?: number
  /**
   * The passphrase of the key file, used once when arming to decrypt the trade keys (never
   * stored, logged or sent to the page). @default process.env.BB_KEYS_PASSPHRASE
   */
  readonly passphrase?: string
}

/** A running dashboard. */
export interface Dashboard {
  /** `http://127.0.0.1:port` */
  readonly origin: string
  /** The URL to open: the origin with the one-time token. */
  readonly url: string
  /** The embedded simulator, when one was started. */
  readonly sim: Sim | undefined
  /** The backbone the pages show. */
  readonly backbone: MarketDataBackbone
  /** The dry-run engine. */
  readonly engine: Engine
  /** The event log behind the stream. */
  readonly hub: EventHub
  /** Issues another one-time login URL (a second browser). */
  loginUrl(): string
  /** Closes every open stream connection (browsers reconnect with `Last-Event-ID`). */
  dropStreams(): number
  /** Stops the server, the engine's streams, the backbone and the simulator. */
  close(): Promise<void>
}

// The app's version, read once (package.json sits two levels above src/server and dist/server).
const version = await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8').then(
  (text) => (JSON.parse(text) as { version: string }).version,
  () => 'unknown',
)
const DEFAULT_SYMBOLS = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL', 'KRW-DOGE', 'KRW-ADA']
// The built UI (vite → dist/ui), found from src/server (tests) and dist/server (runtime) alike.
const UI_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url))
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
}

const PreviewBody = z
  .object({
    strategy: z.unknown(),
    symbol: z
      .string()
      .regex(/^[A-Z0-9]+-[A-Z0-9]+$/)
      .optional(),
    candles: z.number().int().min(100).max(5000).optional(),
  })
  .strict()
const BacktestBody = z
  .object({
    symbol: z
      .string()
      .regex(/^[A-Z0-9]+-[A-Z0-9]+$/)
      .optional(),
    candles: z.number().int().min(100).max(5000).optional(),
  })
  .strict()
const ArmBody = z.object({ phrase: z.string().max(200), amount: z.string().max(100) }).strict()
const SaveBody = z.object({ strategy: z.unknown() }).strict()

const SymbolQuery = z.string().regex(/^[A-Z0-9]+-[A-Z0-9]+$/, 'a market code such as KRW-BTC')

interface DecisionView {
  readonly decision: Decision
  fill?: { price: string; volume: string; fee: string; funds: string } | undefined
  rejected?: string | undefined
}

/**
 * The dashboard speaks native market codes (its rows, its API, its engine state): a model's
 * `symbol` is the unified `BASE/QUOTE`, so the engine is fed the native `marketId` in its place.
 */
const byMarketId = <T extends { readonly symbol: string; readonly marketId: string }>(value: T): T => ({
  ...value,
  symbol: value.marketId,
})

const decisionJson = (d: Decision) => ({
  ...d,
  order: d.order
    ? {
        ...d.order,
        price: d.order.price?.toString(),
        ...('volume' in d.order && d.order.volume ? { volume: d.order.volume.toString() } : {}),
        ...('amount' in d.order && d.order.amount
          ? { amount: { kind: d.order.amount.kind, value: d.order.amount.value.toString() } }
          : {}),
      }
    : undefined,
})

const executionJson = (e: ExecutionEvent) => {
  if (e.type === 'fill')
    return {
      type: 'fill',
      decisionId: e.decisionId,
      ruleId: e.ruleId,
      state: e.state,
      fill: {
        symbol: e.fill.symbol,
        side: e.fill.side,
        price: e.fill.price.toString(),
        volume: e.fill.volume.toString(),
        funds: e.fill.funds.toString(),
        fee: e.fill.fee.toString(),
        timestamp: e.fill.timestamp,
      },
    }
  if (e.type === 'rejected')
    return {
      type: 'rejected',
      decisionId: e.decisionId,
      ruleId: e.ruleId,
      symbol: e.symbol,
      message: e.error.shortMessage,
    }
  const c = e.cycle
  return {
    type: 'cycle',
    cycle: {
      ...c,
      invested: c.invested.toString(),
      proceeds: c.proceeds.toString(),
      pnl: c.pnl.toString(),
      fees: c.fees.toString(),
    },
  }
}

/** One stream's health as the Markets page shows it. */
interface StreamHealth {
  kind: string
  mode: 'ws' | 'rest'
  failovers: number
  backfilled: number
  lastMessageAt: number
  reason: string
}

/**
 * Starts the dashboard: the embedded simulator (unless `restUrl` is given), a backbone over it,
 * the strategy in dry-run, and an HTTP server on 127.0.0.1 serving the single-page UI, one SSE
 * stream per tab (`/api/stream`, ids strictly increasing, replay from `Last-Event-ID`) and REST
 * commands validated by zod. Access needs the one-time token of {@link Dashboard.url}, exchanged
 * for an HttpOnly SameSite=Strict cookie; non-GET requests must come from the same origin.
 */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidRequestError({
      param: 'port',
      channel: 'local',
      message: `"port" must be an integer from 0 to 65535 (got ${String(port)}).`,
    })
  const symbols = [...(options.symbols ?? DEFAULT_SYMBOLS)]
  for (const symbol of symbols)
    if (!SymbolQuery.safeParse(symbol).success)
      throw new InvalidRequestError({
        param: 'symbols',
        channel: 'local',
        message: `"symbols" must be market codes such as KRW-BTC (got ${JSON.stringify(symbol)}).`,
      })
  let sim: Sim | undefined
  if (!options.restUrl) {
    const { startSim } = await import('@bb/sim')
    sim = await startSim({ port: 0, seed: 42, markets: 12, tradesPerSecond: 1, ...options.sim })
  }
  const backbone = createBackbone({
    exchange: 'upbit',
    restUrl: options.restUrl ?? sim!.restUrl,
    wsUrl: options.wsUrl ?? sim?.wsUrl ?? 'wss://api.upbit.com/websocket/v1',
    pollIntervalMs: { ticker: 500, trades: 500, orderbook: 500 },
    ws: { reconnect: { initialDelayMs: 200, maxDelayMs: 2000 } },
  })
  const strategy = options.strategy ?? sevenRules()
  const balance = options.balance ?? '10000000'
  // Buys under the exchange's minimum order total are validation errors, pinned to the amount: the
  // strictest minimum of the markets traded here (the adapter's market rules).
  const minOrderTotal = symbols
    .map((symbol) => backbone.adapter.market.minOrderTotal(symbol))
    .reduce((a, b) => (b.greaterThan(a) ? b : a))
  const validate = (input: unknown) => validateStrategy(input, { minOrderTotal })
  // The quote currency of the traded markets, from the adapter's symbol rules: the paper balance,
  // the live executor's cap and the arming phrase are in it. One dashboard trades one quote.
  const quotes = [...new Set(symbols.map((symbol) => backbone.adapter.symbols.split(symbol).quote))]
  if (quotes.length !== 1)
    throw new InvalidRequestError({
      param: 'symbols',
      channel: 'local',
      message: `The dashboard's markets must share one quote currency (got ${quotes.join(', ')}).`,
    })
  const quote = quotes[0]!
  // What the paper executor charges and accepts, from the adapter's market rules (the portfolio
  // page states them): the highest taker fee of the markets and the strictest minimum total.
  const takerFee = symbols
    .map((symbol) => backbone.adapter.market.fees(symbol).taker)
    .reduce((a, b) => (b.greaterThan(a) ? b : a))
  const paperRules = {
    exchange: backbone.adapter.id,
    takerFeePercent: takerFee.times(100).toString(),
    minOrderTotal: minOrderTotal.toString(),
  }
  const paper = new DryRunExecutor({ exchange: backbone.adapter, balances: { [quote]: balance } })
  // One executor for the engine: paper by default, the exchange's private REST while armed.
  const executor = new RoutingExecutor(paper)
  const history: Candle[] = []
  for (const symbol of symbols)
    history.push(...(await backbone.getCandles(symbol, strategy.timeframe, { count: 200 })).map(byMarketId))
  const engine = createEngine({ strategy, exchange: backbone.adapter, executor, history })
  const hub = new EventHub(options.replayBuffer ?? 10_000)
  const rows = new Map<string, MarketRow>(symbols.map((s) => [s, { symbol: s }]))
  const tape: TapeTrade[] = []
  const decisions: DecisionView[] = []
  const decisionById = new Map<number, DecisionView>()
  const cycles: unknown[] = []
  const fills: unknown[] = []
  const portfolioBody = () => ({
    balances: paper.getBalances().map((b) => ({ currency: b.currency, free: b.free.toString() })),
    positions: symbols.flatMap((symbol) => {
      const state = stateJson(engine, symbol)
      return state ? [state] : []
    }),
  })
  const streams = new Map<string, StreamHealth>(
    ['ticker', 'trade', 'orderbook', 'candle'].map((kind) => [
      kind,
      { kind, mode: 'ws', failovers: 0, backfilled: 0, lastMessageAt: 0, reason: '' },
    ]),
  )
  let health: BackboneHealth | undefined
  let reconnects = 0
  const dirty = new Set<string>()

  const streamOf = (name: string) => {
    const key = name.startsWith('trade')
      ? 'trade'
      : name.startsWith('orderbook')
        ? 'orderbook'
        : name.startsWith('candle')
          ? 'candle'
          : 'ticker'
    return streams.get(key)!
  }
  const healthBody = () => ({
    link: health?.link,
    rest: health?.rest,
    ws: health?.ws,
    wsConnected: health?.wsConnected ?? false,
    reconnects,
    streams: [...streams.values()],
    routes: symbols.slice(0, 1).flatMap((symbol) =>
      (['ticker', 'orderbook', 'trades'] as const).map((kind) => ({
        kind,
        symbol,
        ...(({ channel, reason }) => ({ channel, reason }))(backbone.explain({ kind, symbol })),
      })),
    ),
    rateLimit: Object.entries(backbone.rest.stats().limiter).map(([group, s]) => ({
      group,
      granted: s.granted,
      waited: s.waited,
      throttled: s.throttled,
    })),
  })

  const subscriptions: Subscription[] = [
    backbone.ticker$(symbols).subscribe((t) => {
      applyTicker(rows.get(t.marketId)!, t)
      streams.get('ticker')!.lastMessageAt = t.receivedAt
      dirty.add(t.marketId)
    }),
    backbone.orderbook$(symbols, { depth: 1 }).subscribe((b) => {
      applyOrderbook(rows.get(b.marketId)!, b)
      streams.get('orderbook')!.lastMessageAt = b.receivedAt
      dirty.add(b.marketId)
    }),
    backbone.trades$(symbols).subscribe((trade) => {
      const t = tapeTrade(trade)
      tape.push(t)
      if (tape.length > 500) tape.shift()
      streams.get('trade')!.lastMessageAt = trade.receivedAt
      hub.publish('trade', t)
    }),
    backbone.health$.subscribe((h) => {
      health = h
      hub.publish('health', healthBody())
    }),
    backbone.events$.subscribe((event) => {
      if (event.type === 'failover' || event.type === 'switchback') {
        const s = streamOf(event.stream)
        s.mode = event.type === 'failover' ? 'rest' : 'ws'
        s.reason = event.reason
        if (event.type === 'failover') s.failovers++
        hub.publish('health', healthBody())
      } else if (event.type === 'backfill') {
        streams.get('trade')!.backfilled += event.trades
      } else if (event.type === 'link') {
        if (event.state === 'down') reconnects++
        hub.publish('link', { state: event.state, reason: event.reason })
      }
    }),
    engine.decisions$.subscribe((decision) => {
      const view: DecisionView = { decision }
      decisions.push(view)
      decisionById.set(decision.id, view)
      if (decisions.length > 10_000) decisionById.delete(decisions.shift()!.decision.id)
      hub.publish('decision', decisionJson(decision))
    }),
    engine.executions$.subscribe((event) => {
      const body = executionJson(event)
      if (event.type === 'fill') {
        const view = decisionById.get(event.decisionId)
        if (view) view.fill = (body as { fill: DecisionView['fill'] }).fill
      } else if (event.type === 'rejected') {
        const view = decisionById.get(event.decisionId)
        if (view) view.rejected = event.error.shortMessage
      } else cycles.push((body as { cycle: unknown }).cycle)
      hub.publish('execution', body)
      if (event.type === 'fill') {
        fills.push(body)
        if (fills.length > 10_000) fills.shift()
      }
      // After a fill, and again after a closing fill's cycle (the position is CLOSED by then).
      if (event.type !== 'rejected') hub.publish('portfolio', portfolioBody())
    }),
    engine
      .run({
        candles: merge(...symbols.map((s) => backbone.candles$(s, strategy.timeframe, { history: 0 }))).pipe(
          map(byMarketId),
          tap((candle) => {
            streams.get('candle')!.lastMessageAt = candle.receivedAt
            hub.publish('candle', {
              symbol: candle.marketId,
              interval: candle.interval,
              ...candleJson(candle),
            })
          }),
        ),
        trades: backbone.trades$(symbols).pipe(map(byMarketId)),
      })
      .subscribe({ error: () => {} }),
  ]
  const marketTimer = setInterval(() => {
    if (dirty.size === 0) return
    // `sentAt`: when the server sent the batch, for the page's tick → screen measurement.
    const sentAt = Date.now()
    hub.publish(
      'market',
      [...dirty].map((s) => ({ ...rows.get(s), sentAt })),
    )
    dirty.clear()
  }, options.marketIntervalMs ?? 100)

  // ── access: a one-time token in the URL becomes an HttpOnly session cookie ────────────────
  const loginTokens = new Set<string>()
  const sessions = new Set<string>()
  const newToken = () => {
    const token = randomBytes(18).toString('base64url')
    loginTokens.add(token)
    return token
  }
  const firstToken = options.token ?? newToken()
  if (options.token) loginTokens.add(options.token)
  const cookieOf = (req: IncomingMessage) =>
    /(?:^|;\s*)bb_session=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1]
  const authorized = (req: IncomingMessage) => {
    const value = cookieOf(req)
    if (!value) return false
    for (const session of sessions)
      if (session.length === value.length && timingSafeEqual(Buffer.from(session), Buffer.from(value)))
        return true
    return false
  }

  const streamsOpen = new Set<ServerResponse>()
  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    res.end(JSON.stringify(body))
  }
  const badRequest = (res: ServerResponse, message: string, issues: unknown[] = []) =>
    sendJson(res, 400, { code: 'invalid_request', message, issues })

  const snapshot = () => ({
    seq: hub.lastId,
    mode: executor.mode,
    symbols,
    quote,
    paperRules,
    strategy,
    saved,
    rows: [...rows.values()],
    tape: tape.slice(-100),
    health: healthBody(),
    decisions: decisions
      .slice(-200)
      .map((v) => ({ ...decisionJson(v.decision), fill: v.fill, rejected: v.rejected })),
    ...portfolioBody(),
    fills: fills.slice(-1000),
    cycles,
    maxCapitalAtRisk: maxCapitalAtRisk(strategy, {
      quoteBalance: balance,
      symbols: symbols.length,
      minOrderTotal,
    }).total.toString(),
  })

  const writeEvent = (res: ServerResponse, event: HubEvent) =>
    res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${event.data}\n\n`)

  const stream = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const header = req.headers['last-event-id']
    const since = Number(
      typeof header === 'string' && header !== '' ? header : (url.searchParams.get('since') ?? hub.lastId),
    )
    if (!Number.isInteger(since) || since < 0)
      return badRequest(
        res,
        `"Last-Event-ID" must be an event id (got ${JSON.stringify(header ?? url.searchParams.get('since'))}).`,
      )
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    })
    res.write('retry: 1000\n\n')
    // Listen first, then replay: an event published during the replay is queued, not lost.
    const queue: HubEvent[] = []
    let replaying = true
    let sent = since
    const send = (event: HubEvent) => {
      if (event.id <= sent) return
      sent = event.id
      writeEvent(res, event)
    }
    const stop = hub.listen((event) => (replaying ? queue.push(event) : send(event)))
    const replay = hub.since(since)
    if (replay.kind === 'resync') res.write(`event: resync\ndata: {"seq":${hub.lastId}}\n\n`)
    else for (const event of replay.events) send(event)
    for (const event of queue) send(event)
    replaying = false
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000)
    streamsOpen.add(res)
    res.on('close', () => {
      stop()
      clearInterval(heartbeat)
      streamsOpen.delete(res)
    })
  }

  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > 1_000_000) throw new Error('body too large')
      chunks.push(chunk as Buffer)
    }
    return chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'))
  }

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const path = url.pathname
    if (req.method === 'GET') {
      switch (path) {
        case '/api/stream':
          return stream(req, res, url)
        case '/api/snapshot':
          return sendJson(res, 200, { ...snapshot(), live: await liveBody() })
        case '/api/live':
          return sendJson(res, 200, await liveBody())
        case '/api/backtests':
          return sendJson(res, 200, { runs: runs.map((r) => r.summary) })
        case '/api/candles': {
          const symbol = SymbolQuery.safeParse(url.searchParams.get('symbol'))
          const interval = CandleIntervalSchema.safeParse(url.searchParams.get('interval') ?? '1m')
          const count = Number(url.searchParams.get('count') ?? 300)
          if (!symbol.success || !symbols.includes(symbol.data))
            return badRequest(
              res,
              `"symbol" must be one of ${symbols.join(', ')} (got ${JSON.stringify(url.searchParams.get('symbol'))}).`,
            )
          if (!interval.success)
            return badRequest(
              res,
              `"interval" must be a candle interval such as 1m (got ${JSON.stringify(url.searchParams.get('interval'))}).`,
            )
          if (!Number.isInteger(count) || count < 1 || count > 2000)
            return badRequest(
              res,
              `"count" must be an integer from 1 to 2000 (got ${JSON.stringify(url.searchParams.get('count'))}).`,
            )
          const candles = await backbone.getCandles(symbol.data, interval.data, { count })
          const last = candles.at(-1)
          return sendJson(res, 200, {
            symbol: symbol.data,
            interval: interval.data,
            source: last?.source ?? null,
            // The price grid at the last close, from the exchange adapter's market rules.
            tickSize: last ? backbone.adapter.market.tickSize(symbol.data, last.close).toString() : null,
            candles: candles.map(candleJson),
          })
        }
        case '/api/system':
          return sendJson(res, 200, {
            version,
            node: process.version,
            platform: `${process.platform} ${process.arch}`,
            startedAt,
            uptimeMs: Date.now() - startedAt,
            source: sim
              ? `embedded simulator at ${sim.restUrl} (seed ${sim.seed})`
              : `upbit at ${options.restUrl}`,
            keyFile,
            dataDirectory: dirname(keyFile),
            symbols,
            strategy: saved.name,
            replayBuffer: options.replayBuffer ?? 10_000,
            streamEvents: hub.lastId,
            marketIntervalMs: options.marketIntervalMs ?? 100,
          })
        case '/api/metrics':
          return sendJson(res, 200, backbone.metrics())
        case '/api/definitions':
          return sendJson(res, 200, {
            variables: VARIABLE_DEFINITIONS,
            operators: OPERATOR_DEFINITIONS,
            minOrderTotal: minOrderTotal.toString(),
          })
        case '/api/decisions': {
          const symbol = url.searchParams.get('symbol')
          const after = Number(url.searchParams.get('after') ?? 0)
          const limit = Math.min(Number(url.searchParams.get('limit') ?? 500), 2000)
          if (symbol !== null && !SymbolQuery.safeParse(symbol).success)
            return badRequest(
              res,
              `"symbol" must be a market code such as KRW-BTC (got ${JSON.stringify(symbol)}).`,
            )
          if (!Number.isInteger(after) || !Number.isInteger(limit) || limit < 1)
            return badRequest(res, '"after" and "limit" must be integers.')
          const list = decisions
            .filter((v) => v.decision.id > after && (symbol === null || v.decision.symbol === symbol))
            .slice(0, limit)
            .map((v) => ({ ...decisionJson(v.decision), fill: v.fill, rejected: v.rejected }))
          return sendJson(res, 200, { decisions: list, next: list.at(-1)?.id ?? after })
        }
        case '/api/inspect': {
          const parsed = SymbolQuery.safeParse(url.searchParams.get('symbol'))
          if (!parsed.success)
            return badRequest(
              res,
              `"symbol" must be a market code such as KRW-BTC (got ${JSON.stringify(url.searchParams.get('symbol'))}).`,
            )
          const inspection = engine.inspect(parsed.data)
          if (!inspection)
            return sendJson(res, 404, {
              code: 'unknown_symbol',
              message: `No strategy runs on ${parsed.data}.`,
              issues: [],
            })
          return sendJson(res, 200, { ...inspection, snapshot: stateJson(engine, parsed.data) })
        }
      }
      const exported = /^\/api\/backtests\/(\d+)\.(csv|json)$/.exec(path)
      if (exported) {
        const run = runs.find((r) => r.summary.id === Number(exported[1]))
        if (!run)
          return sendJson(res, 404, {
            code: 'not_found',
            message: `No backtest run ${exported[1]}.`,
            issues: [],
          })
        res.writeHead(200, {
          'content-type':
            exported[2] === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
          'content-disposition': `attachment; filename="backtest-${exported[1]}.${exported[2]}"`,
        })
        return res.end(exported[2] === 'csv' ? reportToCsv(run.report, 'trades') : reportToJson(run.report))
      }
      return sendJson(res, 404, { code: 'not_found', message: `No route GET ${path}.`, issues: [] })
    }
    // Commands: same origin only (blocks other local pages and DNS rebinding).
    const origin = req.headers.origin
    if (origin !== undefined && origin !== selfOrigin)
      return sendJson(res, 403, {
        code: 'forbidden_origin',
        message: `Origin ${origin} may not send commands.`,
        issues: [],
      })
    let body: unknown
    try {
      body = await readBody(req)
    } catch {
      return badRequest(res, 'The body must be JSON.')
    }
    switch (path) {
      case '/api/preview':
        return preview(res, body)
      case '/api/strategies':
        return save(res, body)
      case '/api/backtests':
        return runBacktest(res, body)
      case '/api/live/arm':
        return arm(res, body)
      case '/api/live/disarm':
        return disarm(res)
      case '/api/stop-all':
        return stopAll(res)
    }
    return sendJson(res, 404, { code: 'not_found', message: `No route ${req.method} ${path}.`, issues: [] })
  }

  // ── strategies: validate, save (the version previews are compared with), preview ──────────
  let saved: Strategy = strategy
  const candleCache = new Map<string, Promise<Candle[]>>()
  const recentCandles = (symbol: string, count: number) => {
    const key = `${symbol}|${count}`
    let cached = candleCache.get(key)
    if (!cached) {
      cached = backbone.getCandles(symbol, '1m', { count })
      cached.catch(() => candleCache.delete(key))
      candleCache.set(key, cached)
    }
    return cached
  }
  const previewSummary = async (rules: Strategy, symbol: string, count: number, signal: AbortSignal) => {
    const candles = await recentCandles(symbol, count)
    const started = performance.now()
    const report = await backtest({
      exchange: backbone.adapter,
      candles,
      rules,
      initialBalance: balance,
      warmUp: 30,
      signal,
    })
    return {
      ms: performance.now() - started,
      candles: report.candles,
      trades: report.trades.length,
      cycles: report.cycles.length,
      pnl: report.pnl.toString(),
      pnlPct: report.pnlPct,
      maxDrawdownPct: report.maxDrawdownPct,
      winRate: report.winRate ?? null,
      firings: report.firings,
      markers: report.decisions.map((dec) => ({
        id: dec.id,
        time: dec.timestamp,
        rule: dec.rule.id,
        kind: dec.kind,
      })),
    }
  }
  // The saved version's backtest per market and length, until the next save: a preview runs one
  // backtest, not two. Computed on the first preview that needs it (never at start-up: warming it
  // over REST there would show `rest` badges before the WebSocket is up).
  const savedCache = new Map<string, Promise<Awaited<ReturnType<typeof previewSummary>>>>()
  const savedSummary = (symbol: string, count: number) => {
    const key = `${symbol}|${count}`
    let cached = savedCache.get(key)
    if (!cached) {
      cached = previewSummary(saved, symbol, count, new AbortController().signal)
      cached.catch(() => savedCache.delete(key))
      savedCache.set(key, cached)
    }
    return cached
  }
  const strategyIssues = (input: unknown) => {
    const result = validate(input)
    return result.success
      ? { strategy: result.strategy, warnings: result.warnings }
      : { errors: result.errors, warnings: result.warnings }
  }
  const preview = async (res: ServerResponse, body: unknown) => {
    const parsed = PreviewBody.safeParse(body)
    if (!parsed.success)
      return badRequest(
        res,
        `Bad preview request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}.`,
      )
    const checked = strategyIssues(parsed.data.strategy)
    if (!checked.strategy)
      return sendJson(res, 422, {
        code: 'invalid_strategy',
        message: 'The strategy has errors.',
        issues: checked.errors,
      })
    const controller = new AbortController()
    res.on('close', () => controller.abort())
    const symbol = parsed.data.symbol ?? symbols[0]!
    const count = parsed.data.candles ?? 2000
    const [current, base] = await Promise.all([
      previewSummary(checked.strategy, symbol, count, controller.signal),
      savedSummary(symbol, count),
    ])
    return sendJson(res, 200, {
      symbol,
      preview: current,
      saved: { ...base, markers: undefined },
      diff: { trades: current.trades - base.trades, pnlPct: current.pnlPct - base.pnlPct },
      warnings: checked.warnings,
    })
  }
  const save = (res: ServerResponse, body: unknown) => {
    const parsed = SaveBody.safeParse(body)
    if (!parsed.success) return badRequest(res, 'Bad request: the body must be { strategy }.')
    const checked = strategyIssues(parsed.data.strategy)
    if (!checked.strategy)
      return sendJson(res, 422, {
        code: 'invalid_strategy',
        message: 'The strategy has errors.',
        issues: checked.errors,
      })
    saved = checked.strategy
    savedCache.clear()
    return sendJson(res, 200, { saved: true, strategy: saved, warnings: checked.warnings })
  }

  // ── live: off by default; arming needs keys, the typed phrase and the amount typed back ────
  const keyFile = options.keyFile ?? defaultKeyFile()
  const startedAt = Date.now()
  const armForMs = options.armForMs ?? 15 * 60_000
  const passphrase = options.passphrase ?? process.env[PASSPHRASE_ENV]
  let armedUntil = 0
  let halted = false
  const audit: { at: number; event: string; detail: string }[] = []
  const record = (event: string, detail: string) => {
    audit.push({ at: Date.now(), event, detail })
    if (audit.length > 1000) audit.shift()
  }
  const capital = () =>
    maxCapitalAtRisk(saved, {
      quoteBalance: balance,
      symbols: symbols.length,
      minOrderTotal,
    }).total.toString()
  const liveBody = async () => {
    const keys = (await listKeys(keyFile).catch(() => [])).filter((k) => k.exchange === 'upbit')
    const account = keys[0]?.name
    const throttled = Object.values(backbone.rest.stats().limiter).some(
      (g) => g.throttled > 0 || g.blocked > 0,
    )
    const preflight = [
      {
        id: 'keys',
        label: 'Trade keys stored on the server (bb keys add)',
        ok: account !== undefined,
        detail: account ? `${account} (${keys[0]!.accessKeyHint})` : 'none',
      },
      {
        id: 'passphrase',
        label: `Key file passphrase given (${PASSPHRASE_ENV}), to decrypt the keys when arming`,
        ok: passphrase !== undefined && passphrase !== '',
        detail: passphrase ? 'set' : 'not set',
      },
      {
        id: 'strategy',
        label: 'The strategy validates with no errors',
        ok: validate(saved).success,
        detail: saved.name,
      },
      {
        id: 'rate',
        label: 'Rate budget OK (no 429 or 418 so far)',
        ok: !throttled,
        detail: throttled ? 'throttled' : 'ok',
      },
      {
        id: 'stream',
        label: 'Market data live over the WebSocket',
        ok: health?.wsConnected === true,
        detail: health?.link.state ?? 'unknown',
      },
      {
        id: 'running',
        label: 'Engine running (not emergency-stopped)',
        ok: !halted,
        detail: halted ? 'halted' : 'running',
      },
    ]
    const armed = executor.armed
    return {
      armed,
      armedUntil: armed ? armedUntil : null,
      account: account ?? null,
      exchange: options.restUrl ? `upbit at ${options.restUrl}` : 'the embedded simulator',
      phrase: account ? `LIVE upbit ${account}` : null,
      maxCapitalAtRisk: capital(),
      symbols,
      rules: saved.rules.filter((r) => r.enabled && r.action.type === 'buy').map((r) => r.id),
      preflight,
      ready: preflight.every((p) => p.ok),
      halted,
      audit: audit.slice(-100),
    }
  }
  const publishLive = async () => hub.publish('live', await liveBody())
  // The private REST client of the armed session: the exchange's (the embedded sim's by default)
  // signed endpoints with the stored key. A second backbone whose REST client trades; it opens no
  // stream. The credentials live only inside it.
  let trading: MarketDataBackbone | undefined
  let tradingAccount: string | undefined
  const openTrading = async (account: string): Promise<MarketDataBackbone> => {
    if (!passphrase)
      throw new InvalidRequestError({
        param: 'passphrase',
        channel: 'local',
        message: `The stored keys are encrypted: start bb dashboard with ${PASSPHRASE_ENV} set to decrypt them when arming.`,
      })
    const credentials: Credentials = await loadKey(account, passphrase, keyFile)
    // The embedded sim knows no account yet: open one for this key with the paper balance.
    if (sim)
      try {
        sim.accounts.create({ ...credentials, balances: { [quote]: balance } })
      } catch {
        // The account exists already (armed before, or opened by the caller).
      }
    // Re-arming the same account keeps its client: orders of the previous session may still be polled.
    if (trading && tradingAccount === account) return trading
    await trading?.close()
    tradingAccount = account
    trading = createBackbone({
      exchange: 'upbit',
      restUrl: options.restUrl ?? sim!.restUrl,
      credentials,
      rest: { trading: 'live', limits: 'private' },
    })
    return trading
  }
  /** Cancels every open order of the account on the exchange; the count cancelled and left. */
  const cancelOpenOrders = async (gateway: MarketDataBackbone['rest']) => {
    let cancelled = 0
    for (let round = 0; round < 20; round++) {
      const open = await gateway.getOpenOrders({ limit: 100 })
      if (open.length === 0) break
      const results = await Promise.allSettled(open.map((o) => gateway.cancelOrder({ id: o.id })))
      cancelled += results.filter((r) => r.status === 'fulfilled').length
    }
    // Cancels may be asynchronous on a real exchange: what is still open is reported, not hidden.
    const left = (await gateway.getOpenOrders({ limit: 100 })).length
    return { cancelled, left }
  }
  const arm = async (res: ServerResponse, body: unknown) => {
    const parsed = ArmBody.safeParse(body)
    if (!parsed.success) return badRequest(res, 'Bad request: the body must be { phrase, amount } (strings).')
    const live = await liveBody()
    const refuse = (status: number, code: string, message: string) => {
      record('arm refused', message)
      void publishLive()
      return sendJson(res, status, { code, message, issues: [] })
    }
    if (!live.account)
      return refuse(409, 'no_keys', 'No trade keys are stored on the server: run bb keys add first.')
    if (!live.ready)
      return refuse(
        409,
        'preflight',
        `Preflight not green: ${live.preflight
          .filter((p) => !p.ok)
          .map((p) => p.label)
          .join('; ')}.`,
      )
    if (parsed.data.phrase !== live.phrase)
      return refuse(422, 'wrong_phrase', 'The phrase does not match: type it exactly.')
    const typed = parsed.data.amount.replaceAll(',', '').trim()
    if (typed !== live.maxCapitalAtRisk)
      return refuse(422, 'wrong_amount', 'The amount does not match the maximum capital at risk.')
    let liveExecutor: LiveExecutor
    try {
      const gateway = (await openTrading(live.account)).rest
      liveExecutor = new LiveExecutor({
        exchange: backbone.adapter,
        gateway,
        live: true,
        maxCapitalAtRisk: live.maxCapitalAtRisk,
        quote,
        // The amount the user typed back, as the executor's own second confirmation.
        confirmation: liveConfirmationPhrase(typed, quote),
        pollIntervalMs: 100,
      })
    } catch (error) {
      // Messages of @bb/errors name no secret (the key file's and the client's are redacted).
      return refuse(409, 'keys_unusable', toBackboneError(error, { channel: 'local' }).shortMessage)
    }
    armedUntil = Date.now() + armForMs
    executor.arm(liveExecutor, armedUntil)
    record(
      'armed',
      `${live.account}, max capital at risk ${live.maxCapitalAtRisk} ${quote}, orders to ${live.exchange} until ${new Date(armedUntil).toISOString()}`,
    )
    await publishLive()
    return sendJson(res, 200, await liveBody())
  }
  const disarm = async (res: ServerResponse) => {
    if (executor.armed) record('disarmed', 'by the user')
    armedUntil = 0
    executor.disarm()
    await publishLive()
    return sendJson(res, 200, await liveBody())
  }
  const stopAll = async (res: ServerResponse) => {
    armedUntil = 0
    executor.disarm()
    halted = true
    const sells = await engine.emergencyStop('emergency stop from the dashboard')
    let exchange = 'no live session this run: no exchange order to cancel'
    let cancelled = 0
    let left = 0
    if (trading)
      try {
        ;({ cancelled, left } = await cancelOpenOrders(trading.rest))
        exchange = `${cancelled} open order(s) cancelled on the exchange, ${left} still open`
      } catch (error) {
        exchange = `cancelling open orders failed: ${toBackboneError(error, { channel: 'local' }).shortMessage}`
      }
    record(
      'emergency stop',
      `every strategy stopped; ${sells.length} position(s) sold at market; ${exchange}`,
    )
    await publishLive()
    return sendJson(res, 200, { stopped: true, sells: sells.length, cancelled, openOrders: left })
  }

  // ── backtests: run the saved strategy over recent candles, keep the runs, export them ─────────
  interface StoredRun {
    summary: Record<string, unknown>
    report: BacktestReport
  }
  const runs: StoredRun[] = []
  const runBacktest = async (res: ServerResponse, body: unknown) => {
    const parsed = BacktestBody.safeParse(body)
    if (!parsed.success)
      return badRequest(
        res,
        `Bad backtest request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}.`,
      )
    const symbol = parsed.data.symbol ?? symbols[0]!
    if (!symbols.includes(symbol))
      return badRequest(res, `"symbol" must be one of ${symbols.join(', ')} (got "${symbol}").`)
    const candles = await recentCandles(symbol, parsed.data.candles ?? 2000)
    const controller = new AbortController()
    res.on('close', () => controller.abort())
    const report = await backtest({
      exchange: backbone.adapter,
      candles,
      rules: saved,
      initialBalance: balance,
      warmUp: 30,
      signal: controller.signal,
    })
    const summary = {
      id: runs.length + 1,
      createdAt: Date.now(),
      symbol,
      strategy: report.strategy,
      candles: report.candles,
      trades: report.trades.length,
      cycles: report.cycles.length,
      pnl: report.pnl.toString(),
      pnlPct: report.pnlPct,
      maxDrawdownPct: report.maxDrawdownPct,
      winRate: report.winRate ?? null,
      fees: report.fees.toString(),
      curve: curves(report, candles),
      rules: ruleStats(report),
    }
    runs.push({ summary, report })
    if (runs.length > 50) runs.shift()
    return sendJson(res, 200, summary)
  }

  const serveFile = async (res: ServerResponse, path: string) => {
    const file = normalize(join(UI_DIR, path === '/' || !extname(path) ? 'index.html' : path))
    if (!file.startsWith(UI_DIR))
      return sendJson(res, 404, { code: 'not_found', message: 'Not found.', issues: [] })
    try {
      const content = await readFile(file)
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': extname(file) === '.html' ? 'no-store' : 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
        'content-security-policy':
          "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
      })
      res.end(content)
    } catch {
      sendJson(res, 404, { code: 'not_found', message: `No file ${path}.`, issues: [] })
    }
  }

  let selfOrigin = ''
  let selfHost = ''
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', selfOrigin)
    // Host check: only the loopback address this server answers on (DNS rebinding).
    if (req.headers.host !== selfHost)
      return sendJson(res, 421, { code: 'wrong_host', message: 'Wrong Host.', issues: [] })
    const token = url.searchParams.get('token')
    if (req.method === 'GET' && token !== null && !url.pathname.startsWith('/api/')) {
      if (!loginTokens.delete(token)) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' })
        return res.end(
          'This link was used already. Run bb dashboard again, or open the link it printed in the same browser.\n',
        )
      }
      const session = randomBytes(24).toString('base64url')
      sessions.add(session)
      res.writeHead(303, {
        location: url.pathname,
        'set-cookie': `bb_session=${session}; HttpOnly; SameSite=Strict; Path=/`,
      })
      return res.end()
    }
    if (!authorized(req)) {
      if (url.pathname.startsWith('/api/'))
        return sendJson(res, 401, {
          code: 'unauthorized',
          message: 'Open the URL bb dashboard printed (it carries a one-time token).',
          issues: [],
        })
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' })
      return res.end('Open the URL bb dashboard printed (it carries a one-time token).\n')
    }
    if (url.pathname.startsWith('/api/'))
      return void api(req, res, url).catch((error: unknown) =>
        sendJson(res, 500, {
          code: 'internal',
          message: error instanceof Error ? error.message : String(error),
          issues: [],
        }),
      )
    if (req.method !== 'GET') return sendJson(res, 405, { code: 'method', message: 'GET only.', issues: [] })
    return void serveFile(res, url.pathname)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const actualPort = (server.address() as AddressInfo).port
  selfOrigin = `http://127.0.0.1:${actualPort}`
  selfHost = `127.0.0.1:${actualPort}`

  return {
    origin: selfOrigin,
    url: `${selfOrigin}/?token=${firstToken}`,
    sim,
    backbone,
    engine,
    hub,
    loginUrl: () => `${selfOrigin}/?token=${newToken()}`,
    dropStreams() {
      const open = [...streamsOpen]
      for (const res of open) res.destroy()
      return open.length
    },
    async close() {
      clearInterval(marketTimer)
      for (const res of streamsOpen) res.destroy()
      for (const s of subscriptions) s.unsubscribe()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await backbone.close()
      await trading?.close()
      await sim?.close()
    },
  }
}

function candleJson(c: Candle) {
  return {
    time: c.timestamp,
    open: c.open.toString(),
    high: c.high.toString(),
    low: c.low.toString(),
    close: c.close.toString(),
    volume: c.volume.toString(),
    source: c.source,
  }
}

function stateJson(engine: Engine, symbol: string) {
  const s = engine.getState(symbol)
  if (!s) return undefined
  return {
    ...s,
    quantity: s.quantity.toString(),
    cost: s.cost.toString(),
    inFlight: s.inFlight ? { id: s.inFlight.id, side: s.inFlight.side } : undefined,
  }
}
