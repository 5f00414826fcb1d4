import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { type Clock, every, systemClock } from '@bb/utils'
import { createAdmin } from './admin.js'
import { resolveBinanceSymbols } from './binance/catalog.js'
import { startBinanceSim } from './binance/sim.js'
import type { BinanceSim, BinanceSimOptions } from './binance/types.js'
import { startCoinoneSim } from './coinone/sim.js'
import type { CoinoneSim, CoinoneSimOptions } from './coinone/types.js'
import { type Account, D, decText, Engine, ExchangeError } from './exchange/engine.js'
import { bodyQuery, decodedQuery, peekAccessKey, sha512Hex, verifyJwt } from './exchange/jwt.js'
import { Faults } from './faults.js'
import { RateLimiter, remainingHeader, resolveLimits } from './limits.js'
import { resolveMarkets } from './market/catalog.js'
import { MarketModel } from './market/model.js'
import { resolvePriceReference } from './market/reference.js'
import { sidText } from './market/summary.js'
import type { Raw } from './market/views.js'
import { playFrames, type ReplayOptions } from './replay.js'
import * as qt from './rest/quotation.js'
import { createRoutes } from './rest/routes.js'
import type {
  EmittedTrade,
  PriceMoveOptions,
  Sim,
  SimAccounts,
  SimBalance,
  SimLogger,
  SimOptions,
  SimStats,
} from './types.js'
import { SimClock } from './util/clock.js'
import { readBody, writeReply } from './util/respond.js'
import { Rng } from './util/rng.js'
import { listen, stopServer } from './util/serve.js'
import { WsHub } from './ws/hub.js'

/** Options of {@link startSim} plus replay mode (used by the `bb-sim --replay` binary). */
export interface StartSimOptions extends SimOptions {
  /** Replays captured frames to WebSocket subscribers instead of the simulated stream. */
  readonly replay?: ReplayOptions
}

const AUTH_MESSAGES: Record<string, string> = {
  no_authorization_token: '인증 토큰이 존재하지 않습니다.',
  jwt_verification: 'Jwt 토큰 검증에 실패했습니다.',
  invalid_access_key: '잘못된 엑세스 키입니다.',
  invalid_query_payload: 'JWT 헤더의 페이로드가 올바르지 않습니다.',
  nonce_used: '이미 요청한 nonce값이 다시 사용되었습니다.',
}

const JSON_TYPE = 'application/json;charset=UTF-8'
const DEFAULT_ACCOUNT = { accessKey: 'sim-access-key', secretKey: 'sim-secret-key' } as const

