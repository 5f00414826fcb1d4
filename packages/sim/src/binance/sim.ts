import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { type Clock, every, systemClock } from '@bb/utils'
import { Engine } from '../exchange/engine.js'
import { Faults } from '../faults.js'
import { MarketModel } from '../market/model.js'
import { SimClock } from '../util/clock.js'
import { readBody, writeReply } from '../util/respond.js'
import { resolveBinanceSymbols } from './catalog.js'
import { DepthBook } from './depth.js'
import { BinanceError, idWire, toJson } from './format.js'
import { TradeIds } from './ids.js'
import type { BnMarket } from './market.js'
import { BinancePrivate } from './private.js'
import { binanceRoutes } from './rest.js'
import type { BinanceSim, BinanceSimOptions, BinanceSimStats } from './types.js'
import { WeightLimiter } from './weights.js'
import { BinanceHub } from './ws.js'
import { BinanceWsApi } from './ws-api.js'

const JSON_TYPE = 'application/json;charset=UTF-8'
const DEFAULT_ACCOUNT = { apiKey: 'sim-binance-api-key', secretKey: 'sim-binance-secret-key' } as const

/**
 * Starts the Binance Spot profile of the simulator: the same seeded market model served through
 * Binance's public REST paths (`/api/v3/*`), request weights and error bodies, and its market
 * streams (`/ws`, `/stream`). Use `startSim({ exchange: 'binance' })`.
 */
