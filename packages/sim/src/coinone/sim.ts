import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { type Clock, every, systemClock } from '@bb/utils'
import { resolveBinanceSymbols } from '../binance/catalog.js'
import { Engine } from '../exchange/engine.js'
import { Faults } from '../faults.js'
import { MarketModel } from '../market/model.js'
import { resolvePriceReference } from '../market/reference.js'
import { SimClock } from '../util/clock.js'
import { readBody, writeReply } from '../util/respond.js'
import { listen, stopServer } from '../util/serve.js'
import { CoinoneError, dataId, resolveCoinonePairs } from './catalog.js'
import { CoinoneOrderFeed } from './feed.js'
import { CoinonePrivate } from './private.js'
import { coinoneRoutes } from './rest.js'
import type { CoinoneSim, CoinoneSimOptions, CoinoneSimStats } from './types.js'
import type { CoMarket } from './views.js'
import { COINONE_PRIVATE_PATH, CoinoneHub } from './ws.js'

const JSON_TYPE = 'application/json'
const DEFAULT_ACCOUNT = {
  accessToken: 'sim-coinone-access-token',
  secretKey: 'sim-coinone-secret-key',
} as const
const ORDER_PATHS = new Set([
  '/v2.1/order',
  '/v2.1/order/cancel',
  '/v2.1/order/cancel/all',
  '/v2.1/order/limit',
])
const BLOCKED = new CoinoneError('4', 'Blocked user access', 429)
// The docs' HTML page, answered (HTTP 200) for any unknown path.
const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>Coinone API</title></head><body>Coinone Open API</body></html>'

/** A token bucket per key: `capacity` tokens refilled evenly over `periodMs`. */
class Buckets {
  private readonly state = new Map<string, { tokens: number; at: number }>()
  constructor(
    private readonly capacity: number,
    private readonly periodMs: number,
    private readonly clock: Clock,
  ) {}

  /** Takes one token; returns the tokens left, or -1 when none was left. */
  take(key: string): number {
    const now = this.clock.now()
    const s = this.state.get(key) ?? { tokens: this.capacity, at: now }
    s.tokens = Math.min(this.capacity, s.tokens + ((now - s.at) * this.capacity) / this.periodMs)
    s.at = now
    this.state.set(key, s)
    if (s.tokens < 1) return -1
    s.tokens -= 1
    return Math.floor(s.tokens)
  }
}

/**
 * Starts the Coinone profile of the simulator: the same seeded market model served through
 * Coinone's public REST v2 (`/public/v2/*`), private v2.1 (`/v2.1/*`, HMAC-SHA512 over the Base64
 * payload) with errors as HTTP 200 `error_code` bodies, the public WebSocket (`/`), the rate limits
 * and the shared fault injection. Use `startSim({ exchange: 'coinone' })`.
 */