function newStats(): SimStats {
  return {
    markets: {},
    ws: { connectionsOpen: 0, connectionsTotal: 0, messagesSent: 0, messagesByType: {}, requestsReceived: 0 },
    rest: { requests: 0, byGroup: {} },
    limitViolations: {},
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
}

function quotationError(status: number, message: string): Raw {
  return `{"error":{"name":${status},"message":${JSON.stringify(message)}}}`
}

function exchangeError(name: string, message: string): Raw {
  return `{"error":{"name":${JSON.stringify(name)},"message":${JSON.stringify(message)}}}`
}

/**
 * Starts the Binance Spot profile: the same seeded market over Binance's `/api/v3` REST paths,
 * request weights, error bodies, signed endpoints and market streams (`/ws`, `/stream`).
 *
 * @example
 * ```ts
 * import { startSim } from '@bb/sim'
 *
 * const sim = await startSim({ exchange: 'binance', seed: 42, markets: ['BTCUSDT'] })
 * const res = await fetch(`${sim.restUrl}/api/v3/ticker/price?symbol=BTCUSDT`)
 * console.log(await res.json())
 * await sim.close()
 * ```
 */
export async function startSim(options: BinanceSimOptions): Promise<BinanceSim>
/**
 * Starts the Coinone profile: the same seeded market over Coinone's public REST v2
 * (`/public/v2/...`), private v2.1 (`/v2.1/...`, HMAC-SHA512 over the Base64 payload, errors as
 * HTTP 200 `error_code` bodies), rate limits and public WebSocket (`/`).
 *
 * @example
 * ```ts
 * import { startSim } from '@bb/sim'
 *
 * const sim = await startSim({ exchange: 'coinone', seed: 42, markets: ['BTC'] })
 * const res = await fetch(`${sim.restUrl}/public/v2/ticker_new/KRW/BTC`)
 * console.log(await res.json())
 * await sim.close()
 * ```
 */
export async function startSim(options: CoinoneSimOptions): Promise<CoinoneSim>
// The Upbit overload stays last: `Parameters<typeof startSim>` (which reads the last overload) is its options.
/**
 * Starts an Upbit-compatible exchange on localhost: REST (`/v1/...`), WebSocket (`/websocket/v1`,
 * `/websocket/v1/private`) and an admin API (`/admin/...`) on one HTTP server.
 *
 * @example
 * ```ts
 * import { startSim } from '@bb/sim'
 *
 * const sim = await startSim({ seed: 42, markets: ['KRW-BTC', 'KRW-ETH'] })
 * const res = await fetch(`${sim.restUrl}/v1/ticker?markets=KRW-BTC`)
 * console.log(await res.json())
 * await sim.close()
 * ```
 */
export async function startSim(options?: StartSimOptions): Promise<Sim>
export async function startSim(
  options: StartSimOptions | BinanceSimOptions | CoinoneSimOptions = {},
): Promise<Sim | BinanceSim | CoinoneSim> {
  if ('exchange' in options && options.exchange === 'binance') return startBinanceSim(options)
  if ('exchange' in options && options.exchange === 'coinone') return startCoinoneSim(options)
  return startUpbitSim(options as StartSimOptions)
}

async function startUpbitSim(options: StartSimOptions): Promise<Sim> {
  const seed = options.seed ?? 1
  const wall: Clock = options.clock ?? systemClock
  const startTime = options.startTime ?? wall.now()
  const logger: SimLogger | undefined = options.logger
  const tradesPerSecond = options.tradesPerSecond ?? 0.5
  if (!(tradesPerSecond > 0) || !Number.isFinite(tradesPerSecond))
    throw new RangeError('tradesPerSecond must be a finite number > 0')
  const seedRng = new Rng(seed)
  const definitions = resolveMarkets(options.markets, () => seedRng.next())
  const clock = new SimClock(startTime, options.speed ?? 1, () => wall.now())
  const model = new MarketModel({
    seed,
    startTime,
    markets: definitions,
    tradesPerSecond,
    scheduledEvents: options.scheduledEvents ?? true,
    ...(options.reference
      ? {
          reference: resolvePriceReference(
            options.reference,
            resolveBinanceSymbols(options.reference.markets).map((s) => s.def),
          ),
        }
      : {}),
  })
  const stats = newStats()
  for (const m of model.markets)
    stats.markets[m.def.code] = {
      tradesEmitted: 0,
      firstSequentialId: undefined,
      lastSequentialId: undefined,
    }
  const engine = new Engine(model, () => model.processedTime)
  const limiter = new RateLimiter(options.limits === false ? false : resolveLimits(options.limits), () =>
    wall.now(),
  )
  let hub: WsHub | undefined
  const faults = new Faults(seed, stats, () => hub?.dropAll() ?? 0, wall)
  hub = new WsHub({
    model,
    engine,
    faults,
    stats,
    limiter,
    logger,
    idleTimeoutMs: options.idleTimeoutMs ?? 120_000,
    upIntervalMs: options.upIntervalMs ?? 10_000,
    bookUpdatesPerTrade: options.bookUpdatesPerTrade ?? 0,
    synthetic: options.replay === undefined,
    clock: wall,
  })
  const wsHub = hub
  const replaying = options.replay !== undefined

  let defaultAccount: { accessKey: string; secretKey: string } | undefined
  if (options.accounts) {
    for (const [accessKey, spec] of Object.entries(options.accounts))
      engine.addAccount(accessKey, spec.secretKey, { ...spec.balances })
  } else {
    engine.addAccount(DEFAULT_ACCOUNT.accessKey, DEFAULT_ACCOUNT.secretKey, { KRW: '100000000' })
    defaultAccount = { ...DEFAULT_ACCOUNT }
  }

  engine.events = {
    order: (account, order, state, fill) => wsHub.onOrder(account, order, state, fill),
    assets: (account, currencies) => wsHub.onAssets(account, currencies),
  }
  model.onTrade = (m, t) => {
    const s = stats.markets[m.def.code]
    if (s) {
      s.tradesEmitted++
      const sid = sidText(t)
      if (s.firstSequentialId === undefined) s.firstSequentialId = sid
      s.lastSequentialId = sid
    }
    if (!replaying) wsHub.onTrade(m, t)
    engine.onMarketTrade(m, t)
  }

  // ------------------------------------------------------------------ time

  const produce = (target: number): void => {
    while (model.processedTime < target) {
      const p = model.processedTime
      const next = Math.min(target, Math.floor((p + 1) / 1000) * 1000 + 999)
      model.advanceTo(next)
      if (!replaying) wsHub.flushCandles(next)
    }
  }
  const sync = (): void => produce(clock.now())
  let driver: (() => void) | undefined
  const startDriver = (): void => {
    driver?.()
    driver = undefined
    if (clock.speed > 0)
      driver = every(wall, 50, sync, (error) => logger?.error({ error: String(error) }, 'sim driver failed'))
  }
  startDriver()

  // ------------------------------------------------------------------ REST routes

  const findRoute = createRoutes(model, engine)

  const timers = new Set<unknown>()
  const reply = (res: ServerResponse, status: number, body: string, headers: Record<string, string>): void =>
    writeReply(res, status, body, headers, { ms: faults.state.restDelayMs, clock: wall, timers })

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim.local')
    const method = (req.method ?? 'GET').toUpperCase()
    const path = url.pathname
    if (options.admin !== false && (path === '/admin' || path.startsWith('/admin/'))) {
      const text = method === 'POST' ? await readBody(req) : ''
      const [status, body] = admin(method, path, text)
      res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': String(Buffer.byteLength(body)) })
      res.end(body)
      return
    }
    const route = findRoute(method, path)
    if (!route) {
      reply(res, 404, exchangeError('not_found', 'no Route matched with those values'), {
        'Content-Type': JSON_TYPE,
      })
      return
    }
    stats.rest.requests++
    stats.rest.byGroup[route.group] = (stats.rest.byGroup[route.group] ?? 0) + 1
    const rawBody = method === 'POST' || method === 'DELETE' ? await readBody(req) : ''
    if (faults.storming()) {
      stats.faults.restStormed++
      reply(res, 429, 'Too many API requests.', {
        'Content-Type': 'text/plain;charset=UTF-8',
        'Remaining-Req': remainingHeader(route.group, limiter.limitOf(route.group), 0),
      })
      return
    }
    const failStatus = faults.failStatusNow()
    if (failStatus > 0) {
      stats.faults.restFailed++
      const body = route.auth
        ? exchangeError('server_error', 'Internal Server Error')
        : quotationError(failStatus, 'Internal Server Error')
      reply(res, failStatus, body, { 'Content-Type': JSON_TYPE })
      return
    }
    const ip = req.socket.remoteAddress ?? 'unknown'
    const authorization = req.headers.authorization
    const subject = route.auth ? `key:${peekAccessKey(authorization) ?? ip}` : `ip:${ip}`
    const decision = limiter.take(route.group, subject)
    if (decision.kind !== 'ok') {
      stats.limitViolations[route.group] = (stats.limitViolations[route.group] ?? 0) + 1
      if (decision.kind === 'banned') {
        const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000))
        reply(res, 418, `Too many API requests. Blocked for ${seconds} seconds.`, {
          'Content-Type': 'text/plain;charset=UTF-8',
          'Retry-After': String(seconds),
        })
      } else {
        reply(res, 429, 'Too many API requests.', {
          'Content-Type': 'text/plain;charset=UTF-8',
          'Remaining-Req': remainingHeader(route.group, limiter.limitOf(route.group), 0),
        })
      }
      return
    }
    const headers = {
      'Content-Type': JSON_TYPE,
      'Remaining-Req': remainingHeader(route.group, limiter.limitOf(route.group), decision.remaining),
    }
    sync()
    let body: Record<string, unknown> | undefined
    if (rawBody.trim() !== '') {
      try {
        const v: unknown = JSON.parse(rawBody)
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object')
        body = v as Record<string, unknown>
      } catch {
        reply(res, 400, exchangeError('validation_error', 'JSON 형식의 요청 본문이 필요합니다.'), headers)
        return
      }
    }
    let account: Account | undefined
    if (route.auth) {
      const v = verifyJwt(authorization, (k) => engine.accounts.get(k)?.secretKey)
      if (typeof v === 'string') {
        reply(res, 401, exchangeError(v, AUTH_MESSAGES[v] ?? v), headers)
        return
      }
      account = engine.accounts.get(v.accessKey) as Account
      const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : ''
      const candidates: string[] = []
      if (body && Object.keys(body).length > 0) candidates.push(bodyQuery(body, false), bodyQuery(body, true))
      else if (rawQuery !== '') candidates.push(decodedQuery(rawQuery))
      if (candidates.length > 0) {
        if (!v.queryHash || !candidates.some((c) => sha512Hex(c) === v.queryHash)) {
          reply(
            res,
            401,
            exchangeError('invalid_query_payload', AUTH_MESSAGES.invalid_query_payload as string),
            headers,
          )
          return
        }
      }
      if (account.nonces.has(v.nonce)) {
        reply(res, 401, exchangeError('nonce_used', AUTH_MESSAGES.nonce_used as string), headers)
        return
      }
      account.nonces.add(v.nonce)
    }
    try {
      const out = route.run({ query: url.searchParams, path, account, body })
      reply(res, route.status ?? 200, out, headers)
    } catch (err) {
      if (err instanceof qt.QuotationError)
        reply(res, err.status, quotationError(err.status, err.message), headers)
      else if (err instanceof ExchangeError)
        reply(res, err.status, exchangeError(err.errorName, err.message), headers)
      else {
        logger?.error({ err, path }, 'request failed')
        reply(res, 500, quotationError(500, 'Internal Server Error'), headers)
      }
    }
  }

  // ------------------------------------------------------------------ admin

  const marketControls = {
    get codes(): readonly string[] {
      return model.markets.map((m) => m.def.code)
    },
    list() {
      return model.markets.map((m) => ({
        code: m.def.code,
        quote: m.quote,
        base: m.def.base,
        koreanName: m.def.koreanName,
        englishName: m.def.englishName,
      }))
    },
    price(code: string): number {
      sync()
      const m = model.market(code)
      if (!m) throw new RangeError(`Unknown market "${code}"`)
      return model.lastTrade(m)?.price ?? m.def.referencePrice
    },
    crash(code: string, opts: PriceMoveOptions = {}): void {
      move(code, -(opts.pct ?? 10), opts.durationMs ?? 30_000)
    },
    surge(code: string, opts: PriceMoveOptions = {}): void {
      move(code, opts.pct ?? 10, opts.durationMs ?? 30_000)
    },
  }
  function move(code: string, pct: number, durationMs: number): void {
    const m = model.market(code)
    if (!m) throw new RangeError(`Unknown market "${code}"`)
    if (!(Math.abs(pct) > 0 && Math.abs(pct) < 100))
      throw new RangeError('pct must be between 0 and 100 (exclusive)')
    if (!(durationMs > 0)) throw new RangeError('durationMs must be > 0')
    sync()
    model.inject(m, pct / 100, durationMs)
    logger?.info({ code, pct, durationMs }, 'price move injected')
  }

  const accounts: SimAccounts = {
    create(opts = {}) {
      const accessKey = opts.accessKey ?? `ak-${randomBytes(12).toString('hex')}`
      const secretKey = opts.secretKey ?? `sk-${randomBytes(16).toString('hex')}`
      engine.addAccount(accessKey, secretKey, { ...(opts.balances ?? {}) })
      return { accessKey, secretKey }
    },
    balances(accessKey: string): Record<string, SimBalance> {
      const account = engine.accounts.get(accessKey)
      if (!account) throw new RangeError(`Unknown access key "${accessKey}"`)
      const out: Record<string, SimBalance> = {}
      for (const [c, b] of account.balances)
        out[c] = {
          balance: decText(b.balance),
          locked: decText(b.locked),
          avgBuyPrice: decText(b.avgBuyPrice),
        }
      return out
    },
    setBalance(accessKey: string, currency: string, amount: string): void {
      const account = engine.accounts.get(accessKey)
      if (!account) throw new RangeError(`Unknown access key "${accessKey}"`)
      engine.balance(account, currency).balance = new D(amount)
      wsHub.onAssets(account, [currency])
    },
  }

  const admin = createAdmin({
    stats,
    faults,
    market: marketControls,
    accounts,
    advance: (ms) => sim.advance(ms),
    setSpeed: (speed) => sim.setSpeed(speed),
    now: () => clock.now(),
  })

  // ------------------------------------------------------------------ server

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger?.error({ err }, 'request failed')
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': JSON_TYPE })
        res.end(quotationError(500, 'Internal Server Error'))
      }
    })
  })
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    sync()
    if (!wsHub.handleUpgrade(req, socket, head)) {
      const body = exchangeError('not_found', 'no Route matched with those values')
      socket.end(
        `HTTP/1.1 404 Not Found\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      )
    }
  })
  const { port, origin, sockets } = await listen(server, options, {
    refusing: () => faults.refusing(),
    refused: () => {
      stats.faults.connectionsRefused++
    },
  })

  // ------------------------------------------------------------------ replay

  const stopReplay = options.replay
    ? playFrames(wall, options.replay, (type, code, frame) => wsHub.broadcastRaw(type, code, frame))
    : undefined

  let closing: Promise<void> | undefined
  const sim: Sim = {
    restUrl: `http://${origin}`,
    wsUrl: `ws://${origin}/websocket/v1`,
    privateWsUrl: `ws://${origin}/websocket/v1/private`,
    adminUrl: `http://${origin}/admin`,
    port,
    seed,
    defaultAccount,
    market: marketControls,
    faults,
    stats,
    accounts,
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
    emittedTrades(code: string, afterSequentialId?: string): EmittedTrade[] {
      sync()
      const m = model.market(code)
      if (!m) throw new RangeError(`Unknown market "${code}"`)
      const first = m.firstLiveSid
      if (!first) return []
      const out: EmittedTrade[] = []
      let started = false
      for (const t of m.trades) {
        if (!started) {
          if (t !== first) continue
          started = true
        }
        const sid = sidText(t)
        if (
          afterSequentialId !== undefined &&
          (sid.length < afterSequentialId.length ||
            (sid.length === afterSequentialId.length && sid <= afterSequentialId))
        )
          continue
        out.push({
          sequentialId: sid,
          timestamp: t.ts,
          price: t.price,
          volume: t.volume,
          askBid: t.bid ? 'BID' : 'ASK',
        })
      }
      return out
    },
    close(): Promise<void> {
      if (closing) return closing
      closing = (async () => {
        driver?.()
        driver = undefined
        stopReplay?.()
        for (const t of timers) wall.clearTimeout(t)
        timers.clear()
        faults.dispose()
        await wsHub.close()
        await stopServer(server, sockets)
      })()
      return closing
    },
  }
  logger?.info({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, seed, markets: model.markets.length }, 'sim started')
  return sim
}