export async function startBinanceSim(options: BinanceSimOptions): Promise<BinanceSim> {
  const seed = options.seed ?? 1
  const wall: Clock = options.clock ?? systemClock
  const startTime = options.startTime ?? wall.now()
  const tradesPerSecond = options.tradesPerSecond ?? 0.5
  if (!(tradesPerSecond > 0) || !Number.isFinite(tradesPerSecond))
    throw new RangeError('tradesPerSecond must be a finite number > 0')
  const symbols = resolveBinanceSymbols(options.markets)
  const clock = new SimClock(startTime, options.speed ?? 1, () => wall.now())
  const model = new MarketModel({
    seed,
    startTime,
    markets: symbols.map((s) => s.def),
    tradesPerSecond,
    scheduledEvents: options.scheduledEvents ?? true,
  })
  const markets: BnMarket[] = model.markets.map((m, i) => {
    const sym = symbols[i] as (typeof symbols)[number]
    const depth = new DepthBook(model, m, sym, 40_000_000_000 + i * 1_000_000_000 + (seed % 1000) * 1_000_000)
    depth.track(100)
    depth.track(1000)
    const ids = new TradeIds(model, m, 3_000_000_000 + i * 100_000_000)
    return { sym, m, ids, depth, wire: idWire(options.binance?.tradeIdOffset) }
  })
  const byState = new Map(markets.map((bm) => [bm.m, bm]))
  const bn = options.binance ?? {}
  const stats: BinanceSimStats = {
    markets: Object.fromEntries(
      markets.map((bm) => [
        bm.sym.symbol,
        {
          tradesEmitted: 0,
          firstTradeId: undefined,
          lastTradeId: undefined,
          depthDiffsSent: 0,
          depthDiffsSkipped: 0,
        },
      ]),
    ),
    faults: {
      wsDropped: 0,
      framesSilenced: 0,
      framesCorrupted: 0,
      restFailed: 0,
      restStormed: 0,
      connectionsRefused: 0,
      tradesReordered: 0,
    },
  }
  let dropAll = (): number => 0
  const faults = new Faults(seed, stats, () => dropAll(), wall)
  const hub = new BinanceHub({
    faults,
    stats,
    model,
    markets,
    wall,
    pingIntervalMs: bn.pingIntervalMs ?? 20_000,
    messagesPerSecond: bn.messagesPerSecond ?? 5,
    now: () => model.processedTime,
  })
  const engine = new Engine(model, () => model.processedTime)
  let defaultAccount: BinanceSim['defaultAccount']
  if (options.accounts) {
    for (const [apiKey, spec] of Object.entries(options.accounts))
      engine.addAccount(apiKey, spec.secretKey, { ...spec.balances })
  } else {
    engine.addAccount(DEFAULT_ACCOUNT.apiKey, DEFAULT_ACCOUNT.secretKey, { USDT: '100000', BTC: '1' })
    defaultAccount = { ...DEFAULT_ACCOUNT }
  }
  const priv = new BinancePrivate(engine, markets, () => model.processedTime)
  engine.events = priv.events
  const wsApi = new BinanceWsApi({
    priv,
    faults,
    wall,
    now: () => model.processedTime,
    pingIntervalMs: bn.pingIntervalMs ?? 20_000,
  })
  priv.onUserEvent = (apiKey, event) => wsApi.publish(apiKey, event)
  dropAll = () => hub.dropAll() + wsApi.dropAll()
  model.onTrade = (m, t) => {
    const bm = byState.get(m)
    if (!bm) return
    bm.ids.noteAppend()
    const tape = stats.markets[bm.sym.symbol]
    if (tape) {
      const id = bm.wire.out(bm.ids.lastId()).toString()
      tape.tradesEmitted++
      tape.firstTradeId ??= id
      tape.lastTradeId = id
    }
    const changed = bm.depth.refresh()
    hub.onTrade(bm, bm.ids.lastId(), t, changed)
    engine.onMarketTrade(m, t)
  }

  const produce = (target: number): void => {
    while (model.processedTime < target) {
      const p = model.processedTime
      const next = Math.min(target, Math.floor((p + 1) / 100) * 100 + 99)
      model.advanceTo(next)
      hub.step(next)
      wsApi.step(next)
    }
  }
  const sync = (): void => produce(clock.now())
  let driver: (() => void) | undefined
  const startDriver = (): void => {
    driver?.()
    driver = undefined
    if (clock.speed > 0)
      driver = every(wall, 50, sync, (error) =>
        options.logger?.error({ error: String(error) }, 'binance sim driver failed'),
      )
  }
  startDriver()

  const weightLimit = bn.weightLimit ?? 6000
  const limiter = new WeightLimiter(weightLimit, bn.banAfter ?? 5, wall, {
    ...(bn.weightWindowMs !== undefined ? { windowMs: bn.weightWindowMs } : {}),
    ...(bn.banMs !== undefined ? { banMs: bn.banMs } : {}),
  })
  const routes = binanceRoutes(model, markets, weightLimit)

  const timers = new Set<unknown>()
  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string>): void =>
    writeReply(
      res,
      status,
      body,
      { 'Content-Type': JSON_TYPE, ...headers },
      {
        ms: faults.state.restDelayMs,
        clock: wall,
        timers,
      },
    )
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim.local')
    const method = (req.method ?? 'GET').toUpperCase()
    const signed = priv.routes.get(`${method} ${url.pathname}`)
    const route = signed ?? (method === 'GET' ? routes.get(url.pathname) : undefined)
    const rawBody = method === 'POST' || method === 'PUT' || method === 'DELETE' ? await readBody(req) : ''
    if (!route) {
      send(res, 404, '', { 'Content-Type': 'text/html' })
      return
    }
    if (faults.storming()) {
      // A storm of 429s the client did not cause: Binance's body and headers, no weight charged.
      stats.faults.restStormed++
      const msg = `Too much request weight used; current limit is ${weightLimit} request weight per ${limiter.intervalText}. Please use WebSocket Streams for live updates to avoid polling the API.`
      send(res, 429, JSON.stringify({ code: -1003, msg }), { 'Retry-After': '1' })
      return
    }
    const failStatus = faults.failStatusNow()
    if (failStatus > 0) {
      stats.faults.restFailed++
      const body =
        failStatus === 500
          ? { code: -1000, msg: 'An unknown error occurred while processing the request.' }
          : failStatus === 504
            ? {
                code: -1007,
                msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
              }
            : { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' }
      send(res, failStatus, JSON.stringify(body), {})
      return
    }
    const ip = req.socket.remoteAddress ?? 'unknown'
    const weight = route.weight(url.searchParams)
    const d = limiter.charge(ip, weight)
    const headers = { 'X-MBX-USED-WEIGHT': String(d.used), 'X-MBX-USED-WEIGHT-1M': String(d.used) }
    if (d.kind === 'banned') {
      const msg = `Way too much request weight used; IP banned until ${d.until}. Please use WebSocket Streams for live updates to avoid bans.`
      send(res, 418, JSON.stringify({ code: -1003, msg }), {
        ...headers,
        'Retry-After': String(d.retryAfterS),
      })
      return
    }
    if (d.kind === 'limited') {
      const msg = `Too much request weight used; current limit is ${weightLimit} request weight per ${limiter.intervalText}. Please use WebSocket Streams for live updates to avoid polling the API.`
      send(res, 429, JSON.stringify({ code: -1003, msg }), {
        ...headers,
        'Retry-After': String(d.retryAfterS),
      })
      return
    }
    sync()
    try {
      let out: unknown
      if (signed) {
        const key = req.headers['x-mbx-apikey']
        const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : ''
        const { account, params } = priv.authenticate(
          typeof key === 'string' ? key : undefined,
          rawQuery,
          rawBody,
        )
        out = signed.run(account, params)
      } else out = (route as { run(q: URLSearchParams): unknown }).run(url.searchParams)
      send(res, 200, toJson(out), headers)
    } catch (err) {
      if (err instanceof BinanceError) send(res, err.status, err.body(), headers)
      else {
        options.logger?.error({ err: String(err), path: url.pathname }, 'request failed')
        send(
          res,
          500,
          JSON.stringify({ code: -1000, msg: 'An unknown error occurred while processing the request.' }),
          headers,
        )
      }
    }
  }

  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.logger?.error({ err: String(err) }, 'request failed')
      if (!res.headersSent)
        send(
          res,
          500,
          JSON.stringify({ code: -1000, msg: 'An unknown error occurred while processing the request.' }),
          {},
        )
    })
  })
  server.keepAliveTimeout = 5000
  server.on('connection', (s: Socket) => {
    if (faults.refusing()) {
      stats.faults.connectionsRefused++
      s.destroy()
      return
    }
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    sync()
    if (!hub.handleUpgrade(req, socket, head) && !wsApi.handleUpgrade(req, socket, head))
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const origin = `${host.includes(':') ? `[${host}]` : host}:${port}`
  let closing: Promise<void> | undefined
  const sim: BinanceSim = {
    exchange: 'binance',
    restUrl: `http://${origin}`,
    wsUrl: `ws://${origin}/ws`,
    streamUrl: `ws://${origin}/stream`,
    wsApiUrl: `ws://${origin}/ws-api/v3`,
    port,
    seed,
    symbols: symbols.map((s) => s.symbol),
    defaultAccount,
    faults,
    stats,
    emittedTradeIds(symbol: string): string[] {
      const tape = stats.markets[symbol]
      if (!tape || tape.firstTradeId === undefined || tape.lastTradeId === undefined) return []
      const out: string[] = []
      for (let id = BigInt(tape.firstTradeId); id <= BigInt(tape.lastTradeId); id++) out.push(id.toString())
      return out
    },
    skipDepthUpdates(symbol: string, count = 1): void {
      if (!symbols.some((s) => s.symbol === symbol))
        throw new RangeError(`skipDepthUpdates: ${String(symbol)} is not a listed symbol`)
      if (!Number.isSafeInteger(count) || count < 1)
        throw new RangeError(`skipDepthUpdates: count must be a positive integer (got ${String(count)})`)
      hub.skipDepth(symbol, count)
    },
    now: () => clock.now(),
    advance(ms: number): void {
      clock.advance(ms)
      sync()
    },
    setSpeed(speed: number): void {
      sync()
      clock.setSpeed(speed)
      startDriver()
    },
    close(): Promise<void> {
      closing ??= (async () => {
        driver?.()
        driver = undefined
        faults.dispose()
        for (const t of timers) wall.clearTimeout(t)
        timers.clear()
        await hub.close()
        await wsApi.close()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          for (const s of sockets) s.destroy()
          server.closeAllConnections()
        })
      })()
      return closing
    },
  }
  options.logger?.info({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, seed }, 'binance sim started')
  return sim
}