export async function startCoinoneSim(options: CoinoneSimOptions): Promise<CoinoneSim> {
  const seed = options.seed ?? 1
  const wall: Clock = options.clock ?? systemClock
  const startTime = options.startTime ?? wall.now()
  const tradesPerSecond = options.tradesPerSecond ?? 0.5
  if (!(tradesPerSecond > 0) || !Number.isFinite(tradesPerSecond))
    throw new RangeError('tradesPerSecond must be a finite number > 0')
  const pairs = resolveCoinonePairs(options.markets)
  const limits = options.coinone === false ? undefined : (options.coinone ?? {})
  const clock = new SimClock(startTime, options.speed ?? 1, () => wall.now())
  const model = new MarketModel({
    seed,
    startTime,
    markets: pairs.map((p) => p.def),
    tradesPerSecond,
    scheduledEvents: options.scheduledEvents ?? true,
    // Correlated prices: each pair follows the Binance market of its base (see `reference`).
    ...(options.reference
      ? {
          reference: resolvePriceReference(
            options.reference,
            resolveBinanceSymbols(options.reference.markets).map((s) => s.def),
          ),
        }
      : {}),
  })
  const markets: CoMarket[] = model.markets.map((m, i) => ({ pair: pairs[i] as (typeof pairs)[number], m }))
  const byState = new Map(markets.map((cm) => [cm.m, cm]))
  const tapes = new Map<string, string[]>(markets.map((cm) => [cm.pair.symbol, []]))
  const stats: CoinoneSimStats = {
    markets: Object.fromEntries(
      markets.map((cm) => [
        cm.pair.symbol,
        { tradesEmitted: 0, firstTradeId: undefined, lastTradeId: undefined },
      ]),
    ),
    limitViolations: 0,
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
  let authenticateStream: CoinonePrivate['authenticateStream'] = () => {
    throw new CoinoneError('12', 'Invalid access token')
  }
  const hub = new CoinoneHub({
    faults,
    model,
    markets,
    wall,
    maxConnections: limits?.maxConnections ?? 20,
    firstRequestTimeoutMs: limits?.firstRequestTimeoutMs ?? 60_000,
    idleTimeoutMs: limits?.idleTimeoutMs ?? 1_800_000,
    authenticate: (payload, signature) => authenticateStream(payload, signature),
  })
  dropAll = () => hub.dropAll()
  const engine = new Engine(model, () => model.processedTime)
  let defaultAccount: CoinoneSim['defaultAccount']
  if (options.accounts) {
    for (const [token, spec] of Object.entries(options.accounts))
      engine.addAccount(token, spec.secretKey, { ...spec.balances })
  } else {
    engine.addAccount(DEFAULT_ACCOUNT.accessToken, DEFAULT_ACCOUNT.secretKey, { KRW: '100000000', BTC: '1' })
    defaultAccount = { ...DEFAULT_ACCOUNT }
  }
  const priv = new CoinonePrivate(engine, markets, () => model.processedTime)
  authenticateStream = (payload, signature) => priv.authenticateStream(payload, signature)
  // MYORDER / MYASSET on the private WebSocket, from this profile's own engine.
  engine.events = new CoinoneOrderFeed(
    engine,
    () => model.processedTime,
    (accessKey, channel, target, data) => hub.publishPrivate(accessKey, channel, target, data),
    (accessKey, orderId) => priv.userOrderIdOf(accessKey, orderId),
  )
  model.onTrade = (m, t) => {
    const cm = byState.get(m)
    if (!cm) return
    const id = dataId(t, t.ts)
    const tape = stats.markets[cm.pair.symbol]
    if (tape) {
      tape.tradesEmitted++
      tape.firstTradeId ??= id
      tape.lastTradeId = id
      tapes.get(cm.pair.symbol)?.push(id)
    }
    hub.onTrade(cm, t)
    engine.onMarketTrade(m, t)
  }

  const sync = (): void => model.advanceTo(clock.now())
  let driver: (() => void) | undefined
  const startDriver = (): void => {
    driver?.()
    driver = undefined
    driver = every(
      wall,
      50,
      () => {
        if (clock.speed > 0) sync()
        hub.step()
      },
      (error) => options.logger?.error({ error: String(error) }, 'coinone sim driver failed'),
    )
  }
  startDriver()

  const publicBucket = limits ? new Buckets(limits.publicPerMinute ?? 1200, 60_000, wall) : undefined
  const orderBucket = limits ? new Buckets(limits.orderPerSecond ?? 40, 1000, wall) : undefined
  const privateBucket = limits ? new Buckets(limits.privatePerSecond ?? 80, 1000, wall) : undefined
  const route = coinoneRoutes(model, markets)

  const timers = new Set<unknown>()
  const send = (
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ): void =>
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
    const signed = method === 'POST' ? priv.routes.get(url.pathname.replace(/\/$/, '')) : undefined
    const pub = method === 'GET' ? route(url.pathname) : undefined
    if (method === 'POST') await readBody(req) // the payload travels in the header (the body is not read)
    if (!signed && !pub) {
      send(res, 200, HTML_PAGE, { 'Content-Type': 'text/html; charset=utf-8' })
      return
    }
    if (faults.storming()) {
      // A storm of rate-limit replies the client did not cause.
      stats.faults.restStormed++
      const left = Math.max(1, Math.ceil((faults.state.stormUntil - wall.now()) / 1000))
      send(res, BLOCKED.status, BLOCKED.body(), { 'Retry-After': String(left) })
      return
    }
    const failStatus = faults.failStatusNow()
    if (failStatus > 0) {
      stats.faults.restFailed++
      send(res, failStatus, JSON.stringify({ result: 'error', error_code: '405', error_msg: 'Server error' }))
      return
    }
    const headers: Record<string, string> = {}
    sync()
    try {
      if (pub) {
        if (publicBucket) {
          const left = publicBucket.take(req.socket.remoteAddress ?? 'unknown')
          if (left < 0) {
            stats.limitViolations++
            headers['Retry-After'] = String(Math.max(1, Math.ceil(60 / (limits?.publicPerMinute ?? 1200))))
            throw BLOCKED
          }
          headers['Public-Ratelimit-Remaining'] = String(left)
          headers['Public-Ratelimit-Replenish-Rate'] = String(
            Math.round((limits?.publicPerMinute ? limits.publicPerMinute : 1200) / 60),
          )
          headers['Public-Ratelimit-Burst-Capacity'] = String(limits?.publicPerMinute ?? 1200)
        }
        send(res, 200, JSON.stringify(pub(url.searchParams)), headers)
        return
      }
      const payload = req.headers['x-coinone-payload']
      const signature = req.headers['x-coinone-signature']
      const { account, body } = priv.authenticate(
        typeof payload === 'string' ? payload : undefined,
        typeof signature === 'string' ? signature : undefined,
      )
      const isOrder = ORDER_PATHS.has(url.pathname)
      const bucket = isOrder ? orderBucket : privateBucket
      if (bucket) {
        const left = bucket.take(account.accessKey)
        if (left < 0) {
          stats.limitViolations++
          headers['Retry-After'] = '1'
          throw BLOCKED
        }
        headers[isOrder ? 'Private-Order-Ratelimit-Remaining' : 'Private-Ratelimit-Remaining'] = String(left)
      }
      send(res, 200, JSON.stringify((signed as NonNullable<typeof signed>)(account, body)), headers)
    } catch (err) {
      if (err instanceof CoinoneError) send(res, err.status, err.body(), headers)
      else {
        options.logger?.error({ err: String(err), path: url.pathname }, 'request failed')
        send(
          res,
          500,
          JSON.stringify({ result: 'error', error_code: '405', error_msg: 'Server error' }),
          headers,
        )
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.logger?.error({ err: String(err) }, 'request failed')
      if (!res.headersSent)
        send(res, 500, JSON.stringify({ result: 'error', error_code: '405', error_msg: 'Server error' }))
    })
  })
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    sync()
    if (!hub.handleUpgrade(req, socket, head))
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
  })
  const { port, origin, sockets } = await listen(server, options, {
    refusing: () => faults.refusing(),
    refused: () => {
      stats.faults.connectionsRefused++
    },
  })
  const symbolOf = (s: string): string => {
    const u = s.toUpperCase()
    return u.includes('/') ? u : `${u}/KRW`
  }
  let closing: Promise<void> | undefined
  const sim: CoinoneSim = {
    exchange: 'coinone',
    restUrl: `http://${origin}`,
    wsUrl: `ws://${origin}/`,
    wsPrivateUrl: `ws://${origin}${COINONE_PRIVATE_PATH}`,
    port,
    seed,
    symbols: pairs.map((p) => p.symbol),
    defaultAccount,
    faults,
    stats,
    emittedTradeIds: (symbol: string): string[] => (tapes.get(symbolOf(symbol)) ?? []).slice(),
    now: () => clock.now(),
    advance(ms: number): void {
      clock.advance(ms)
      sync()
    },
    setSpeed(speed: number): void {
      sync()
      clock.setSpeed(speed)
    },
    close(): Promise<void> {
      closing ??= (async () => {
        driver?.()
        driver = undefined
        faults.dispose()
        for (const t of timers) wall.clearTimeout(t)
        timers.clear()
        await hub.close()
        await stopServer(server, sockets)
      })()
      return closing
    },
  }
  options.logger?.info({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, seed }, 'coinone sim started')
  return sim
}
